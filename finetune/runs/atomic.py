"""Whole-or-nothing file writes: a reader in another process (a torchrun rank, the UI following a run) sees
the old file or the new one, never an empty or half-written one."""
import os
import tempfile
from pathlib import Path


def write_atomic(path, text: str) -> None:
    """Write `text` to a temporary file beside `path` (a unique name, so two writers never share it), then
    rename it over `path` (os.replace is atomic on one file system)."""
    path = Path(path)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
