"""The report's export panel: ONNX with its parity figure, and the Hub push (offline: a clear message)."""
import json
import shutil
import zipfile

import gradio as gr
import pytest

from finetune.runs.folder import RunPaths
from finetune.ui import export_panel
from finetune.ui.followed_run import FollowedRun


def fake_run(root, name, model_dir, task):
    """A run folder holding a saved model, as a finished run leaves it."""
    paths = RunPaths(root / name)
    shutil.copytree(model_dir, paths.model)
    paths.config.write_text(json.dumps({"task": task}))
    return FollowedRun(run_dir=str(paths.root))


def test_onnx_export_of_a_classification_run_shows_the_parity_figure(runs_dir, tiny_model):
    run = fake_run(runs_dir, "20990101-000000-classification-test", tiny_model, "classification")
    archive, message = export_panel.export_to_onnx(run)
    assert message.startswith("Done: ONNX export checked") and "allowed 0.001" in message
    difference = float(message.split("at most ")[1].split(" ")[0])
    assert difference < 1e-3
    assert "model.onnx" in zipfile.ZipFile(archive).namelist() and archive.endswith("-onnx.zip")


def test_onnx_export_of_an_ner_run(runs_dir, ner_run):
    source, _ = ner_run
    run = fake_run(runs_dir, "20990101-000000-ner-test", source / "model", "ner")
    archive, message = export_panel.export_to_onnx(run)
    assert archive and message.startswith("Done:")


def test_onnx_is_declined_for_a_generation_run_and_without_a_model(runs_dir, tiny_model):
    run = fake_run(runs_dir, "20990101-000000-generation-test", tiny_model, "generation")
    archive, message = export_panel.export_to_onnx(run)
    assert archive is None and "Text classification and Named entities (NER) runs" in message
    assert "this one is Text generation" in message
    with pytest.raises(gr.Error, match="No trained model yet"):
        export_panel.export_to_onnx(FollowedRun())


def test_push_offline_says_so_clears_the_token_and_stores_it_nowhere(runs_dir, tiny_model, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    run = fake_run(runs_dir, "20990101-000000-classification-test", tiny_model, "classification")
    message, token_box = export_panel.push_model(run, "me/model", "hf_secret_token", True)
    assert "not reachable" in message and "nothing was uploaded" in message and token_box == ""
    assert "hf_secret_token" not in message
    stored = [p for p in runs_dir.rglob("*") if p.is_file() and b"hf_secret_token" in p.read_bytes()]
    assert stored == []
    message, _ = export_panel.push_model(run, "me/model", "", True)
    assert "Paste a Hugging Face token" in message


def test_onnx_export_of_a_trained_run_puts_int8_beside_it_with_agreement_and_latency(runs_dir, fast_config):
    from finetune.training.engine import train

    train(fast_config, runs_dir / "20990101-000000-classification-int8")
    archive, message = export_panel.export_to_onnx(FollowedRun(run_dir=str(runs_dir / "20990101-000000-classification-int8")))
    assert {"model.onnx", "model.int8.onnx"} <= set(zipfile.ZipFile(archive).namelist())
    assert "labels agree with fp32 on 100.0% of 18 held-out rows" in message and "ms per text" in message


def test_gguf_is_declined_for_a_model_it_cannot_write(runs_dir, tiny_model):
    run = fake_run(runs_dir, "20990101-000000-classification-test", tiny_model, "classification")
    files, message = export_panel.export_to_gguf(run)
    assert files is None and "GGUF export is for" in message
