"""The Review labels panel's handlers: review the loaded file, turn the table's decisions into label edits,
record them and offer the corrected file; the data check then counts the edited rows."""
import json

import gradio as gr
import pandas as pd
import pytest

from finetune.config import RunConfig
from finetune.errors import ConfigError
from finetune.ui import data_loading, review_panel
from finetune.ui.data_state import DataState
from tests.conftest import keyword_rows, write_csv


@pytest.fixture
def loaded(tmp_path):
    rows = keyword_rows(per_class=20)
    rows[0] = (rows[0][0], "medical" if rows[0][1] != "medical" else "legal")  # one planted mistake
    write_csv(tmp_path / "data.csv", rows)
    return data_loading.load_file(str(tmp_path / "data.csv"), DataState()).state


def test_a_review_lists_the_rows_to_decide_on_keep_by_default(loaded):
    table, message, labels = review_panel.run_review(loaded, review_panel.TFIDF, progress=lambda *a, **k: None)
    assert list(table.columns) == review_panel.COLUMNS and len(table)
    assert set(table["action"]) == {"keep"} and (table["new label"] == table["suggested"]).all()
    assert labels == ["financial", "legal", "medical"] and "Reviewed 60 rows" in message


def test_relabel_and_drop_become_label_edits_and_a_corrected_file(loaded):
    table, _, labels = review_panel.run_review(loaded, review_panel.TFIDF, progress=lambda *a, **k: None)
    assert 2 in set(table["row"])  # the planted mistake (the file's first row) is found
    frame = pd.read_csv(loaded.settings["data_file"])
    other = frame.loc[1, "label"]
    table = pd.DataFrame([table[table["row"] == 2].iloc[0].tolist()[:5] + ["relabel", ""],
                          [3, frame.loc[1, "text"], other, other, 0.9, "drop", ""]], columns=review_panel.COLUMNS)
    value, corrected, message = review_panel.apply_edits(table, labels, loaded)
    edits = json.loads(value)
    assert list(edits["relabel"].values()) == [table.loc[0, "suggested"]] and edits["drop"] == [int(table.loc[1, "row"])]
    assert "1 relabelled and 1 dropped" in message
    assert len(pd.read_csv(corrected["value"])) == 59
    config = RunConfig.from_dict({**loaded.data_config(), "label_edits": value})
    checked = data_loading.change_settings(loaded, "classification", [config.text_column], config.label_column,
                                       None, None, None, {f.name: getattr(config, f.name) for f in data_loading.SETTING_FIELDS})
    assert checked.state.settings["label_edits"] == value
    assert "59" in checked.report  # the check counts what training sees


def test_a_wrong_action_or_label_says_what_to_type(loaded):
    table = pd.DataFrame([[2, "t", "legal", "medical", 0.1, "fix", ""]], columns=review_panel.COLUMNS)
    with pytest.raises(gr.Error, match="action must be keep, relabel or drop"):
        review_panel.edits_from_table(table, ["legal", "medical"])
    table.loc[0, "action"], table.loc[0, "new label"] = "relabel", "medicl"
    with pytest.raises(gr.Error, match="relabel to one of legal, medical; got 'medicl'"):
        review_panel.edits_from_table(table, ["legal", "medical"])


def test_no_data_and_unknown_runs_are_refused():
    with pytest.raises(gr.Error, match="Load a classification file first"):
        review_panel.run_review(DataState(), review_panel.TFIDF, progress=lambda *a, **k: None)
    with pytest.raises(ConfigError, match="There is no run named '../etc'"):
        review_panel._model_dir("../etc", None)


class _Click:
    """What Gradio hands a select listener: the clicked cell's (row, column)."""
    def __init__(self, row, column=1):
        self.index = [row, column]


def test_a_row_is_decided_by_choices_below_the_table_not_typed(loaded):
    """Issue 27: the actions were typed into the table as free text."""
    from finetune.ui import build_app
    from tests.ui.views import by_elem_id

    app = build_app()
    assert by_elem_id(app, "review-table").interactive is False  # nothing to type into
    assert by_elem_id(app, "review-action").choices == [(a, a) for a in review_panel.ACTIONS]
    table, _, labels = review_panel.run_review(loaded, review_panel.TFIDF, progress=lambda *a, **k: None)
    picked = review_panel.select_row(table, labels, _Click(0))
    assert picked.selected == 0 and picked.action["value"] == "keep" and f"Row **{table.loc[0, 'row']}**" in picked.row
    assert picked.new_label["choices"] == labels and picked.new_label["value"] == table.loc[0, "suggested"]
    other = next(label for label in labels if label not in (table.loc[0, "given"], table.loc[0, "suggested"]))
    table, action = review_panel.pick_label(table, 0, "keep", other)  # picking a label means relabel
    assert (table.loc[0, "action"], table.loc[0, "new label"], action["value"]) == ("relabel", other, "relabel")
    frame = pd.read_csv(loaded.settings["data_file"])  # a second row to decide on (the file's third row)
    table = pd.concat([table, pd.DataFrame([[3, frame.loc[1, "text"], frame.loc[1, "label"], frame.loc[1, "label"], 0.9,
                                             "keep", frame.loc[1, "label"]]], columns=review_panel.COLUMNS)],
                      ignore_index=True)
    table, _ = review_panel.decide(table, 1, "drop", None)
    edits = review_panel.edits_from_table(table, labels)
    assert edits.relabel == {int(table.loc[0, "row"]): other} and edits.drop == [int(table.loc[1, "row"])]
    with pytest.raises(gr.Error, match="Select a row in the table first"):
        review_panel.decide(table, None, "drop", None)
    assert review_panel.select_row(table, labels, None).selected is None  # a call without a click changes nothing
