"""Run folders and training processes.

A run folder is the whole record of a run and the only channel between the training process and
whoever watches it (the UI, the CLI, tests). This module starts the engine as its own process,
asks it to stop, and derives a run's status from its files. It never imports the engine.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

import psutil  # (a dependency of accelerate)

from . import launch, warm
from .config import RENAMED_FIELDS, ConfigError, RunConfig
from .events import END_EVENTS, FAILED, STARTED, read_events, run_duration
from .hosting import owners
from .records import Results, RunStatus, RunSummary

_PROCESSES: dict[str, subprocess.Popen] = {}  # run folder -> the child we started (reaped on poll)
_LAUNCH = threading.Lock()  # the run limit is checked and a run started as one step
DEFAULT_MAX_RUNS = 2


@dataclass(frozen=True)
class RunPaths:
    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root))

    config = property(lambda self: self.root / "config.json")
    events = property(lambda self: self.root / "events.jsonl")
    results = property(lambda self: self.root / "results.json")
    baseline = property(lambda self: self.root / "baseline.safetensors")  # the fitted TF-IDF baseline's arrays
    old_baseline = property(lambda self: self.root / "baseline.joblib")  # older versions' pickle: never loaded
    model = property(lambda self: self.root / "model")
    model_saving = property(lambda self: self.root / "model.saving")  # a model being written; renamed to model/
    checkpoints = property(lambda self: self.root / "checkpoints")
    model_card = property(lambda self: self.root / "model" / "README.md")
    model_zip = property(lambda self: self.root / f"{self.root.name}-model.zip")
    onnx = property(lambda self: self.root / "model" / "onnx")
    onnx_zip = property(lambda self: self.root / f"{self.root.name}-onnx.zip")
    share = property(lambda self: self.root / "share")  # the model as its own demo app (finetune/share.py)
    share_zip = property(lambda self: self.root / f"{self.root.name}-demo.zip")
    tensorboard = property(lambda self: self.root / "tensorboard")
    log = property(lambda self: self.root / "train.log")
    stop = property(lambda self: self.root / "STOP")
    pid = property(lambda self: self.root / "pid")


def runs_root() -> Path:
    return Path(os.environ.get("FINETUNE_RUNS_DIR", "runs")).resolve()


def new_run_dir(task: str, root: Path | None = None) -> Path:
    """A fresh, sortable, unique folder name: 20261127-103000-classification-1a2b."""
    name = f"{time.strftime('%Y%m%d-%H%M%S')}-{task}-{uuid.uuid4().hex[:4]}"
    path = (root or runs_root()) / name
    path.mkdir(parents=True)
    return path


def max_runs() -> int:
    """How many runs this app trains at once (FINETUNE_MAX_RUNS, default 2; 1 on a Space, where the others
    queue, see spaces.py): each takes the CPU or GPU."""
    default = 1 if os.environ.get("SPACE_ID") else DEFAULT_MAX_RUNS
    try:
        return max(1, int(os.environ.get("FINETUNE_MAX_RUNS", default)))
    except ValueError:
        return default


def running_runs(root: Path | None = None) -> list[str]:
    """Run folders that still train: those this app started, and those still alive from before an app
    restart (their pid file names a live process started when the pid file says)."""
    root = (root or runs_root()).resolve()
    # only those under this root: a child started for another root (another test, another app) is not ours
    ours = {run for run, process in list(_PROCESSES.items())
            if process.poll() is None and Path(run).resolve().parent == root}
    others = {str(p) for p in list_runs(root) if str(p) not in _PROCESSES and is_alive(p)} if root.is_dir() else set()
    return sorted(ours | others)


def check_capacity(owner: str | None = None) -> None:
    """Raise a ConfigError with the reason when this app already trains as many runs as it may, or (on a
    Space) when this visitor already has a run training."""
    running = running_runs()
    if owners.hosted() and owner is not None and owners.owned_by(owner, [Path(r) for r in running]):
        raise ConfigError("You already have a run training; this shared Space trains one run per visitor. "
                          "Wait for it to end, or stop it.")
    if len(running) >= max_runs():
        raise ConfigError(f"{len(running)} run(s) are training already, the most this app runs at "
                          f"once (FINETUNE_MAX_RUNS={max_runs()}). Wait for one to end, or stop one.")


def start_run(config: RunConfig, run_dir, owner: str | None = None) -> subprocess.Popen:
    """Write the config (and the owner) and start `python -m finetune train` on it, detached from the caller."""
    paths = RunPaths(run_dir)
    paths.root.mkdir(parents=True, exist_ok=True)
    if owner:
        owners.record_owner(paths.root, owner)
    config.save(paths.config)
    return _launch(paths, ["train", "--config", str(paths.config), "--output", str(paths.root)], config, owner)


def must_exist(run_dir) -> None:
    """A ConfigError in one plain sentence (no server path) when the run folder is gone (deleted)."""
    if not RunPaths(run_dir).config.is_file():
        raise ConfigError(f"The run {Path(run_dir).name} no longer exists (it was deleted); start a new run.")


def resume_run(run_dir, owner: str | None = None) -> subprocess.Popen:
    """Start `python -m finetune resume` on a stopped or crashed run; it continues in the same folder."""
    paths = RunPaths(run_dir)
    must_exist(run_dir)
    if is_alive(run_dir):
        raise ConfigError(f"{paths.root.name} is still running; it can only be resumed once it has ended.")
    if run_status(run_dir).status == "finished":
        raise ConfigError(f"{paths.root.name} has already finished; start a new run to train more.")
    # the same processes again, and the same owner's run cap
    return _launch(paths, ["resume", str(paths.root)], load_run_config(run_dir), owner)


def start_process(folder, command: list[str]) -> subprocess.Popen:
    """Start another `python -m finetune` command (e.g. a settings search) that keeps its log and pid in folder."""
    return _launch(RunPaths(folder), command, RunConfig())


def _launch(paths: RunPaths, command: list[str], config: RunConfig, owner: str | None = None) -> subprocess.Popen:
    env = warm.launch_env()
    with _LAUNCH:
        check_capacity(owner)
        # The app keeps one process with the imports done; a run of several processes starts torchrun cold.
        process = None if launch.is_distributed(config) else warm.take(command, paths.log, env)
        if process is None:
            with open(paths.log, "ab") as log:
                process = subprocess.Popen(
                    launch.command(config, command),
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                    cwd=Path(__file__).resolve().parent.parent, start_new_session=True)
        paths.pid.write_text(f"{process.pid} {_start_time(process.pid) or ''}".strip())
        _PROCESSES[str(paths.root)] = process
    return process


def stop_run(run_dir) -> None:
    """Ask the run to end after its current step; it still saves a usable model."""
    must_exist(run_dir)
    RunPaths(run_dir).stop.touch()


def kill_run(run_dir) -> None:
    """End a run's process at once (for a run that no longer answers Stop). Only a process that is
    verifiably the run's (its pid and start time as recorded) is signalled, never a reused pid."""
    pid, started = _pid(RunPaths(run_dir))
    if not pid or not started or not is_alive(run_dir):
        return
    ranks = _descendants(pid)  # torchrun starts each rank in a session of its own: killpg misses them
    try:
        os.killpg(pid, signal.SIGKILL)  # our runs lead their own process group (start_new_session)
    except OSError:
        os.kill(pid, signal.SIGKILL)  # a run started elsewhere, e.g. from a shell
    for child in ranks:
        try:
            child.kill()
        except psutil.Error:  # already gone with the group
            pass


def _descendants(pid: int) -> list:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def is_alive(run_dir) -> bool:
    process = _PROCESSES.get(str(Path(run_dir)))
    if process is not None:
        return process.poll() is None
    pid, started = _pid(RunPaths(run_dir))
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            state, *rest = f.read().rsplit(")", 1)[-1].split()
    except OSError:
        return False
    # /proc/PID/stat after the name: state is field 3, starttime field 22 (rest[18]). A pid file that
    # names another start time belongs to a process that ended; its pid was reused.
    return state != "Z" and (started is None or rest[18] == started)


def _start_time(pid: int) -> str | None:
    """The process's start time (clock ticks since boot, /proc/PID/stat field 22), None without /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[-1].split()[19]
    except (OSError, IndexError):
        return None


def _pid(paths: RunPaths) -> tuple[int | None, str | None]:
    """(pid, start time) from the pid file; an old pid file has no start time."""
    try:
        pid, *started = paths.pid.read_text().split()
        return int(pid), (started[0] if started else None)
    except (OSError, ValueError):
        return None, None


def run_status(run_dir) -> RunStatus:
    """How the run stands, from its folder alone.

    status: "running" while the process lives without an end event; "finished", "stopped" or
    "failed" from the last end event; "failed" also when the process died without one.
    """
    paths = RunPaths(run_dir)
    events, _ = read_events(paths.events)
    ended = [e for e in _since_last_start(events) if e["event"] in END_EVENTS]
    if ended:
        last = ended[-1]
        results = Results.load(paths.results) if paths.results.is_file() else None
        return RunStatus(last["event"], error=last.get("error", "") if last["event"] == FAILED else "",
                         results=results)
    if is_alive(run_dir):
        return RunStatus("running")
    return RunStatus(FAILED, error="The training process ended without saying why. "
                                   "Last lines of its log:\n" + log_tail(run_dir))


def _since_last_start(events: list[dict]) -> list[dict]:
    """A resumed run appends a new "started": only what follows it says how the run stands now."""
    starts = [i for i, e in enumerate(events) if e["event"] == STARTED]
    return events[starts[-1]:] if starts else events


def log_tail(run_dir, lines: int = 15) -> str:
    try:
        return "\n".join(RunPaths(run_dir).log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def list_runs(root: Path | None = None) -> list[Path]:
    """Run folders, newest first; a settings search's trials (SEARCH/trial-NNN, next to its sweep.json) too."""
    root = root or runs_root()
    if not root.is_dir():
        return []
    found = []
    for p in root.iterdir():
        if RunPaths(p).config.is_file():
            found.append(p)
        elif (p / "sweep.json").is_file():
            found.extend(t for t in p.iterdir() if RunPaths(t).config.is_file())
    return sorted(found, reverse=True)


def run_name(run_dir, root: Path | None = None) -> str:
    """A run's name under the runs folder: its folder's name, or SEARCH/trial-NNN for a search's trial."""
    return Path(run_dir).resolve().relative_to((root or runs_root()).resolve()).as_posix()


def trial_state(run_dir) -> str:
    """A settings search's trial: its state in the search's sweep.json (complete, pruned, stopped, running,
    failed); "" for a run that is not a trial. The trial's own files call a trial the search ended "finished"."""
    sweep = Path(run_dir).parent / "sweep.json"
    if not sweep.is_file():
        return ""
    try:
        trials = json.loads(sweep.read_text()).get("trials", [])
    except (OSError, ValueError, AttributeError):
        return ""
    return next((t.get("state", "") for t in trials if isinstance(t, dict) and t.get("run") == Path(run_dir).name), "")


def trained_models(root: Path | None = None) -> list[Path]:
    """Run folders that hold a usable model, newest first (for the Playground)."""
    return [p for p in list_runs(root) if (RunPaths(p).model / "config.json").is_file()]


def load_run_config(run_dir) -> RunConfig:
    """A run's config.json. Keys this version does not know (the run was trained by another version) are
    dropped: the runs table, Resume and the Playground must still read an old run folder. A missing or
    unreadable file, or a value out of range, is a ConfigError."""
    path = RunPaths(run_dir).config
    try:
        values = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError(f"Cannot read the config file {path}: {e}") from None
    known = {f.name for f in fields(RunConfig)} | set(RENAMED_FIELDS)  # tensorboard: true still counts
    return RunConfig.from_dict({k: v for k, v in values.items() if k in known})


def run_summary(run_dir, root: Path | None = None) -> RunSummary:
    """One row of the runs table: name, task, status, verdict, main metric, duration, model, steps. A search
    trial the search stopped or pruned is "stopped" here, whatever its own files say."""
    from .models import model_name
    from .tasks import get_task
    from .verdict import run_verdict

    paths = RunPaths(run_dir)
    status = run_status(run_dir)
    results = status.results or Results()
    try:
        config = load_run_config(run_dir)
        task = get_task(config.task)
        model = model_name(config.model, task.embedded_model)  # "": the task's embedded model
        names = (results.main_metric.removeprefix("eval_"), task.main_metric)
    except ConfigError:  # a broken config still lists, with what the results say
        task, model, names = None, results.model, (results.main_metric.removeprefix("eval_"),)
    main = next((n for n in names if n in results.metrics), next(iter(results.metrics), ""))
    trial = trial_state(run_dir)
    shown = "stopped" if trial in ("stopped", "pruned") and status.status == "finished" else status.status
    verdict = run_verdict(run_dir) if status.results and not status.running else None
    try:
        name = run_name(run_dir, root)
    except ValueError:  # a folder outside the runs root (a test's, a path given on the command line)
        name = paths.root.name
    return RunSummary(name=name, task=task.name if task else "", status=shown, metric=main,
                      value=results.metrics.get(main), duration_s=round(run_duration(read_events(paths.events)[0])),
                      model=Path(model).name if model else "", steps=results.steps if status.results else None,
                      verdict=verdict.kind if verdict else "", trial=trial,
                      estimate_s=results.estimate_s if status.results else None)


def delete_run(run_dir, root: Path | None = None) -> None:
    """Remove a run folder: only a folder directly under the runs root, and never one still training."""
    path, root = Path(run_dir).resolve(), (root or runs_root()).resolve()
    if path.parent != root or not RunPaths(path).config.is_file():
        raise ConfigError(f"{path} is not a run folder under {root}; nothing was deleted.")
    if is_alive(path):
        raise ConfigError(f"{path.name} is still training: stop it (or kill it) before deleting it.")
    shutil.rmtree(path)
    _PROCESSES.pop(str(path), None)


def zip_model(run_dir) -> Path:
    """The model folder as one zip next to it (rebuilt when the model is newer), for download."""
    paths = RunPaths(run_dir)
    if not (paths.model / "config.json").is_file():
        raise ConfigError(f"{paths.root.name} has no saved model to download.")
    target = paths.model_zip
    if not target.is_file() or target.stat().st_mtime < (paths.model / "config.json").stat().st_mtime:
        from fnmatch import fnmatch

        from .export import PICKLES

        partial = target.with_suffix(".zip.partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(paths.model.rglob("*")):  # names relative to model/: no server path inside
                if file.is_file() and not any(fnmatch(file.name, p) for p in PICKLES):  # pickles run code
                    archive.write(file, file.relative_to(paths.model))
        partial.replace(target)
    return target
