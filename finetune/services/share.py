"""Share a trained model as its own demo: a small folder with app.py (the task's input and answer), the model,
requirements.txt and a README with Spaces front matter. It runs offline with one command, and pushes to
the Hub as a Gradio Space (export.push_folder, the model push's path).

Nothing in the folder names the server: paths the saved configs kept are dropped, the model's pickles
(training_args.bin) and its card (it names a local base model's path; the Space's README replaces it) stay
behind, and the examples are the task's own, not the run's held-out rows.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..errors import ConfigError
from .export import PICKLES
from .predictions import model_folder

APP = Path(__file__).parents[1] / "ui" / "share_app.py"  # copied as app.py; never imported by the app
README = Path(__file__).parent / "share_readme.md"   # the shared folder's README.md (string.Template)
SERVER_PATH_KEYS = ("_name_or_path", "name_or_path", "finetune_base_model")


def answer_kind(task) -> str:
    """What the shared app shows, from the Task's capabilities: a label, entities, or text."""
    return "entities" if task.shows_entities else "text" if task.generates_text else "label"


def write_share_app(run_dir, output) -> Path:
    """Writes the demo folder for the model in run_dir to output (which must be new or empty)."""
    from ..tasks import get_task

    folder, task_name = model_folder(run_dir)
    task = get_task(task_name)
    head = task.separate_head(folder) if task.separate_head else None  # SetFit, the probe: the app scores it
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise ConfigError(f"{output} is not empty: name a new folder for the demo.")
    output.mkdir(parents=True, exist_ok=True)
    shutil.copytree(folder, output / "model", ignore=shutil.ignore_patterns(*PICKLES, "onnx", "gguf", "README.md"),
                    dirs_exist_ok=True)
    for name in ("config.json", "tokenizer_config.json"):
        _drop_server_paths(output / "model" / name)
    title = f"{task.title} model"
    config = json.loads((folder / "config.json").read_text())
    share = {"kind": answer_kind(task), "title": title, "examples": list(task.examples),
             "prompt_format": config.get("finetune_prompt_format", "plain"),
             "description": "Fine-tuned with Fine-Tune Studio. Type a text and press Predict."}
    if head:
        share["head"] = {"file": head.file, "normalize": head.normalize}
    (output / "share.json").write_text(json.dumps(share, indent=2))
    shutil.copyfile(APP, output / "app.py")
    (output / "requirements.txt").write_text(requirements(sentence_model=head is not None))
    (output / "README.md").write_text(readme(title, task))
    return output


def _drop_server_paths(file: Path) -> None:
    """Saved configs keep the folder they were loaded from: a path on this server, not for sharing."""
    if file.is_file():
        data = json.loads(file.read_text())
        for key in SERVER_PATH_KEYS:
            data.pop(key, None)
        file.write_text(json.dumps(data, indent=2))


def requirements(sentence_model: bool = False) -> str:
    """The shared app's packages, pinned as this project pins them (sentence-transformers for a model whose
    head sits beside its body)."""
    from importlib.metadata import version

    packages = [f"gradio=={version('gradio')}", f"transformers=={version('transformers')}",
                f"torch=={version('torch').split('+')[0]}", f"safetensors>={version('safetensors')}"]
    if sentence_model:
        packages += [f"sentence-transformers=={version('sentence-transformers')}", f"numpy>={version('numpy')}"]
    return "\n".join([*packages, ""])


def readme(title: str, task) -> str:
    """The Space's README (share_readme.md): front matter, how to run it, the /predict API."""
    from importlib.metadata import version
    from string import Template

    example = repr((task.examples or ("A text.",))[0])
    return Template(README.read_text()).substitute(title=title, gradio=version("gradio"), task=task.title.lower(),
                                                   example=example)
