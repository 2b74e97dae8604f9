"""Label review: planted mistakes are found, the JSON contract, edits as data, the corrected file, the CLI."""
import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from finetune.__main__ import main
from finetune.config import RunConfig
from finetune.data.label_edits import LabelEdits, apply_label_edits
from finetune.errors import ConfigError, DataError
from finetune.services.review import (IN_SAMPLE_NOTE, METHOD_MODEL, METHOD_TFIDF, LabelReview, review_labels, write_corrected)
from finetune.tasks.classification import load_rows
from tests.conftest import ROOT, SHARED_DATA, keyword_rows, write_csv

PLANTED = {5: "medical", 40: "legal", 77: "legal"}  # row position -> wrong label (true: legal, medical, financial)


@pytest.fixture
def planted_csv(tmp_path):
    """90 keyword rows (three clearly separable vocabularies) with three labels planted wrong."""
    rows = [(text, PLANTED.get(i, label)) for i, (text, label) in enumerate(keyword_rows(30, sort=False))]
    return write_csv(tmp_path / "planted.csv", rows)


def test_review_finds_the_planted_wrong_labels_first(planted_csv):
    review = review_labels(RunConfig(data_file=str(planted_csv)))
    truth = dict(keyword_rows(30, sort=False)[i] for i in PLANTED)  # text -> true label
    assert review.method == METHOD_TFIDF and review.folds == 5 and review.rows == 90
    top = review.issues[:len(PLANTED)]
    assert {i.row for i in top} == {i + 2 for i in PLANTED}  # spreadsheet row numbers: header is row 1
    assert all(i.suggested == truth[i.text] and i.given != i.suggested for i in top)
    assert [i.score for i in review.issues] == sorted(i.score for i in review.issues)  # lowest = likeliest wrong


def test_review_json_is_the_contract_and_loads_back(planted_csv):
    printed = review_labels(RunConfig(data_file=str(planted_csv)), limit=2).to_json()
    assert {"rows", "issues"} <= set(printed) and len(printed["issues"]) == 2
    assert printed["flagged"] >= 3  # the limit shortens the list, not the count
    assert set(printed["issues"][0]) == {"row", "text", "given", "suggested", "score"}
    assert isinstance(printed["issues"][0]["row"], int) and 0 <= printed["issues"][0]["score"] <= 1
    json.dumps(printed)
    assert LabelReview.from_json(printed).to_json() == printed


def test_jsonl_rows_are_numbered_from_one(tmp_path):
    rows = [{"text": t, "label": PLANTED.get(i, label)} for i, (t, label) in enumerate(keyword_rows(30, sort=False))]
    path = tmp_path / "planted.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    review = review_labels(RunConfig(data_file=str(path)))
    assert {i.row for i in review.issues[:3]} == {i + 1 for i in PLANTED}


def test_a_small_class_means_fewer_folds_and_says_so(tmp_path):
    rows = keyword_rows(30, sort=False) + [("quarterback touchdown stadium", "sports")] * 3
    review = review_labels(RunConfig(data_file=str(write_csv(tmp_path / "d.csv", rows))))
    assert review.folds == 3 and any("3 folds, not 5" in note for note in review.notes)


def test_a_one_row_class_or_a_single_class_cannot_be_reviewed(tmp_path):
    one_row = write_csv(tmp_path / "one.csv", keyword_rows(30) + [("quarterback touchdown", "sports")])
    with pytest.raises(DataError, match="only 1 row; the review needs at least 2 rows per class"):
        review_labels(RunConfig(data_file=str(one_row)))
    single = write_csv(tmp_path / "single.csv", [(f"text {i}", "a") for i in range(20)])
    with pytest.raises(DataError, match="Only one label"):
        review_labels(RunConfig(data_file=str(single)))


def test_a_fine_tuned_run_scores_the_rows_and_says_it_is_not_out_of_fold(planted_csv, fast_config, tmp_path):
    from finetune.training.engine import train

    # trained well past fitting (20 epochs, not 8) so the planted rows' given labels score near 0, far
    # from cleanlab's threshold: at 8 epochs one of them sat close enough to it to be missed on some runs
    train(replace(fast_config, epochs=20.0), tmp_path / "run")
    review = review_labels(RunConfig(data_file=str(planted_csv)), model_dir=tmp_path / "run")
    assert review.method == METHOD_MODEL and review.folds == 0 and IN_SAMPLE_NOTE in review.notes
    # the run learned the same texts with their right labels, so the planted ones stand out
    assert {i.row for i in review.issues[:3]} == {i + 2 for i in PLANTED}
    assert all(i.suggested in {"financial", "legal", "medical"} and i.suggested != i.given for i in review.issues)


# --- the corrected file ------------------------------------------------------------------------
EDITS = LabelEdits(relabel={7: "legal", 42: "medical"}, drop=[79], given={7: "medical", 42: "legal", 79: "legal"})


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_the_corrected_file_reads_back_as_training_would_see_the_edits(planted_csv, tmp_path, suffix):
    config = RunConfig(data_file=str(planted_csv))
    expected, _ = apply_label_edits(load_rows(planted_csv, config)[0], EDITS)
    corrected = write_corrected(config, EDITS, tmp_path / f"corrected{suffix}")
    rows, _ = load_rows(corrected, RunConfig(data_file=str(corrected)))
    pd.testing.assert_frame_equal(rows.reset_index(drop=True), expected.reset_index(drop=True))


def test_the_corrected_file_keeps_other_columns_and_cells_as_they_were(tmp_path):
    rows = [(f"{t}", label, "-1", "=SUM(A1)") for t, label in keyword_rows(10)]
    path = write_csv(tmp_path / "wide.csv", rows, header=("text", "label", "score", "note"))
    config = RunConfig(data_file=str(path), label_column="label")
    corrected = write_corrected(config, LabelEdits(drop=[2]), tmp_path / "out.csv")
    frame = pd.read_csv(corrected, dtype=str)
    assert list(frame.columns) == ["text", "label", "score", "note"] and len(frame) == 29
    assert (frame["score"] == "-1").all() and (frame["note"] == "=SUM(A1)").all()  # training data, not a report
    with pytest.raises(ConfigError, match="as .csv, .tsv or .jsonl"):
        write_corrected(config, LabelEdits(drop=[2]), tmp_path / "out.xlsx")


# --- CLI ----------------------------------------------------------------------------------------
def test_cli_review_prints_the_json_and_writes_a_safe_csv(planted_csv, tmp_path):
    output = tmp_path / "issues.csv"
    result = subprocess.run([sys.executable, "-m", "finetune", "review", "--data", str(planted_csv), "--top", "3",
                             "--output", str(output)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    assert printed["rows"] == 90 and {i["row"] for i in printed["issues"]} == {i + 2 for i in PLANTED}
    table = pd.read_csv(output)
    assert list(table.columns) == ["row", "text", "given", "suggested", "score"] and len(table) == 3


@pytest.mark.parametrize("args, message", [
    (["--data", "missing.csv"], "No file at missing.csv"),
    (["--data", "{single}"], "Only one label"),
    (["--data", "{single}", "--task", "ner"], "Label review works on text classification data"),
    (["--data", "{single}", "--top", "-1"], "--top must be 0 or more"),
])
def test_cli_review_bad_input_is_one_line_and_exit_2(args, message, tmp_path, capsys):
    single = write_csv(tmp_path / "single.csv", [(f"text {i}", "a") for i in range(20)])
    assert main(["review", *[a.format(single=single) for a in args]]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1


# --- real data (skipped where ../shared/data is absent, e.g. a user's clone) ---------------------
@pytest.mark.skipif(not (SHARED_DATA / "trec" / "train.csv").is_file(), reason="../shared/data/trec not found")
def test_on_trec_with_ten_percent_flipped_labels_half_are_found_and_half_the_list_is_right(tmp_path):
    frame = pd.read_csv(SHARED_DATA / "trec" / "train.csv", dtype=str).sample(1500, random_state=0)
    frame = frame[["text", "coarse_label"]].rename(columns={"coarse_label": "label"}).reset_index(drop=True)
    rng = np.random.default_rng(0)
    flipped = rng.choice(len(frame), size=len(frame) // 10, replace=False)
    classes = sorted(frame["label"].unique())
    for i in flipped:
        frame.at[i, "label"] = rng.choice([c for c in classes if c != frame.at[i, "label"]])
    frame.to_csv(tmp_path / "trec.csv", index=False)
    review = review_labels(RunConfig(data_file=str(tmp_path / "trec.csv")), limit=None)
    found = {i.row for i in review.issues} & {int(i) + 2 for i in flipped}
    assert len(found) >= 0.5 * len(flipped) and len(found) >= 0.5 * len(review.issues)
