"""The Ray Tune backend on a local Ray instance (skipped where Ray is not installed: it is optional)."""
import pytest

from finetune.config import ConfigError
from finetune.sweeps.search_space import Param
from finetune.sweeps.launch import check_ray
from finetune.sweeps.record import FINISHED


def test_ray_needs_an_address(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object() if name == "ray" else real(name, *a))
    with pytest.raises(ConfigError, match="--backend ray needs --ray-address: the cluster"):
        check_ray("")


def test_ray_missing_is_a_clear_error(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a))
    with pytest.raises(ConfigError, match=r"--backend ray needs Ray Tune: pip install 'ray\[tune\]'"):
        check_ray("local")


@pytest.mark.slow
def test_a_local_ray_search_writes_trial_folders(tmp_path, fast_config):
    pytest.importorskip("ray.tune")
    from finetune.sweeps.ray_search import run_ray_sweep

    space = {"learning_rate": Param("learning_rate", 1e-3, 5e-3, log=True)}
    sweep = run_ray_sweep(fast_config.updated(epochs=2.0), tmp_path / "sweep", trials=2, budget_minutes=2,
                          space=space, address="local")
    assert sweep.status == FINISHED and len(sweep.trials) == 2
    for trial in sweep.trials:
        assert (tmp_path / "sweep" / trial.run / "results.json").is_file(), trial
    assert sweep.best is not None
