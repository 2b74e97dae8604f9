"""The NER data check: what `python -m finetune check --task ner` prints and the Data tab shows.

Besides the common report: "labels" and "entities" (mentions per entity type), "tags" (tag counts) and
"preview": a few sentences as {"sentence", "text", "entities": [{"entity", "start", "end"}]}, the shape
gr.HighlightedText takes. "rows" in a warning are sentence numbers.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..data.tables import column_names
from ..errors import DataError
from .check_report import ROWS_SHOWN, CheckReport
from .views import PREVIEW_ROWS, CheckView, Highlight, as_text, problems_markdown
from .ner_files import clean, entity_spans, load_tokenizer, read_sentences

MIN_SENTENCES = 10           # below this, training refuses the file too (ner.read_data)
RECOMMENDED_SENTENCES = 100
RECOMMENDED_PER_TYPE = 50    # mentions of an entity type before a model tags it reliably
WORDS_PER_TOKEN_LIMIT = 0.75  # without a tokenizer: about 4 sub-tokens for every 3 words
DEFAULT_LIMIT = 512
PREVIEW = 5


@dataclass
class NerCheck(CheckReport):
    labels: dict[str, int] = field(default_factory=dict)    # mentions per entity type
    entities: dict[str, int] = field(default_factory=dict)  # the same counts, under the name users read
    tags: dict[str, int] = field(default_factory=dict)
    preview: list[dict] = field(default_factory=list)
    max_length: int = 0  # what training will cut at (token_lengths.training_max_length), 0 without a tokenizer

    counts_title = "Entities per type"
    counts_unit = "mentions"
    recommended = RECOMMENDED_PER_TYPE

    @property
    def counts(self) -> dict[str, int]:
        return self.entities

    @property
    def texts(self) -> list[str]:
        return [s["text"] for s in self.preview]

    def view(self, name: str, frame, config, fixes: bool = False) -> CheckView:
        import pandas as pd

        from ..data.columns import describe_columns

        entities = ", ".join(f"{as_text(k)} {v}" for k, v in self.entities.items()) or "none"
        view = CheckView(problems_markdown(f"**{as_text(name)}**: {self.rows} sentences. Entities per type: "
                                           f"{entities}.", self, fixes=fixes), max_length=self.max_length)
        if self.preview:
            view.entities = joined_preview(self.preview)
            view.samples = pd.DataFrame([{"sentence": s["sentence"], "text": s["text"],
                                          "entities": "; ".join(f"{s['text'][e['start']:e['end']]} ({e['entity']})"
                                                                for e in s["entities"]) or "none"}
                                         for s in self.preview])
        if frame is not None:  # a table (CSV, JSONL...): its first rows and columns, as for classification
            view.preview, view.columns = frame.head(PREVIEW_ROWS), pd.DataFrame(describe_columns(frame))
        return view


def joined_preview(preview: list[dict]) -> Highlight:
    """Several sentences as one highlighted text: one per line, each entity's span moved along."""
    text, entities = "", []
    for sentence in preview:
        offset = len(text) + (1 if text else 0)
        text = f"{text}\n{sentence['text']}" if text else sentence["text"]
        entities += [{**e, "start": e["start"] + offset, "end": e["end"] + offset} for e in sentence["entities"]]
    return Highlight(text, entities)


def check_file(config, frame=None) -> NerCheck:
    """Check config.data_file as NER data; lengths are counted with the model's tokenizer when it is on disk
    (a check never downloads), else estimated from words. `frame` is unused: NER files are not tables."""
    from ..data.token_lengths import model_files
    from ..models.catalog import EMBEDDED

    folder = model_files(config.model, EMBEDDED)[1]
    return check_sentences(config.data_file, config.text_column, config.label_column,
                           model=str(folder) if folder else None, setting=config.max_length, seed=config.seed)


def check_sentences(path, text_column: str = "", label_column: str = "", model: str | None = None,
                    setting: int = 0, seed: int = 0) -> NerCheck:
    """Check an NER file; `model` (a folder) measures lengths with its real tokenizer, and the max length
    training will use (`setting`: the config's, 0 = fitted) with the very call training makes."""
    report = NerCheck()
    try:
        raw = read_sentences(path, text_column, label_column)
    except DataError as e:
        report.block("unreadable", str(e))
        return report
    sentences, problems = clean(raw)
    report.rows, report.columns = len(raw), column_names(path)  # a spans table names its columns
    if problems.mismatched:
        report.block("length_mismatch", f"Sentence {problems.mismatched[0]} has a different number of tokens and "
                     f"tags ({len(problems.mismatched)} sentence(s) in all: {_listed(problems.mismatched)}). "
                     "Give every token exactly one tag.")
    if problems.malformed:
        shown = ", ".join(f"{t!r} ({n})" for t, n in problems.malformed.most_common(5))
        report.block("malformed_tags", f"Tags must be O, B-TYPE or I-TYPE; found {shown}. Fix or rename these tags.")
    if problems.repaired:
        report.warn("bio_repaired", f"{problems.repaired} entity(ies) start with I- instead of B- (no B- of the "
                    "same type before them); they are read as B-. Check that this is what you meant.")
    if problems.converted:
        report.warn("bioes_converted", f"{problems.converted} BIOES/BILOU tag(s) (S-, E-, U-, L-) are mapped to BIO.")
    _count(report, sentences)
    _sizes(report, sentences)
    _lengths(report, sentences, model, setting, seed)
    return report


def _listed(numbers) -> str:
    return ", ".join(map(str, numbers[:ROWS_SHOWN])) + (", ..." if len(numbers) > ROWS_SHOWN else "")


def _count(report, sentences):
    tags = Counter(t for s in sentences for t in s.tags)
    entities = Counter(t[2:] for s in sentences for t in s.tags if t.startswith("B-"))
    report.tags = dict(sorted(tags.items()))
    report.labels = dict(sorted(entities.items()))
    report.entities = dict(report.labels)
    for sentence in [s for s in sentences if any(t != "O" for t in s.tags)][:PREVIEW]:
        text, spans = entity_spans(sentence.tokens, sentence.tags)
        report.preview.append({"sentence": sentence.number, "text": text, "entities": spans})


def _sizes(report, sentences):
    if len(sentences) < MIN_SENTENCES:
        report.block("too_few_rows", f"Only {len(sentences)} usable sentence(s); at least {MIN_SENTENCES} are needed "
                     "to train.")
    elif len(sentences) < RECOMMENDED_SENTENCES:
        report.warn("few_sentences", f"Only {len(sentences)} sentences: expect weak results; a few hundred tagged "
                    "sentences is the usual minimum.")
    if not report.entities:
        report.block("no_entities", "No entities: every tag is O. Tag some words with B-TYPE / I-TYPE.")
        return
    small = {k: v for k, v in report.entities.items() if v < RECOMMENDED_PER_TYPE}
    if small:
        listed = ", ".join(f"{k} ({v})" for k, v in list(small.items())[:5])
        report.warn("too_few_examples", f"Fewer than {RECOMMENDED_PER_TYPE} examples of: {listed}. Expect weak results "
                    "on these types; add sentences that mention them.")


def _lengths(report, sentences, model, setting: int = 0, seed: int = 0):
    """Sentences the model would cut: real sub-token counts with its tokenizer, else estimated from words; with
    the tokenizer, also the max length training will use (the very call training makes, on the same texts)."""
    tokenizer = load_tokenizer(model) if model else None
    counts, limit, unit = _token_counts(sentences, tokenizer)
    if tokenizer is not None:
        from ..data.token_lengths import training_max_length

        report.max_length = training_max_length(tokenizer, sentence_texts(sentences), setting, seed)
    long = [s.number for s, n in zip(sentences, counts) if n > limit]
    if long:
        report.warn("too_long", f"{len(long)} sentence(s) are longer than the {limit} {unit} the model reads; the words "
                    "past that are not learned from. Split long sentences.", long)


def sentence_texts(sentences) -> list[str]:
    """The sentences as the texts a run fits its max length on (TaskData.length_texts), in file order."""
    return [" ".join(s.tokens) for s in sentences]


def _token_counts(sentences, tokenizer):
    if tokenizer is None:
        return [len(s.tokens) for s in sentences], int(DEFAULT_LIMIT * WORDS_PER_TOKEN_LIMIT), "words (estimated)"
    from ..data.token_lengths import tokenizer_limit

    encoded = tokenizer([s.tokens for s in sentences], is_split_into_words=True, truncation=False)
    return [len(ids) for ids in encoded["input_ids"]], tokenizer_limit(tokenizer), "tokens"
