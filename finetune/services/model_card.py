"""The model card: README.md in the model folder, written at the end of a run from its config and results.

It follows the Hugging Face model card layout (YAML front matter, then sections) so the folder can be
pushed to the Hub as it is; every figure comes from results.json.
"""
from __future__ import annotations

from pathlib import Path

from ..runs.records import Results
from ..tasks import get_task

SETTINGS = ("epochs", "batch_size", "learning_rate", "warmup_ratio", "weight_decay",
            "gradient_accumulation_steps", "precision", "seed", "early_stopping", "load_best_model_at_end")

def entity_types(tags: list[str]) -> list[str]:
    """BIO tags as the entity types a reader knows: B-PER, I-PER -> PER; "O" (no entity) is not a type."""
    return list(dict.fromkeys(t.split("-", 1)[-1] for t in tags if t != "O"))


def limitations(task, results: Results) -> list[str]:
    if task.generates_text:
        return [f"- Trained on {results.train_rows} blocks of text: it writes in their style and can state false "
                "things fluently; it knows nothing it was not shown.",
                f"- It reads at most {results.max_length} tokens of prompt.",
                "- It repeats the biases of its training text; read what it writes before anyone else does."]
    return [f"- Trained on {results.train_rows} examples: texts unlike them (other topics, styles, "
            "languages) may be labelled confidently and wrongly.",
            f"- Inputs longer than {results.max_length} tokens are cut off.",
            "- The model learns the biases of its training data; review its mistakes in results.json."]


def model_card(config, results: Results, labels: list[str]) -> str:
    task = get_task(config.task)
    card = task.card
    if task.shows_entities:
        labels = entity_types(labels)
    base = hub_base(config.model, card.hub_base)
    named = base or f"a local model ({Path(config.model.strip()).name})"  # never the server's path
    settings = config.to_dict()
    tag = card.tag_for(config.model)  # the base model may decide it (a T5 is text2text-generation)
    lines = [
        "---", "library_name: transformers", f"pipeline_tag: {tag}",
        *([f"base_model: {base}"] if base else []), "tags:", "- fine-tune-studio", "---", "",
        f"# {card.title} fine-tuned from {named}", "",
        f"Trained with Fine-Tune Studio on {results.device}; the run {results.status} after "
        f"{results.steps} of {results.planned_steps} steps ({results.elapsed_s:.0f} s).", "",
        "## Data", "",
        f"- Training file: `{Path(config.data_file).name}` ({results.train_rows} training rows, "
        f"{results.eval_rows} validation rows"
        + (f", validation from `{Path(config.eval_file).name}`)" if config.eval_file else
           f", a {'stratified ' if task.stratified_split else ''}{config.val_size:.0%} hold-out)"),
        *([f"- {'Entity types' if task.shows_entities else 'Labels'} ({len(labels)}): {', '.join(labels)}"]
          if labels else []),
        *[f"- {note}" for note in results.notes], "",
        "## Settings", "",
        "| setting | value |", "|---|---|",
        *[f"| {name} | {settings[name]} |" for name in SETTINGS],
        f"| max_length | {results.max_length} |", "",
        "## Results on the validation set", "",
        "| metric | value |", "|---|---|",
        *[f"| {name} | {value:.4f} |" for name, value in results.metrics.items()], "",
        *_per_class(results.report.get("per_class") or {}),
        "## Intended use", "",
        card.intended_use.format(labels=", ".join(labels)), "",
        "## Limitations", "",
        *limitations(task, results), "",
        "## How to use", "", "```python", "from transformers import pipeline", "",
        card.usage.replace(f'"{card.pipeline_tag}"', f'"{tag}"'), "```", "",
    ]
    return "\n".join(lines)


def hub_base(choice: str, embedded_base: str) -> str | None:
    """The base model as the card may name it: a Hub id (the embedded model's own), None for a folder on
    this machine (its path is the server's business, not the reader's)."""
    choice = (choice or "").strip()
    if not choice:
        return embedded_base  # where the embedded model comes from
    if choice.startswith(("/", ".", "~")) or choice.count("/") > 1 or "\\" in choice or Path(choice).expanduser().is_dir():
        return None
    return choice


def _per_class(per_class: dict) -> list[str]:
    if not per_class:
        return []
    rows = [f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |"
            for label, s in per_class.items()]
    return ["### Per class", "", "| label | precision | recall | F1 | support |", "|---|---|---|---|---|",
            *rows, ""]


def write_model_card(path, config, results: Results, labels: list[str]) -> Path:
    path = Path(path)
    path.write_text(model_card(config, results, labels), encoding="utf-8")
    return path
