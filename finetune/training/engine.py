"""Training a run: `train(config, run_dir)` is what `python -m finetune train` runs, in its own process;
`resume(run_dir)` (`python -m finetune resume`) continues a stopped or crashed run from its last checkpoint.

The steps read top to bottom: read data, settle the training length and the method, train with the method
(fine_tune.py: the Trainer; or the task's own runner, e.g. SetFit), then finish: card, model/, results.json.
Everything a watcher needs is written to the run folder as it happens.
"""
from __future__ import annotations

import json
import os
import shutil
import traceback
from pathlib import Path

from ..machine import launch
from . import fine_tune
from ..tasks import training_length
from ..config import ConfigError, DataError, RunConfig
from ..runs.events import (END_EVENTS, FAILED, FINISHED, STAGE, STARTED, EventWriter, read_events, run_duration)
from ..machine.health import is_out_of_memory, out_of_memory_advice
from ..services.model_card import write_model_card
from ..runs.records import Results
from ..runs.folder import RunPaths


def train(config: RunConfig, run_dir, checkpoint=None, callbacks=()) -> Results:
    """Run training to the end (or to Stop) and return its results (also saved as results.json).

    With `checkpoint` (a folder under RUN_DIR/checkpoints) training continues from it, step count included.
    `callbacks`: more TrainerCallbacks for this run (a settings search reports each trial's evaluations)."""
    paths = RunPaths(run_dir)
    paths.root.mkdir(parents=True, exist_ok=True)
    if launch.is_main():  # under torchrun, global rank 0 alone writes the run folder
        config.save(paths.config)
    events = EventWriter(paths.events) if launch.is_main() else Unrecorded()
    events.write(STARTED, pid=os.getpid(), task=config.task,
                 **({"resumed_from": Path(checkpoint).name} if checkpoint else {}))
    try:
        return _train(config, paths, events, checkpoint, callbacks)
    except (ConfigError, DataError) as e:
        events.write(FAILED, error=str(e))
        raise
    except Exception as e:
        if is_out_of_memory(e):
            events.write(FAILED, error=out_of_memory_advice(config, _device()))
            raise ConfigError(out_of_memory_advice(config, _device())) from None
        events.write(FAILED, error=f"{type(e).__name__}: {e}")
        with open(paths.log, "a") as log:
            log.write(traceback.format_exc())
        raise


def resume(run_dir) -> Results:
    """Continue a stopped or crashed run from its newest checkpoint, in the same run folder."""
    paths = RunPaths(run_dir)
    config = RunConfig.load(paths.config)
    events, _ = read_events(paths.events)
    ended = [e["event"] for e in events if e["event"] in END_EVENTS]
    if ended and ended[-1] == FINISHED:
        raise ConfigError(f"{paths.root.name} has already finished; start a new run to train more.")
    checkpoint = _complete_checkpoint(paths)
    for partial in paths.checkpoints.glob("checkpoint-*") if launch.is_main() else ():  # cut off mid-save: training would write there again
        if not (partial / "trainer_state.json").is_file():
            shutil.rmtree(partial, ignore_errors=True)
    if not checkpoint:
        raise ConfigError(f"{paths.root.name} has no checkpoint to resume from (it ended before its first "
                          "checkpoint, checkpoint_every_eval was off, or checkpoint_minutes had not passed). "
                          "Start it again instead.")
    if launch.is_main():  # the other ranks never read it: rank 0 decides Stop for all
        paths.stop.unlink(missing_ok=True)  # the Stop that ended it must not end the resumed run at once
    return train(config, paths.root, checkpoint=checkpoint)


def _train(config: RunConfig, paths: RunPaths, events: EventWriter, checkpoint=None, callbacks=()) -> Results:
    from ..runs.callbacks import StopRequest  # imports transformers: keep it off the CLI's fast paths
    from ..machine.hardware import detect, use_free_cores
    from ..tasks import get_task

    stop = StopRequest(paths.stop if launch.is_main() else None, max_seconds=_time_budget(paths))
    task, hardware = get_task(config.task), detect()
    use_free_cores()  # fewer threads on a busy CPU: oversubscribed threads stall each other
    _quiet_libraries()

    events.write(STAGE, message="Reading data")
    data = task.read_data(config)
    config, length_note = training_length.resolve(config, task.length, len(data.datasets["train"]))
    if length_note:  # epochs from the data: said in the log and in results.json's notes
        events.write(STAGE, message=length_note, epochs=config.epochs)
        data.notes.append(length_note)
    method = task.method(config.method, data.datasets["train"]["label"] if task.few_shot else ())  # auto: by the advice
    _record_estimate(config, paths, events, data, method.name)
    _seed(config.seed)
    runner = method.runner or fine_tune.run  # fine-tuning with the Trainer, or the method's own runner
    values = runner(config, paths, events, stop, task, data, hardware, checkpoint=checkpoint, callbacks=callbacks)
    results = Results.from_json({**values, "duration_s": round(_duration(paths), 1)})  # a task's keys are kept
    return _finish(config, paths, events, results, data.labels, paths.model_saving)


def _finish(config, paths, events, results: Results, labels, saving: Path) -> Results:
    """The model saved into `saving` gets its card and becomes model/ by a rename (a kill mid-save leaves no
    half model), then results.json, the tidy-up and the end event."""
    status = results.status
    if not launch.is_main():
        return results
    (saving / "training_args.bin").unlink(missing_ok=True)  # a pickle with server paths: never shared
    results.quick_bar = _quick_bar(config, results)
    results.estimate_s = _started_estimate(paths)
    write_model_card(saving / paths.model_card.name, config, results, labels)
    _replace_folder(saving, paths.model)
    results.save(paths.results)
    if status == FINISHED:  # a finished run is never resumed: its checkpoints (weights + optimizer) only fill the disk
        shutil.rmtree(paths.checkpoints, ignore_errors=True)
    events.write(status, metrics=results.metrics, steps=results.steps)
    return results


class Unrecorded:
    """The events of a rank other than 0: its loss and metrics are rank 0's too (the Trainer reduces them)."""

    def write(self, event: str, **fields) -> dict:
        return {"event": event, **fields}


def _replace_folder(new: Path, target: Path) -> None:
    """target becomes new by renames only (a resumed run's older model goes once the new one is in place)."""
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _time_budget(paths: RunPaths) -> float | None:
    """Seconds this process may train, from RUN/limits.json (a Space writes it; see hosting/spaces.py)."""
    try:
        seconds = json.loads(paths.limits.read_text()).get("max_train_seconds")
    except (OSError, ValueError, AttributeError):
        return None
    return float(seconds) if isinstance(seconds, (int, float)) and seconds > 0 else None


def _started_estimate(paths: RunPaths) -> float | None:
    """The estimate the run started with (a resumed run keeps its first one)."""
    return next((e["estimate_s"] for e in read_events(paths.events)[0] if e.get("estimate_s") is not None), None)


def _seed(seed: int) -> None:
    """The head's random start and everything after it from the run's seed alone. Unseeded, the head started
    from whatever state the estimate's speed measurement left (it seeds and draws when its cache lacks a
    shape), so the same --seed trained another model on a machine that had measured before."""
    from transformers import set_seed

    set_seed(seed)


def _record_estimate(config, paths: RunPaths, events, data, method: str) -> None:
    """The whole run's estimate as a stage event, once per run (not again on resume)."""
    from ..planning.estimate import run_estimate_s

    if not launch.is_main() or _started_estimate(paths) is not None:
        return
    seconds = run_estimate_s(config, data, method, root=paths.root.parent)  # the speed cached beside the runs
    if seconds is not None:
        events.write(STAGE, message=f"Estimated about {seconds:.0f} s for the whole run", estimate_s=seconds)


def _complete_checkpoint(paths: RunPaths):
    """The newest checkpoint that was fully written: a run killed mid-save leaves one without its state."""
    found = [p for p in paths.checkpoints.glob("checkpoint-*") if (p / "trainer_state.json").is_file()
             and p.name.split("-")[-1].isdigit()] if paths.checkpoints.is_dir() else []
    return str(max(found, key=lambda p: int(p.name.split("-")[-1]))) if found else None


def _quick_bar(config, results: Results) -> dict | None:
    """The best quick model measured for this run's files and settings (the Data tab or `check` measured
    them): the bar the report and verdict compare with. A probe run is compared with the other quick models."""
    from ..planning.quick_models import bar_for
    from ..services.verdict import main_metric

    try:
        return bar_for(config, main_metric(results), besides=results.method or "")
    except (OSError, ValueError):
        return None


def _duration(paths: RunPaths) -> float:
    return run_duration(read_events(paths.events)[0])


def _device() -> str:
    from ..machine.hardware import detect

    return detect().describe()


def _quiet_libraries():
    import datasets
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    datasets.disable_progress_bars()
