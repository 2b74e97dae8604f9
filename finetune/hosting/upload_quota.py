"""Uploads per visitor on a Space: at most uploads_per_hour() files that a visitor's handlers read in any
hour (FINETUNE_UPLOADS_PER_HOUR, default 30).

Gradio has stored an upload before any handler sees it, so this bounds the work a visitor can cause
(reading, checking, labelling a file) and deletes a refused file at once; launch(max_file_size=...) bounds
each file and delete_cache their age. Counted in memory: one app process serves a Space.
"""
from __future__ import annotations

import os
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

from ..errors import ConfigError
from . import owners

WINDOW_S = 3600
DEFAULT_PER_HOUR = 30
_SEEN: dict[str, deque] = defaultdict(deque)  # owner -> (monotonic time, path) of their admitted uploads
_LOCK = threading.Lock()


def uploads_per_hour() -> int:
    try:
        return max(1, int(os.environ.get("FINETUNE_UPLOADS_PER_HOUR", DEFAULT_PER_HOUR)))
    except ValueError:
        return DEFAULT_PER_HOUR


def admit(owner: str | None, path) -> None:
    """Count one upload of this visitor's. On a Space past the quota the file is deleted and ConfigError
    says when the next one is taken; locally every upload is taken."""
    if not owners.hosted() or not path:
        return
    now, path = time.monotonic(), str(path)
    with _LOCK:
        seen = _SEEN[owner or "unsigned"]  # a page without a valid id shares one allowance with all such pages
        while seen and now - seen[0][0] > WINDOW_S:
            seen.popleft()
        if any(admitted == path for _, admitted in seen):  # the same upload read again (another click)
            return
        if len(seen) >= uploads_per_hour():
            Path(path).unlink(missing_ok=True)
            minutes = max(1, round((WINDOW_S - (now - seen[0][0])) / 60))
            raise ConfigError(f"You have uploaded {len(seen)} files in the last hour, the most this shared Space "
                              f"reads from one visitor; the next is taken in about {minutes} min. What you "
                              "loaded before is still here.")
        seen.append((now, path))
