"""The Train tab's report reads every task's results.json: what it compares against and what it hides."""
import json

from finetune.records import Results, RunStatus
from finetune.ui import report
from finetune.ui.followed_run import FollowedRun
from tests.ui.views import report_view

BASE = {"status": "finished", "steps": 10, "train_rows": 90, "eval_rows": 10, "train_runtime_s": 5.0,
        "max_length": 64, "precision": "fp32", "device": "CPU"}


def test_classification_metrics_sit_beside_the_tfidf_baseline():
    text = report.summary_markdown(Results.from_json({**BASE, "metrics": {"accuracy": 0.9},
                                                      "baseline": {"accuracy": 0.7}}))
    assert "TF-IDF baseline" in text and "| accuracy | 0.9000 | 0.7000 |" in text


def test_generation_perplexity_sits_beside_the_base_models():
    metrics = {"perplexity": 33.4, "base_perplexity": 79.5}
    text = report.summary_markdown(Results.from_json({**BASE, "metrics": metrics}))
    assert "base model" in text and "| perplexity | 33.4000 | 79.5000 |" in text and "TF-IDF" not in text


def test_a_report_without_per_class_scores_hides_those_tables(tmp_path):
    results = Results.from_json({**BASE, "metrics": {"perplexity": 3.0, "base_perplexity": 9.0}, "baseline": None})
    view = report_view()
    filled = report.fill(view, str(tmp_path), RunStatus("finished", results=results))
    scores, matrix, mistakes, card = (filled[c] for c in (view.per_class, view.matrix, view.mistakes, view.card))
    assert scores["visible"] is False and matrix["visible"] is False and mistakes["visible"] is False
    assert "No model card" in card


def test_ner_sentences_with_errors_show_gold_and_predicted_entities():
    error = {"text": "Ana works at Acme", "gold": [{"entity": "PER", "start": 0, "end": 3},
                                                 {"entity": "ORG", "start": 13, "end": 17}],
             "predicted": [{"entity": "PER", "start": 0, "end": 3}]}
    row = report.mistakes_table(Results(error_sentences=[error])).iloc[0]
    assert row["label"] == "Ana (PER), Acme (ORG)" and row["predicted"] == "Ana (PER)"


def test_the_model_zip_appears_once_made_and_a_missing_run_is_a_clear_error(ner_run):
    import zipfile

    import gradio as gr
    import pytest

    update = report.model_zip(FollowedRun(run_dir=str(ner_run[0])))
    assert update["visible"] is True and update["value"].endswith("-model.zip")
    assert "config.json" in {name.split("/")[-1] for name in zipfile.ZipFile(update["value"]).namelist()}
    with pytest.raises(gr.Error, match="No run yet"):
        report.model_zip(FollowedRun())


def test_a_results_file_from_an_older_version_still_renders(tmp_path):
    """Written before duration_s, max_steps, report_split and notes existed, with a key this version
    does not know: it loads with defaults, keeps the unknown key, and the report shows it."""
    old = {**BASE, "task": "classification", "metrics": {"accuracy": 0.8}, "baseline": {"accuracy": 0.6},
           "per_class": {"a": {"precision": 0.8, "recall": 0.8, "f1": 0.8, "support": 5}},
           "confusion_matrix": {"labels": ["a", "b"], "matrix": [[4, 1], [1, 4]]},
           "mistakes": [{"text": "x", "label": "a", "predicted": "b", "score": 0.7}], "calibration": 0.1}
    (tmp_path / "results.json").write_text(json.dumps(old))
    results = Results.load(tmp_path / "results.json")
    assert results.duration_s is None and results.elapsed_s == 5.0 and results.planned_steps == 10
    assert results.extra == {"calibration": 0.1} and results.to_json() == {
        **old, "model": "", "report_split": "validation", "report_rows": None, "duration_s": None,
        "max_steps": None, "early_stopped": False, "notes": [], "main_metric": ""}
    view = report_view()
    filled = report.fill(view, str(tmp_path), RunStatus("finished", results=results))
    assert filled[view.group]["visible"] and "step 10 of 10" in filled[view.summary] and "5 s" in filled[view.summary]
    assert filled[view.per_class]["visible"] and filled[view.matrix]["visible"] and filled[view.mistakes]["visible"]


def test_many_classes_show_the_most_confused_pairs_first():
    from finetune.ui.figures import most_confused_pairs

    labels = ["a", "b", "c"]
    assert most_confused_pairs(labels, [[5, 3, 0], [1, 5, 0], [0, 4, 5]]) == [("c", "b", 4), ("a", "b", 3), ("b", "a", 1)]


def test_setfit_is_offered_for_small_classes_below_the_baseline():
    values = {**BASE, "main_metric": "eval_macro_f1", "train_rows": 48, "metrics": {"macro_f1": 0.12},
              "baseline": {"macro_f1": 0.40}, "per_class": {k: {} for k in "abcdef"}}
    assert report.offers_setfit(Results.from_json(values))
    assert not report.offers_setfit(Results.from_json({**values, "method": "setfit"}))
    assert not report.offers_setfit(Results.from_json({**values, "metrics": {"macro_f1": 0.5}}))
    assert not report.offers_setfit(Results.from_json({**values, "train_rows": 6000}))
    assert report.load_setfit()[0] == "setfit"
