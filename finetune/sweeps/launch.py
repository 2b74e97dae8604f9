"""Start a settings search: in this process (`python -m finetune tune`, what `tune()` runs), or as its own
process for the UI (`start_sweep`), which then follows SWEEP_DIR/sweep.json and the trial folders."""
from __future__ import annotations

import importlib.util
import time
from pathlib import Path

from ..config import ConfigError, RunConfig
from .search_space import parse_names
from .record import sweep_file

BASE_CONFIG = "base_config.json"  # the fixed settings, in the sweep folder (not config.json: it is no run)
MAX_TRIALS = 100


def check_options(trials: int, budget_minutes: float) -> None:
    if not 1 <= trials <= MAX_TRIALS:
        raise ConfigError(f"trials must be between 1 and {MAX_TRIALS}; got {trials}.")
    if not 0 < budget_minutes <= 24 * 60:
        raise ConfigError(f"The budget must be more than 0 and at most 1440 minutes (a day); got {budget_minutes}.")


def tune(base: RunConfig, sweep_dir, *, trials: int = 6, budget_minutes: float = 10.0, space: str | list = "",
         backend: str = "optuna", ray_address: str = "", started: float | None = None) -> dict:
    """Run the search here and return sweep.json's content; the budget counts from `started` (default: now)."""
    started = started or time.time()
    check_options(trials, budget_minutes)
    if backend == "ray":
        check_ray(ray_address)
    root = Path(sweep_dir)
    if sweep_file(root).is_file():
        raise ConfigError(f"{root} already holds a search (sweep.json); choose a new --output folder.")
    root.mkdir(parents=True, exist_ok=True)
    base.save(root / BASE_CONFIG)
    from .search import plan_space, run_sweep

    ranges = plan_space(base, parse_names(space))
    if backend == "ray":
        from .ray_search import run_ray_sweep

        sweep = run_ray_sweep(base, root, trials=trials, budget_minutes=budget_minutes, space=ranges,
                              address=ray_address)
    else:
        sweep = run_sweep(base, root, trials=trials, budget_minutes=budget_minutes, space=ranges, started=started)
    return sweep.to_json()


def check_ray(address: str) -> None:
    if importlib.util.find_spec("ray") is None:
        raise ConfigError("--backend ray needs Ray Tune: pip install 'ray[tune]', or leave --backend at optuna.")
    if not address:
        raise ConfigError("--backend ray needs --ray-address: the cluster (ray://HOST:10001, or auto for the one "
                          "`ray start` runs here), or local to start one on this machine.")


def start_sweep(base: RunConfig, sweep_dir, *, trials: int, budget_minutes: float, space: list[str]):
    """Start `python -m finetune tune` on the fixed settings as its own process, like a run."""
    from ..control.processes import start_process

    check_options(trials, budget_minutes)
    root = Path(sweep_dir)
    root.mkdir(parents=True, exist_ok=True)
    base.save(root / BASE_CONFIG)
    command = ["tune", "--config", str(root / BASE_CONFIG), "--output", str(root), "--trials", str(trials),
               "--budget-minutes", str(budget_minutes), "--space", ",".join(space)]
    return start_process(root, command)
