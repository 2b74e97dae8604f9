"""Spaces mode: limits with SPACE_ID set, the one-run queue, the clean-up, and the demo run."""
import json
import os
import time
from pathlib import Path

import pytest

from finetune.control import processes

from finetune.runs import folder as run_folder
from finetune.hosting import background, run_queue, spaces
from finetune.config import ConfigError, RunConfig
from finetune.runs.events import read_events
from tests.conftest import keyword_rows, write_csv


@pytest.fixture
def on_space(monkeypatch, runs_dir):
    monkeypatch.setenv("SPACE_ID", "someone/fine-tune-studio")
    monkeypatch.delenv("FINETUNE_MAX_RUNS", raising=False)
    monkeypatch.delenv("FINETUNE_TTL_HOURS", raising=False)
    monkeypatch.setenv("FINETUNE_MODEL_DIRS", str(runs_dir.parents[2]))  # the tiny test models' folders
    return runs_dir


def test_space_is_detected_with_one_run_at_a_time_demo_mode_and_a_day_of_keeping(on_space):
    assert spaces.on_spaces() and spaces.demo_mode()
    assert processes.max_runs() == 1
    assert spaces.ttl_seconds() == 24 * 3600
    assert spaces.upload_cache_policy() == (3600, 24 * 3600)
    assert "2,000 training rows" in spaces.limits_markdown() and "one run at a time" in spaces.limits_markdown()


def test_locally_nothing_is_limited_or_deleted(monkeypatch):
    for name in ("SPACE_ID", "FINETUNE_DEMO", "FINETUNE_TTL_HOURS", "FINETUNE_MAX_RUNS"):
        monkeypatch.delenv(name, raising=False)
    assert not spaces.on_spaces() and not spaces.demo_mode()
    assert processes.max_runs() == 2 and spaces.ttl_seconds() == 0 and spaces.upload_cache_policy() is None


def test_epochs_length_and_rows_are_clamped_with_a_note_each(on_space, tmp_path):
    data = write_csv(tmp_path / "big.csv", keyword_rows(per_class=1000))  # 3,000 rows
    config = RunConfig(data_file=str(data), epochs=10.0, max_length=512)
    limited, notes = spaces.apply_limits(config, tmp_path)
    assert (limited.epochs, limited.max_length) == (3.0, 128)
    assert len(notes) == 3 and "3,000 rows" in notes[2]
    sampled = limited.data_file
    assert sampled.startswith(str(tmp_path)) and sum(1 for _ in open(sampled)) == 2001  # header + rows
    within, none = spaces.apply_limits(RunConfig(data_file=str(data), epochs=2.0, max_length=64),
                                       tmp_path, spaces.Limits(max_rows=5000))
    assert none == [] and within.data_file == str(data) and within.epochs == 2.0
    from_data, notes = spaces.apply_limits(RunConfig.from_dict({"task": "ner", "data_file": str(data)}), tmp_path,
                                           spaces.Limits(max_rows=5000))  # epochs 0: up to 10 for a small file
    assert from_data.epochs == 3.0 and notes == ["epochs set to 3 (Space limit) instead of from the data"]


def test_jsonl_rows_are_sampled_by_line_and_generation_blocks_are_capped(on_space, tmp_path):
    data = tmp_path / "ner.jsonl"
    data.write_text("".join(json.dumps({"tokens": ["a", str(i)], "ner_tags": ["O", "O"]}) + "\n" for i in range(50)))
    limited, notes = spaces.apply_limits(RunConfig(task="ner", data_file=str(data)), tmp_path,
                                         spaces.Limits(max_rows=10))
    lines = open(limited.data_file).read().splitlines()
    assert len(lines) == 10 and json.loads(lines[0])["ner_tags"] == ["O", "O"]
    generation, notes = spaces.apply_limits(RunConfig(task="generation", data_file=str(data), block_size=512),
                                            tmp_path, spaces.Limits(max_rows=100))
    assert generation.block_size == 128 and "block_size lowered from 512" in notes[0]


def test_a_model_over_the_size_limit_is_refused(on_space, tiny_model, tmp_path):
    config = RunConfig(model=tiny_model)
    with pytest.raises(ConfigError, match="trains models up to 0M"):
        spaces.apply_limits(config, tmp_path, spaces.Limits(max_parameters=1000))
    assert spaces.apply_limits(config, tmp_path)[0].model == tiny_model  # a tiny model is fine
    with pytest.raises(ConfigError, match="text files up to 0 MB"):
        (tmp_path / "story.txt").write_text("x" * 100)
        spaces.apply_limits(RunConfig(task="generation", data_file=str(tmp_path / "story.txt")), tmp_path,
                            spaces.Limits(max_text_bytes=10))


def test_the_second_run_waits_in_line_and_starts_when_the_slot_frees(on_space, monkeypatch, keyword_csv):
    started, busy = [], []
    monkeypatch.setattr(run_queue, "start_run", lambda config, run_dir, owner=None: started.append(run_dir))
    monkeypatch.setattr(run_queue, "running_runs", lambda: list(busy))
    config = RunConfig(data_file=str(keyword_csv), epochs=5.0)
    first = spaces.submit(config, run_folder.new_run_dir("classification"))
    assert first["position"] == 0 and len(started) == 1
    busy.append(first["run_dir"])
    second = spaces.submit(config, run_folder.new_run_dir("classification"))
    third = spaces.submit(config, run_folder.new_run_dir("classification"))
    assert (second["position"], third["position"]) == (1, 2)
    assert run_queue.advance(third["ticket"]) == 2  # still behind the second
    busy.clear()
    assert run_queue.advance(third["ticket"]) == 2  # the slot is free, but it is the second's turn
    assert run_queue.advance(second["ticket"]) == 0 and started[-1] == run_folder.RunPaths(second["run_dir"]).root
    events, _ = read_events(run_folder.RunPaths(second["run_dir"]).events)
    assert [e["message"] for e in events] == ["epochs lowered from 5 to 3 (Space limit)"]
    busy.append(second["run_dir"])
    assert run_queue.advance(third["ticket"]) == 1


def test_a_waiter_who_leaves_or_stops_polling_drops_out(on_space, monkeypatch, keyword_csv):
    monkeypatch.setattr(run_queue, "start_run", lambda config, run_dir, owner=None: None)
    monkeypatch.setattr(run_queue, "running_runs", lambda: ["busy"])
    config = RunConfig(data_file=str(keyword_csv))
    gone, waiting, last = (spaces.submit(config, run_folder.new_run_dir("classification")) for _ in range(3))
    old = time.time() - run_queue.STALE_S - 1
    os.utime(gone["ticket"], (old, old))
    assert run_queue.advance(waiting["ticket"]) == 1
    run_queue.leave(waiting["ticket"])
    assert run_queue.advance(last["ticket"]) == 1
    with pytest.raises(ConfigError, match="left the queue"):
        run_queue.advance(gone["ticket"])


def test_a_refused_run_leaves_no_folder(on_space, tiny_model, monkeypatch):
    monkeypatch.setattr(spaces, "LIMITS", spaces.Limits(max_parameters=10))
    folder = run_folder.new_run_dir("classification")
    with pytest.raises(ConfigError, match="parameters"):
        spaces.submit(RunConfig(model=tiny_model), folder)
    assert not folder.exists() and not list(run_queue.queue_dir().glob("*.json"))


def test_the_sweep_removes_old_runs_but_not_live_or_demo_ones(runs_dir, monkeypatch):
    old, fresh, live, demo = (runs_dir / n for n in ("old", "fresh", "live", spaces.DEMO_RUN))
    for folder in (old, fresh, live, demo):
        folder.mkdir()
        (folder / "config.json").write_text("{}")
    two_days_ago = time.time() - 48 * 3600
    for folder in (old, live, demo):
        for path in (folder / "config.json", folder):
            os.utime(path, (two_days_ago, two_days_ago))
    monkeypatch.setattr(spaces, "is_alive", lambda folder: folder.name == "live")
    assert spaces.sweep(runs_dir, ttl_s=24 * 3600) == ["old"]
    assert sorted(p.name for p in runs_dir.iterdir()) == sorted(["fresh", "live", spaces.DEMO_RUN])
    assert spaces.sweep(runs_dir, ttl_s=0) == []  # 0 = keep everything


def test_the_demo_run_trains_once_in_the_background(runs_dir, tiny_model):
    folder = background.ensure_demo_run(runs_dir, tiny_model, epochs=1.0, precision="fp32")
    assert folder.name == spaces.DEMO_RUN
    assert background.ensure_demo_run(runs_dir, tiny_model) == folder  # training: not started twice
    deadline = time.time() + 120
    while processes.is_alive(folder) and time.time() < deadline:
        time.sleep(0.5)
    assert processes.run_status(folder).status == "finished", run_folder.log_tail(folder)
    assert background.demo_ready(runs_dir) and folder.name in [p.name for p in run_folder.trained_models(runs_dir)]
    results = json.loads(run_folder.RunPaths(folder).results.read_text())  # the sample where fine-tuning wins
    assert results["train_rows"] == 960 and results["baseline"]["accuracy"] < 0.7
    assert Path(json.loads(run_folder.RunPaths(folder).config.read_text())["data_file"]).name == "negation_reviews.csv"


def test_without_the_smollm2_package_generation_uses_its_hub_original(on_space, tmp_path, monkeypatch):
    from finetune.models import embedded_lm

    def missing():
        raise ConfigError("not installed")

    monkeypatch.setattr(embedded_lm, "gguf_path", missing)
    monkeypatch.setattr(spaces, "_check_model_size", lambda config, limits: None)  # offline: no Hub config
    limited, notes = spaces.apply_limits(RunConfig(task="generation"), tmp_path)
    assert limited.model == spaces.HUB_LM and "not installed here" in notes[0]
    assert spaces.apply_limits(RunConfig(task="classification"), tmp_path)[0].model == ""


def test_on_a_space_a_fitted_max_length_stays_fitted_under_the_cap(on_space, tmp_path, monkeypatch):
    """The Space trains at the length its screens show: the data's fit, capped at the limit (was: the cap)."""
    from finetune.data.token_lengths import LENGTH_CAP_ENV, fitted_length, planned_max_length

    data = write_csv(tmp_path / "d.csv", keyword_rows(per_class=10))
    limited, notes = spaces.apply_limits(RunConfig(data_file=str(data)), tmp_path)
    assert limited.max_length == 0 and not any("max_length" in n for n in notes)
    monkeypatch.setenv(LENGTH_CAP_ENV, "128")
    assert planned_max_length(0, [40] * 50, 512) == 40  # short texts: their own length
    assert planned_max_length(0, [400] * 50, 512) == fitted_length([400] * 50, 512) == 128  # long ones: the cap
    assert planned_max_length(256, [], 512) == 128
