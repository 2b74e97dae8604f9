"""The Train tab's report reads every task's results.json: what it compares against and what it hides."""
from finetune.ui import report

BASE = {"status": "finished", "steps": 10, "train_rows": 90, "eval_rows": 10, "train_runtime_s": 5.0,
        "max_length": 64, "precision": "fp32", "device": "CPU"}


def test_classification_metrics_sit_beside_the_tfidf_baseline():
    text = report.summary_markdown({**BASE, "metrics": {"accuracy": 0.9}, "baseline": {"accuracy": 0.7}})
    assert "TF-IDF baseline" in text and "| accuracy | 0.9000 | 0.7000 |" in text


def test_generation_perplexity_sits_beside_the_base_models():
    text = report.summary_markdown({**BASE, "metrics": {"perplexity": 33.4, "base_perplexity": 79.5}})
    assert "base model" in text and "| perplexity | 33.4000 | 79.5000 |" in text and "TF-IDF" not in text


def test_a_report_without_per_class_scores_hides_those_tables(tmp_path):
    results = {**BASE, "metrics": {"perplexity": 3.0, "base_perplexity": 9.0}, "baseline": None}
    group, summary, scores, matrix, mistakes, card = report.fill(str(tmp_path), {"results": results})
    assert scores["visible"] is False and matrix["visible"] is False and mistakes["visible"] is False
    assert "No model card" in card


def test_ner_sentences_with_errors_show_gold_and_predicted_entities():
    error = {"text": "Ana works at Acme", "gold": [{"entity": "PER", "start": 0, "end": 3},
                                                 {"entity": "ORG", "start": 13, "end": 17}],
             "predicted": [{"entity": "PER", "start": 0, "end": 3}]}
    row = report.mistakes_table({"error_sentences": [error]}).iloc[0]
    assert row["label"] == "Ana (PER), Acme (ORG)" and row["predicted"] == "Ana (PER)"


def test_the_model_zip_appears_once_made_and_a_missing_run_is_a_clear_error(ner_run):
    import zipfile

    import gradio as gr
    import pytest

    update = report.model_zip({"run_dir": str(ner_run[0])})
    assert update["visible"] is True and update["value"].endswith("-model.zip")
    assert "config.json" in {name.split("/")[-1] for name in zipfile.ZipFile(update["value"]).namelist()}
    with pytest.raises(gr.Error, match="No run yet"):
        report.model_zip({})
