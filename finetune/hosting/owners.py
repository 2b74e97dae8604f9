"""Who owns a run, decided on the server.

A visitor is known by a server-issued id signed with the server's secret (itsdangerous): the browser
keeps it (gr.BrowserState) and sends it back, and it counts only once its signature checks. Where the
Space enables "Sign in with HF", the Hugging Face username is the owner instead ("hf:NAME"). Each run
folder records its owner in owner.json before its process starts. The demo run is shared: everyone may
read it, nobody may change it.

Locally (no SPACE_ID) one person uses the app: every run is theirs, the "all runs" view stays. On a
Space a visitor reads and changes only their own runs and the shared ones. Nothing the browser sends
names a folder: run names are checked against RUN_NAME and resolved under the runs root (resolve_run).
This module never imports gradio.
"""
from __future__ import annotations

import os
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Callable

from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..errors import ConfigError
from ..runs.folder import OWNER_FILE, RunPaths, owner_of, record_owner, runs_root  # noqa: F401 (the owner file is the run folder's)

SHARED = "*"  # the owner of a run everyone may read (the demo run)
SECRET_FILE = ".secret"
RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")
_SALT = "finetune-visitor"
MAX_AGE_S = 7 * 24 * 3600  # an id older than this is refused (the page gets a fresh one)
IDS_PER_HOUR = 10  # fresh ids one client address gets in an hour (FINETUNE_IDS_PER_HOUR); a reload keeps its id
# In memory (one app process serves a Space): which client address each id was issued to, and when.
_ISSUED: dict[str, deque] = defaultdict(deque)  # client -> monotonic times of the ids issued to it
_CLIENT_OF: dict[str, str] = {}  # owner -> client address it was issued to
_IDS_LOCK = threading.Lock()
_PROCESS_SECRET = secrets.token_urlsafe(32)  # a Space's signing key when FINETUNE_SECRET is unset; set once


def _root(root: Path | None) -> Path:
    return Path(root) if root else runs_root()


def server_secret(root: Path | None = None) -> str:
    """FINETUNE_SECRET, else on a Space a random secret in this process's memory only (never a file: run
    processes write under the runs root and could read one there; ids then last until the app restarts),
    else (one local user) a random secret made once and kept under the runs root (mode 0600)."""
    if os.environ.get("FINETUNE_SECRET"):
        return os.environ["FINETUNE_SECRET"]
    if hosted():
        return _PROCESS_SECRET
    path = _root(root) / SECRET_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker made it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32))
        return path.read_text().strip()


def _serializer(root: Path | None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(server_secret(root), salt=_SALT)


def ids_per_hour() -> int:
    try:
        return max(1, int(os.environ.get("FINETUNE_IDS_PER_HOUR", IDS_PER_HOUR)))
    except ValueError:
        return IDS_PER_HOUR


def issue_id(hf_user: str | None = None, root: Path | None = None, client: str | None = None) -> str:
    """A signed, timestamped visitor id for the browser to keep: a fresh random one, or the signed-in HF
    user's. On a Space a client address gets at most ids_per_hour() fresh random ids an hour (else one
    client would hold many queue places and upload quotas): over that it gets "" (a page that starts
    nothing) until the hour has passed."""
    owner = f"hf:{hf_user}" if hf_user else f"v:{secrets.token_hex(16)}"
    if hosted() and client:
        with _IDS_LOCK:
            issued, now = _ISSUED[client], time.monotonic()
            while issued and now - issued[0] > 3600:
                issued.popleft()
            if not hf_user and len(issued) >= ids_per_hour():
                return ""
            issued.append(now)
            _CLIENT_OF[owner] = client
    return _serializer(root).dumps(owner)


def verify(token, root: Path | None = None, max_age: float = MAX_AGE_S) -> str | None:
    """The owner a signed id names, or None for anything else (missing, forged, signed by another secret,
    older than max_age)."""
    if not isinstance(token, str) or not token or len(token) > 400:
        return None
    try:
        owner = _serializer(root).loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is one too
        return None
    return owner if isinstance(owner, str) and owner and owner != SHARED else None


def client_of(owner: str | None) -> str | None:
    """The client address an id was issued to in this process (None: unknown, e.g. after a restart)."""
    return _CLIENT_OF.get(owner) if owner else None


def peers(owner: str | None) -> set[str]:
    """The owner and every other id issued to the same client address: one client's ids share its quotas."""
    client = client_of(owner)
    if owner is None:
        return set()
    return {owner} | ({o for o, c in list(_CLIENT_OF.items()) if c == client} if client else set())


def hosted() -> bool:
    """Many visitors share this app (a Space): runs are kept apart."""
    return bool(os.environ.get("SPACE_ID"))


def may_read(owner: str | None, run_dir) -> bool:
    """See its status, report, curves and model (the Playground): the owner, anyone for a shared run, and
    locally the one person using the app."""
    recorded = owner_of(run_dir)
    return recorded == SHARED or not hosted() or (owner is not None and recorded == owner)


def may_use(owner: str | None, run_dir) -> bool:
    """Stop, kill, resume, delete, download, export, push: the owner only (locally: anyone but for the
    shared demo run, which nobody changes)."""
    recorded = owner_of(run_dir)
    if recorded == SHARED:
        return False
    return not hosted() or (owner is not None and recorded == owner)


def resolve_run(name, root: Path | None = None) -> Path:
    """The run folder a browser-sent name (or path; only its last part counts) means: a checked name,
    directly under the runs root, holding a config. ConfigError otherwise."""
    root = _root(root).resolve()
    parts = _name_parts(str(name or ""), root)
    path = root.joinpath(*parts) if parts else root
    trial = len(parts) == 2 and RunPaths(root / parts[0]).sweep.is_file()  # a settings search's SEARCH/trial-NNN
    if not parts or not all(RUN_NAME.fullmatch(p) for p in parts) or (len(parts) == 2 and not trial) \
            or len(parts) > 2 or path.resolve() != path or not (path / "config.json").is_file():
        raise ConfigError(f"There is no run named {'/'.join(parts)[:60]!r} here. Pick a run from the list.")
    return path


def _name_parts(name: str, root: Path) -> tuple[str, ...]:
    """A run's name as parts under the root: a path inside the root counts from there; any other path only by
    its last part; a relative name by its parts (RUN, or SEARCH/trial-NNN)."""
    given = Path(name)
    if given.is_absolute():
        try:
            return given.relative_to(root).parts
        except ValueError:
            return (given.name,) if given.name else ()
    return tuple(p for p in name.split("/") if p)


def run_for(owner: str | None, name, root: Path | None = None, change: bool = False) -> Path:
    """resolve_run(), then the owner check: a run the visitor may not see reads as missing (no probing)."""
    path = resolve_run(name, root)
    if not may_read(owner, path):
        raise ConfigError(f"There is no run named {path.name[:60]!r} here. Pick a run from the list.")
    if change and not may_use(owner, path):
        raise ConfigError(f"{path.name} is shared with every visitor (or not yours): it can be read, not changed.")
    return path


def visible(owner: str | None, runs: list[Path]) -> list[Path]:
    """The runs of `runs` this visitor may read."""
    return [p for p in runs if may_read(owner, p)]


def owned_by(owner: str | None, runs: list[Path]) -> list[Path]:
    """The runs of `runs` recorded as this visitor's own (the shared ones are nobody's)."""
    return [p for p in runs if owner is not None and owner_of(p) == owner]


def one_run_each(owner: str | None) -> Callable[[list[Path]], None] | None:
    """On a Space, the rule control/processes applies under its launch lock: a visitor trains one run at a
    time. None where one person uses the app (or for no owner)."""
    if not hosted() or owner is None:
        return None

    def admit(running: list[Path]) -> None:
        if owned_by(owner, running):
            raise ConfigError("You already have a run training; this shared Space trains one run per visitor. "
                              "Wait for it to end, or stop it.")
    return admit


def launch_as(owner: str | None, run_dir) -> Callable[[list[Path]], None] | None:
    """Before a run of `owner` starts in run_dir: its owner.json written, and the launch rule that goes with it."""
    if owner:
        Path(run_dir).mkdir(parents=True, exist_ok=True)
        record_owner(run_dir, owner)
    return one_run_each(owner)
