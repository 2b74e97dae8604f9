"""The model card: README.md in the model folder, written at the end of a run from its config and results.

It follows the Hugging Face model card layout (YAML front matter, then sections) so the folder can be
pushed to the Hub as it is; every figure comes from results.json.
"""
from __future__ import annotations

from pathlib import Path

SETTINGS = ("epochs", "batch_size", "learning_rate", "warmup_ratio", "weight_decay",
            "gradient_accumulation_steps", "precision", "seed", "early_stopping", "load_best_model_at_end")
PIPELINE_TAGS = {"classification": "text-classification", "ner": "token-classification",
                 "generation": "text-generation"}
HUB_IDS = {"classification": "sentence-transformers/all-MiniLM-L6-v2", "ner": "sentence-transformers/all-MiniLM-L6-v2",
           "generation": "HuggingFaceTB/SmolLM2-135M-Instruct"}
USES = {  # (intended use, how to call it) per task
    "classification": ("Labelling short texts like those in the training file with one of: {labels}. Check the "
                       "per-class scores above before relying on a class, and keep a person in the loop for "
                       "decisions that matter.",
                       'classify = pipeline("text-classification", model="path/to/this/folder")\n'
                       'print(classify("Your text here", top_k=None))'),
    "ner": ("Marking entities of these types in text like the training sentences: {labels}. Check the "
            "per-type scores above before relying on a type.",
            'tag = pipeline("token-classification", model="path/to/this/folder", aggregation_strategy="first")\n'
            'print(tag("Your text here"))'),
    "generation": ("Writing text in the style of the training text. It can state false things fluently: "
                   "review what it writes before anyone else reads it.",
                   'write = pipeline("text-generation", model="path/to/this/folder")\n'
                   'print(write("Your prompt", max_new_tokens=64)[0]["generated_text"])'),
}


def model_card(config, results: dict, labels: list[str]) -> str:
    base = config.model or HUB_IDS.get(config.task, HUB_IDS["classification"])  # where the embedded ones come from
    settings = config.to_dict()
    use, call = USES.get(config.task, USES["classification"])
    lines = [
        "---", "library_name: transformers", f"pipeline_tag: {PIPELINE_TAGS.get(config.task, config.task)}",
        f"base_model: {base}", "tags:", "- fine-tune-studio", "---", "",
        f"# {config.task.capitalize()} model fine-tuned from {base}", "",
        f"Trained with Fine-Tune Studio on {results['device']}; the run {results['status']} after "
        f"{results['steps']} of {results.get('max_steps', results['steps'])} steps "
        f"({results.get('duration_s', results['train_runtime_s']):.0f} s).", "",
        "## Data", "",
        f"- Training file: `{Path(config.data_file).name}` ({results['train_rows']} training rows, "
        f"{results['eval_rows']} validation rows"
        + (f", validation from `{Path(config.eval_file).name}`)" if config.eval_file else
           f", a {'stratified ' if config.task == 'classification' else ''}{config.val_size:.0%} hold-out)"),
        *([f"- Labels ({len(labels)}): {', '.join(labels)}"] if labels else []),
        *[f"- {note}" for note in results.get("notes", [])], "",
        "## Settings", "",
        "| setting | value |", "|---|---|",
        *[f"| {name} | {settings[name]} |" for name in SETTINGS],
        f"| max_length | {results['max_length']} |", "",
        "## Results on the validation set", "",
        "| metric | value |", "|---|---|",
        *[f"| {name} | {value:.4f} |" for name, value in results["metrics"].items()], "",
        *_per_class(results.get("per_class", {})),
        "## Intended use", "",
        use.format(labels=", ".join(labels)), "",
        "## Limitations", "",
        f"- Trained on {results['train_rows']} examples: texts unlike them (other topics, styles, "
        "languages) may be labelled confidently and wrongly.",
        f"- Inputs longer than {results['max_length']} tokens are cut off.",
        "- The model learns the biases of its training data; review its mistakes in results.json.", "",
        "## How to use", "", "```python", "from transformers import pipeline", "", call, "```", "",
    ]
    return "\n".join(lines)


def _per_class(per_class: dict) -> list[str]:
    if not per_class:
        return []
    rows = [f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |"
            for label, s in per_class.items()]
    return ["### Per class", "", "| label | precision | recall | F1 | support |", "|---|---|---|---|---|",
            *rows, ""]


def write_model_card(path, config, results: dict, labels: list[str]) -> Path:
    path = Path(path)
    path.write_text(model_card(config, results, labels), encoding="utf-8")
    return path
