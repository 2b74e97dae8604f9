"""How the Trainer is set up for a run: its TrainingArguments and step counts (Plan), the Trainer with
our callbacks, and the validation sample scored live during training. engine.py runs it."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..machine import launch
from ..config import RunConfig
from .arguments import training_arguments
from ..runs.folder import RunPaths


@dataclass(frozen=True)
class Plan:
    """How the run trains: its TrainingArguments and the figures they were made from."""
    args: Any
    precision: str  # bf16, fp16 or fp32 (config.training_precision)
    world: int  # training processes, each taking batch_size / world examples a step
    total_steps: int

    @property
    def live_evaluations(self) -> int:
        return max(1, math.ceil(self.total_steps / self.args.eval_steps) - 1)  # the last is the final predict


def plan_run(config: RunConfig, paths: RunPaths, hardware, train_rows: int) -> Plan:
    precision, world = config.training_precision(hardware), launch.world_size()
    steps_per_epoch = math.ceil(train_rows / (math.ceil(config.batch_size / world) * world))
    args = training_arguments(config, paths.checkpoints, steps_per_epoch=steps_per_epoch,
                                        use_bf16=precision == "bf16", use_fp16=precision == "fp16", world_size=world)
    return Plan(args=args, precision=precision, world=world, total_steps=max_steps(args, steps_per_epoch))


def build_trainer(task, model, tokenizer, args, tokenized, labels, callbacks, config, loss=None):
    from transformers import EarlyStoppingCallback, PrinterCallback, Trainer

    from ..runs.callbacks import CheckpointSpacing

    # a Stop's save overrides the spacing: the spacing runs before the event callback
    callbacks = [CheckpointSpacing(config.checkpoint_interval_s), *callbacks]
    if config.early_stopping:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=config.early_stopping_patience))
    trainer = Trainer(model=model, args=args, train_dataset=tokenized["train"],
                      eval_dataset=tokenized["validation"], processing_class=tokenizer,
                      data_collator=task.collator(tokenizer), compute_metrics=task.metrics(labels),
                      compute_loss_func=loss, callbacks=callbacks,
                      preprocess_logits_for_metrics=task.preprocess_logits)
    trainer.remove_callback(PrinterCallback)  # stdout carries the final JSON only
    return trainer


LIVE_EVAL_SHARE = 0.05  # of training compute, at most, for the evaluations during training (issue 25: was 0.1)
MIN_LIVE_ROWS = 16     # fewer make the live curve noise


def live_eval_set(validation, config: RunConfig, train_rows: int | None = None, evaluations: int = 1):
    """What each evaluation during training scores: a fixed seeded sample of at most live_eval_rows rows,
    and (given `train_rows` and the number of `evaluations`) few enough that all of them cost at most
    LIVE_EVAL_SHARE of training; a forward pass is ~1/3 of a training step. The whole validation set is
    predicted at the end."""
    rows = config.live_eval_rows or len(validation)
    if config.live_eval_rows and train_rows:
        rows = min(rows, max(MIN_LIVE_ROWS, round(3 * LIVE_EVAL_SHARE * train_rows / max(1, evaluations))))
    if len(validation) <= rows:
        return validation
    return validation.shuffle(seed=config.seed).select(range(rows))


def max_steps(args, steps_per_epoch: int) -> int:
    return math.ceil(steps_per_epoch * args.num_train_epochs / args.gradient_accumulation_steps)
