"""What one visitor may use on a Space: clamped checkpoints, one run and one ticket each, a disk share, a
time budget per run, a row sample that keeps every class, capped batches and prompts; and what reaches a
run's process, the model box, the zip and the CSV."""
import json
import subprocess
import time

import gradio as gr
import pandas as pd
import pytest

from finetune.control import processes

from finetune.runs import folder as run_folder

from finetune.services import export
from finetune.control import warm_pool as warm
from finetune.config import ConfigError, RunConfig
from finetune.runs.events import HEALTH, read_events
from finetune.hosting import background, owners, run_queue, spaces
from finetune.models.catalog import resolve_model
from finetune.services.predictions import write_csv
from tests.conftest import keyword_rows, write_csv as write_rows


@pytest.fixture
def on_space(monkeypatch, runs_dir):
    monkeypatch.setenv("SPACE_ID", "someone/fine-tune-studio")
    monkeypatch.delenv("FINETUNE_MAX_RUNS", raising=False)
    return runs_dir


def test_checkpoint_limit_and_eval_steps_are_clamped_with_a_note(on_space, tmp_path):
    data = write_rows(tmp_path / "d.csv", keyword_rows(5))
    config, notes = spaces.apply_limits(RunConfig(data_file=str(data), checkpoint_limit=100, eval_steps=1), tmp_path)
    assert config.checkpoint_limit == spaces.LIMITS.max_checkpoints and config.eval_steps == 0
    assert any("checkpoint_limit lowered from 100 to 2" in n for n in notes)
    assert any("eval_steps 1 replaced" in n for n in notes)


def test_the_row_sample_keeps_every_class_usable(on_space, tmp_path):
    rows = [(f"common text {i}", "common") for i in range(5000)] + [(f"rare text {i}", "rare") for i in range(12)]
    data = write_rows(tmp_path / "d.csv", rows)
    config, notes = spaces.apply_limits(RunConfig(data_file=str(data), label_column="label"), tmp_path)
    sampled = pd.read_csv(config.data_file)
    assert len(sampled) == spaces.LIMITS.max_rows
    assert (sampled["label"] == "rare").sum() >= spaces.LIMITS.min_rows_per_class  # 12 * 2000/5012 would be ~5


def test_more_classes_than_the_sample_can_keep_is_refused_before_queueing(on_space, tmp_path):
    rows = [(f"text {i}", f"class {i % 300}") for i in range(6000)]
    data = write_rows(tmp_path / "d.csv", rows)
    with pytest.raises(ConfigError, match="300 classes need 3,000 rows to keep 10 of each"):
        spaces.apply_limits(RunConfig(data_file=str(data), label_column="label"), tmp_path)


def test_a_visitor_over_their_disk_share_cannot_start_another_run(on_space):
    folder = run_folder.new_run_dir("classification")
    RunConfig(data_file="x.csv").save(run_folder.RunPaths(folder).config)
    owners.record_owner(folder, "v:a")
    (folder / "big.bin").write_bytes(b"0" * 2048)
    small = spaces.Limits(disk_per_visitor=1024)
    with pytest.raises(ConfigError, match="Your runs use 0.0 GB of this Space's disk"):
        spaces.check_disk("v:a", limits=small)
    spaces.check_disk("v:b", limits=small)  # another visitor's runs do not count against B


def test_one_ticket_and_one_run_per_visitor(on_space, monkeypatch):
    monkeypatch.setattr(run_queue, "running_runs", lambda: [])
    config = RunConfig(data_file="x.csv")
    run_queue.enqueue(config, run_folder.new_run_dir("classification"), [], owner="v:a")
    with pytest.raises(ConfigError, match="already have a run training or waiting"):
        run_queue.enqueue(config, run_folder.new_run_dir("classification"), [], owner="v:a")  # a second tab
    run_queue.enqueue(config, run_folder.new_run_dir("classification"), [], owner="v:b")
    mine = run_folder.new_run_dir("classification")
    owners.record_owner(mine, "v:c")
    monkeypatch.setattr(processes, "running_runs", lambda: [str(mine)])
    with pytest.raises(ConfigError, match="one run per visitor"):
        processes.check_capacity(owners.one_run_each("v:c"))


def test_a_run_alive_from_before_a_restart_counts_against_the_cap(runs_dir):
    folder = run_folder.new_run_dir("classification")
    RunConfig(data_file="x.csv").save(run_folder.RunPaths(folder).config)
    process = subprocess.Popen(["sleep", "60"])
    try:
        run_folder.RunPaths(folder).pid.write_text(f"{process.pid} {processes._start_time(process.pid)}")
        assert str(folder) in processes.running_runs()  # not started by this process: found from its pid file
    finally:
        process.kill()
        process.wait()
    assert str(folder) not in processes.running_runs()


def test_the_time_budget_stops_the_run_with_a_usable_model_and_says_why(runs_dir, fast_config):
    from finetune.training import engine

    folder = run_folder.new_run_dir("classification")
    (folder / "limits.json").write_text(json.dumps({"max_train_seconds": 0.001}))
    results = engine.train(fast_config, folder)
    assert results.status == "stopped" and results.steps < results.planned_steps
    assert (run_folder.RunPaths(folder).model / "config.json").is_file()
    assert not (run_folder.RunPaths(folder).model / "training_args.bin").exists()  # no pickle in the shared model
    assert not (folder / "model.saving").exists()
    notes = [e["message"] for e in read_events(run_folder.RunPaths(folder).events)[0] if e["event"] == HEALTH]
    assert any("Space's limit per run" in n for n in notes)


def test_a_submitted_space_run_carries_its_time_budget(on_space, monkeypatch, tmp_path):
    monkeypatch.setattr(run_queue, "running_runs", lambda: ["busy"])
    data = write_rows(tmp_path / "d.csv", keyword_rows(5))
    order = spaces.submit(RunConfig(data_file=str(data)), run_folder.new_run_dir("classification"), owner="v:a")
    limits = json.loads((tmp_path.parent / order["run_dir"] / "limits.json").read_text())
    assert limits == {"max_train_seconds": spaces.LIMITS.max_train_minutes * 60}


def test_run_processes_get_no_secrets(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("FINETUNE_SECRET", "signing")
    monkeypatch.setenv("FINETUNE_RUNS_DIR", "/somewhere")
    env = warm.launch_env()
    assert "HF_TOKEN" not in env and "OPENAI_API_KEY" not in env and "FINETUNE_SECRET" not in env
    assert env["FINETUNE_RUNS_DIR"] == "/somewhere" and env["PATH"] and env["TOKENIZERS_PARALLELISM"] == "false"


def test_on_a_space_the_model_box_takes_no_server_path(on_space, tiny_model, monkeypatch):
    monkeypatch.delenv("FINETUNE_MODEL_DIRS", raising=False)
    for choice in (tiny_model, str(on_space), "/etc", "/no/such/folder", "../x", "~/models"):
        with pytest.raises(ConfigError, match="server folders are not offered here"):
            resolve_model(choice)
    import huggingface_hub

    fetched = []  # a Hub id is taken from the Hub cache (its snapshot folder), never read as a relative folder
    monkeypatch.setattr(huggingface_hub, "snapshot_download", lambda repo, **k: fetched.append(repo) or "/cache/x")
    assert resolve_model("distilbert/distilbert-base-uncased") == "/cache/x" and fetched == ["distilbert/distilbert-base-uncased"]
    monkeypatch.setenv("FINETUNE_MODEL_DIRS", str(tiny_model))  # the Space owner's own model folders
    assert resolve_model(tiny_model) == tiny_model


def test_the_model_zip_leaves_the_training_args_pickle_out(runs_dir, tiny_model):
    import shutil
    import zipfile

    folder = run_folder.new_run_dir("classification")
    shutil.copytree(tiny_model, run_folder.RunPaths(folder).model)
    (run_folder.RunPaths(folder).model / "training_args.bin").write_bytes(b"pickle")
    names = zipfile.ZipFile(export.zip_model(folder)).namelist()
    assert "config.json" in names and "training_args.bin" not in names


def test_csv_headers_are_neutralised_too(tmp_path):
    frame = pd.DataFrame({"=HYPERLINK(\"http://x\")": ["=1+1"], "text": ["fine"]})
    written = (write_csv(frame, tmp_path / "p.csv")).read_text()
    assert written.splitlines()[0].startswith("\"'=HYPERLINK") and "'=1+1" in written


def test_batch_rows_are_capped_on_a_space_and_the_status_says_so(on_space, monkeypatch, tmp_path):
    from finetune.ui import batch_panel

    frame = pd.DataFrame({"text": ["a"] * 3})
    frame.attrs["rows_in_file"] = 9000
    assert "Only the first 3 of 9,000 rows were labelled" in batch_panel._capped(frame, "rows")
    assert batch_panel.max_rows() == batch_panel.SPACE_MAX_ROWS
    monkeypatch.delenv("SPACE_ID")
    assert batch_panel.max_rows() == 0


def test_batch_download_folders_are_removed_once_old(tmp_path, monkeypatch):
    from finetune.ui import batch_panel

    monkeypatch.setattr(batch_panel, "DOWNLOADS", tmp_path / "downloads")
    first = batch_panel._download(pd.DataFrame({"text": ["a"]}), "a.csv")
    old = time.time() - batch_panel.KEEP_S - 5
    import os

    os.utime(os.path.dirname(first), (old, old))
    batch_panel._download(pd.DataFrame({"text": ["b"]}), "b.csv")
    assert not os.path.exists(first) and len(list((tmp_path / "downloads").iterdir())) == 1


def test_a_long_generation_prompt_is_refused(runs_dir, monkeypatch):
    from finetune.ui import generation_playground

    monkeypatch.setattr(generation_playground, "run_task", lambda name, token=None: "generation")
    with pytest.raises(gr.Error, match="takes up to 4,000"):
        next(generation_playground.generate_side_by_side("r", "x" * 5000, 8, 0.7, 0.9))


def test_the_clean_up_survives_an_error(monkeypatch, capsys):
    def broken(root=None):
        raise OSError("disk gone")

    monkeypatch.setattr(spaces, "sweep", broken)
    assert spaces.sweep_safely() == [] and "clean-up of old runs failed this time (OSError: disk gone)" in \
        capsys.readouterr().out


def test_user_text_renders_as_text_not_as_links_or_images():
    from finetune.ui.messages import as_text
    from finetune.ui.report import plain_links

    assert "](" not in as_text("![x](http://tracker/a.png)").replace("&#93;(", "")
    card = plain_links("labels: ![x](http://tracker/a.png), [win](http://evil), <img src=x onerror=alert(1)>")
    assert "![" not in card and "](" not in card and "<img" not in card
    assert "x (image: http://tracker/a.png)" in card and "win (http://evil)" in card


def test_the_limits_line_names_the_per_visitor_limits(on_space):
    line = spaces.limits_markdown()
    assert "one per visitor, 20 minutes of training per run" in line and "deleted after 24 h" in line
    assert "{" not in line  # every figure filled in


def test_a_space_caps_rows_read_and_the_check_says_so(on_space, tmp_path, monkeypatch):
    from finetune.tasks.classification_check import check_file

    monkeypatch.setenv("FINETUNE_MAX_READ_ROWS", "")  # recorded, so the value start-up sets is undone
    monkeypatch.delenv("FINETUNE_MAX_READ_ROWS")
    monkeypatch.setenv("FINETUNE_MAX_LENGTH_CAP", "")  # and the length ceiling it sets
    monkeypatch.delenv("FINETUNE_MAX_LENGTH_CAP")
    monkeypatch.setenv("FINETUNE_TTL_HOURS", "0")  # no clean-up thread
    monkeypatch.setattr(background, "ensure_demo_run", lambda *a, **k: None)
    monkeypatch.setattr(spaces, "LIMITS", spaces.Limits(max_read_rows=100))
    background.start_background()
    data = write_rows(tmp_path / "d.csv", keyword_rows(50))  # 150 rows
    report = check_file(RunConfig(data_file=str(data), text_column="text", label_column="label"))
    assert report.rows == 100
    assert any(w.code == "rows_capped" and "Only the first 100 rows were read (this Space's limit)" in w.message
               for w in report.warnings)


def test_validation_and_test_files_over_the_limit_are_sampled_with_a_note(on_space, tmp_path):
    train = write_rows(tmp_path / "train.csv", keyword_rows(10))
    evaluation = write_rows(tmp_path / "eval.csv", keyword_rows(100, seed=1))  # 300 rows
    test = write_rows(tmp_path / "test-rows.csv", keyword_rows(100, seed=2))
    pd.read_csv(test).to_excel(tmp_path / "test.xlsx", index=False)
    limits = spaces.Limits(max_rows=60, max_read_rows=250, min_rows_per_class=5)
    config = RunConfig(data_file=str(train), eval_file=str(evaluation), test_file=str(tmp_path / "test.xlsx"),
                       label_column="label", text_column="text")
    limited, notes = spaces.apply_limits(config, tmp_path, limits)
    assert limited.data_file == str(train)  # 30 rows: within the limit
    for setting in ("eval_file", "test_file"):
        sampled = pd.read_csv(getattr(limited, setting))
        assert len(sampled) == 60 and set(sampled["label"]) == {r[1] for r in keyword_rows(1)}
    assert limited.eval_file != limited.test_file
    assert "validated on 60 of the first 250 rows read (the file has more), sampled at random (Space limit)" in notes
    assert "tested on 60 of the first 250 rows read (the file has more), sampled at random (Space limit)" in notes
    again, _ = spaces.apply_limits(config, tmp_path, limits)
    assert pd.read_csv(again.eval_file).equals(pd.read_csv(limited.eval_file))  # seeded: the same sample
