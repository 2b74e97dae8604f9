"""The Data tab's "Do you need fine-tuning?" panel, through its handlers (issue 29)."""
import dataclasses

from finetune.ui import data_loading, quick_panel
from finetune.ui.data_state import DataState
from tests.conftest import keyword_rows, write_csv


def no_progress(share, desc=""):
    pass


def checked(path, model):
    state = data_loading.load_file(str(path), DataState())[0]
    return dataclasses.replace(state, model=model)


def test_the_panel_measures_the_quick_models_and_offers_the_advised_method(tmp_path, tiny_model, runs_dir):
    state = checked(write_csv(tmp_path / "d.csv", keyword_rows(per_class=20)), tiny_model)
    scores, curve, advice, pick, method, describe = quick_panel.run_quick(state, "legal: contracts and clauses", None,
                                                                           no_progress)
    assert "| quick probe |" in scores and "| zero-shot |" in scores and "| TF-IDF |" in scores and "12 validation rows" in scores
    assert curve["visible"] and [p.x for p in curve["value"].data][0] == ("25%", "50%", "100%")
    assert method == "setfit" and "few enough for SetFit" in advice and "the quick probe: " in advice  # 48 rows
    assert pick["visible"] and pick["value"] == "Use SetFit (few-shot) (Model tab)"
    assert quick_panel.pick_method(method)["value"] == "setfit" and describe["visible"]
    again = quick_panel.run_quick(state, "legal: contracts and clauses", None, no_progress)
    assert again[0] == scores  # the same file and settings: the cached measurement


def test_no_visitor_id_on_a_space_measures_nothing(tmp_path, tiny_model, runs_dir, monkeypatch):
    state = checked(write_csv(tmp_path / "d.csv", keyword_rows(per_class=20)), tiny_model)
    monkeypatch.setenv("SPACE_ID", "someone/studio")
    scores, curve, advice, pick, method, _ = quick_panel.run_quick(state, "", None, no_progress)
    assert "Not measured" in scores and "visitor id" in scores and method == "" and not pick["visible"]


def test_descriptions_are_read_one_label_per_line():
    assert quick_panel.parse_descriptions("legal: contracts, clauses\nno colon\n medical : patients ") == \
        {"legal": "contracts, clauses", "medical": "patients"}
