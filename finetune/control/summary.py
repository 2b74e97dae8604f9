"""The runs table's rows, and deleting a run."""
from __future__ import annotations

import shutil
from pathlib import Path

from ..config import ConfigError, load_run_config
from ..runs.events import FINISHED, STOPPED, read_events, run_duration
from ..runs.records import Results, RunSummary
from ..runs.folder import ENDED_EARLY, RunPaths, run_name, runs_root, trial_state
from .processes import _PROCESSES, is_alive, run_status


def run_summary(run_dir, root: Path | None = None) -> RunSummary:
    """One row of the runs table: name, task, status, verdict, main metric, duration, model, steps. A search
    trial the search stopped or pruned is "stopped" here, whatever its own files say."""
    from ..models.catalog import model_name
    from ..tasks import get_task
    from ..services.verdict import run_verdict

    paths = RunPaths(run_dir)
    status = run_status(run_dir)
    results = status.results or Results()
    try:
        config = load_run_config(run_dir)
        task = get_task(config.task)
        model = model_name(config.model, task.embedded_model)  # "": the task's embedded model
    except ConfigError:  # a broken config still lists, with what the results say
        task, model = None, results.model
    main = task.main_key(results) if task else results.main_key()
    trial = trial_state(run_dir)
    shown = STOPPED if trial in ENDED_EARLY and status.status == FINISHED else status.status
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
