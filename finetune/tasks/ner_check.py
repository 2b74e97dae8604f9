"""The NER data check: what `python -m finetune check --task ner` prints and the Data tab shows.

Same shape as quality.check_table: {"rows", "columns", "labels": {type: count}, "warnings": [{"code",
"message", "rows"}], "errors": [{"code", "message"}]}, plus "entities" (the same counts), "tags" (tag
counts) and "preview": a few sentences as {"text", "entities": [{"entity", "start", "end"}]}, the shape
gr.HighlightedText takes. "rows" in a warning are sentence numbers.
"""
from __future__ import annotations

from collections import Counter

from ..config import DataError
from .ner_files import clean, entity_spans, load_tokenizer, read_sentences

MIN_SENTENCES = 10           # below this, training refuses the file too (ner.read_data)
RECOMMENDED_SENTENCES = 100
RECOMMENDED_PER_TYPE = 50    # mentions of an entity type before a model tags it reliably
WORDS_PER_TOKEN_LIMIT = 0.75  # without a tokenizer: about 4 sub-tokens for every 3 words
DEFAULT_LIMIT = 512
ROWS_SHOWN = 5
PREVIEW = 5


def check_file(path, text_column: str = "", label_column: str = "", model: str | None = None) -> dict:
    """Check an NER file; `model` (a path or Hub id) measures lengths with its real tokenizer."""
    report = {"rows": 0, "columns": [], "labels": {}, "entities": {}, "tags": {}, "preview": [],
              "warnings": [], "errors": []}
    try:
        raw = read_sentences(path, text_column, label_column)
    except DataError as e:
        report["errors"].append({"code": "unreadable", "message": str(e)})
        return report
    sentences, problems = clean(raw)
    report["rows"], report["columns"] = len(raw), ["tokens", "tags"]
    warn = lambda code, message, rows=(): report["warnings"].append(  # noqa: E731
        {"code": code, "message": message, "rows": list(rows)[:ROWS_SHOWN]})
    error = lambda code, message: report["errors"].append({"code": code, "message": message})  # noqa: E731

    if problems.mismatched:
        error("length_mismatch", f"Sentence {problems.mismatched[0]} has a different number of tokens and tags "
              f"({len(problems.mismatched)} sentence(s) in all: {_listed(problems.mismatched)}). "
              "Give every token exactly one tag.")
    if problems.malformed:
        shown = ", ".join(f"{t!r} ({n})" for t, n in problems.malformed.most_common(5))
        error("malformed_tags", f"Tags must be O, B-TYPE or I-TYPE; found {shown}. Fix or rename these tags.")
    if problems.repaired:
        warn("bio_repaired", f"{problems.repaired} entity(ies) start with I- instead of B- (no B- of the same "
             "type before them); they are read as B-. Check that this is what you meant.")
    if problems.converted:
        warn("bioes_converted", f"{problems.converted} BIOES/BILOU tag(s) (S-, E-, U-, L-) are mapped to BIO.")
    _count(report, sentences)
    _sizes(report, sentences, warn, error)
    _lengths(sentences, model, warn)
    return report


def _listed(numbers) -> str:
    return ", ".join(map(str, numbers[:ROWS_SHOWN])) + (", ..." if len(numbers) > ROWS_SHOWN else "")


def _count(report, sentences):
    tags = Counter(t for s in sentences for t in s.tags)
    entities = Counter(t[2:] for s in sentences for t in s.tags if t.startswith("B-"))
    report["tags"] = dict(sorted(tags.items()))
    report["labels"] = report["entities"] = dict(sorted(entities.items()))
    for sentence in [s for s in sentences if any(t != "O" for t in s.tags)][:PREVIEW]:
        text, spans = entity_spans(sentence.tokens, sentence.tags)
        report["preview"].append({"sentence": sentence.number, "text": text, "entities": spans})


def _sizes(report, sentences, warn, error):
    if len(sentences) < MIN_SENTENCES:
        error("too_few_rows", f"Only {len(sentences)} usable sentence(s); at least {MIN_SENTENCES} are needed "
              "to train.")
    elif len(sentences) < RECOMMENDED_SENTENCES:
        warn("few_sentences", f"Only {len(sentences)} sentences: expect weak results; a few hundred tagged "
             "sentences is the usual minimum.")
    if not report["entities"]:
        error("no_entities", "No entities: every tag is O. Tag some words with B-TYPE / I-TYPE.")
        return
    small = {k: v for k, v in report["entities"].items() if v < RECOMMENDED_PER_TYPE}
    if small:
        listed = ", ".join(f"{k} ({v})" for k, v in list(small.items())[:5])
        warn("too_few_examples", f"Fewer than {RECOMMENDED_PER_TYPE} examples of: {listed}. Expect weak results "
             "on these types; add sentences that mention them.")


def _lengths(sentences, model, warn):
    """Sentences the model would cut: real sub-token counts with its tokenizer, else estimated from words."""
    counts, limit, unit = _token_counts(sentences, model)
    long = [s.number for s, n in zip(sentences, counts) if n > limit]
    if long:
        warn("too_long", f"{len(long)} sentence(s) are longer than the {limit} {unit} the model reads; the words "
             "past that are not learned from. Split long sentences.", long)


def _token_counts(sentences, model):
    if not model:
        return [len(s.tokens) for s in sentences], int(DEFAULT_LIMIT * WORDS_PER_TOKEN_LIMIT), "words (estimated)"
    from .classification import model_limit

    tokenizer = load_tokenizer(model)
    encoded = tokenizer([s.tokens for s in sentences], is_split_into_words=True, truncation=False)
    return [len(ids) for ids in encoded["input_ids"]], model_limit(tokenizer), "tokens"
