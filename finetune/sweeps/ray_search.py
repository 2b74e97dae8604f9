"""The same search on a Ray cluster (`tune --backend ray --ray-address ADDRESS`): Ray Tune runs the trials
in parallel on the cluster's workers, Optuna's sampler (OptunaSearch) proposes the settings, ASHA stops
trailing trials at the same evaluations where the local search's MedianPruner would, and the budget is
Ray's `time_budget_s` plus the same BudgetStop in each trial.

Each trial still is `engine.train` into SWEEP_DIR/trial-NNN, so the workers must see SWEEP_DIR and the
data files at the same paths (a shared file system); this package is shipped to them (runtime_env).
Ray is optional (pip install 'ray[tune]') and this path is checked against a local Ray instance only.
"""
from __future__ import annotations

import time
from pathlib import Path

from ..config import RunConfig
from ..runs.folder import RunPaths
from .search_space import Param
from .record import COMPLETE, FAILED, FINISHED, PRUNED, STOPPED, Sweep, TrialRecord, write_sweep
from .search import BudgetStop, finish_reserve, validation_metric

CPUS_PER_TRIAL = 1


def run_ray_sweep(base: RunConfig, sweep_dir, *, trials: int, budget_minutes: float, space: dict[str, Param],
                  address: str) -> Sweep:
    import ray
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.optuna import OptunaSearch

    from ..tasks import get_task

    task, root, budget_s = get_task(base.task), Path(sweep_dir).resolve(), budget_minutes * 60
    sweep = Sweep(metric=task.main_metric, direction="maximize" if task.greater_is_better else "minimize",
                  budget_s=budget_s, trials_asked=trials, space={n: p.describe() for n, p in space.items()},
                  backend="ray")
    root.mkdir(parents=True, exist_ok=True)
    write_sweep(root, sweep)
    mode = "max" if task.greater_is_better else "min"
    ray.init(address=None if address == "local" else address, ignore_reinit_error=True, log_to_driver=False,
             runtime_env={"py_modules": [str(Path(__file__).resolve().parents[1])]})
    deadline = sweep.started + budget_s - finish_reserve(budget_s)
    trainable = tune.with_parameters(_trial, base=base.to_dict(), root=str(root), metric=sweep.metric,
                                     deadline=deadline)
    tuner = tune.Tuner(
        tune.with_resources(trainable, {"cpu": CPUS_PER_TRIAL}),
        param_space={n: _ray_domain(tune, p) for n, p in space.items()},
        tune_config=tune.TuneConfig(metric="objective", mode=mode, num_samples=trials, time_budget_s=budget_s,
                                    search_alg=OptunaSearch(seed=base.seed),
                                    scheduler=ASHAScheduler(time_attr="evaluation", max_t=4, grace_period=2)),
        run_config=tune.RunConfig(storage_path=str(root / "ray"), verbose=0))
    try:
        grid = tuner.fit()
    finally:
        ray.shutdown()
    sweep.trials = [_record(number, result, root, sweep.metric) for number, result in enumerate(grid)]
    sweep.status, sweep.ended = FINISHED, time.time()
    write_sweep(root, sweep)
    return sweep


def _ray_domain(tune, param: Param):
    if param.choices:
        return tune.choice(list(param.choices))
    if param.log:
        return tune.loguniform(param.low, param.high)
    return tune.quniform(param.low, param.high, param.step) if param.step else tune.uniform(param.low, param.high)


def _trial(params: dict, *, base: dict, root: str, metric: str, deadline: float) -> None:
    """One trial on a worker: a run folder named after Ray's trial id; reports each evaluation."""
    from ray import tune
    from transformers import TrainerCallback

    from ..training.engine import train

    class RayReporter(TrainerCallback):
        evaluations = 0

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            if (metrics or {}).get("eval_" + metric) is not None:
                self.evaluations += 1
                tune.report({"objective": float(metrics["eval_" + metric]), "evaluation": self.evaluations,
                             "run": folder.name})

    folder = Path(root) / f"trial-{tune.get_context().get_trial_id()}"  # Ray's ids are unique across workers
    config = RunConfig.from_dict({**base, **params})
    train(config, folder, callbacks=[RayReporter(), BudgetStop(deadline, RunPaths(root).stop)])
    tune.report({"objective": validation_metric(folder, metric), "evaluation": 4, "finished": True, "run": folder.name})


def _record(number: int, result, root: Path, metric: str) -> TrialRecord:
    params = dict(result.config or {})
    folder = root / (result.metrics or {}).get("run", f"trial-{number:03d}")
    finished = bool((result.metrics or {}).get("finished"))
    state = FAILED if result.error else COMPLETE if finished else PRUNED
    if finished and RunPaths(root).stop.exists():
        state = STOPPED
    return TrialRecord(number, folder.name, params, state=state, value=validation_metric(folder, metric),
                       seconds=round((result.metrics or {}).get("time_total_s", 0.0), 1),
                       error=str(result.error or ""))
