"""Fine-tuning with the Trainer: the method every task has (a task's other methods, such as SetFit, bring a
runner of their own: Task.methods). `run` goes from the read data to the model saved into
RUN_DIR/model.saving and returns results.json's values; the engine (engine.py) finishes the run.

The steps read top to bottom: load the model, tokenize, train, evaluate, save.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from ..config import ConfigError, RunConfig
from ..machine import launch
from ..models.catalog import model_name
from ..runs.events import FINISHED, STAGE, STOPPED, read_events
from ..runs.folder import RunPaths
from . import speedups
from .tracking import prepare_tracking
from .trainer_setup import build_trainer, live_eval_set, plan_run


def run(config: RunConfig, paths: RunPaths, events, stop, task, data, hardware, checkpoint=None,
        callbacks=()) -> dict:
    """The Trainer path of a run; `checkpoint` continues from it, `callbacks` join the event callback."""
    from ..runs.callbacks import EventCallback  # imports transformers: keep it off the CLI's fast paths

    events.write(STAGE, message="Loading model")
    model, tokenizer = _load_model(task, config, data.labels, lambda message: events.write(STAGE, message=message))

    events.write(STAGE, message="Tokenizing")
    tokenized, max_length = task.prepare(data, tokenizer, config)
    data.notes.extend(speedups.apply(model, config, hardware.device, max_length))

    plan = plan_run(config, paths, hardware, len(tokenized["train"]))
    prepare_tracking(config.listed("report_to"), paths.root)
    callback = EventCallback(events, stop)
    if checkpoint:  # the health checks judge the whole run, not only what follows the resume
        callback.health.seed(read_events(paths.events)[0], int(Path(checkpoint).name.split("-")[-1]))
    live = live_eval_set(tokenized["validation"], config, len(tokenized["train"]) * config.epochs,
                         evaluations=plan.live_evaluations)
    trainer = build_trainer(task, model, tokenizer, plan.args, {**tokenized, "validation": live}, data.labels,
                            [callback, *callbacks], config, data.loss)
    report_split = "test" if "test" in tokenized else "validation"  # unseen data when the user held some out
    before = _evaluate_before(task, trainer, tokenized, report_split, events)

    device = hardware.describe() + (f", {launch.describe(config)}" if launch.is_distributed(config) else "")
    events.write(STAGE, message=f"Training on {device}", max_steps=plan.total_steps)
    started = time.time()
    output = trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    runtime = time.time() - started

    events.write(STAGE, message="Evaluating")
    report = _report(task, trainer, callback, tokenized, data, report_split)
    report["metrics"].update(before)
    baseline = _baseline(task, data, report_split, paths.baseline) if launch.is_main() else None

    events.write(STAGE, message="Saving model")
    _save_model(task, trainer, model, paths, config)
    return {
        "task": config.task, "model": model_name(config.model, task.embedded_model),
        "train_rows": len(tokenized["train"]), "eval_rows": len(tokenized["validation"]),
        "report_split": report_split, "report_rows": len(tokenized[report_split]), "baseline": baseline,
        "train_runtime_s": round(runtime, 2), **_ending(trainer.state, callback), "max_length": max_length,
        "precision": plan.precision, "device": device, "processes": plan.world,
        "train_samples_per_second": output.metrics.get("train_samples_per_second"),
        "epochs": config.epochs, "notes": data.notes, "main_metric": plan.args.metric_for_best_model,
        "trained_with": _trained_with(plan, max_length), **report,
    }


def _report(task, trainer, callback, tokenized, data, report_split: str) -> dict:
    """The whole validation set scored (the live plot's last point), then the task's report on the report
    split (the test split when there is one)."""
    trainer.args.train_sampling_strategy = "random"  # length grouping also reorders eval; the report needs row order
    prediction = predict_by_length(trainer, tokenized["validation"], "eval")
    callback.record_eval(trainer.state, prediction.metrics)
    if report_split == "test":
        prediction = predict_by_length(trainer, tokenized["test"], "test")
    return task.report(data.labels, data.datasets[report_split], prediction.predictions)


def predict_by_length(trainer, dataset, prefix: str):
    """trainer.predict over the rows sorted by length, the predictions given back in row order. In row order
    each batch pads to its longest row: CoNLL-2003's held-out sentences padded to 2.3x their tokens, and
    the two final evaluations took 34 s of a 153 s NER run (bench/training_length.py)."""
    import numpy as np

    if "input_ids" not in dataset.column_names:
        return trainer.predict(dataset, metric_key_prefix=prefix)
    order = np.argsort([len(ids) for ids in dataset["input_ids"]], kind="stable")
    prediction = trainer.predict(dataset.select(order), metric_key_prefix=prefix)
    back = np.argsort(order)  # row i of the dataset is row back[i] of the sorted one

    def unsort(values):
        if isinstance(values, (tuple, list)):
            return type(values)(unsort(v) for v in values)
        return values[back] if isinstance(values, np.ndarray) and len(values) == len(back) else values
    return prediction._replace(predictions=unsort(prediction.predictions), label_ids=unsort(prediction.label_ids))


def _save_model(task, trainer, model, paths: RunPaths, config: RunConfig) -> None:
    """The model written whole into paths.model_saving (the engine renames it): a kill mid-save leaves no
    half model/."""
    saving = paths.model_saving
    if launch.is_main():
        shutil.rmtree(saving, ignore_errors=True)
    speedups.restore(model)
    if launch.is_main() or config.fsdp:  # FSDP gathers the shards from every rank; rank 0 writes them
        task.save_model(trainer, saving)  # e.g. generation merges LoRA adapters into the weights first


def _trained_with(plan, max_length: int) -> dict:
    """The settings the Trainer used (results.json's trained_with), beside the config's asked ones."""
    args = plan.args
    return {"method": "finetune", "learning_rate": args.learning_rate, "epochs": args.num_train_epochs,
            "steps": plan.total_steps, "batch_size": args.per_device_train_batch_size * plan.world,
            "gradient_accumulation_steps": args.gradient_accumulation_steps, "warmup_steps": args.warmup_steps,
            "max_length": max_length, "precision": plan.precision}


def _ending(state, callback) -> dict:
    """How training ended: "stopped" by the user, or "finished" (to the end, or by early stopping)."""
    return {"status": STOPPED if callback.stopped_early else FINISHED, "steps": state.global_step,
            "max_steps": state.max_steps,
            "early_stopped": not callback.stopped_early and state.global_step < state.max_steps}


def _load_model(task, config, labels, progress):
    from ..models.catalog import describe_load_error, resolve_model

    path = resolve_model(config.model, task.embedded_model, progress)
    try:
        return task.build_model(config, path, labels)
    except (OSError, ValueError) as e:
        raise ConfigError(describe_load_error(config.model or path, e)) from None


def _evaluate_before(task, trainer, tokenized, split: str, events) -> dict:
    """The base model's scores before any training (e.g. base_perplexity), for tasks that report one."""
    if task.metrics_before is None:
        return {}
    events.write(STAGE, message="Scoring the base model on held-out data")
    return task.metrics_before(trainer, tokenized, split)


def _baseline(task, data, split: str, save_to) -> dict | None:
    """TF-IDF + logistic regression on the same split, for the report (and the Playground, from save_to);
    None for tasks without one."""
    if not task.has_baseline:
        return None
    return task.baseline(data.datasets["train"], data.datasets[split], data.labels, save_to=save_to)
