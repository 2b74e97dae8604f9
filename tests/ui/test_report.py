"""The Train tab's report reads every task's results.json: what it compares against and what it hides."""
import json

from finetune.runs.records import Results, RunStatus
from finetune.ui import report
from tests.ui.views import report_view

BASE = {"status": "finished", "steps": 10, "train_rows": 90, "eval_rows": 10, "train_runtime_s": 5.0,
        "max_length": 64, "precision": "fp32", "device": "CPU"}


def test_classification_metrics_sit_beside_the_tfidf_baseline():
    text = report.summary_markdown(Results.from_json({**BASE, "metrics": {"accuracy": 0.9},
                                                      "baseline": {"accuracy": 0.7}}))
    assert "TF-IDF baseline" in text and "| accuracy | 0.9000 | 0.7000 |" in text


def test_generation_perplexity_sits_beside_the_base_models():
    metrics = {"perplexity": 33.4, "base_perplexity": 79.5}
    text = report.summary_markdown(Results.from_json({**BASE, "task": "generation", "metrics": metrics}))
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
    row = report.results_view(Results(task="ner", report={"error_sentences": [error]})).mistakes.iloc[0]
    assert row["label"] == "Ana (PER), Acme (ORG)" and row["predicted"] == "Ana (PER)"


def test_the_zip_button_holds_the_shown_runs_own_model_one_click(ner_run, tmp_path):
    import zipfile

    view = report_view()
    filled = report.fill(view, str(ner_run[0]), RunStatus("finished", results=ner_run[1]))
    path = filled[view.zip]["value"]
    assert filled[view.zip]["visible"] and path.startswith(str(ner_run[0])) and path.endswith("-model.zip")
    assert "config.json" in {name.split("/")[-1] for name in zipfile.ZipFile(path).namelist()}
    other = report.fill(view, str(tmp_path), RunStatus("finished", results=ner_run[1]))  # a run with no model
    assert other[view.zip] == {"__type__": "update", "value": None, "visible": False}


def test_many_labels_lead_with_the_most_confused_pairs_and_fold_the_matrix():
    labels = [f"intent_{i}" for i in range(40)]
    matrix = [[9 if i == j else (5 if (i, j) == (3, 7) else 0) for j in range(40)] for i in range(40)]
    text = report.most_confused_markdown({"labels": labels, "matrix": matrix})
    assert "| intent_3 | intent_7 | 5 |" in text and text.count("\n| intent_") == 1
    results = Results.from_json({**BASE, "metrics": {"accuracy": 0.9}, "confusion_matrix": {"labels": labels,
                                                                                            "matrix": matrix}})
    view = report_view()
    filled = report.fill(view, "/nonexistent", RunStatus("finished", results=results))
    assert filled[view.matrix_box]["open"] is False and filled[view.matrix]["value"].layout.height > 600


def test_mistake_texts_get_most_of_the_width_so_label_and_prediction_stay_on_screen():
    import gradio as gr

    from tests.ui.views import by_elem_id

    with gr.Blocks() as demo:
        with gr.Tabs() as tabs:
            report.render(gr.State(), gr.Textbox(), tabs, [gr.Textbox()], gr.BrowserState())
    mistakes = by_elem_id(demo, "mistakes")
    assert mistakes.column_widths == ["55%", "15%", "15%", "15%"] and mistakes.wrap


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
    assert results.report["calibration"] == 0.1 and results.to_json() == {
        **old, "model": "", "report_split": "validation", "report_rows": None, "duration_s": None,
        "max_steps": None, "early_stopped": False, "notes": [], "main_metric": ""}
    view = report_view()
    filled = report.fill(view, str(tmp_path), RunStatus("finished", results=results))
    assert filled[view.group]["visible"] and "step 10 of 10" in filled[view.summary] and "5 s" in filled[view.summary]
    assert filled[view.per_class]["visible"] and filled[view.matrix]["visible"] and filled[view.mistakes]["visible"]


def test_many_classes_show_the_most_confused_pairs_first():
    from finetune.ui.figures import most_confused

    labels = ["a", "b", "c"]
    assert most_confused(labels, [[5, 3, 0], [1, 5, 0], [0, 4, 5]]) == [("c", "b", 4), ("a", "b", 3), ("b", "a", 1)]


def test_setfit_is_offered_for_small_classes_below_the_baseline():
    from finetune.services.verdict import judge

    small = {k: {"precision": 0.1, "recall": 0.1, "f1": 0.1, "support": 3} for k in "abcdef"}
    values = {**BASE, "task": "classification", "main_metric": "eval_macro_f1", "metrics": {"macro_f1": 0.30},
              "baseline": {"macro_f1": 0.40}, "per_class": small}
    offer = judge(Results.from_json(values), [])
    assert offer.kind == "worse_than_baseline" and offer.changes == {"method": "setfit"}
    assert "SetFit" in offer.action
    assert judge(Results.from_json({**values, "method": "setfit"}), []).changes != {"method": "setfit"}
    large = {k: {**row, "support": 300} for k, row in small.items()}
    assert judge(Results.from_json({**values, "per_class": large}), []).changes == {"epochs": 2}
