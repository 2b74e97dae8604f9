"""Do you need fine-tuning? The quick models, the advice they feed, and the probe as a method (issue 29)."""
import dataclasses
import json

import pytest

from finetune.__main__ import main
from tests.conftest import keyword_rows, ner_rows, write_csv, write_ner_jsonl


def check(capsys, *args) -> dict:
    """`python -m finetune check ...` in this process (the CLI contract is tests/test_cli.py's): its JSON."""
    assert main(["check", *map(str, args)]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_check_prints_quick_models_curve_and_the_recommended_method(tmp_path, tiny_model, runs_dir, capsys):
    report = check(capsys, "--data", write_csv(tmp_path / "d.csv", keyword_rows(per_class=20)), "--model", tiny_model)
    assert [m["name"] for m in report["quick_models"]] == ["tfidf", "zero-shot", "probe"]
    assert all(set(m) == {"name", "score", "metric", "seconds"} and m["metric"] == "accuracy" and
               0 <= m["score"] <= 1 and m["seconds"] >= 0 for m in report["quick_models"])
    assert [p["fraction"] for p in report["learning_curve"]] == [0.25, 0.5, 1.0]
    probe = next(m for m in report["quick_models"] if m["name"] == "probe")
    assert report["learning_curve"][-1]["score"] == probe["score"]
    # 48 training rows: SetFit's whole schedule runs (it beat the probe at 16 rows per class on every public set)
    assert report["recommended_method"] == "setfit" and "16 training rows in the median class" in report["reason"]
    assert "the quick probe: " in report["reason"]


def test_ner_check_measures_the_crf_floor(tmp_path, runs_dir, capsys):
    report = check(capsys, "--task", "ner", "--data", write_ner_jsonl(tmp_path / "ner.jsonl", ner_rows(80)))
    (crf,) = report["quick_models"]
    assert crf["name"] == "crf" and crf["metric"] == "f1" and crf["score"] > 0.5  # generated names: easy
    assert report["recommended_method"] == "finetune" and "CRF" in report["reason"]


def test_advice_follows_the_measured_crossover_and_auto_uses_it():
    from finetune.tasks.quick import QuickReport, QuickScore
    from finetune.tasks.advice import PROBE_BELOW, recommend, resolve_method

    quick = QuickReport(models=[QuickScore("zero-shot", 0.62, "accuracy", 3.0), QuickScore("probe", 0.89, "accuracy", 9.0)],
                        rising=True, curve_reading="Still rising: label more rows of these classes: a, b.")
    few = recommend(20, quick)
    assert few.method == "probe" and "0.890 accuracy in 9 s" in few.reason and "Still rising" in few.reason
    assert recommend(PROBE_BELOW, None).method == "finetune"
    many = [f"intent{i}" for i in range(13) for _ in range(20)]  # 20 rows per class, 260 rows: past SetFit's schedule
    assert resolve_method("auto", many) == "probe"
    assert recommend(20, dataclasses.replace(quick, train_rows=len(many))).method == "probe"
    assert recommend(20, dataclasses.replace(quick, train_rows=40)).method == "setfit"
    assert resolve_method("auto", ["a"] * 20 + ["b"] * 20) == "setfit"  # 40 rows: SetFit's whole schedule runs
    assert resolve_method("auto", ["a"] * PROBE_BELOW + ["b"] * PROBE_BELOW) == "finetune"
    assert resolve_method("setfit", ["a"] * 20) == "setfit"
    zero = recommend(20, QuickReport(models=[QuickScore("zero-shot", 0.85, "accuracy", 1), QuickScore("probe", 0.9, "accuracy", 2)]))
    assert "Zero-shot already reaches 0.850" in zero.reason


def test_curve_reading_says_rising_or_flat_and_names_the_classes():
    from finetune.tasks.quick import CurvePoint
    from finetune.tasks.quick_classification import read_curve

    rising, line = read_curve([CurvePoint(0.25, 0.74), CurvePoint(0.5, 0.85), CurvePoint(1.0, 0.89)],
                              [f"class{i}" for i in range(10)])
    assert rising and "label more rows" in line and "class0" in line and "and 2 more" in line
    flat, line = read_curve([CurvePoint(0.25, 0.949), CurvePoint(0.5, 0.959), CurvePoint(1.0, 0.960)], [])
    assert not flat and line.startswith("Flat")


def test_the_probe_is_a_run_like_any_other(tmp_path, tiny_model, runs_dir):
    """Its own results, verdict with the quick bar, predictions; the head in safetensors + JSON, no pickle."""
    from finetune.config import RunConfig
    from finetune.training.engine import train
    from finetune.runs.events import read_events
    from finetune.services.predictions import predict_texts
    from finetune.planning.quick_models import measure
    from finetune.runs.folder import RunPaths
    from finetune.services.verdict import run_verdict

    data = write_csv(tmp_path / "d.csv", keyword_rows(per_class=20))
    # auto would train SetFit on these 48 training rows (advice.SETFIT_MAX_ROWS); the probe is chosen here
    config = RunConfig.from_dict({"task": "classification", "data_file": str(data), "model": tiny_model,
                                  "method": "probe"})
    measure(config)  # the Data tab or check measured them: the run finds its bar
    run = runs_dir / "probe-run"
    results = train(config, run)
    assert results.method == "probe" and results.status == "finished" and results.steps == 1
    assert results.max_length == 16  # the max length the Data tab shows (issue 27: the body's own, here 64)
    assert results.quick_bar and results.quick_bar["name"] in ("tfidf", "zero-shot")  # not itself
    assert "over the" in run_verdict(run).line
    events = [e["event"] for e in read_events(RunPaths(run).events)[0]]
    assert events[0] == "started" and "eval" in events and events[-1] == "finished"
    model = RunPaths(run).model
    assert (model / "probe_head.safetensors").is_file() and (model / "config.json").is_file()
    assert not [p for p in model.rglob("*") if p.suffix in (".pkl", ".joblib", ".pickle", ".bin")]
    meta = json.loads((model / "probe.json").read_text())
    assert meta["labels"] == ["financial", "legal", "medical"] and meta["C"] > 0
    answer = predict_texts(run, ["contract clause"])[0]
    assert answer["label"] in meta["labels"] and abs(sum(answer["scores"].values()) - 1) < 1e-6


def test_probe_for_another_task_says_what_to_choose(tmp_path, tiny_gpt2, story_txt):
    from finetune.config import ConfigError, RunConfig
    from finetune.training.engine import train

    with pytest.raises(ConfigError, match="quick probe trains text classification only"):
        train(RunConfig(task="generation", data_file=str(story_txt), model=tiny_gpt2, method="probe"), tmp_path / "r")


def test_the_few_examples_warning_names_every_class_or_says_how_many(tmp_path):
    from finetune.config import RunConfig
    from finetune.tasks.classification_check import check_file

    rows = [(f"text {c} {i}", f"intent_{c:02d}") for c in range(30) for i in range(20)]
    report = check_file(RunConfig(data_file=str(write_csv(tmp_path / "many.csv", rows))))
    (warning,) = [w for w in report.warnings if w.code == "too_few_examples"]
    assert "every class (30)" in warning.message and "and 18 more" in warning.message
    rows = [(f"text a {i}", "a") for i in range(150)] + [(f"text {c} {i}", c) for c in "bcd" for i in range(20)]
    report = check_file(RunConfig(data_file=str(write_csv(tmp_path / "few.csv", rows))))
    (warning,) = [w for w in report.warnings if w.code == "too_few_examples"]
    assert "b (20), c (20), d (20)" in warning.message


def test_every_verdict_names_the_best_quick_model_as_its_bar():
    from finetune.tasks.quick import QuickReport, QuickScore
    from finetune.runs.records import Results
    from finetune.services.verdict import compared_to_what

    quick = QuickReport(models=[QuickScore("tfidf", 0.7, "accuracy", 1, {"accuracy": 0.7, "macro_f1": 0.69}),
                                QuickScore("probe", 0.81, "accuracy", 9, {"accuracy": 0.82, "macro_f1": 0.812})])
    results = Results(task="classification", main_metric="macro_f1", metrics={"accuracy": 0.9, "macro_f1": 0.892},
                      quick_bar=quick.bar("macro_f1"))
    assert compared_to_what(results) == "+0.080 macro f1 over the quick probe (0.812)."
    assert Results.from_json(results.to_json()).quick_bar == results.quick_bar  # kept in results.json
    assert quick.bar("macro_f1", besides="probe")["name"] == "tfidf"  # a probe run is measured against the others
    assert compared_to_what(Results(task="classification", metrics={"macro_f1": 0.5})) == ""  # not measured: no bar


@pytest.fixture(scope="session")
def tiny_nli(tmp_path_factory):
    """A tiny BERT NLI classifier (entailment / neutral / contradiction), as an NLI model on the Hub is saved."""
    from transformers import BertForSequenceClassification

    from tests.conftest import WORDS, save_tiny_bert

    folder = tmp_path_factory.mktemp("tiny-nli")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "this", "text", "is", "about"]
    vocab += sorted({w for ws in WORDS.values() for w in ws})
    save_tiny_bert(folder, vocab, BertForSequenceClassification)
    names = {0: "entailment", 1: "neutral", 2: "contradiction"}
    BertForSequenceClassification.from_pretrained(  # three labels, named as NLI models name them
        folder, num_labels=3, id2label=names, label2id={v: k for k, v in names.items()},
        ignore_mismatched_sizes=True).save_pretrained(folder)
    return str(folder)


def test_an_nli_model_answers_zero_shot_by_entailment_on_capped_rows(tmp_path, tiny_nli, runs_dir, monkeypatch):
    from finetune.config import RunConfig
    from finetune.planning.quick_models import measure
    from finetune.tasks import quick_classification

    monkeypatch.setattr(quick_classification, "NLI_ROWS", 5)
    data = write_csv(tmp_path / "d.csv", keyword_rows(per_class=20))
    report = measure(RunConfig(data_file=str(data), model=tiny_nli), cache=False)
    zero = report.get("zero-shot")
    assert 0 <= zero.score <= 1 and zero.seconds > 0
    assert any("Zero-shot by entailment" in n and "on 5 held-out rows of" in n for n in report.notes)
    assert not quick_classification.is_nli(str(tmp_path))  # no config: the embedding zero-shot
