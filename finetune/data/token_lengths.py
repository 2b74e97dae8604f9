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
LENGTH_CAP_ENV = "FINETUNE_MAX_LENGTH_CAP"  # a ceiling on every run's max length in this app (a Space sets it)


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


def length_summary(texts, counter: LengthCounter, setting: int = 0, seed: int = 0) -> dict:
    """Percentiles, a histogram, the share over the limit (from a sample on big data), the longest rows and
    the max length training will use (`setting`: the config's max_length, 0 = from the data)."""
    import pandas as pd

    texts = pd.Series(texts)
    limit = min(setting, counter.limit) if setting else counter.limit
    lengths = np.asarray(counter(length_sample(texts, counter.limit, seed)), dtype=int)
    longest = texts.str.len().nlargest(200).index  # exact counts where truncation is likeliest
    long_lengths = counter(texts[longest].tolist()) if len(longest) else np.zeros(0, dtype=int)
    over = [int(i) for i, n in zip(longest, long_lengths) if n > limit]
    counts, edges = np.histogram(lengths, bins=HISTOGRAM_BINS) if len(lengths) else ([], [])
    pct = (lambda q: int(np.percentile(lengths, q))) if len(lengths) else (lambda q: 0)
    return {"limit": int(limit), "estimated": counter.estimated, "counted": int(len(lengths)),
            "max_length": planned_max_length(setting, lengths, counter.limit),
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


def length_sample(texts, limit: int, seed: int = 0) -> list[str]:
    """The texts whose token counts decide the max length: all of them up to sample_size, else a seeded
    sample. The data check and training call it on the same rows (the data file's usable rows, remedies
    applied, in file order), so both count the same texts."""
    import pandas as pd

    texts = pd.Series(list(texts), dtype=object)
    if not len(texts):
        return []
    return texts.sample(n=sample_size(texts, limit), random_state=seed).tolist()


def planned_max_length(setting: int, lengths, limit: int, fitted: int = 0) -> int:
    """THE max length a run trains with, for every screen that shows it (issue 27: the Data tab, the
    estimate and the run said 48, 56 or 256): the config's `setting` when given (at most what the model
    reads), else fitted to the data's token counts `lengths` (fitted_length); `fitted`: that fit when the
    data check has made it already (the Train tab's estimate)."""
    limit = length_ceiling(limit)
    if setting:
        return min(int(setting), limit)
    return min(int(fitted), limit) if fitted else fitted_length(lengths, limit)


def training_max_length(tokenizer, texts, setting: int = 0, seed: int = 0, cap: int = 0) -> int:
    """planned_max_length for a run, from a loaded tokenizer and the texts the data check counted (each cut
    as the check cuts it, counted_chars); `cap`: a lower limit than the tokenizer's (a sentence-transformers
    body's max_seq_length)."""
    limit = tokenizer_limit(tokenizer)
    if setting:
        planned = planned_max_length(setting, [], limit)
    else:
        chars = counted_chars(limit)
        sample = [t[:chars] for t in length_sample(texts, limit, seed)]
        counts = [len(ids) for ids in tokenizer(sample, truncation=False)["input_ids"]] if sample else []
        planned = planned_max_length(0, counts, limit)
    return min(planned, cap) if cap else planned


def fit_body_length(body, texts, setting: int = 0, seed: int = 0) -> int:
    """A sentence-transformers body (SetFit's, the probe's) set to read the run's max length, at most its own
    max_seq_length (256 for MiniLM), which is what cuts its texts (SetFit ignores its own max_length with a
    scikit-learn head); returns it."""
    body.max_seq_length = training_max_length(body.tokenizer, texts, setting, seed, cap=int(body.max_seq_length))
    return int(body.max_seq_length)


def fitted_length(lengths, limit: int) -> int:
    """max_length fitted to the data: the 99th percentile of token counts (128 with none), rounded up to a
    multiple of 8, at least 16 and at most what the model reads."""
    return rounded_length(int(np.percentile(lengths, 99)) if len(lengths) else 128, limit)


def rounded_length(p99: int, limit: int) -> int:
    return min(length_ceiling(limit), max(16, -(-p99 // 8) * 8))  # multiples of 8 suit the matmul kernels


def length_ceiling(limit: int) -> int:
    """`limit`, or this app's lower ceiling on tokens per example where one is set (FINETUNE_MAX_LENGTH_CAP:
    a Space's limit, set at start-up; its runs inherit it): the screens and the run then fit the same length."""
    try:
        cap = int(os.environ.get(LENGTH_CAP_ENV, "0") or 0)
    except ValueError:
        cap = 0
    return min(int(limit), cap) if cap > 0 else int(limit)


def tokenizer_limit(tokenizer) -> int:
    """How many tokens a loaded tokenizer's model reads (512 where the tokenizer does not say)."""
    limit = tokenizer.model_max_length
    return DEFAULT_LIMIT if not limit or limit > 100_000 else int(limit)
