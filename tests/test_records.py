"""The records that cross modules: results.json as written today and by older versions, run status, config."""
import json

import pytest

from finetune.config import ConfigError, RunConfig
from finetune.runs.atomic import write_atomic
from finetune.runs.records import Results, RunStatus
from finetune.tasks import get_task
from finetune.runs.folder import RunPaths
from finetune.config import load_run_config
from finetune.control.processes import run_status
from finetune.control.summary import run_summary
from finetune.runs.events import FAILED, FINISHED, STARTED, EventWriter

# results.json of each task as engine.train writes it today (values shortened)
COMMON = {"model": "m", "train_rows": 72, "eval_rows": 18, "report_split": "validation", "report_rows": 18,
          "baseline": None, "train_runtime_s": 3.2, "duration_s": 9.5, "status": "finished", "steps": 18,
          "max_steps": 18, "early_stopped": False, "max_length": 32, "precision": "fp32", "device": "CPU",
          "notes": ["Text column 'text'."], "main_metric": "accuracy"}
TODAY = {
    "classification": {"task": "classification", **COMMON, "baseline": {"accuracy": 0.7}, "metrics": {"accuracy": 0.9},
                       "per_class": {"a": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 3}},
                       "confusion_matrix": {"labels": ["a"], "matrix": [[3]]},
                       "mistakes": [{"text": "t", "label": "a", "predicted": "b", "score": 0.9}]},
    "ner": {"task": "ner", **COMMON, "metrics": {"f1": 0.5}, "per_type": {"PER": {"f1": 0.5}},
            "confusion_matrix": {"labels": ["PER", "O"], "matrix": [[1, 0], [0, 1]], "confused": []},
            "error_sentences": [{"text": "Ana", "gold": [], "predicted": []}]},
    "generation": {"task": "generation", **COMMON, "metrics": {"perplexity": 3.0, "base_perplexity": 9.0},
                   "eval_tokens": 640},
}


OWN_KEYS = {"classification": {"per_class", "confusion_matrix", "mistakes"},
            "ner": {"per_type", "confusion_matrix", "error_sentences"}, "generation": {"eval_tokens"}}


@pytest.mark.parametrize("task", list(TODAY))
def test_each_tasks_results_file_round_trips_unchanged(task, tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(TODAY[task], indent=2) + "\n")
    results = Results.load(path)
    assert results.to_json() == TODAY[task] and set(results.report) == OWN_KEYS[task]  # the task's keys, its payload
    results.save(tmp_path / "again.json")
    assert json.loads((tmp_path / "again.json").read_text()) == TODAY[task]


def test_an_old_results_file_loads_with_defaults_and_keeps_unknown_keys():
    old = {"status": "finished", "steps": 5, "metrics": {"accuracy": 0.8}, "train_runtime_s": 2.0, "later": [1]}
    results = Results.from_json(old)
    assert results.planned_steps == 5 and results.elapsed_s == 2.0 and results.notes == []
    assert get_task(results.task).part_scores(results) == {} and results.main_key() == "accuracy"
    assert results.report == {"later": [1]} and results.to_json()["later"] == [1]


def test_a_results_file_from_before_the_payload_is_read_by_its_task():
    """results.json keeps each task's keys at its top level, as before: the task's view reads them there."""
    classification = Results.from_json(TODAY["classification"])
    view = get_task("classification").results_view(classification)
    assert view.scores["label"].tolist() == ["a"] and view.matrix == {"labels": ["a"], "matrix": [[3]]}
    assert view.mistakes["predicted"].tolist() == ["b"]
    ner = get_task("ner").results_view(Results.from_json(TODAY["ner"]))
    assert ner.scores["label"].tolist() == ["PER"] and ner.mistakes["label"].tolist() == ["none"]
    assert get_task("generation").against(Results.from_json(TODAY["generation"])).scores == {"perplexity": 9.0}


def fake_run(folder, *events, results=None):
    paths = RunPaths(folder)
    paths.root.mkdir()
    RunConfig(data_file="x.csv").save(paths.config)
    writer = EventWriter(paths.events)
    for event, fields in events:
        writer.write(event, **fields)
    if results:
        paths.results.write_text(json.dumps(results))
    return paths.root


def test_run_status_is_a_record_with_results_or_the_error(tmp_path):
    done = fake_run(tmp_path / "done", (STARTED, {"pid": 0}), (FINISHED, {}), results=TODAY["classification"])
    status = run_status(done)
    assert status == RunStatus("finished", results=Results.from_json(TODAY["classification"]))
    assert status.to_json() == {"status": "finished", "results": TODAY["classification"]}
    failed = run_status(fake_run(tmp_path / "failed", (STARTED, {"pid": 0}), (FAILED, {"error": "no data"})))
    assert failed == RunStatus("failed", error="no data")
    assert failed.to_json() == {"status": "failed", "error": "no data"}


def test_run_summary_reads_the_records(tmp_path):
    run = fake_run(tmp_path / "20260101-000000-classification-aaaa", (STARTED, {"pid": 0}), (FINISHED, {}),
                   results=TODAY["classification"])
    summary = run_summary(run)
    assert (summary.name, summary.task, summary.status, summary.metric, summary.value, summary.steps) == \
        ("20260101-000000-classification-aaaa", "classification", "finished", "accuracy", 0.9, 18)
    assert summary.model == "all-MiniLM-L6-v2"


def test_load_run_config_ignores_unknown_keys_and_names_an_unreadable_file(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    RunPaths(folder).config.write_text(json.dumps({"task": "ner", "epochs": 2.0, "removed_setting": True}))
    config = load_run_config(folder)
    assert config.task == "ner" and config.epochs == 2.0
    RunPaths(folder).config.write_text("{")
    with pytest.raises(ConfigError, match="Cannot read the config file"):
        load_run_config(folder)


def test_a_generation_run_lists_its_own_model_and_perplexity(tmp_path):
    """Issue 19: it listed all-MiniLM-L6-v2 (the classification default) and no metric."""
    run = fake_run(tmp_path / "20260101-000000-generation-aaaa", (STARTED, {"pid": 0}), (FINISHED, {}))
    RunConfig(task="generation", data_file="x.txt").save(RunPaths(run).config)
    RunPaths(run).results.write_text(json.dumps({**TODAY["generation"], "main_metric": "eval_loss"}))
    summary = run_summary(run)
    assert "SmolLM2" in summary.model and (summary.metric, summary.value) == ("perplexity", 3.0)


def test_a_saved_config_replaces_the_file_whole(tmp_path):
    """A torchrun rank read config.json at resume while rank 0 rewrote it in place, and got an empty file. A
    reader that opened the file before a save keeps reading the old, whole file; nothing partial is left."""
    path = tmp_path / "config.json"
    RunConfig(epochs=1.0).save(path)
    with open(path) as reader:
        RunConfig(epochs=2.0).save(path)
        assert json.loads(reader.read())["epochs"] == 1.0  # written in place, this would read the new or a cut file
    assert RunConfig.load(path).epochs == 2.0
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "results.json"
    write_atomic(path, "old")
    monkeypatch.setattr("os.replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        write_atomic(path, "new")
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["results.json"]
