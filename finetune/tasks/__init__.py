"""Tasks. Each task is one module with the same functions:

    read_data(config)                     -> TaskData (train/validation datasets, label names, notes)
    build_model(config, model_path, labels) -> (model, tokenizer)
    prepare(data, tokenizer, config)      -> (tokenized DatasetDict, max_length used)
    collator(tokenizer)                   -> the batch collator (pads per batch)
    metrics(labels)                       -> compute_metrics for the Trainer
    report(labels, dataset, logits)       -> the results.json fields of this task
    pipeline(model_dir)                   -> Predictor: texts in, predictions out (the Playground)
    MAIN_METRIC                           -> the metrics key that ranks runs ("accuracy", "f1")

Optional hooks the engine uses when a task has them: baseline(train, eval, labels) (a simple model to
beat), metrics_before(trainer, tokenized, split) (scores of the untrained model, e.g. base_perplexity),
preprocess_logits(logits, labels) (shrinks what evaluation keeps), save_model(trainer, folder).

A new task is one module here and one line in TASKS.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from ..config import ConfigError

TASKS = {"classification": "finetune.tasks.classification", "ner": "finetune.tasks.ner",
         "generation": "finetune.tasks.generation"}


@dataclass
class TaskData:
    datasets: object  # datasets.DatasetDict with "train", "validation" and maybe "test" (the report's split)
    labels: list[str]
    notes: list[str] = field(default_factory=list)  # plain-language remarks on what was done to the data
    loss: object = None  # a Trainer compute_loss_func when the task changes the model's own loss


def get_task(name: str):
    if name not in TASKS:
        raise ConfigError(f"Unknown task {name!r}; choose one of {', '.join(TASKS)}.")
    return importlib.import_module(TASKS[name])
