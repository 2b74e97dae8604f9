"""Training a run: `train(config, run_dir)` is what `python -m finetune train` runs, in its own process.

The steps read top to bottom: read data, load the model, tokenize, train, evaluate, save.
Everything a watcher needs is written to the run folder as it happens.
"""
from __future__ import annotations

import json
import math
import os
import time
import traceback

from .config import ConfigError, DataError, RunConfig
from .models import default_model_name
from .events import FAILED, FINISHED, STAGE, STARTED, STOPPED, EventWriter
from .runs import RunPaths


def train(config: RunConfig, run_dir) -> dict:
    """Run training to the end (or to Stop) and return results.json's content."""
    paths = RunPaths(run_dir)
    paths.root.mkdir(parents=True, exist_ok=True)
    config.save(paths.config)
    events = EventWriter(paths.events)
    events.write(STARTED, pid=os.getpid(), task=config.task)
    try:
        return _train(config, paths, events)
    except (ConfigError, DataError) as e:
        events.write(FAILED, error=str(e))
        raise
    except Exception as e:
        events.write(FAILED, error=f"{type(e).__name__}: {e}")
        with open(paths.log, "a") as log:
            log.write(traceback.format_exc())
        raise


def _train(config: RunConfig, paths: RunPaths, events: EventWriter) -> dict:
    from .callbacks import EventCallback, StopRequest  # imports transformers: keep it off the CLI's fast paths
    from .hardware import detect
    from .tasks import get_task

    stop = StopRequest(paths.stop)
    task, hardware = get_task(config.task), detect()
    _quiet_libraries()

    events.write(STAGE, message="Reading data")
    data = task.read_data(config)

    events.write(STAGE, message="Loading model")
    model, tokenizer = _load_model(task, config, data.labels, lambda message: events.write(STAGE, message=message))

    events.write(STAGE, message="Tokenizing")
    tokenized, max_length = task.prepare(data, tokenizer, config)

    use_bf16 = config.precision == "bf16" or (config.precision == "auto" and hardware.fast_bf16)
    steps_per_epoch = math.ceil(len(tokenized["train"]) / config.batch_size)
    args = config.to_training_arguments(paths.checkpoints, steps_per_epoch=steps_per_epoch, use_bf16=use_bf16)
    callback = EventCallback(events, stop)
    trainer = _trainer(task, model, tokenizer, args, tokenized, data.labels, callback, data.loss)
    report_split = "test" if "test" in tokenized else "validation"  # unseen data when the user held some out
    before = _evaluate_before(task, trainer, tokenized, report_split, events)

    events.write(STAGE, message=f"Training on {hardware.describe()}", max_steps=_max_steps(args, steps_per_epoch))
    started = time.time()
    trainer.train()
    runtime = time.time() - started

    events.write(STAGE, message="Evaluating")
    trainer.args.train_sampling_strategy = "random"  # length grouping also reorders eval; the report needs row order
    prediction = trainer.predict(tokenized["validation"], metric_key_prefix="eval")
    callback.record_eval(trainer.state, prediction.metrics)  # the last point of the live plot
    if report_split == "test":
        prediction = trainer.predict(tokenized["test"], metric_key_prefix="test")
    report = task.report(data.labels, data.datasets[report_split], prediction.predictions)
    report["metrics"].update(before)
    baseline = _baseline(task, data, report_split)

    events.write(STAGE, message="Saving model")
    if hasattr(task, "save_model"):  # e.g. LoRA adapters merged into the weights first
        task.save_model(trainer, paths.model)
    else:
        trainer.save_model(str(paths.model))
    status = STOPPED if callback.stopped_early else FINISHED
    results = {
        "task": config.task, "model": config.model or default_model_name(config.task), "status": status,
        "train_rows": len(tokenized["train"]), "eval_rows": len(tokenized["validation"]),
        "report_split": report_split, "report_rows": len(tokenized[report_split]), "baseline": baseline,
        "train_runtime_s": round(runtime, 2), "steps": trainer.state.global_step,
        "max_length": max_length, "precision": "bf16" if use_bf16 else "fp32",
        "device": hardware.describe(), "notes": data.notes, **report,
    }
    paths.results.write_text(json.dumps(results, indent=2) + "\n")
    events.write(status, metrics=results["metrics"], steps=results["steps"])
    return results


def _load_model(task, config, labels, progress):
    from .models import describe_load_error, resolve_model

    path = resolve_model(config.model, config.task, progress)
    try:
        return task.build_model(config, path, labels)
    except (OSError, ValueError) as e:
        raise ConfigError(describe_load_error(config.model or path, e)) from None


def _trainer(task, model, tokenizer, args, tokenized, labels, callback, loss=None):
    from transformers import PrinterCallback, Trainer

    trainer = Trainer(model=model, args=args, train_dataset=tokenized["train"],
                      eval_dataset=tokenized["validation"], processing_class=tokenizer,
                      data_collator=task.collator(tokenizer), compute_metrics=task.metrics(labels),
                      compute_loss_func=loss, callbacks=[callback],
                      preprocess_logits_for_metrics=getattr(task, "preprocess_logits", None))
    trainer.remove_callback(PrinterCallback)  # stdout carries the final JSON only
    return trainer


def _evaluate_before(task, trainer, tokenized, split: str, events) -> dict:
    """The base model's scores before any training (e.g. base_perplexity), for tasks that report one."""
    if not hasattr(task, "metrics_before"):
        return {}
    events.write(STAGE, message="Scoring the base model on held-out data")
    return task.metrics_before(trainer, tokenized, split)


def _baseline(task, data, split: str) -> dict | None:
    """TF-IDF + logistic regression on the same split, for the report; None for tasks without one."""
    if not hasattr(task, "baseline"):
        return None
    return task.baseline(data.datasets["train"], data.datasets[split], data.labels)


def _max_steps(args, steps_per_epoch: int) -> int:
    return math.ceil(steps_per_epoch * args.num_train_epochs / args.gradient_accumulation_steps)


def _quiet_libraries():
    import datasets
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    datasets.disable_progress_bars()
