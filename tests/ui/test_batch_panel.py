"""The Playground's batch panel, PDF tagging and before/after, handlers called directly on tiny runs."""
import csv
import json
import shutil
import sys

import gradio as gr
import pytest

from finetune.config import RunConfig
from finetune.training.engine import train
from finetune.runs.records import Results
from finetune.runs.folder import RunPaths
from finetune.tasks import get_task
from finetune.ui import batch_panel, playground_tab
from tests.conftest import SAMPLES, WORDS, keyword_rows, write_csv

sys.path.insert(0, str(SAMPLES))
from make_sample_pdf import write_pdf  # noqa: E402

RUN = "20990101-000000-classification-test"


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_model):
    folder = tmp_path_factory.mktemp("play-batch")
    data = write_csv(folder / "train.csv", keyword_rows(per_class=30))
    train(RunConfig(data_file=str(data), model=tiny_model, freeze_embeddings=False, epochs=8.0, batch_size=8, learning_rate=2e-3,
                    precision="fp32"), folder / RUN)
    return folder / RUN


@pytest.fixture
def run_name(runs_dir, trained):
    shutil.copytree(trained, runs_dir / RUN)
    return RUN


def test_the_text_column_is_detected_from_the_upload(tmp_path):
    source = write_csv(tmp_path / "t.csv", [("1", "patient fever clinic nurse", "x")], header=("id", "review", "y"))
    update = batch_panel.pick_text_column(str(source))
    assert update["choices"] == ["id", "review", "y"] and update["value"] == "review"
    assert batch_panel.pick_text_column(None)["choices"] == []


def test_label_file_gives_a_table_a_safe_csv_and_a_summary(run_name, tmp_path):
    rows = [(f"=cmd{i}", " ".join(WORDS["legal"][:5])) for i in range(300)]
    source = write_csv(tmp_path / "batch.csv", rows, header=("id", "text"))
    shown, download, status = batch_panel.label_file(run_name, str(source), "text")
    table = shown["value"]  # the table is hidden until it has rows
    assert shown["visible"] and list(table.columns) == ["id", "text", "predicted_label", "score"] and len(table) == 300
    assert "**300 rows** labelled" in status and "legal: 300" in status
    with open(download, newline="") as f:
        first = next(csv.DictReader(f))
    assert download.endswith("batch-predictions.csv") and first["id"] == "'=cmd0"


def test_a_pdf_gets_a_chunk_table_a_label_chart_and_a_csv(run_name, tmp_path):
    shown, figure, download, status = batch_panel.tag_document(run_name, str(write_pdf(tmp_path / "m.pdf", 3)))
    table = shown["value"]
    assert shown["visible"] and list(table.columns) == ["page", "chunk", "text", "label", "score"] and len(table) == 9
    assert sum(figure.data[0].y) == 9 and set(figure.data[0].x) <= set(WORDS)
    assert "**9 chunks** from 3 page(s) of m.pdf" in status
    with open(download, newline="") as f:
        assert len(list(csv.DictReader(f))) == 9


def test_a_scanned_pdf_and_a_missing_upload_are_clear_errors(run_name, tmp_path):
    with pytest.raises(gr.Error, match="no text layer.*OCR"):
        batch_panel.tag_document(run_name, str(write_pdf(tmp_path / "s.pdf", scanned=True)))
    with pytest.raises(gr.Error, match="Upload a PDF first"):
        batch_panel.tag_document(run_name, None)
    with pytest.raises(gr.Error, match="Upload a CSV"):
        batch_panel.label_file(run_name, None, "")


def test_batch_needs_a_classification_or_ner_run(runs_dir, tmp_path):
    with pytest.raises(gr.Error, match="Pick a trained classification or NER run"):
        batch_panel.label_file("no-such-run", str(write_csv(tmp_path / "a.csv", [("x", "y")])), "")


def test_ner_batch_lists_entities_and_counts_types(runs_dir, ner_run, tmp_path):
    shutil.copytree(ner_run[0], runs_dir / ner_run[0].name)
    source = write_csv(tmp_path / "n.csv", [("Maria Lindqvist joined Bluefield Bank in Oslo .",)] * 3,
                       header=("sentence",))
    table, _, status = batch_panel.label_file(ner_run[0].name, str(source), "sentence")
    table = table["value"]
    assert table["entities"][0] and "(" in table["entities"][0] and "Per label:" in status


def test_classification_shows_the_tfidf_baseline_beside_the_fine_tuned_model(run_name, runs_dir):
    label, baseline, entities = playground_tab.show_prediction(run_name, "patient fever surgery clinic")
    assert label["visible"] and baseline["visible"] and not entities["visible"]
    assert max(baseline["value"], key=baseline["value"].get) == "medical" and set(baseline["value"]) == set(WORDS)
    (runs_dir / run_name / "baseline.safetensors").unlink()  # runs from before the baseline was kept
    assert playground_tab.show_prediction(run_name, "patient fever")[1]["visible"] is False


def test_each_run_gets_examples_from_its_own_held_out_data(run_name, runs_dir, ner_run):
    shutil.copytree(ner_run[0], runs_dir / ner_run[0].name)
    for name, words in ((run_name, {w for ws in WORDS.values() for w in ws}), (ner_run[0].name, None)):
        kept = Results.load(RunPaths(runs_dir / name).results).examples
        samples = playground_tab.show_task_controls(name)[2]["samples"]
        assert kept and samples == [[t] for t in kept]  # the run's texts, not the task's stock examples
        if words:  # classification: one per label, each from the keyword vocabulary of this run's data
            assert len(kept) == len(WORDS) and all(set(t.split()) <= words for t in kept)
    results = RunPaths(runs_dir / run_name).results  # a run from before examples were kept: the task's own
    results.write_text(json.dumps({k: v for k, v in json.loads(results.read_text()).items() if k != "examples"}))
    assert playground_tab.show_task_controls(run_name)[2]["samples"][0] == [get_task("classification").examples[0]]
