"""What makes a task: one `Task` record per task, built at the end of its module and registered in
tasks/__init__.py.

Everything that differs by task sits on its Task, as in transformers' pipeline registry: the words the
UI shows, the model catalogue and defaults, the main metric, the model card's text, what the UI may offer
(capabilities), its data check, and the functions that training and prediction call. The engine, CLI, UI
and model card ask the Task; none of them compares a task's name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .training_length import ONE_EPOCH, TrainingLength


@dataclass
class TaskData:
    """What read_data hands to training: the splits, the label names, and what was done to the data."""
    datasets: Any  # datasets.DatasetDict with "train", "validation" and maybe "test" (the report's split)
    labels: list[str]
    notes: list[str] = field(default_factory=list)  # plain-language remarks on what was done to the data
    loss: Any = None  # a Trainer compute_loss_func when the task changes the model's own loss


@dataclass(frozen=True)
class ModelCardText:
    """The task's part of the model card (README.md in the model folder, Hugging Face's layout)."""
    title: str          # "Text classification model"
    pipeline_tag: str   # the Hub's pipeline tag
    hub_base: str       # the embedded model's Hub original, named as base_model
    intended_use: str   # may name {labels}
    usage: str          # Python that loads the folder with transformers.pipeline
    reads: str = "labelled examples"  # what the training rows are, in words
    tag_of_model: Callable[[str], str | None] | None = None  # a tag the base model decides (T5: text2text)

    def tag_for(self, model: str) -> str:
        return (self.tag_of_model(model) if self.tag_of_model and model else None) or self.pipeline_tag


def save_with_trainer(trainer, folder) -> None:
    trainer.save_model(str(folder))


def twice_the_batch(batch_size: int) -> int:
    """No gradients at evaluation: bigger batches are cheaper."""
    return max(64, batch_size * 2)


@dataclass(frozen=True, kw_only=True)
class Task:
    # --- who it is, in words
    name: str                   # the config's `task` value and the run folder's infix
    title: str                  # "Text classification": the Model tab and the runs table
    picker_label: str           # the Data tab's task picker
    # --- models and settings
    embedded_model: str         # models.EMBEDDED or EMBEDDED_LM: the default, offline
    catalog: tuple[tuple[str, str], ...]  # (model, one line of guidance); the embedded default first
    main_metric: str            # ranks runs, picks the best model, drives early stopping
    greater_is_better: bool     # the main metric's direction (perplexity: lower is better)
    card: ModelCardText
    model_heads: tuple[str, ...]  # architecture suffixes of a saved model of this task ("ForCausalLM")
    # --- the functions training, the data check and prediction call
    read_data: Callable         # (config) -> TaskData
    build_model: Callable       # (config, model_path, labels) -> (model, tokenizer)
    prepare: Callable           # (data, tokenizer, config) -> (tokenized DatasetDict, length used)
    collator: Callable          # (tokenizer) -> the batch collator
    metrics: Callable           # (labels) -> compute_metrics
    report: Callable            # (labels, dataset, predictions) -> results.json's task fields
    predictor: Callable         # (model_dir) -> texts in, predictions out (the Playground, predict)
    check: Callable             # (config) -> the data check's report (a CheckReport)
    defaults: Mapping[str, Any] = field(default_factory=dict)  # starting values where they differ from RunConfig's
    length: TrainingLength = ONE_EPOCH  # how many epochs `epochs = 0` (from the data) means for a data size
    examples: tuple[str, ...] = ()       # the Playground's example inputs
    samples: tuple[str, ...] = ()        # bundled sample files (sample_data/) written for this task
    own_suffixes: tuple[str, ...] = ()   # file types that only this task reads (CoNLL: NER)
    length_setting: str = "max_length"   # the config field that caps tokens per example
    # --- capabilities: what the UI may offer and the engine may do
    maps_columns: bool = False      # the Data tab maps a text and a label column (and offers remedies)
    stratified_split: bool = False  # held-out sets keep the label shares
    shows_entities: bool = False    # predictions are entity spans (highlighted text)
    generates_text: bool = False    # predictions are text (side-by-side with the base model)
    text_modes: bool = False        # the config's text_mode applies (corpus or lines)
    few_shot: bool = False          # methods setfit and probe apply (tasks/setfit_method.py, probe_method.py)
    onnx_loader: str | None = None  # the transformers Auto class an ONNX export loads; None: no export
    # --- optional hooks
    baseline: Callable | None = None          # (train, eval, labels, save_to) -> scores of a simple model to beat
    quick_models: Callable | None = None      # (config, data, limits, progress) -> QuickReport (quick_models.py)
    methods: Mapping[str, Callable] = field(default_factory=dict)  # method -> runner, besides fine-tuning
    metrics_before: Callable | None = None    # (trainer, tokenized, split) -> the untrained model's scores
    preprocess_logits: Callable | None = None  # shrinks what evaluation keeps
    save_model: Callable = save_with_trainer   # (trainer, folder)
    eval_batch_size: Callable[[int], int] = twice_the_batch
    # --- the verdict (verdict.py)
    weak_below: float | None = None  # a main metric under this is weak whatever else holds; None: no floor
    part_word: str = "classes"       # what the per-part scores are of, in words

    @property
    def has_baseline(self) -> bool:
        return self.baseline is not None

    def guidance(self) -> dict[str, str]:
        return dict(self.catalog)
