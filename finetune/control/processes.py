"""Training processes: start the engine as its own process (warm or cold), ask it to stop, kill it, and derive
a run's status from its folder. It never imports the engine."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import Callable

import psutil  # (a dependency of accelerate)

from ..machine import launch
from . import warm_pool as warm
from ..config import ConfigError, RunConfig, load_run_config
from ..runs.events import END_EVENTS, FAILED, FINISHED, RUNNING, STARTED, read_events
from ..runs.records import Results, RunStatus
from ..runs.folder import RunPaths, list_runs, log_tail, must_exist, runs_root


_PROCESSES: dict[str, subprocess.Popen] = {}  # run folder -> the child we started (reaped on poll)
_LAUNCH = threading.Lock()  # the run limit is checked and a run started as one step


DEFAULT_MAX_RUNS = 2


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


Admit = Callable[[list[Path]], None]  # given the runs training now, raises a ConfigError to refuse one more


def check_capacity(admit: Admit | None = None) -> None:
    """Raise a ConfigError with the reason when this app already trains as many runs as it may, or when the
    host's own rule refuses (admit: on a Space, hosting/owners' one run per visitor). Control holds no policy."""
    running = running_runs()
    if admit is not None:
        admit([Path(r) for r in running])
    if len(running) >= max_runs():
        raise ConfigError(f"{len(running)} run(s) are training already, the most this app runs at "
                          f"once (FINETUNE_MAX_RUNS={max_runs()}). Wait for one to end, or stop one.")


def start_run(config: RunConfig, run_dir, admit: Admit | None = None) -> subprocess.Popen:
    """Write the config and start `python -m finetune train` on it, detached from the caller."""
    paths = RunPaths(run_dir)
    paths.root.mkdir(parents=True, exist_ok=True)
    config.save(paths.config)
    return _launch(paths, ["train", "--config", str(paths.config), "--output", str(paths.root)], config, admit)


def check_resumable(run_dir) -> None:
    """Resume's preconditions, in one place (Resume here and through a Space's queue): the folder is there,
    no process trains it, and it has not finished."""
    must_exist(run_dir)
    name = Path(run_dir).name
    if is_alive(run_dir):
        raise ConfigError(f"{name} is still running; it can only be resumed once it has ended.")
    if run_status(run_dir).status == FINISHED:
        raise ConfigError(f"{name} has already finished; start a new run to train more.")


def resume_run(run_dir, admit: Admit | None = None) -> subprocess.Popen:
    """Start `python -m finetune resume` on a stopped or crashed run; it continues in the same folder."""
    paths = RunPaths(run_dir)
    check_resumable(run_dir)
    # the same processes again, and the same host rule
    return _launch(paths, ["resume", str(paths.root)], load_run_config(run_dir), admit)


def start_process(folder, command: list[str]) -> subprocess.Popen:
    """Start another `python -m finetune` command (e.g. a settings search) that keeps its log and pid in folder."""
    return _launch(RunPaths(folder), command, RunConfig())


def _launch(paths: RunPaths, command: list[str], config: RunConfig, admit: Admit | None = None) -> subprocess.Popen:
    env = warm.launch_env()
    with _LAUNCH:
        check_capacity(admit)
        # The app keeps one process with the imports done; a run of several processes starts torchrun cold.
        process = None if launch.is_distributed(config) else warm.take(command, paths.log, env)
        if process is None:
            with open(paths.log, "ab") as log:
                process = subprocess.Popen(
                    warm.at_run_priority(launch.command(config, command)),
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                    cwd=launch.REPO, start_new_session=True)
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
        return RunStatus(RUNNING)
    return RunStatus(FAILED, error="The training process ended without saying why. "
                                   "Last lines of its log:\n" + log_tail(run_dir))


def _since_last_start(events: list[dict]) -> list[dict]:
    """A resumed run appends a new "started": only what follows it says how the run stands now."""
    starts = [i for i, e in enumerate(events) if e["event"] == STARTED]
    return events[starts[-1]:] if starts else events
