"""What a file looks like before any task reads it: a table, a plain-text corpus or a tagged file, in words,
so a file picked under the wrong task is named for what it is (one message, with the switch the Data tab
offers) rather than read as a one-column table whose first line is a header."""
from __future__ import annotations

import csv
import io

SAMPLE_LINES = 50
TABLE_SHARE = 0.8  # of the sampled lines with the header's field count (>1) for a .txt to read as a table


def corpus_lines(text: str) -> int | None:
    """The line count when `text` (a .txt file) is running text rather than a delimited table, else None:
    its first lines do not share a field count of two or more under any usual delimiter."""
    lines = [line for line in text.splitlines() if line.strip()][:SAMPLE_LINES]
    if len(lines) < 2:
        return None
    for sep in (",", "\t", ";", "|"):
        counts = [len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=sep)]
        if counts[0] > 1 and sum(c == counts[0] for c in counts) >= TABLE_SHARE * len(counts):
            return None
    return sum(1 for line in text.splitlines() if line.strip())


def describe_corpus(name: str, lines: int) -> str:
    return (f"{name} looks like a plain-text corpus ({lines:,}+ lines of running text, no columns or labels), "
            "not a labelled table.")


def tagged_columns(columns) -> bool:
    """Records of words and their tags (tokens with ner_tags, tags or labels lists): an NER file."""
    names = {str(c).lower() for c in columns}
    return bool({"tokens", "words"} & names) and any(n.endswith("tags") or n in ("labels", "tags") for n in names)


def describe_tagged(columns) -> str:
    return (f"This looks like a tagged file (words with a tag each: {', '.join(map(str, columns))}), "
            "not a labelled table of texts.")


def read_labelled_table(path):
    """A table of texts and labels (data.tables.read_table), refusing a .txt that is running text: read as a
    table, its first line would be a header and the check would contradict itself."""
    from pathlib import Path

    from ..errors import DataError
    from .tables import decode, read_table

    path = Path(path)
    if path.suffix.lower() == ".txt" and path.is_file():
        head = path.read_bytes()[:200_000]
        lines = corpus_lines(decode(head, path.name)[0])
        if lines:
            raise DataError(describe_corpus(path.name, lines))
    return read_table(path)
