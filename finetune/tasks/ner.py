"""Named-entity recognition: a tag per word (BIO scheme: B-PER starts a person, I-PER continues it, O is none).

Labels sit on the first sub-token of each word and -100 (ignored) elsewhere; metrics are seqeval's
entity-level precision / recall / F1, overall and per entity type.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..data.splits import held_out_parts
from ..data.token_lengths import tokenizer_limit, training_max_length
from ..errors import DataError
from ..models.catalog import EMBEDDED, EMBEDDED_LM
from .training_length import TrainingLength
from .labels import load_with_head
from .ner_check import MIN_SENTENCES, check_file, sentence_texts
from .ner_files import CONLL_ONLY_SUFFIXES, clean, load_tokenizer, read_sentences, tag_names
from .predictor import PipelinePredictor
from .ner_report import chance, metrics, prediction_columns, report, results_view, word_tags  # noqa: F401
from .quick_ner import quick_models
from .task import ModelCardText, Task, TaskData

# Sentences a run sees when epochs are left to the data: 10 epochs (the cap) up to 1,200 sentences, 4 at 3,000,
# 1 from 12,000 on. Chosen on CoNLL-2003's validation split: see bench/training_length.py and the README.
NER_EXAMPLES = 12_000


# --- data -------------------------------------------------------------------------------------
def read_data(config) -> TaskData:
    """Sentences split into train/validation(/test): separate files where given, else held out by share."""
    notes = []
    train = _sentences(config.data_file, config, notes)
    labels = tag_names(train)
    if len(labels) < 3:
        raise DataError(f"{Path(config.data_file).name} has no entities (every tag is O): tag some words "
                        "with B-TYPE / I-TYPE, or give the entities' spans.")
    parts, split_notes = held_out_parts(pd.DataFrame({"sentence": train}), config,
                                        lambda path: _held_out_file(path, config, labels, notes))
    from datasets import DatasetDict

    return TaskData(DatasetDict({name: _dataset(list(rows["sentence"]), labels) for name, rows in parts.items()}),
                    labels, notes + split_notes, length_texts=sentence_texts(train))


def _held_out_file(path, config, labels, notes) -> pd.DataFrame:
    sentences = _sentences(path, config, notes)
    unknown = sorted(set(tag_names(sentences)) - set(labels))
    if unknown:
        raise DataError(f"{Path(path).name} has tags the training data lacks: {', '.join(unknown[:5])}. "
                        "Every evaluation entity type must also appear in the training data.")
    return pd.DataFrame({"sentence": sentences})


def _sentences(path, config, notes):
    sentences, problems = clean(read_sentences(path, config.text_column, config.label_column))
    name = Path(path).name
    if problems.mismatched:
        raise DataError(f"{name}: sentence {problems.mismatched[0]} has a different number of tokens and tags "
                        f"({len(problems.mismatched)} sentence(s) in all). Give every token exactly one tag.")
    if problems.malformed:
        shown = ", ".join(repr(t) for t, _ in problems.malformed.most_common(5))
        raise DataError(f"{name}: tags must be O, B-TYPE or I-TYPE; found {shown}. Fix or rename these tags.")
    if problems.repaired:
        notes.append(f"{name}: {problems.repaired} entity(ies) started with I- instead of B-; read as B-.")
    if problems.converted:
        notes.append(f"{name}: {problems.converted} BIOES/BILOU tag(s) mapped to BIO.")
    if len(sentences) < MIN_SENTENCES:
        raise DataError(f"{name} has {len(sentences)} usable sentence(s); at least {MIN_SENTENCES} are needed "
                        "(and a few hundred to learn well).")
    return sentences


def _dataset(sentences, labels):
    from datasets import ClassLabel, Dataset, Features, Sequence, Value

    ids = {name: i for i, name in enumerate(labels)}
    features = Features({"tokens": Sequence(Value("string")), "ner_tags": Sequence(ClassLabel(names=labels))})
    return Dataset.from_dict({"tokens": [s.tokens for s in sentences],
                              "ner_tags": [[ids[t] for t in s.tags] for s in sentences]}, features=features)


# --- model ------------------------------------------------------------------------------------
def build_model(config, model_path, labels):
    from transformers import AutoModelForTokenClassification

    tokenizer = load_tokenizer(model_path, config.model)
    model = load_with_head(AutoModelForTokenClassification, model_path, labels)
    model.config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


def prepare(data: TaskData, tokenizer, config):
    """Tokenize words into sub-tokens and align the tags: the first sub-token of a word carries its tag."""
    from datasets import DatasetDict

    # the data check's call on the same sentences: the Data tab, the estimate and the run say one number
    max_length = training_max_length(tokenizer, data.length_texts, config.max_length, config.seed)

    def tokenize(batch, limit):
        encoded = tokenizer(batch["tokens"], is_split_into_words=True, truncation=True, max_length=limit)
        encoded["labels"] = [align_labels(encoded.word_ids(i), tags) for i, tags in enumerate(batch["ner_tags"])]
        return encoded

    # Held-out splits are cut only at the model's limit, so every word of a long test sentence is scored.
    limits = {"train": max_length}
    tokenized = DatasetDict({split: part.map(tokenize, batched=True,
                                             fn_kwargs={"limit": limits.get(split, tokenizer_limit(tokenizer))})
                             for split, part in data.datasets.items()})
    data.datasets = tokenized  # report() reads the words and their aligned labels from the held-out split
    return tokenized.remove_columns(["tokens", "ner_tags"]), max_length


def align_labels(word_ids, tags) -> list[int]:
    labels, previous = [], None
    for word in word_ids:
        labels.append(-100 if word is None or word == previous else tags[word])
        previous = word
    return labels


def collator(tokenizer):
    from transformers import DataCollatorForTokenClassification

    from ..machine.hardware import pad_multiple

    return DataCollatorForTokenClassification(tokenizer, pad_to_multiple_of=pad_multiple())


# --- playground -------------------------------------------------------------------------------
class Predictor(PipelinePredictor):
    """The trained model as a function: texts in, {"entities": [{text, label, start, end, score}]} out."""
    kind = "token-classification"
    options = {"aggregation_strategy": "first"}

    def read(self, text: str, found: list[dict]) -> dict:
        return {"entities": [_entity(text, e) for e in found]}


def _entity(text: str, found: dict) -> dict:
    """One entity; byte-level BPE offsets include the space before a word, which is not part of it."""
    start, end = int(found["start"]), int(found["end"])
    start += len(text[start:end]) - len(text[start:end].lstrip())
    return {"text": text[start:end], "label": found["entity_group"], "start": start, "end": end,
            "score": float(found["score"])}


TASK = Task(
    name="ner", title="Named entities (NER)", picker_label="Find names, places, drugs… in text (NER)",
    embedded_model=EMBEDDED,
    # Capitalisation matters for NER ("Apple" the company, "apple" the fruit): cased models are recommended.
    catalog=(
        (EMBEDDED, "Small and fast, works offline. The default, but uncased: it cannot see capital letters."),
        ("bert-base-cased", "Recommended for NER: cased, the standard choice (needs internet)."),
        ("distilbert-base-cased", "Recommended for NER: cased and fast (needs internet)."),
        ("roberta-base", "Recommended for NER: cased, often the most accurate (needs internet)."),
        (EMBEDDED_LM, "Cased and works offline (135M parameters, slower): a token head on the embedded "
                      "generation model, for when capital letters matter."),
    ),
    main_metric="f1", greater_is_better=True,
    weak_below=0.5, part_word="entity types",  # entity F1 under 0.5 misses or garbles most entities
    # The token head starts from scratch, so NER needs more passes than classification. Chosen on CoNLL-2003's
    # validation split (2,000 training sentences, entity F1; scratch runs through RunConfig.from_dict):
    # lr 3e-4 / 6 epochs 0.827, 1e-4 / 6 0.832, 1e-4 / 10 0.837 (151 s), 1e-4 / 15 0.839 (214 s);
    # the embeddings trained (frozen: 0.780 against 0.786 on test at 1e-4 / 6), batch 16 (8: 0.825).
    # Training length from the data (epochs 0): passes to see ~NER_EXAMPLES sentences (bench/training_length.py).
    defaults={"learning_rate": 1e-4, "epochs": 0.0, "freeze_embeddings": False},
    length=TrainingLength(examples=NER_EXAMPLES, min_epochs=1.0, max_epochs=10.0, unit="sentences"),
    card=ModelCardText(
        title="Named-entity model", pipeline_tag="token-classification",
        hub_base="sentence-transformers/all-MiniLM-L6-v2",
        intended_use="Marking entities of these types in text like the training sentences: {labels}. Check the "
                     "per-type scores above before relying on a type.",
        usage='tag = pipeline("token-classification", model="path/to/this/folder", aggregation_strategy="first")\n'
              'print(tag("Your text here"))',
        reads="tagged sentences"),
    model_heads=("ForTokenClassification",),
    read_data=read_data, build_model=build_model, prepare=prepare, collator=collator, metrics=metrics,
    report=report, predictor=Predictor, check=check_file, quick_models=quick_models,
    results_view=results_view, prediction_columns=prediction_columns, chance=chance, scores_key="per_type",
    examples=(  # people, organisations, places and drugs, as in sample_data/ner_sample.jsonl
        "Maria Lindqvist joined Bluefield Bank in Oslo last spring .",
        "Dr. Elena Petrova prescribed ibuprofen at Harbor Health Trust in Cape Town .",
        "Tomas Okafor and Fatima Haddad founded Greenleaf Foods in Lagos .",
        "The patient switched from warfarin to metformin after a visit to Boston ."),
    samples=("ner_sample.jsonl", "ner_sample_spans.csv"), own_suffixes=CONLL_ONLY_SUFFIXES,
    shows_entities=True, onnx_loader="AutoModelForTokenClassification",
)
