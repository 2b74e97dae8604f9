"""What makes a task: one `Task` record per task, built at the end of its module and registered in
tasks/__init__.py.

Everything that differs by task sits on its Task, as in transformers' pipeline registry: the words the
UI shows, the model catalogue and defaults, the main metric, the model card's text, what the UI may offer
(capabilities), its data check, the functions that training and prediction call, how it trains (its
Methods), and how its results read (plain data: tasks/views.py). The engine, CLI, UI, verdict and model card
ask the Task; none of them compares a task's name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from ..errors import ConfigError
from .advice import AUTO, FINETUNE, METHOD_NAMES, resolve_method
from .training_length import ONE_EPOCH, TrainingLength
from .views import Against, ResultsView

BASELINE = "baseline"        # compared with a simple model on the same split (results.baseline)
BASE_MODEL = "base model"    # compared with the model before training (metrics' base_<metric>)


@dataclass
class TaskData:
    """What read_data hands to training: the splits, the label names, and what was done to the data."""
    datasets: Any  # datasets.DatasetDict with "train", "validation" and maybe "test" (the report's split)
    labels: list[str]
    notes: list[str] = field(default_factory=list)  # plain-language remarks on what was done to the data
    loss: Any = None  # a Trainer compute_loss_func when the task changes the model's own loss
    # the texts the max length is fitted on (token_lengths.training_max_length): the data file's usable rows as
    # the data check counts them, so the Data tab, the estimate and the run agree; None: the training split
    length_texts: list | None = None


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


@dataclass(frozen=True)
class Method:
    """A way a task trains its model: the config's `method` value and who runs it."""
    name: str                       # "finetune", "setfit", "probe" (tasks/advice.py names them)
    # (config, paths, events, stop, task, data, hardware, checkpoint=, callbacks=) -> results.json's values, the
    # model saved into paths.model_saving; None: fine-tuning with the Trainer (training/fine_tune.py)
    runner: Callable | None = None
    one_pass: bool = False          # trains one pass, not epochs (SetFit's pairs): "more epochs" is no next step
    few_rows: bool = False          # trains on a handful of rows per class (SetFit, the probe): data too small
    #                                 to fine-tune on may still train with it (CheckReport.few_shot_ready)


FINE_TUNE = Method(FINETUNE)


@dataclass(frozen=True)
class SeparateHead:
    """A model folder that is a sentence-transformers body with a fitted logistic-regression head beside it
    (SetFit, the quick probe): transformers' pipeline and the ONNX export see only the body."""
    method: str      # "SetFit" or "The quick probe", in words
    file: str        # the head's fitted arrays in the folder (tasks/fitted_arrays.py, safetensors)
    normalize: bool  # the embeddings are L2-normalised before the head

    def fitted(self, folder):
        """(the fitted LogisticRegression, its label names), rebuilt from the arrays in `folder`."""
        from .fitted_arrays import load_logistic

        return load_logistic(Path(folder) / self.file)


def length_texts(data: TaskData) -> list:
    """The texts a run fits its max length on: the data check's rows, else the training split's texts."""
    return data.length_texts if data.length_texts is not None else data.datasets["train"]["text"]


def method_start(config, paths, events, task):
    """(base model path, empty folder to save into) for a method's runner: what the Trainer path gets from
    its own model loading."""
    import shutil

    from ..models.catalog import resolve_model
    from ..runs.events import STAGE

    path = resolve_model(config.model, task.embedded_model, lambda message: events.write(STAGE, message=message))
    shutil.rmtree(paths.model_saving, ignore_errors=True)
    return path, paths.model_saving


def save_with_trainer(trainer, folder) -> None:
    trainer.save_model(str(folder))


def no_tables(results) -> ResultsView:
    return ResultsView()


def label_columns(predictions: list[dict]) -> dict[str, list]:
    """A labelled table's columns for {"label", "score"} predictions."""
    return {"predicted_label": [p["label"] for p in predictions],
            "score": [round(p["score"], 4) for p in predictions]}


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
    onnx_loader: str | None = None  # the transformers Auto class an ONNX export loads; None: no export
    # --- optional hooks
    baseline: Callable | None = None          # (train, eval, labels, save_to) -> scores of a simple model to beat
    quick_models: Callable | None = None      # (config, data, limits, progress) -> QuickReport (quick_models.py)
    methods: tuple[Method, ...] = (FINE_TUNE,)  # the ways it trains; more than one: `auto` asks the advice
    few_rows_method: str = ""       # the method the verdict offers when a run trails the baseline on few rows per class
    separate_head: Callable | None = None    # (model folder) -> SeparateHead, or None for a transformers model
    labelled_rows: Callable | None = None    # (path, config) -> (rows "text", "label", notes): the label review's rows
    metrics_before: Callable | None = None    # (trainer, tokenized, split) -> the untrained model's scores
    preprocess_logits: Callable | None = None  # shrinks what evaluation keeps
    save_model: Callable = save_with_trainer   # (trainer, folder)
    eval_batch_size: Callable[[int], int] = twice_the_batch
    # --- its results: what results.json's task keys say (runs/records.Results.report), for the report,
    # the verdict (services/verdict.py) and predictions (services/predictions.py)
    results_view: Callable[..., ResultsView] = no_tables  # (Results) -> the report's tables
    prediction_columns: Callable[[list[dict]], dict[str, list]] = label_columns  # a labelled table's new columns
    compared_with: str = ""          # BASELINE, BASE_MODEL or "" (nothing to beat but chance)
    chance: Callable[[dict, str], float | None] | None = None  # (report, metric) -> a model that learned nothing
    scores_key: str = ""             # the report key of the per-part scores ({part: {"f1", "support"...}})
    weak_below: float | None = None  # a main metric under this is weak whatever else holds; None: no floor
    part_word: str = "classes"       # what the per-part scores are of, in words

    @property
    def has_baseline(self) -> bool:
        return self.baseline is not None

    @property
    def few_shot(self) -> bool:
        """Methods besides fine-tuning apply (SetFit, the probe): the data check and the advice weigh them."""
        return len(self.methods) > 1

    def method(self, name: str, labels=()) -> Method:
        """The Method a run trains with: the config's `name`, auto resolved by the advice from the training
        rows' labels; ConfigError for a method this task does not have."""
        if self.few_shot:
            name = resolve_method(name, list(labels))
        chosen = next((m for m in self.methods if m.name == (FINETUNE if name == AUTO else name)), None)
        if chosen is None:
            raise ConfigError(f"{METHOD_NAMES.get(name, name)} trains text classification only, not "
                              f"{self.title.lower()}; choose method finetune.")
        return chosen

    def main_key(self, results) -> str:
        """The main metric's key in a run's results.metrics (Results.main_key with this task's metric)."""
        return results.main_key(self.main_metric)

    def against(self, results) -> Against | None:
        """What the run's model is compared with, scores keyed like its metrics; None: nothing measured."""
        if self.compared_with == BASELINE and results.baseline:
            return Against("TF-IDF baseline", dict(results.baseline))
        base = {k.removeprefix("base_"): v for k, v in results.metrics.items() if k.startswith("base_")}
        if self.compared_with == BASE_MODEL and base:
            return Against("base model (before training)", base, base_model=True)
        return None

    def part_scores(self, results) -> dict:
        """Per-part scores (per class, per entity type) from the run's report; empty where there are none."""
        return (results.report.get(self.scores_key) or {}) if self.scores_key else {}

    def chance_score(self, results, metric: str) -> float | None:
        """The score of a model that learned nothing, None where there is no such floor."""
        return self.chance(results.report, metric) if self.chance else None

    def guidance(self) -> dict[str, str]:
        return dict(self.catalog)
