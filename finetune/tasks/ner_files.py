"""Reading NER data: CoNLL, token JSONL, and text-with-spans (JSONL or CSV), all turned into BIO tags.

Every format ends as a list of Sentence(tokens, tags, number). `clean()` holds the one rule for tags
(BIO repair, BIOES mapped to BIO, malformed tags found), used by training and by the data check alike.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, DataError
from ..data.tables import decode, json_records

CONLL_ONLY_SUFFIXES = (".conll", ".conllu", ".iob", ".bio")  # nothing but NER data has these
TOKENS_KEYS = ("tokens", "words")
TAGS_KEYS = ("ner_tags", "tags", "labels", "ner")
TEXT_KEYS = ("text", "sentence")
SPANS_KEYS = ("entities", "spans", "labels")
TAG_PATTERN = re.compile(r"^(O|[BIESLU]-\S+)$")
WORD_PATTERN = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]")  # words (with inner -, ', .) and single punctuation
PREFIX_SPACE_TYPES = {"roberta", "gpt2", "bloom", "deberta", "longformer", "bart"}  # byte-level BPE tokenizers
BIOES_TO_BIO = {"S": "B", "U": "B", "E": "I", "L": "I"}  # single/unit -> begin, end/last -> inside


@dataclass
class Sentence:
    tokens: list[str]
    tags: list[str]
    number: int  # 1-based position in the file, for messages


def read_sentences(path, tokens_key: str = "", tags_key: str = "") -> list[Sentence]:
    """Sentences of any supported file; DataError with what was expected when it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"No file at {path}. Check the path, or upload the file again.")
    try:
        if path.suffix.lower() in (".jsonl", ".json"):
            return _from_records(_json_records(path), path, tokens_key, tags_key)
        if path.suffix.lower() == ".csv" or (path.suffix.lower() == ".tsv" and _has_text_header(path)):
            from ..data.tables import read_table

            return _from_records(read_table(path).to_dict("records"), path, tokens_key, tags_key)
        return _from_conll(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise DataError(f"{path.name} is not UTF-8 text. Save it as UTF-8 and upload it again.") from None


def _has_text_header(path: Path) -> bool:
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        return any(name in f.readline().lower().split("\t") for name in TEXT_KEYS)


def _from_conll(text: str) -> list[Sentence]:
    """One token per line, the tag in the last column, a blank line between sentences."""
    sentences, tokens, tags = [], [], []
    for line in text.splitlines() + [""]:
        parts = line.split()
        if parts and parts[0] == "-DOCSTART-":
            continue
        if not parts:
            if tokens:
                sentences.append(Sentence(tokens, tags, len(sentences) + 1))
            tokens, tags = [], []
            continue
        tokens.append(parts[0])
        if len(parts) > 1:  # a lone word has no tag: reported as a length mismatch
            tags.append(parts[-1])
    return sentences


def _json_records(path: Path) -> list:
    text, _, _ = decode(path.read_bytes(), path.name)
    return json_records(text, path.name, example='{"tokens": [...], "ner_tags": [...]}')


def _pick(record: dict, asked: str, names) -> str | None:
    if asked:
        return asked if asked in record else None
    return next((k for k in names if k in record), None)


def _from_records(records: list, path: Path, tokens_key: str, tags_key: str) -> list[Sentence]:
    if not records or not all(isinstance(r, dict) for r in records):
        raise DataError(f"{path.name} must hold one JSON object per sentence.")
    first = records[0]
    tokens = _pick(first, tokens_key, TOKENS_KEYS)
    if tokens and isinstance(first[tokens], list):
        tags = _pick(first, tags_key, TAGS_KEYS)
        if not tags:
            raise DataError(f"{path.name} has '{tokens}' but no tag list; expected one of {', '.join(TAGS_KEYS)} "
                            f"next to it. Found: {', '.join(first)}.")
        names = _tag_names(path) if any(isinstance(t, int) for r in records for t in r.get(tags) or []) else None
        return [Sentence([str(t) for t in r.get(tokens) or []],
                         [names[t] if names else str(t) for t in _tags(r.get(tags), names, n + 1)], n + 1)
                for n, r in enumerate(records)]
    text, spans = _pick(first, tokens_key, TEXT_KEYS), _pick(first, tags_key, SPANS_KEYS)
    if not text or not spans:
        raise DataError(f"{path.name}: expected \"tokens\" with \"ner_tags\", or \"text\" with \"entities\" "
                        f"([{{\"start\", \"end\", \"label\"}}]). Found: {', '.join(map(str, first))}.")
    return [Sentence(*spans_to_bio(str(r.get(text) or ""), _spans(r.get(spans), n + 1)), n + 1)
            for n, r in enumerate(records)]


def _tags(values, names, number):
    values = values or []
    if names and any(not isinstance(v, int) or not 0 <= v < len(names) for v in values):
        raise DataError(f"Sentence {number}: tag ids must be between 0 and {len(names) - 1} (labels.txt).")
    return values


def _tag_names(path: Path) -> list[str]:
    """Integer tags need their names: labels.txt (one tag per line, in id order) beside the data."""
    for candidate in (path.with_suffix(".labels.txt"), path.parent / "labels.txt"):
        if candidate.is_file():
            return [line.strip() for line in candidate.read_text().splitlines() if line.strip()]
    raise DataError(f"{path.name} has numbers as tags. Write the tag names as strings (\"B-PER\"), or put a "
                    f"labels.txt beside it with one tag name per line in id order (O, B-PER, I-PER, ...).")


def _spans(value, number) -> list[dict]:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except json.JSONDecodeError:
            raise DataError(f"Row {number}: the entities are not valid JSON. Write them like "
                            "[{\"start\": 0, \"end\": 5, \"label\": \"PER\"}].") from None
    if not isinstance(value, list) or not all(isinstance(s, dict) and {"start", "end", "label"} <= set(s)
                                              for s in value):
        raise DataError(f"Row {number}: entities must be a list of {{\"start\", \"end\", \"label\"}} objects.")
    return value


def spans_to_bio(text: str, spans: list[dict]) -> tuple[list[str], list[str]]:
    """Words of the text (split on spaces and punctuation) and their BIO tags from character spans."""
    words = list(WORD_PATTERN.finditer(text))
    tags = ["O"] * len(words)
    for span in sorted(spans, key=lambda s: int(s["start"])):
        start, end, label = int(span["start"]), int(span["end"]), str(span["label"]).strip()
        inside = [i for i, w in enumerate(words) if w.start() < end and w.end() > start]
        if not label or not inside or not 0 <= start < end <= len(text):
            raise DataError(f"The entity {span} does not cover any word of {text[:60]!r}: start and end are "
                            "character offsets (end exclusive) and label must be a name like PER.")
        for position, i in enumerate(inside):
            tags[i] = f"{'B' if position == 0 else 'I'}-{label}"
    return [w.group() for w in words], tags


def entity_spans(tokens: list[str], tags: list[str]) -> tuple[str, list[dict]]:
    """The tokens joined by spaces and the entities as character spans of that text (for a preview)."""
    text, entities, offset = "", [], 0
    for token, tag in zip(tokens, tags):
        start = offset + (1 if text else 0)
        text = f"{text} {token}" if text else token
        offset = len(text)
        if tag.startswith("I-") and entities and entities[-1]["entity"] == tag[2:]:
            entities[-1]["end"] = offset
        elif tag != "O":
            entities.append({"entity": tag[2:], "start": start, "end": offset})
    return text, entities


@dataclass
class Problems:
    mismatched: list[int]       # sentence numbers where tokens and tags differ in length
    malformed: Counter          # tag -> count, tags that are not O / B-X / I-X
    repaired: int = 0           # I-X that started an entity, turned into B-X
    converted: int = 0          # BIOES/BILOU tags mapped to BIO


def clean(sentences: list[Sentence]) -> tuple[list[Sentence], Problems]:
    """Sentences with valid BIO tags only (mismatched or malformed ones dropped) and what was found."""
    problems, kept = Problems([], Counter()), []
    for sentence in sentences:
        if len(sentence.tokens) != len(sentence.tags):
            problems.mismatched.append(sentence.number)
            continue
        bad = [t for t in sentence.tags if not TAG_PATTERN.match(t)]
        if bad:
            problems.malformed.update(bad)
            continue
        if sentence.tokens:
            kept.append(Sentence(sentence.tokens, _repair(sentence.tags, problems), sentence.number))
    return kept, problems


def _repair(tags: list[str], problems: Problems) -> list[str]:
    fixed, previous = [], "O"
    for tag in tags:
        if tag[0] in BIOES_TO_BIO:
            tag = f"{BIOES_TO_BIO[tag[0]]}{tag[1:]}"
            problems.converted += 1
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            tag = "B-" + tag[2:]
            problems.repaired += 1
        fixed.append(tag)
        previous = tag
    return fixed


def tag_names(sentences: list[Sentence]) -> list[str]:
    """O first, then B-/I- for each entity type alphabetically: stable label ids."""
    types = sorted({t[2:] for s in sentences for t in s.tags if t != "O"})
    return ["O"] + [f"{prefix}-{name}" for name in types for prefix in "BI"]


def _prefix_space(tokenizer) -> None:
    """Byte-level BPE that ignores add_prefix_space (e.g. SmolLM2's): a word mid-sentence is "Ġword" in
    pretraining, so pre-split words must get the space marker too. Saved with the model, so the
    Playground's raw text is split the same way."""
    import json

    from tokenizers import pre_tokenizers

    backend = tokenizer.backend_tokenizer
    state = json.loads(backend.pre_tokenizer.__getstate__()) if backend.pre_tokenizer else {}
    if state.get("type") == "ByteLevel" and not state.get("add_prefix_space"):
        backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True, trim_offsets=True,
                                                         use_regex=state.get("use_regex", True))


def load_tokenizer(model_path, name: str = ""):
    """A fast tokenizer that takes pre-split words (byte-level BPE ones need add_prefix_space)."""
    from transformers import AutoConfig, AutoTokenizer

    model_type = AutoConfig.from_pretrained(model_path).model_type
    extra = {"add_prefix_space": True} if model_type in PREFIX_SPACE_TYPES else {}
    tokenizer = AutoTokenizer.from_pretrained(model_path, **extra)
    if not tokenizer.is_fast:
        raise ConfigError(f"{name or model_path} has only a slow (Python) tokenizer; NER needs a fast one to map "
                          "sub-words back to words. Pick a model that ships a tokenizer.json.")
    _prefix_space(tokenizer)
    if tokenizer.pad_token is None:  # GPT-style tokenizers: pad with the end-of-text token
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer
