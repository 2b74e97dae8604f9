"""Label edits as data: relabel and drop by row number, refuse a changed file, JSON round trip."""
import json

import pytest

from finetune.config import RunConfig
from finetune.data.label_edits import LabelEdits, apply_label_edits
from finetune.errors import ConfigError, DataError
from finetune.tasks.classification import load_rows
from tests.conftest import keyword_rows, write_csv

WRONG = {5: "medical", 40: "legal", 77: "legal"}  # row position -> a wrong label
EDITS = LabelEdits(relabel={7: "legal", 42: "medical"}, drop=[79], given={7: "medical", 42: "legal", 79: "legal"})


@pytest.fixture
def planted_csv(tmp_path):
    rows = [(text, WRONG.get(i, label)) for i, (text, label) in enumerate(keyword_rows(30, sort=False))]
    return write_csv(tmp_path / "planted.csv", rows)


def test_edits_relabel_and_drop_rows_by_their_row_number(planted_csv):
    config = RunConfig(data_file=str(planted_csv))
    rows, _ = load_rows(planted_csv, config)
    edited, notes = apply_label_edits(rows, EDITS, first_row=2)
    assert len(edited) == 89 and 77 not in edited.index
    assert edited.at[5, "label"] == "legal" and edited.at[40, "label"] == "medical"
    assert notes == ["Label review: relabelled 2 row(s), dropped 1."]
    assert rows.at[5, "label"] == "medical"  # the loaded rows are not changed in place


def test_edits_on_a_changed_file_fail_instead_of_changing_the_wrong_rows(planted_csv):
    rows, _ = load_rows(planted_csv, RunConfig(data_file=str(planted_csv)))
    stale = LabelEdits(relabel={7: "legal"}, given={7: "financial"})
    with pytest.raises(DataError, match="row 7 is labelled 'medical' but was 'financial' in the review"):
        apply_label_edits(rows, stale)


def test_edits_of_rows_a_remedy_removed_are_skipped_with_a_note(tmp_path):
    rows = keyword_rows(30, sort=False)
    path = write_csv(tmp_path / "dup.csv", rows + [rows[0]])  # the last row (92) repeats the first
    loaded, _ = load_rows(path, RunConfig(data_file=str(path), drop_duplicates=True))
    edited, notes = apply_label_edits(loaded, LabelEdits(drop=[92]))
    assert len(edited) == 90 and "1 label edit(s) name rows that are not in the data" in notes[1]


def test_edits_round_trip_as_json_and_reject_nonsense():
    assert LabelEdits.from_json(json.dumps(EDITS.to_json())) == EDITS
    assert not LabelEdits.from_json("") and not LabelEdits()
    with pytest.raises(ConfigError, match="not valid JSON"):
        LabelEdits.from_json("{relabel")
    with pytest.raises(ConfigError, match="row numbers as keys"):
        LabelEdits.from_json({"relabel": {"seven": "legal"}})
    with pytest.raises(ConfigError, match="Row 7 is both relabelled and dropped"):
        LabelEdits(relabel={7: "legal"}, drop=[7])
