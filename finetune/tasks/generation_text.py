"""Reading text-generation examples: a table's text column or its prompt/response pairs, or a plain-text file
(paragraphs at blank lines, long ones cut at line ends, or lines). The data check and training both read here."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..data.columns import guess_text_column, text_values
from ..data.tables import decode, read_table
from ..errors import DataError

PROMPT_NAMES = ("prompt", "instruction", "question", "input")
RESPONSE_NAMES = ("response", "output", "answer", "completion")
MIN_EXAMPLES = 2       # one to train on and one to score
PIECE_CHARS = 1000  # a long paragraph of a .txt is cut at line ends into pieces of about this size


def read_text_file(path: Path, mode: str) -> tuple[pd.DataFrame, list[str]]:
    if not path.is_file():
        raise DataError(f"No file at {path}. Check the path, or upload the file again.")
    text = decode(path.read_bytes(), path.name)[0].replace("\r\n", "\n")
    if mode == "lines":
        texts = [p.strip() for p in text.split("\n") if p.strip()]
        how = "one example per line"
    else:
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        texts = [piece for paragraph in paragraphs for piece in line_pieces(paragraph)]
        how = _corpus_note(len(paragraphs), len(texts))
    if not texts:
        raise DataError(f"{path.name} holds no text. Put the text to learn from in the file.")
    return pd.DataFrame({"text": texts}), [f"{path.name} read as plain text, {how}."]


def line_pieces(paragraph: str, size: int = PIECE_CHARS) -> list[str]:
    """A paragraph over twice `size` characters cut at line ends into pieces of about `size`: a file
    without blank lines (one sentence or one verse a line) still trains in packed blocks and holds out
    whole pieces, not one giant example."""
    if len(paragraph) <= 2 * size:
        return [paragraph]
    pieces, current, length = [], [], 0
    for line in paragraph.split("\n"):
        current.append(line)
        length += len(line) + 1
        if length >= size:
            pieces.append("\n".join(current).strip())
            current, length = [], 0
    if current:
        pieces.append("\n".join(current).strip())
    return [p for p in pieces if p]


def _corpus_note(paragraphs: int, pieces: int) -> str:
    if pieces == paragraphs:
        return f"split at blank lines into {paragraphs} paragraphs, packed into blocks (held out by paragraph)"
    if paragraphs == 1:
        return (f"no blank lines, so consecutive lines were grouped into {pieces} pieces of about "
                f"{PIECE_CHARS:,} characters, packed into blocks (held out by piece)")
    return (f"split at blank lines into {paragraphs} paragraphs; those over {2 * PIECE_CHARS:,} characters were "
            f"cut at line ends, {pieces} pieces in all, packed into blocks (held out by piece)")


def load_examples(path, config) -> tuple[pd.DataFrame, list[str]]:
    """Non-empty examples of one file, with a note saying how it was read."""
    path = Path(path)
    if path.suffix.lower() == ".txt":
        return read_text_file(path, config.text_mode)
    frame = read_table(path)
    pair = pair_columns(frame.columns, config)
    if pair:
        rows = pd.DataFrame({"prompt": frame[pair[0]].astype(str).str.strip(),
                             "response": frame[pair[1]].astype(str).str.strip()})
        rows = rows[(rows["prompt"] != "") & (rows["response"] != "")]
        return rows, [f"Prompt column '{pair[0]}', response column '{pair[1]}': the loss is on the response only."]
    column = config.text_column or guess_text_column(frame)
    if not column:
        raise DataError(f"No text column found in {path.name}; it has {', '.join(frame.columns)}. "
                        "Name the text column, or a prompt and a response column.")
    texts = text_values(frame, column).str.strip()
    return pd.DataFrame({"text": texts[texts != ""]}), [f"Text column '{column}'."]


def pair_columns(columns, config) -> tuple[str, str] | None:
    """(prompt, response) columns: as set in the config, else found by name; None for plain text."""
    columns = list(columns)
    if config.prompt_column or config.response_column:
        missing = [c for c in (config.prompt_column, config.response_column) if c not in columns]
        if missing or not (config.prompt_column and config.response_column):
            raise DataError(f"Prompt/response columns must both exist; got prompt '{config.prompt_column}', "
                            f"response '{config.response_column}', the file has {', '.join(columns)}.")
        return config.prompt_column, config.response_column
    lowered = {c.lower(): c for c in columns}
    prompt = next((lowered[n] for n in PROMPT_NAMES if n in lowered), None)
    response = next((lowered[n] for n in RESPONSE_NAMES if n in lowered), None)
    return (prompt, response) if prompt and response and not config.text_column else None


def is_prompted(config) -> bool:
    """True when the data file holds prompt/response pairs (a .txt never does)."""
    if Path(config.data_file).suffix.lower() == ".txt":
        return False
    return pair_columns(read_table(config.data_file).columns, config) is not None
