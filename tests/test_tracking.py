"""Trackers a run also logs to: offline into the run folder, a clear error when a package or login is missing."""
import importlib.util
import os

import pytest

from finetune.training.arguments import training_arguments
from finetune.config import ConfigError, RunConfig
from finetune.training.tracking import TRACKERS, prepare_tracking


@pytest.fixture
def installed(monkeypatch):
    """Pretend only the named packages are installed (find_spec is what the check and transformers ask)."""
    real = importlib.util.find_spec

    def only(*names):
        watched = {p for t in TRACKERS.values() for p in t.packages}
        monkeypatch.setattr(importlib.util, "find_spec",
                            lambda name, *a: (object() if name in names else None) if name in watched
                            else real(name, *a))
    for key in ("TENSORBOARD_LOGGING_DIR", "TRACKIO_DIR", "WANDB_MODE", "WANDB_DIR", "MLFLOW_TRACKING_URI",
                "WANDB_API_KEY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NETRC", "/nonexistent/netrc")
    return only


@pytest.mark.parametrize("name, package", [("tensorboard", "tensorboard"), ("trackio", "trackio"),
                                           ("wandb", "wandb"), ("mlflow", "mlflow")])
def test_a_tracker_that_is_not_installed_is_a_clear_error(tmp_path, installed, name, package):
    installed()
    with pytest.raises(ConfigError, match=f"Logging to {name} is chosen \\(report_to\\) but {package} is not "
                                          f"installed: pip install {package}, or take {name} out of report_to."):
        prepare_tracking([name], tmp_path)


def test_every_tracker_logs_into_the_run_folder_and_wandb_offline(tmp_path, installed, monkeypatch):
    installed("tensorboardX", "trackio", "wandb", "mlflow")
    settings = prepare_tracking(["tensorboard", "trackio", "wandb", "mlflow"], tmp_path / "run")
    run = (tmp_path / "run").resolve()
    assert settings["TENSORBOARD_LOGGING_DIR"] == str(run / "tensorboard")
    assert settings["TRACKIO_DIR"] == str(run / "trackio")
    assert (settings["WANDB_MODE"], settings["WANDB_DIR"]) == ("offline", str(run / "wandb"))
    assert settings["MLFLOW_TRACKING_URI"] == (run / "mlruns").as_uri()
    assert os.environ["MLFLOW_TRACKING_URI"] == settings["MLFLOW_TRACKING_URI"]
    # the next run (a sweep's next trial) logs into its own folder, not the last one's
    assert prepare_tracking(["mlflow"], tmp_path / "next")["MLFLOW_TRACKING_URI"].endswith("/next/mlruns")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow.example:5000")  # the user's own server is kept
    assert prepare_tracking(["mlflow"], tmp_path / "third")["MLFLOW_TRACKING_URI"] == "http://mlflow.example:5000"


def test_wandb_online_without_a_login_is_a_clear_error(tmp_path, installed, monkeypatch):
    installed("wandb")
    monkeypatch.setenv("WANDB_MODE", "online")
    with pytest.raises(ConfigError, match="W&B is set to log online \\(WANDB_MODE=online\\) but there is no login"):
        prepare_tracking(["wandb"], tmp_path)
    monkeypatch.setenv("WANDB_API_KEY", "x" * 40)
    assert prepare_tracking(["wandb"], tmp_path)["WANDB_MODE"] == "online"


def test_report_to_takes_a_list_of_known_trackers(tmp_path):
    config = RunConfig(report_to="tensorboard, mlflow")
    args = training_arguments(config, tmp_path, steps_per_epoch=10, use_bf16=False)
    assert args.report_to == ["tensorboard", "mlflow"]
    assert RunConfig.from_dict({"report_to": ["wandb", "trackio"]}).report_to == "wandb,trackio"  # the UI's list
    with pytest.raises(ConfigError, match="report_to takes tensorboard, trackio, wandb, mlflow \\(comma-separated\\); "
                                          "got 'comet'"):
        RunConfig(report_to="comet")


def test_old_config_files_with_tensorboard_true_still_load():
    assert RunConfig.from_dict({"tensorboard": True}).report_to == "tensorboard"
    assert RunConfig.from_dict({"tensorboard": "true", "report_to": "mlflow"}).report_to == "tensorboard,mlflow"
    assert RunConfig.from_dict({"tensorboard": False}).report_to == ""
