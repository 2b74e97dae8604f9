"""The data check for text generation: is there enough text, what repeats, how much the length limit cuts.

A warning's "rows" are example numbers counted from 1 (paragraphs or lines of a .txt, non-empty rows of a
table), the order "samples" and "examples" use. "rows" at the top is the table's row count (None for .txt).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ConfigError, DataError
from .check_report import CheckReport
from .views import CheckView, as_text, problems_markdown

FEW_BLOCKS = 50         # fewer training blocks than this: a few dozen steps, little change in style
CUT_WARN_SHARE = 0.05   # more examples than this cut by block_size: raise it or split them
TOKENS_PER_CHAR = 0.3   # English BPE, used only when no tokenizer is at hand
SAMPLES = 3


@dataclass
class GenerationCheck(CheckReport):
    text_column: str = ""
    prompt_column: str = ""
    response_column: str = ""
    encoding: str = ""
    examples: int = 0       # paragraphs, lines or rows that hold text
    tokens: int = 0
    blocks: int = 0         # training blocks (packed corpus) or examples
    cut_share: float = 0.0  # share of examples longer than block_size
    token_lengths: dict = field(default_factory=dict)  # {"p50", "p95", "max", "estimated"}
    samples: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return self.examples

    def view(self, name: str, frame, config, fixes: bool = False) -> CheckView:
        import pandas as pd

        shape = (f"prompt `{as_text(self.prompt_column)}` → response `{as_text(self.response_column)}` "
                 "(the model learns to answer; loss on the response only)" if self.prompt_column else
                 f"text `{as_text(self.text_column)}`" if self.text_column else "plain text")
        lengths = self.token_lengths or {}
        counted = " (estimated)" if lengths.get("estimated") else ""
        head = (f"**{as_text(name)}**: {self.examples} examples, {self.tokens:,} tokens{counted}, "
                f"about {self.blocks} training blocks; {shape}."
                + (f" Tokens per example: median {lengths['p50']}, 95th percentile {lengths['p95']}, "
                   f"longest {lengths['max']}." if lengths.get("max") else ""))
        samples = pd.DataFrame({"example": self.samples}) if self.samples else None
        return CheckView(problems_markdown(head, self, fixes=fixes), samples=samples)


def check_file(config, frame=None) -> GenerationCheck:
    """The report for config.data_file read as generation data with config's columns, mode and model."""
    from .generation_text import load_examples

    report = GenerationCheck()
    try:
        rows, _ = load_examples(config.data_file, config)
    except (DataError, ConfigError) as e:
        report.block("unreadable", str(e))
        return report
    _describe_columns(report, config)
    pairs = "prompt" in rows.columns
    texts = (rows["prompt"] + "\n" + rows["response"]) if pairs else rows["text"]
    lengths, estimated = token_counter(config)(texts.tolist())
    packed = not pairs and config.text_mode == "corpus"
    report.examples, report.tokens = len(rows), int(lengths.sum())
    report.blocks = int(np.ceil(lengths.sum() / config.block_size)) if packed else len(rows)
    report.cut_share = 0.0 if packed or not len(rows) else float((lengths > config.block_size).mean())
    report.token_lengths, report.samples = _summary(lengths, estimated), texts.head(SAMPLES).tolist()
    _errors_and_warnings(report, rows, texts, lengths, config, packed)
    return report


def _describe_columns(report, config):
    if Path(config.data_file).suffix.lower() == ".txt":
        report.rows = None  # a text file has no rows; "examples" counts its paragraphs or lines
        return
    from ..data.columns import guess_text_column
    from ..data.tables import cells_note, read_table, truncation_note
    from .generation_text import pair_columns

    frame = read_table(config.data_file)
    if truncation_note(frame):
        report.warn("rows_capped", truncation_note(frame))
    if cells_note(frame):
        report.warn("cells_cut", cells_note(frame))
    pair = pair_columns(frame.columns, config)
    report.rows, report.columns, report.encoding = len(frame), list(frame.columns), frame.attrs.get("encoding", "")
    if pair:
        report.prompt_column, report.response_column = pair
    else:
        report.text_column = config.text_column or guess_text_column(frame) or ""


def _errors_and_warnings(report, rows, texts, lengths, config, packed):
    from .generation_text import MIN_EXAMPLES

    def warn(code, message, at=()):
        report.warn(code, message, [int(r) + 1 for r in list(at)])  # example numbers from 1, as a reader counts

    needed = 2 * config.block_size if packed else MIN_EXAMPLES
    have = report.tokens if packed else len(rows)
    if have < needed:
        unit = "tokens" if packed else "examples"
        report.block("too_little_text", f"Only {have} {unit}; at least {needed} are needed (one block of "
                     f"{config.block_size} tokens to train on and one to score). Add text, or lower block_size.")
        return
    train_blocks = report.blocks * (1 - config.val_size)
    if train_blocks < FEW_BLOCKS:
        warn("little_text", f"About {train_blocks:.0f} training block(s): enough to run, but expect only a small "
             f"change in style. {FEW_BLOCKS}+ blocks ({FEW_BLOCKS * config.block_size} tokens) is a better start.")
    repeated = np.flatnonzero(texts.reset_index(drop=True).duplicated(keep="first").to_numpy())
    if len(repeated):
        warn("duplicates", f"{len(repeated)} example(s) repeat an earlier one. The model learns them by heart and "
             "repeats can land in both training and held-out text, flattering the perplexity.", repeated)
    if not packed and report.cut_share > CUT_WARN_SHARE:
        warn("cut_examples", f"{report.cut_share:.0%} of the examples are longer than block_size "
             f"({config.block_size} tokens); their ends are cut off in training. Raise block_size or split "
             "long examples.", np.flatnonzero(lengths > config.block_size))


def _summary(lengths, estimated: bool) -> dict:
    if not len(lengths):
        return {"p50": 0, "p95": 0, "max": 0, "estimated": estimated}
    return {"p50": int(np.percentile(lengths, 50)), "p95": int(np.percentile(lengths, 95)),
            "max": int(lengths.max()), "estimated": estimated}


def token_counter(config):
    """texts -> (token counts, estimated?) with the chosen model's tokenizer, from disk only."""
    tokenizer = _tokenizer(config.model)
    if tokenizer is None:
        return lambda texts: (np.array([max(1, round(len(t) * TOKENS_PER_CHAR)) for t in texts], dtype=int), True)
    return lambda texts: (np.array([len(ids) + 1 for ids in  # + the end-of-text token training adds
                                    tokenizer(texts, add_special_tokens=False)["input_ids"]], dtype=int), False)


def _tokenizer(model: str):
    from ..models.catalog import EMBEDDED_LM, embedded_choice

    try:
        from transformers import AutoTokenizer, logging

        logging.set_verbosity_error()  # "longer than the maximum length" is what cut_share reports
        if embedded_choice(model, EMBEDDED_LM) == EMBEDDED_LM:
            from ..models.embedded_lm import tokenizer_source

            path, kwargs = tokenizer_source()
            return AutoTokenizer.from_pretrained(path, **kwargs)
        return AutoTokenizer.from_pretrained(model.strip(), local_files_only=True)
    except (ConfigError, OSError, ValueError):
        return None
