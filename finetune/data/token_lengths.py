"""Real token counts for the data check, without importing transformers (the `tokenizers` library
reads a model's tokenizer.json in a fraction of a second).

Models without a tokenizer.json at hand (a Hub id not downloaded yet, offline) fall back to an
estimate from word counts, and say so.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .byte_caps import MAX_COUNTED_CHARS, counted_chars

DEFAULT_LIMIT = 512
TOKENS_PER_WORD = 1.3  # a typical WordPiece/BPE ratio for English, used only when no tokenizer is at hand
SAMPLE_ROWS = 5000     # enough for a stable histogram and share; the longest rows are checked exactly
MIN_SAMPLE_ROWS = 300  # the fewest sampled when texts are long (MAX_COUNTED_CHARS): still a usable histogram
HISTOGRAM_BINS = 30


def model_files(model: str, default: str = "") -> tuple[Path | None, Path | None]:
    """(tokenizer.json, folder with its configs) for a model choice, or (None, None) if not at hand.
    An empty choice is `default`, the task's embedded model (MiniLM when not given).

    Looks only on disk (the embedded model, a local folder, the Hub cache): a data check never downloads.
    """
    from ..errors import ConfigError
    from ..models.embedded_lm import converted_folder
    from ..models.catalog import EMBEDDED, EMBEDDED_LM, embedded_choice, embedded_model_path

    try:
        embedded = embedded_choice(model, default or EMBEDDED)
        folder = (Path(embedded_model_path()) if embedded == EMBEDDED else
                  converted_folder() if embedded == EMBEDDED_LM else Path(model).expanduser())
    except ConfigError:
        return None, None
    if not embedded and os.environ.get("SPACE_ID"):  # a shared Space: a typed name is looked up in the Hub
        folder = None                                 # cache only, so the counts tell no server folder's existence
    if folder is not None and folder.is_dir():
        return (folder / "tokenizer.json" if (folder / "tokenizer.json").is_file() else None), folder
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(model.strip(), "tokenizer.json")
    except ValueError:  # not a valid repo id
        return None, None
    return (Path(found), Path(found).parent) if isinstance(found, str) else (None, None)


def model_limit(folder: Path | None) -> int:
    """How many tokens the model reads: tokenizer_config's model_max_length, else the position embeddings."""
    def read(name):
        try:
            return json.loads((folder / name).read_text())
        except (OSError, ValueError, TypeError):
            return {}
    if folder is None:
        return DEFAULT_LIMIT
    limit = read("tokenizer_config.json").get("model_max_length")
    if isinstance(limit, (int, float)) and 0 < limit < 100_000:
        return int(limit)
    return int(read("config.json").get("max_position_embeddings") or DEFAULT_LIMIT)


class LengthCounter:
    """Counts tokens per text for one model (or estimates them from words when its tokenizer is missing)."""

    def __init__(self, model: str = ""):
        tokenizer_file, folder = model_files(model)
        self.limit = model_limit(folder)
        self.tokenizer = None
        if tokenizer_file is not None:
            from tokenizers import Tokenizer

            self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
            self.tokenizer.no_truncation()
            self.tokenizer.no_padding()
        self.estimated = self.tokenizer is None

    def __call__(self, texts: list[str]) -> np.ndarray:
        # Each text cut first (byte_caps.counted_chars): a 20 KB text costs the tokenizer megabytes of
        # offsets, and its first few thousand characters already count past the limit.
        chars = counted_chars(self.limit)
        texts = [t[:chars] for t in texts]
        if self.tokenizer is None:
            return np.array([round(len(t.split()) * TOKENS_PER_WORD) + 2 for t in texts], dtype=int)
        return np.array([len(e.ids) for e in self.tokenizer.encode_batch(texts)], dtype=int)


def length_summary(texts, counter: LengthCounter, limit: int | None = None, seed: int = 0) -> dict:
    """Percentiles, a histogram, the share over the limit (from a sample on big data) and the longest rows."""
    import pandas as pd

    texts = pd.Series(texts)
    limit = limit or counter.limit
    sample = texts.sample(n=sample_size(texts, counter.limit), random_state=seed) if len(texts) else texts
    lengths = counter(sample.tolist()) if len(sample) else np.zeros(0, dtype=int)
    longest = texts.str.len().nlargest(200).index  # exact counts where truncation is likeliest
    long_lengths = counter(texts[longest].tolist()) if len(longest) else np.zeros(0, dtype=int)
    over = [int(i) for i, n in zip(longest, long_lengths) if n > limit]
    counts, edges = np.histogram(lengths, bins=HISTOGRAM_BINS) if len(lengths) else ([], [])
    pct = (lambda q: int(np.percentile(lengths, q))) if len(lengths) else (lambda q: 0)
    return {"limit": int(limit), "estimated": counter.estimated, "counted": int(len(lengths)),
            "p50": pct(50), "p95": pct(95), "p99": pct(99),
            "max": int(max(lengths.max() if len(lengths) else 0, long_lengths.max() if len(long_lengths) else 0)),
            "over_limit_share": float((lengths > limit).mean()) if len(lengths) else 0.0,
            "over_limit_rows": over, "histogram": {"counts": [int(c) for c in counts],
                                                   "edges": [float(e) for e in edges]}}


def sample_size(texts, limit: int) -> int:
    """SAMPLE_ROWS, fewer when the texts are long: at most MAX_COUNTED_CHARS characters are tokenized (each
    text counted up to counted_chars(limit)), and never fewer than MIN_SAMPLE_ROWS."""
    mean = float(texts.str.len().clip(upper=counted_chars(limit)).mean() or 1)
    return min(len(texts), SAMPLE_ROWS, max(MIN_SAMPLE_ROWS, int(MAX_COUNTED_CHARS / max(mean, 1.0))))


def fitted_length(lengths, limit: int) -> int:
    """max_length fitted to the data: the 99th percentile of token counts (128 with none), rounded up to a
    multiple of 8, at least 16 and at most what the model reads. The one rule for training, the data check
    and the estimate."""
    return rounded_length(int(np.percentile(lengths, 99)) if len(lengths) else 128, limit)


def rounded_length(p99: int, limit: int) -> int:
    return min(limit, max(16, -(-p99 // 8) * 8))  # multiples of 8 suit the matmul kernels


def tokenizer_limit(tokenizer) -> int:
    """How many tokens a loaded tokenizer's model reads (512 where the tokenizer does not say)."""
    limit = tokenizer.model_max_length
    return DEFAULT_LIMIT if not limit or limit > 100_000 else int(limit)
