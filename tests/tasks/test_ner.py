"""NER: every input format, the BIO rules, label alignment, the report, the data check, a tiny run."""
import json

import numpy as np
import pytest

from finetune.config import ConfigError, DataError, RunConfig
from finetune.tasks import get_task, ner
from finetune.tasks.ner_check import check_sentences
from finetune.tasks.ner_files import clean, read_sentences, spans_to_bio
from tests.conftest import ner_rows, write_csv, write_ner_jsonl

CONLL = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER
"""


def config_for(path, **changes):
    return RunConfig(task="ner", data_file=str(path), **changes)


def test_ner_is_a_task_with_f1_as_main_metric():
    assert get_task("ner") is ner.TASK and ner.TASK.main_metric == "f1"


def test_conll_skips_docstart_and_reads_the_tag_from_the_last_column(tmp_path):
    path = tmp_path / "train.conll"
    path.write_text(CONLL)
    sentences = read_sentences(path)
    assert [s.tokens for s in sentences] == [["EU", "rejects", "German"], ["Peter", "Blackburn"]]
    assert sentences[0].tags == ["B-ORG", "O", "B-MISC"] and sentences[1].tags == ["B-PER", "I-PER"]


def test_token_jsonl_with_string_tags_and_with_ids_plus_labels_txt(tmp_path):
    named = tmp_path / "named.jsonl"
    named.write_text(json.dumps({"tokens": ["Ann", "runs"], "ner_tags": ["B-PER", "O"]}) + "\n")
    assert read_sentences(named)[0].tags == ["B-PER", "O"]
    numbered = tmp_path / "numbered.jsonl"
    numbered.write_text(json.dumps({"tokens": ["Ann", "runs"], "ner_tags": [1, 0]}) + "\n")
    with pytest.raises(DataError, match="numbers as tags.*labels.txt"):
        read_sentences(numbered)
    (tmp_path / "labels.txt").write_text("O\nB-PER\nI-PER\n")
    assert read_sentences(numbered)[0].tags == ["B-PER", "O"]


def test_spans_become_words_split_on_punctuation_with_bio_tags():
    tokens, tags = spans_to_bio("Dr. Ann Lee took ibuprofen, twice.",
                                [{"start": 0, "end": 11, "label": "PER"}, {"start": 17, "end": 26, "label": "DRUG"}])
    assert tokens == ["Dr", ".", "Ann", "Lee", "took", "ibuprofen", ",", "twice", "."]
    assert tags == ["B-PER", "I-PER", "I-PER", "I-PER", "O", "B-DRUG", "O", "O", "O"]


def test_span_jsonl_and_csv_read_alike(tmp_path):
    row = {"text": "Ann Lee lives in Oslo", "entities": [{"start": 0, "end": 7, "label": "PER"},
                                                          {"start": 17, "end": 21, "label": "LOC"}]}
    jsonl = tmp_path / "spans.jsonl"
    jsonl.write_text(json.dumps(row) + "\n")
    csv_file = write_csv(tmp_path / "spans.csv", [(row["text"], json.dumps(row["entities"]))],
                         header=("text", "entities"))
    for path in (jsonl, csv_file):
        sentence = read_sentences(path)[0]
        assert sentence.tags == ["B-PER", "I-PER", "O", "O", "B-LOC"]


def test_a_span_outside_the_text_is_explained(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"text": "Ann", "entities": [{"start": 5, "end": 9, "label": "PER"}]}) + "\n")
    with pytest.raises(DataError, match="does not cover any word"):
        read_sentences(path)


def test_i_without_b_is_repaired_and_counted(tmp_path):
    path = write_ner_jsonl(tmp_path / "d.jsonl", [(["Ann", "Lee", "met", "Bo"], ["I-PER", "I-PER", "O", "I-ORG"])])
    sentences, problems = clean(read_sentences(path))
    assert sentences[0].tags == ["B-PER", "I-PER", "O", "B-ORG"] and problems.repaired == 2


def test_read_data_refuses_mismatched_lengths_with_the_sentence_number(tmp_path):
    rows = ner_rows(20)
    rows[6] = (rows[6][0], rows[6][1][:-1])
    with pytest.raises(DataError, match="sentence 7 has a different number of tokens and tags"):
        ner.read_data(config_for(write_ner_jsonl(tmp_path / "d.jsonl", rows)))


def test_read_data_refuses_malformed_tags(tmp_path):
    rows = ner_rows(20)
    rows[0] = (rows[0][0], ["PERSON"] + rows[0][1][1:])
    with pytest.raises(DataError, match="tags must be O, B-TYPE or I-TYPE; found 'PERSON'"):
        ner.read_data(config_for(write_ner_jsonl(tmp_path / "d.jsonl", rows)))


def test_read_data_splits_shuffled_with_the_seed_and_notes_repairs(tmp_path):
    rows = ner_rows(50) + [(["Ann"], ["I-PER"])]
    data = ner.read_data(config_for(write_ner_jsonl(tmp_path / "d.jsonl", rows), val_size=0.2, seed=3))
    again = ner.read_data(config_for(tmp_path / "d.jsonl", val_size=0.2, seed=3))
    assert len(data.datasets["validation"]) == 11 and data.datasets["validation"]["tokens"] == \
        again.datasets["validation"]["tokens"]
    assert data.labels[0] == "O" and {"B-DRUG", "I-DRUG", "B-PER", "I-PER"} <= set(data.labels)
    assert any("started with I-" in n for n in data.notes)


def test_eval_file_with_an_unknown_type_is_refused(tmp_path):
    train = write_ner_jsonl(tmp_path / "t.jsonl", ner_rows(20))
    evaluation = write_ner_jsonl(tmp_path / "e.jsonl", ner_rows(10) + [(["Mars"], ["B-PLANET"])])
    with pytest.raises(DataError, match="tags the training data lacks: B-PLANET"):
        ner.read_data(config_for(train, eval_file=str(evaluation)))


def test_labels_sit_on_the_first_sub_token_of_each_word(tiny_ner_model, tmp_path):
    data = ner.read_data(config_for(write_ner_jsonl(tmp_path / "d.jsonl", ner_rows(20)), max_length=32))
    _, tokenizer = ner.build_model(config_for("x"), tiny_ner_model, data.labels)
    encoded = tokenizer([["Zorba", "Lisbon"]], is_split_into_words=True)
    assert tokenizer.convert_ids_to_tokens(encoded["input_ids"][0])[:3] == ["[CLS]", "z", "##o"]
    assert ner.align_labels(encoded.word_ids(0), [3, 5]) == [-100, 3, -100, -100, -100, -100, 5, -100]
    tokenized, max_length = ner.prepare(data, tokenizer, config_for("x", max_length=32))
    assert max_length == 32 and "labels" in tokenized["train"].column_names
    assert "tokens" in data.datasets["validation"].column_names  # the report reads the words from here


def test_slow_tokenizers_are_refused_with_the_reason(tiny_ner_model, monkeypatch):
    import transformers

    class Slow:
        is_fast = False

    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", lambda *a, **k: Slow())
    with pytest.raises(ConfigError, match="slow .*tokenizer; NER needs a fast one"):
        ner.build_model(config_for("x"), tiny_ner_model, ["O", "B-PER", "I-PER"])


def test_report_scores_entities_per_type_and_lists_confusions():
    from datasets import Dataset

    labels = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    dataset = Dataset.from_dict({"tokens": [["Ann", "Lee", "in", "Oslo"], ["Bo", "x"]],
                                 "labels": [[-100, 3, 4, -100, 0, 1, -100], [-100, 3, 0, -100]]})
    predicted = [[0, 3, 4, 0, 0, 3, 0], [0, 1, 0, 0]]  # Oslo taken for a person, Bo for a place
    logits = np.eye(len(labels))[np.array([row + [0] * (7 - len(row)) for row in predicted])]
    report = ner.report(labels, dataset, logits)
    assert report["per_type"]["PER"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert report["per_type"]["LOC"]["f1"] == 0.0 and report["metrics"]["f1"] == pytest.approx(1 / 3)
    assert {"gold": "LOC", "predicted": "PER", "words": 1} in report["confusion_matrix"]["confused"]
    first = report["error_sentences"][0]
    assert first["text"] == "Ann Lee in Oslo" and first["gold"][1] == {"entity": "LOC", "start": 11, "end": 15}


def test_check_reports_errors_warnings_counts_and_a_preview(tmp_path):
    rows = ner_rows(30) + [(["Ann", "Lee"], ["I-PER", "I-PER"]), (["w"] * 400, ["O"] * 400)]
    report = check_sentences(write_ner_jsonl(tmp_path / "d.jsonl", rows)).to_json()
    codes = {w["code"] for w in report["warnings"]}
    assert not report["errors"] and {"bio_repaired", "few_sentences", "too_few_examples", "too_long"} <= codes
    assert report["rows"] == 32 and set(report["entities"]) == {"DRUG", "LOC", "ORG", "PER"}
    assert next(w for w in report["warnings"] if w["code"] == "too_long")["rows"] == [32]
    preview = report["preview"][0]
    assert preview["text"][preview["entities"][0]["start"]:preview["entities"][0]["end"]]
    broken = check_sentences(write_ner_jsonl(tmp_path / "b.jsonl", [(["a", "b"], ["O"]), (["c"], ["PERSON"])])).to_json()
    assert {e["code"] for e in broken["errors"]} == {"length_mismatch", "malformed_tags", "too_few_rows",
                                                    "no_entities"}
    assert "Sentence 1" in broken["errors"][0]["message"]


def test_check_counts_real_tokens_with_a_tokenizer(tiny_ner_model, tmp_path):
    rows = ner_rows(20) + [(["Zorbazorbazorba"] * 6, ["O"] * 6)]  # 6 words, 15 sub-tokens each
    report = check_sentences(write_ner_jsonl(tmp_path / "d.jsonl", rows), model=tiny_ner_model).to_json()
    assert next(w for w in report["warnings"] if w["code"] == "too_long")["rows"] == [21]


def test_tiny_run_writes_per_type_results_and_predicts_entities(ner_run):
    run, results = ner_run
    saved = json.loads((run / "results.json").read_text())
    assert saved["task"] == "ner" and set(saved["metrics"]) == {"f1", "precision", "recall"}
    assert set(saved["per_type"]) == {"DRUG", "LOC", "ORG", "PER"} and saved["metrics"]["f1"] > 0.5
    assert set(saved["per_type"]["PER"]) == {"precision", "recall", "f1", "support"}
    text = "Maria Lindqvist joined Bluefield Bank in Oslo ."
    entities = ner.Predictor(run / "model")([text])[0]["entities"]
    assert entities and all(text[e["start"]:e["end"]] == e["text"] for e in entities)
    assert {e["label"] for e in entities} <= {"PER", "ORG", "LOC", "DRUG"}


def test_byte_level_tokenizers_mark_every_pre_split_word_as_after_a_space(tiny_gpt2):
    from finetune.tasks.ner_files import load_tokenizer

    tokenizer = load_tokenizer(tiny_gpt2)
    pieces = tokenizer.convert_ids_to_tokens(tokenizer(["The", "kettle", "sings"], is_split_into_words=True)["input_ids"])
    assert pieces[0].startswith("Ġ") and any(p.startswith("Ġk") for p in pieces)  # as "kettle" reads mid-sentence


def test_an_entity_span_does_not_start_with_the_space_before_it():
    from finetune.tasks.ner import _entity

    entity = _entity("Dr. Ana Ruiz", {"start": 3, "end": 7, "entity_group": "PER", "score": 0.9})
    assert entity["text"] == "Ana" and entity["start"] == 4 and entity["end"] == 7


def test_read_data_honours_a_test_share_and_a_separate_test_file(tmp_path):
    data_file = write_ner_jsonl(tmp_path / "d.jsonl", ner_rows(100))
    shares = ner.read_data(config_for(data_file, val_size=0.2, test_size=0.1, seed=1))
    assert {name: len(split) for name, split in shares.datasets.items()} == {"train": 70, "validation": 20, "test": 10}
    test_file = write_ner_jsonl(tmp_path / "t.jsonl", ner_rows(15, seed=9))
    separate = ner.read_data(config_for(data_file, val_size=0.2, test_size=0.1, test_file=str(test_file)))
    assert len(separate.datasets["test"]) == 15 and len(separate.datasets["validation"]) == 20
    assert len(separate.datasets["train"]) == 80  # no test share is split off when a test file is given
    assert separate.datasets["test"][0]["tokens"] == ner_rows(15, seed=9)[0][0]
