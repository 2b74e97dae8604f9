"""Batch predictions: a whole table or PDF labelled, written as a CSV a spreadsheet opens safely."""
import csv
import random
import sys
import time

import pytest

from finetune.config import DataError, RunConfig
from finetune.training.engine import train
from finetune.services.predictions import (baseline_scores, label_counts, label_table, neutralise, predict_file, tag_pdf, write_csv)
from finetune.runs.folder import RunPaths
from tests.conftest import SAMPLES, WORDS, keyword_rows
from tests.conftest import write_csv as write_rows

sys.path.insert(0, str(SAMPLES))
from make_sample_pdf import write_pdf  # noqa: E402


@pytest.fixture(scope="module")
def run(tmp_path_factory, tiny_model):
    folder = tmp_path_factory.mktemp("batch")
    data = write_rows(folder / "train.csv", keyword_rows(per_class=30))
    config = RunConfig(data_file=str(data), model=tiny_model, freeze_embeddings=False, epochs=8.0, batch_size=8, learning_rate=2e-3,
                       precision="fp32")
    train(config, folder / "run")
    return folder / "run"


def test_a_5000_row_file_gets_a_label_and_score_per_row(run, tmp_path):
    rng = random.Random(1)
    rows = [(i, " ".join(rng.choices(WORDS[label], k=6)), label)
            for i, label in enumerate(rng.choice(sorted(WORDS)) for _ in range(5000))]
    source = write_rows(tmp_path / "big.csv", rows, header=("id", "review", "label"))
    calls = []
    started = time.perf_counter()
    count = predict_file(run, source, tmp_path / "out.csv", on_batch=lambda done, total: calls.append((done, total)))
    print(f"5,000 rows on the tiny model: {time.perf_counter() - started:.1f} s")
    with open(tmp_path / "out.csv", newline="") as f:
        out = list(csv.DictReader(f))
    assert count == len(out) == 5000 and list(out[0]) == ["id", "review", "label", "predicted_label", "score"]
    assert calls[-1] == (5000, 5000) and len(calls) == 79  # batches of 64, each reported
    assert all(0 < float(r["score"]) <= 1 for r in out)
    right = sum(r["predicted_label"] == r["label"] for r in out)
    assert right / 5000 > 0.9, "the review column (the longest) was picked and labelled"


def test_the_text_column_can_be_named(run, tmp_path):
    source = write_rows(tmp_path / "two.csv", [("patient fever clinic", "x" * 80)], header=("note", "filler"))
    assert label_table(run, source, "note")["predicted_label"].tolist() == ["medical"]
    with pytest.raises(DataError, match="no text column 'missing'.*note, filler"):
        label_table(run, source, "missing")


def test_a_table_without_rows_says_so(run, tmp_path):
    (tmp_path / "empty.csv").write_text("text,id\n")
    with pytest.raises(DataError, match="empty.csv has a header but no rows"):
        label_table(run, tmp_path / "empty.csv")


@pytest.mark.parametrize("value, safe", [("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("-2", "'-2"),
                                         ("@cmd", "'@cmd"), ("\tx", "'\tx"), ("\rx", "'\rx"),
                                         ("plain", "plain"), (0.5, 0.5)])
def test_formula_looking_cells_get_an_apostrophe(value, safe):
    assert neutralise(value) == safe


def test_written_csv_neutralises_every_column(tmp_path):
    import pandas as pd

    write_csv(pd.DataFrame({"text": ["=1+1", "ok"], "predicted_label": ["@x", "legal"]}), tmp_path / "o.csv")
    with open(tmp_path / "o.csv", newline="") as f:
        assert list(csv.reader(f))[1:] == [["'=1+1", "'@x"], ["ok", "legal"]]


def test_a_pdf_is_tagged_chunk_by_chunk(run, tmp_path):
    pdf = write_pdf(tmp_path / "docs.pdf", paragraphs_per_page=3)
    frame = tag_pdf(run, pdf)
    assert list(frame.columns) == ["page", "chunk", "text", "label", "score"] and len(frame) == 9
    assert set(frame["label"]) <= set(WORDS) and frame["score"].between(0, 1).all()
    counts = label_counts(frame)
    assert sum(counts.values()) == 9 and set(counts) <= set(WORDS)


def test_predict_file_writes_one_row_per_pdf_chunk(run, tmp_path):
    assert predict_file(run, write_pdf(tmp_path / "d.pdf", paragraphs_per_page=2), tmp_path / "d.csv") == 6
    with open(tmp_path / "d.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["page"] for r in rows] == ["1", "1", "2", "2", "3", "3"] and rows[0]["label"] in WORDS


def test_a_scanned_pdf_is_a_clear_error(run, tmp_path):
    with pytest.raises(DataError, match="no text layer"):
        predict_file(run, write_pdf(tmp_path / "scan.pdf", scanned=True), tmp_path / "x.csv")


def test_the_fitted_tfidf_baseline_is_kept_in_the_run(run):
    assert RunPaths(run).baseline.is_file()
    scores = baseline_scores(run, "revenue profit dividend shares")
    assert set(scores) == set(WORDS) and max(scores, key=scores.get) == "financial"
    assert sum(scores.values()) == pytest.approx(1.0)


def test_a_run_without_a_baseline_file_has_no_baseline_scores(tmp_path):
    assert baseline_scores(tmp_path, "anything") is None


def test_ner_rows_get_their_entities_as_text_and_type(ner_run, tmp_path):
    source = write_rows(tmp_path / "s.csv", [("Maria Lindqvist joined Bluefield Bank in Oslo .",)], header=("text",))
    frame = label_table(ner_run[0], source)
    entities = frame["entities"][0]
    assert entities and all(part.endswith(("(PER)", "(ORG)", "(LOC)", "(DRUG)")) for part in entities.split("; "))
    assert frame["entity_count"][0] == len(entities.split("; ")) == sum(label_counts(frame).values())
    assert not RunPaths(ner_run[0]).baseline.exists()


def test_stop_predict_resume_predict_answers_with_the_resumed_model(tmp_path, fast_config):
    """The Playground's cache follows the saved model, not the folder's name: after a Resume rewrites
    model/, the next Predict is the resumed model's (it kept answering with the stopped one before)."""
    from finetune.training.engine import resume
    from finetune.services.predictions import model_folder, predict_texts
    from finetune.tasks import get_task

    run = tmp_path / "run"
    run.mkdir()
    RunPaths(run).stop.touch()  # stopped after its first step: a barely trained model
    train(fast_config.updated(checkpoint_every_eval=False), run)
    text = ["patient surgery fever dose nurse clinic"]
    stopped = predict_texts(run, text)[0]["scores"]
    assert resume(run).status == "finished"
    resumed = predict_texts(run, text)[0]["scores"]
    folder, task = model_folder(run)
    fresh = get_task(task).predictor(folder)(text)[0]["scores"]  # the resumed model, loaded from disk
    assert resumed == pytest.approx(fresh, abs=1e-6) and resumed != pytest.approx(stopped, abs=1e-3)
    assert max(resumed, key=resumed.get) == "medical"
