"""Uploads per visitor on a Space: at most uploads_per_hour() files that a visitor's handlers read in any
hour (FINETUNE_UPLOADS_PER_HOUR, default 30), and twice that per client address (however many ids it
holds); and a cap on the upload folder's total size (check_folder).

Gradio has stored an upload before any handler sees it, so this bounds the work a visitor can cause
(reading, checking, labelling a file) and deletes a refused file at once; launch(max_file_size=...) bounds
each file and delete_cache their age. Counted in memory: one app process serves a Space.
"""
from __future__ import annotations

import os
import tempfile
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

from ..errors import ConfigError
from . import owners

WINDOW_S = 3600
DEFAULT_PER_HOUR = 30
CLIENT_SHARE = 2  # a client address (several ids, or people behind one NAT) gets this many visitors' quota
FOLDER_CAP = 2 * 2**30  # bytes in Gradio's upload folder on a Space (FINETUNE_UPLOAD_FOLDER_BYTES)
_SEEN: dict[str, deque] = defaultdict(deque)  # owner -> (monotonic time, path) of their admitted uploads
_LOCK = threading.Lock()


def uploads_per_hour() -> int:
    try:
        return max(1, int(os.environ.get("FINETUNE_UPLOADS_PER_HOUR", DEFAULT_PER_HOUR)))
    except ValueError:
        return DEFAULT_PER_HOUR


def admit(owner: str | None, path) -> None:
    """Count one upload of this visitor's. On a Space past the quota the file is deleted and ConfigError
    says when the next one is taken; locally every upload is taken."""
    if not owners.hosted() or not path:
        return
    now, path = time.monotonic(), str(path)
    client = owners.client_of(owner)
    counts = [(_SEEN[owner or "unsigned"], uploads_per_hour())]  # a page without an id shares one allowance
    if client:
        counts.append((_SEEN["client:" + client], CLIENT_SHARE * uploads_per_hour()))
    with _LOCK:
        for seen, _ in counts:
            while seen and now - seen[0][0] > WINDOW_S:
                seen.popleft()
        if any(admitted == path for _, admitted in counts[0][0]):  # the same upload read again (another click)
            return
        for seen, most in counts:
            if len(seen) >= most:
                Path(path).unlink(missing_ok=True)
                minutes = max(1, round((WINDOW_S - (now - seen[0][0])) / 60))
                raise ConfigError(f"You have uploaded {len(seen)} files in the last hour, the most this shared "
                                  f"Space reads from one visitor; the next is taken in about {minutes} min. What "
                                  "you loaded before is still here.")
        for seen, _ in counts:
            seen.append((now, path))


def upload_folder() -> Path:
    """Where Gradio keeps uploads (GRADIO_TEMP_DIR, else the system temp folder's gradio/)."""
    return Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")


def folder_cap() -> int:
    try:
        return max(1, int(os.environ.get("FINETUNE_UPLOAD_FOLDER_BYTES", FOLDER_CAP)))
    except ValueError:
        return FOLDER_CAP


def check_folder(path, cap: int | None = None) -> None:
    """On a Space, keep the upload folder under its cap: raw /gradio_api/upload calls store files no handler
    ever reads. Over the cap the oldest files go first; a file sent now that still does not fit is refused."""
    if not owners.hosted():
        return
    cap, folder, sent = cap or folder_cap(), upload_folder(), Path(path).resolve()
    with _LOCK:
        files = []
        for f in folder.rglob("*") if folder.is_dir() else []:
            try:
                if f.is_file() and not f.is_symlink():
                    files.append((f.stat().st_mtime, f.stat().st_size, f))
            except OSError:  # removed meanwhile
                pass
        total = sum(size for _, size, _ in files)
        for _, size, f in sorted(files):
            if total <= cap:
                return
            if f.resolve() == sent:
                continue
            f.unlink(missing_ok=True)
            total -= size
        if total > cap:
            sent.unlink(missing_ok=True)
            raise ConfigError("This shared Space's upload space is full just now; try again in a few minutes.")
