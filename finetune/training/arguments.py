"""The one bridge from a RunConfig to transformers.TrainingArguments: every Trainer setting a run uses is
decided here (the SetFit path maps the same fields in tasks/setfit_method.py)."""
from __future__ import annotations

import math

from ..config import ConfigError, RunConfig
from ..machine import hardware
from ..machine.launch import backend
from ..tasks import get_task


def training_arguments(config: RunConfig, output_dir, *, steps_per_epoch: int, use_bf16: bool, world_size: int = 1,
                   use_fp16: bool = False):
    """world_size: training processes in all (launch.world_size()); batch_size is split across them."""
    from transformers import TrainingArguments

    accelerator = hardware.has_accelerator()
    if config.fsdp and not accelerator:
        raise ConfigError("fsdp shards a model across GPUs and needs them; none was found. Untick fsdp "
                          "(several CPU processes train with plain data parallelism).")
    if config.fsdp and config.processes * config.nnodes == 1:
        raise ConfigError("fsdp shards a model across several GPUs, one process each; this run has one "
                          "process. Set processes to the number of GPUs, or untick fsdp.")
    task = get_task(config.task)
    total_steps = max(1, math.ceil(steps_per_epoch * config.epochs / config.gradient_accumulation_steps))
    logging_steps = config.logging_steps or max(1, total_steps // 50)
    eval_steps = config.eval_steps or max(1, math.ceil(total_steps / 4))  # the last step is always evaluated
    return TrainingArguments(
        output_dir=str(output_dir),
        num_train_epochs=config.epochs,
        per_device_train_batch_size=math.ceil(config.batch_size / world_size),
        per_device_eval_batch_size=task.eval_batch_size(config.batch_size),
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        learning_rate=config.learning_rate,
        warmup_steps=config.warmup_ratio,  # transformers 5: a float below 1 is a share of the run
        weight_decay=config.weight_decay,
        seed=config.seed,
        data_seed=config.seed,
        bf16=use_bf16,
        fp16=use_fp16,
        use_cpu=not accelerator,
        ddp_backend=backend(accelerator) if world_size > 1 else None,
        fsdp="full_shard auto_wrap" if config.fsdp else "",
        train_sampling_strategy="group_by_length",  # batches of similar length: less padding
        logging_strategy="steps",
        logging_steps=logging_steps,
        logging_first_step=True,
        eval_strategy="steps",
        eval_steps=eval_steps,
        # Checkpoints for resume; best-model tracking needs one at every evaluation. The engine
        # saves the final model itself, and Stop writes a checkpoint whatever this says.
        save_strategy="steps" if config.keeps_checkpoints else "no",
        save_steps=eval_steps,
        save_total_limit=config.checkpoint_limit,
        load_best_model_at_end=config.load_best_model_at_end or config.early_stopping,
        metric_for_best_model=task.main_metric,
        greater_is_better=task.greater_is_better,
        report_to=config.listed("report_to") or "none",
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
