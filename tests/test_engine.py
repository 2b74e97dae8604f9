import json

from finetune.training.engine import train
from finetune.runs.events import read_events
from finetune.services.predictions import predict_texts
from finetune.runs.folder import RunPaths


def test_a_run_writes_model_results_and_events(tmp_path, fast_config):
    results = train(fast_config, tmp_path / "run")
    paths = RunPaths(tmp_path / "run")
    assert results.status == "finished" and results.train_rows == 72 and results.eval_rows == 18
    assert json.loads(paths.results.read_text()) == results.to_json()
    assert set(results.report["per_class"]) == {"financial", "legal", "medical"}
    assert sum(map(sum, results.report["confusion_matrix"]["matrix"])) == 18
    assert results.metrics["accuracy"] >= 0.9  # an easy problem: the tiny model must learn it
    assert (paths.model / "model.safetensors").is_file() and (paths.model / "tokenizer_config.json").is_file()

    events, _ = read_events(paths.events)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "started" and kinds[-1] == "finished" and "eval" in kinds
    log = next(e for e in events if e["event"] == "log")
    assert {"event", "time", "step", "max_steps", "epoch", "loss", "learning_rate"} <= set(log)
    assert log["max_steps"] == 72  # 72 rows / batch 8 = 9 steps x 8 epochs
    eval_steps = [e["step"] for e in events if e["event"] == "eval"]
    assert eval_steps[-1] == 72 and len(eval_steps) == len(set(eval_steps))  # one point per evaluation; the last is the final report
    assert events[-2]["event"] == "stage" and abs(events[-1]["metrics"]["accuracy"] - [
        e for e in events if e["event"] == "eval"][-1]["eval_accuracy"]) < 1e-9


def test_saved_model_answers_with_label_names(tmp_path, fast_config):
    train(fast_config, tmp_path / "run")
    config = json.loads((RunPaths(tmp_path / "run").model / "config.json").read_text())
    assert set(config["id2label"].values()) == {"financial", "legal", "medical"}
    prediction = predict_texts(tmp_path / "run", ["patient surgery fever dose nurse clinic"])[0]
    assert prediction["label"] == "medical"
    assert abs(sum(prediction["scores"].values()) - 1) < 1e-4


def test_stop_file_ends_after_a_step_and_keeps_a_usable_model(tmp_path, fast_config):
    run = tmp_path / "run"
    run.mkdir()
    RunPaths(run).stop.touch()  # asked to stop before the first step ends
    results = train(fast_config.updated(epochs=20.0), run)
    assert results.status == "stopped" and results.steps == 1
    events, _ = read_events(RunPaths(run).events)
    assert events[-1]["event"] == "stopped"
    assert predict_texts(run, ["contract clause"])[0]["label"] in {"financial", "legal", "medical"}


def test_a_failed_run_ends_with_a_failed_event(tmp_path, fast_config):
    import pytest

    from finetune.config import ConfigError

    with pytest.raises(ConfigError, match="No model folder"):
        train(fast_config.updated(model="./no/such/model"), tmp_path / "run")
    events, _ = read_events(RunPaths(tmp_path / "run").events)
    assert events[-1]["event"] == "failed" and "No model folder" in events[-1]["error"]


def test_a_held_out_test_set_gets_the_report_beside_a_baseline(tmp_path, fast_config):
    config = fast_config.updated(test_size=0.2, val_size=0.2, balance="class_weights", drop_duplicates=True)
    results = train(config, tmp_path / "run")
    assert results.report_split == "test" and results.report_rows == 18 and results.eval_rows == 18
    assert results.train_rows == 54 and sum(map(sum, results.report["confusion_matrix"]["matrix"])) == 18
    assert 0 <= results.baseline["accuracy"] <= 1 and results.baseline["train_rows"] == 54
    saved = json.loads(RunPaths(tmp_path / "run").config.read_text())
    assert saved["balance"] == "class_weights" and saved["drop_duplicates"] is True
    assert any("class weights" in note for note in results.notes)


def test_resume_continues_a_stopped_run_from_its_checkpoint(tmp_path, fast_config):
    from finetune.training.engine import resume

    run = tmp_path / "run"
    run.mkdir()
    RunPaths(run).stop.touch()
    stopped = train(fast_config.updated(checkpoint_every_eval=False), run)
    assert stopped.status == "stopped" and (RunPaths(run).checkpoints / "checkpoint-1").is_dir()
    results = resume(run)
    assert results.status == "finished" and results.steps == results.max_steps == 72
    events, _ = read_events(RunPaths(run).events)
    restart = max(i for i, e in enumerate(events) if e["event"] == "started")
    assert events[restart]["resumed_from"] == "checkpoint-1"
    assert min(e["step"] for e in events[restart:] if e["event"] == "log") > 1  # counting went on, not over
    assert results.duration_s > 0 and "## Results on the validation set" in RunPaths(run).model_card.read_text()
    assert not RunPaths(run).checkpoints.exists()  # finished: nothing left to resume, the disk is freed


def test_a_finished_run_cannot_be_resumed(tmp_path, fast_config):
    import pytest

    from finetune.config import ConfigError
    from finetune.training.engine import resume

    train(fast_config.updated(epochs=1.0), tmp_path / "run")
    with pytest.raises(ConfigError, match="already finished"):
        resume(tmp_path / "run")


def test_early_stopping_ends_when_the_metric_stops_improving(tmp_path, fast_config):
    config = fast_config.updated(epochs=30.0, eval_steps=9, early_stopping=True, early_stopping_patience=3)
    results = train(config, tmp_path / "run")
    assert results.status == "finished" and results.early_stopped
    assert results.steps < results.max_steps and results.metrics["macro_f1"] >= 0.9


def test_out_of_memory_fails_with_advice(tmp_path, fast_config, monkeypatch):
    import pytest
    from transformers import Trainer

    from finetune.config import ConfigError

    def out_of_memory(*args, **kwargs):
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(Trainer, "train", out_of_memory)
    with pytest.raises(ConfigError, match="Out of memory"):
        train(fast_config, tmp_path / "run")
    events, _ = read_events(RunPaths(tmp_path / "run").events)
    assert events[-1]["event"] == "failed" and "gradient accumulation 2" in events[-1]["error"]


def test_tensorboard_logs_into_the_run_folder(tmp_path, fast_config, monkeypatch):
    monkeypatch.delenv("TENSORBOARD_LOGGING_DIR", raising=False)
    train(fast_config.updated(epochs=1.0, tensorboard=True), tmp_path / "run")
    assert list(RunPaths(tmp_path / "run").tensorboard.glob("events.out.tfevents.*"))


def test_resume_skips_a_checkpoint_cut_off_mid_save(tmp_path):
    from finetune.training.engine import _complete_checkpoint

    paths = RunPaths(tmp_path)
    for step, complete in ((9, True), (18, True), (27, False)):  # killed while writing checkpoint-27
        (paths.checkpoints / f"checkpoint-{step}").mkdir(parents=True)
        if complete:
            (paths.checkpoints / f"checkpoint-{step}" / "trainer_state.json").write_text("{}")
    assert _complete_checkpoint(paths).endswith("checkpoint-18")


def test_checkpoints_are_spaced_by_time_and_a_stop_still_writes_one(tmp_path, fast_config, monkeypatch):
    from transformers import Trainer

    from finetune.training.engine import resume

    saved_at = []
    save = Trainer._save_checkpoint
    monkeypatch.setattr(Trainer, "_save_checkpoint",
                        lambda self, *a, **k: saved_at.append(self.state.global_step) or save(self, *a, **k))
    every_eval = fast_config.updated(epochs=3.0, eval_steps=9)  # evaluations at steps 9 and 18 (27 is the end)
    train(every_eval, tmp_path / "every")
    assert saved_at == [9, 18]
    saved_at.clear()
    spaced = every_eval.updated(checkpoint_minutes=5.0)  # a few seconds of training: no save is due
    results = train(spaced, tmp_path / "spaced")
    assert saved_at == [] and results.status == "finished"
    events, _ = read_events(RunPaths(tmp_path / "spaced").events)
    assert [e["step"] for e in events if e["event"] == "eval"][-3:] == [9, 18, 27]  # evaluations go on
    run = tmp_path / "stopped"
    run.mkdir()
    RunPaths(run).stop.touch()
    assert train(spaced, run).status == "stopped" and saved_at == [1]  # Stop's checkpoint is never held back
    assert resume(run).status == "finished"


def test_live_evaluations_score_a_fixed_sample_and_the_end_scores_all(tmp_path, fast_config):
    from datasets import Dataset

    from finetune.training.trainer_setup import live_eval_set

    validation = Dataset.from_dict({"x": list(range(100))})
    sample = live_eval_set(validation, fast_config.updated(live_eval_rows=10))
    assert len(sample) == 10 and sample["x"] == live_eval_set(validation, fast_config.updated(live_eval_rows=10))["x"]
    assert len(live_eval_set(validation, fast_config.updated(live_eval_rows=0))) == 100
    # 3 evaluations of 400 trained rows: 40 rows each cost ~10% of training (a forward pass ~1/3 of a step)
    assert len(live_eval_set(validation, fast_config.updated(live_eval_rows=256), 400, evaluations=3)) == 20
    assert len(live_eval_set(validation, fast_config.updated(live_eval_rows=256), 20, evaluations=3)) == 16
    results = train(fast_config.updated(live_eval_rows=5, epochs=2.0), tmp_path / "run")
    assert results.eval_rows == 18 and sum(map(sum, results.report["confusion_matrix"]["matrix"])) == 18


def test_final_predictions_are_scored_sorted_by_length_and_given_back_in_row_order():
    import numpy as np
    from datasets import Dataset
    from transformers.trainer_utils import PredictionOutput

    from finetune.training.fine_tune import predict_by_length

    scored = []

    class Trainer:  # answers each row with its own length, in the order it was given the rows
        def predict(self, dataset, metric_key_prefix):
            lengths = np.array([len(ids) for ids in dataset["input_ids"]])
            scored.append(lengths.tolist())
            return PredictionOutput(predictions=(lengths[:, None] * np.ones((1, 2)), lengths), label_ids=lengths,
                                    metrics={f"{metric_key_prefix}_f1": 0.5})

    rows = Dataset.from_dict({"input_ids": [[1] * n for n in (5, 1, 3, 2)]})
    prediction = predict_by_length(Trainer(), rows, "test")
    assert scored == [[1, 2, 3, 5]]  # one pass, the shortest rows batched together
    assert prediction.label_ids.tolist() == [5, 1, 3, 2]
    assert prediction.predictions[0][:, 0].tolist() == [5, 1, 3, 2] and prediction.predictions[1].tolist() == [5, 1, 3, 2]
    assert prediction.metrics == {"test_f1": 0.5}


def test_the_same_seed_trains_the_same_model_whatever_ran_before_in_the_process(tmp_path, fast_config):
    """The head starts from the run's seed, not from whatever the process drew before (the estimate's speed
    measurement seeds and draws when its cache lacks a shape)."""
    import torch
    from safetensors.torch import load_file

    train(fast_config, tmp_path / "first")
    torch.manual_seed(1234)
    torch.rand(1000)
    train(fast_config, tmp_path / "second")
    first, second = (load_file(tmp_path / name / "model" / "model.safetensors") for name in ("first", "second"))
    assert first.keys() == second.keys() and all(torch.equal(first[k], second[k]) for k in first)
