"""The data check for text generation: is there enough text, what repeats, how much the length limit cuts.

Same JSON shape as quality.py's report, so the Data tab and `python -m finetune check` show it alike:
{"rows", "columns", "text_column", "prompt_column", "response_column", "examples", "tokens", "blocks",
 "cut_share", "token_lengths": {"p50", "p95", "max", "estimated"}, "samples",
 "warnings": [{"code", "message", "rows"}], "errors": [{"code", "message"}]}
A warning's "rows" are example numbers counted from 1 (paragraphs or lines of a .txt, non-empty rows of a
table), the order "samples" and "examples" use. "rows" at the top is the table's row count (None for .txt).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..config import ConfigError, DataError
from .generation import MIN_EXAMPLES, load_examples, pair_columns

ROWS_SHOWN = 5
FEW_BLOCKS = 50         # fewer training blocks than this: a few dozen steps, little change in style
CUT_WARN_SHARE = 0.05   # more examples than this cut by block_size: raise it or split them
TOKENS_PER_CHAR = 0.3   # English BPE, used only when no tokenizer is at hand
SAMPLES = 3


def check_file(config) -> dict:
    """The report for config.data_file read as generation data with config's columns, mode and model."""
    report = {"rows": 0, "columns": [], "text_column": "", "prompt_column": "", "response_column": "",
              "examples": 0, "tokens": 0, "blocks": 0, "cut_share": 0.0, "token_lengths": {},
              "samples": [], "warnings": [], "errors": []}
    try:
        rows, _ = load_examples(config.data_file, config)
    except (DataError, ConfigError) as e:
        report["errors"].append({"code": "unreadable", "message": str(e)})
        return report
    _describe_columns(report, config)
    pairs = "prompt" in rows.columns
    texts = (rows["prompt"] + "\n" + rows["response"]) if pairs else rows["text"]
    lengths, estimated = token_counter(config)(texts.tolist())
    packed = not pairs and config.text_mode == "corpus"
    report.update(examples=len(rows), tokens=int(lengths.sum()),
                  blocks=int(np.ceil(lengths.sum() / config.block_size)) if packed else len(rows),
                  cut_share=0.0 if packed else float((lengths > config.block_size).mean()) if len(rows) else 0.0,
                  token_lengths=_summary(lengths, estimated), samples=texts.head(SAMPLES).tolist())
    _errors_and_warnings(report, rows, texts, lengths, config, packed)
    return report


def _describe_columns(report, config):
    if Path(config.data_file).suffix.lower() == ".txt":
        report["rows"] = None  # a text file has no rows; "examples" counts its paragraphs or lines
        return
    from ..data.columns import guess_text_column
    from ..data.tables import read_table

    frame = read_table(config.data_file)
    pair = pair_columns(frame.columns, config)
    report.update(rows=len(frame), columns=list(frame.columns), encoding=frame.attrs.get("encoding", ""))
    if pair:
        report.update(prompt_column=pair[0], response_column=pair[1])
    else:
        report["text_column"] = config.text_column or guess_text_column(frame) or ""


def _errors_and_warnings(report, rows, texts, lengths, config, packed):
    def warn(code, message, at=()):
        rows = [int(r) + 1 for r in list(at)[:ROWS_SHOWN]]  # example numbers from 1, as a reader counts
        report["warnings"].append({"code": code, "message": message, "rows": rows})

    needed = 2 * config.block_size if packed else MIN_EXAMPLES
    have = report["tokens"] if packed else len(rows)
    if have < needed:
        unit = "tokens" if packed else "examples"
        report["errors"].append({"code": "too_little_text", "message": (
            f"Only {have} {unit}; at least {needed} are needed (one block of {config.block_size} tokens to train on "
            "and one to score). Add text, or lower block_size.")})
        return
    train_blocks = report["blocks"] * (1 - config.val_size)
    if train_blocks < FEW_BLOCKS:
        warn("little_text", f"About {train_blocks:.0f} training block(s): enough to run, but expect only a small "
             f"change in style. {FEW_BLOCKS}+ blocks ({FEW_BLOCKS * config.block_size} tokens) is a better start.")
    repeated = np.flatnonzero(texts.reset_index(drop=True).duplicated(keep="first").to_numpy())
    if len(repeated):
        warn("duplicates", f"{len(repeated)} example(s) repeat an earlier one. The model learns them by heart and "
             "repeats can land in both training and held-out text, flattering the perplexity.", repeated)
    if not packed and report["cut_share"] > CUT_WARN_SHARE:
        warn("cut_examples", f"{report['cut_share']:.0%} of the examples are longer than block_size "
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
    from ..models import EMBEDDED_LM, embedded_choice

    try:
        from transformers import AutoTokenizer, logging

        logging.set_verbosity_error()  # "longer than the maximum length" is what cut_share reports
        if embedded_choice(model, "generation") == EMBEDDED_LM:
            from ..embedded_lm import tokenizer_source

            path, kwargs = tokenizer_source()
            return AutoTokenizer.from_pretrained(path, **kwargs)
        return AutoTokenizer.from_pretrained(model.strip(), local_files_only=True)
    except (ConfigError, OSError, ValueError):
        return None
