"""Taking a trained model away: the model zip, and the CLI's export by kind (ONNX fp32 or int8, GGUF).

The formats live beside this module: onnx_export, onnx_int8, gguf_export; a push to the Hub in hub.py.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import ConfigError

PICKLES = ("training_args.bin", "*.pkl", "*.pickle", "*.joblib")  # never shared: loading one runs its code


def export_run(run_dir, kind: str) -> dict:
    """The CLI's export: "onnx" (fp32), "int8" (beside it, checked on held-out rows) or "gguf" (generation);
    the check's figures as a dict."""
    from dataclasses import asdict

    from .onnx_export import export_onnx
    from .predictions import model_folder
    from ..tasks import get_task

    folder, task = model_folder(run_dir)
    if kind == "gguf":
        from .gguf_export import export_gguf

        return asdict(export_gguf(folder))
    if kind == "int8":
        from .onnx_int8 import export_int8

        return export_int8(Path(folder).parent).to_json()
    return export_onnx(folder, get_task(task))


def zip_model(run_dir) -> Path:
    """The model folder as one zip next to it (rebuilt when the model is newer), for download."""
    from ..runs.folder import RunPaths

    paths = RunPaths(run_dir)
    if not paths.has_model:
        raise ConfigError(f"{paths.root.name} has no saved model to download.")
    target = paths.model_zip
    if not target.is_file() or target.stat().st_mtime < (paths.model / "config.json").stat().st_mtime:
        from fnmatch import fnmatch

        
        partial = target.with_suffix(".zip.partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(paths.model.rglob("*")):  # names relative to model/: no server path inside
                if file.is_file() and not any(fnmatch(file.name, p) for p in PICKLES):  # pickles run code
                    archive.write(file, file.relative_to(paths.model))
        partial.replace(target)
    return target
