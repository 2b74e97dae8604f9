"""One function per CLI command: each takes the parsed arguments and returns what is printed as JSON (None:
nothing). ConfigError and DataError end the command with exit status 2 (finetune/__main__.py)."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from ..machine import launch
from ..config import ConfigError, RunConfig, task_defaults
from ..tasks import DEFAULT_TASK
from .parser import config_from_args


def command_train(args) -> dict | None:
    config = config_from_args(args)
    if launch.is_distributed(config) and not launch.in_launcher():  # start the ranks, each runs this again
        Path(args.output).mkdir(parents=True, exist_ok=True)
        config.save(Path(args.output, "config.json"))
        argv = ["train", "--config", str(Path(args.output, "config.json")), "--output", args.output]
        return launched_results(args.output, launch.run_in_foreground(config, argv), config)
    from ..training.engine import train

    results = train(config, args.output)
    return results.to_json() if launch.is_main() else None  # rank 0 alone answers, as it alone writes


def command_tune(args) -> dict:
    started = time.time()  # the budget includes the imports below
    from ..sweeps.launch import tune

    return tune(config_from_args(args), args.output, trials=args.trials, budget_minutes=args.budget_minutes,
                space=args.space, backend=args.backend, ray_address=args.ray_address, started=started)


def command_predict(args):
    from ..services.predictions import predict_file, predict_texts

    if args.text is not None:
        options = {"max_new_tokens": args.max_new_tokens} if args.max_new_tokens else {}
        return predict_texts(args.model, [args.text], **options)[0]
    if args.input and args.output:
        rows = predict_file(args.model, args.input, args.output, args.text_column)
        return {"rows": rows, "output": args.output}
    raise ConfigError("Pass --text \"...\", or --input FILE --output FILE.csv.")


def command_check(args):
    from ..tasks import get_task

    base = RunConfig.load(args.config).to_dict() if args.config else {}
    given = {"data_file": args.data, "task": args.task, "text_column": args.text_column,
             "label_column": args.label_column, "model": args.model}
    config = RunConfig.from_dict({**task_defaults(args.task), **base, **{k: v for k, v in given.items() if v}})
    task = get_task(config.task)
    report = task.check(config)
    if report.errors:
        print(json.dumps(report.to_json()))
        raise SystemExit(2)
    if args.no_quick or task.quick_models is None:
        return report.to_json()
    return {**report.to_json(), **quick_json(task, config, _descriptions(args.label_descriptions))}


def quick_json(task, config, descriptions) -> dict:
    """check's quick_models, learning_curve, recommended_method and reason (quick_models.py, tasks/advice.py)."""
    from ..planning.quick_models import measure
    from ..tasks.advice import advise

    try:
        quick = measure(config, descriptions=descriptions)
    except (OSError, ValueError, RuntimeError) as e:  # e.g. a model that is no sentence model: the check still stands
        return {"quick_models": [], "learning_curve": [], "quick_error": f"{type(e).__name__}: {e}"}
    advice = advise(task, quick)
    return {"quick_models": [{k: v for k, v in m.to_json().items() if k != "scores"} for m in quick.models],
            "learning_curve": [p.to_json() for p in quick.learning_curve], "learning_curve_reading": quick.curve_reading,
            "quick_split": quick.split, **advice.to_json(), "quick_notes": quick.notes}


def _descriptions(text: str) -> dict:
    if not text:
        return {}
    try:
        values = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"--label-descriptions must be JSON like {{\"label\": \"description\"}}: {e}") from None
    if not isinstance(values, dict):
        raise ConfigError('--label-descriptions must be a JSON object like {"label": "description"}.')
    return {str(k): str(v) for k, v in values.items()}


def command_resume(args) -> dict | None:
    from ..config import load_run_config

    if not Path(args.run_dir, "config.json").is_file():
        raise ConfigError(f"{args.run_dir} is not a run folder (it has no config.json).")
    config = load_run_config(args.run_dir)
    if launch.is_distributed(config) and not launch.in_launcher():  # the same processes as the first start
        return launched_results(args.run_dir, launch.run_in_foreground(config, ["resume", args.run_dir]), config)
    from ..training.engine import resume

    results = resume(args.run_dir)
    return results.to_json() if launch.is_main() else None


def launched_results(run_dir, status: int, config) -> dict:
    """After torchrun: results.json (machine 0), or what this machine did; a failed rank is exit status 1."""
    from ..runs.records import Results

    results = Path(run_dir, "results.json")
    if status != 0:
        print(f"error: a training process ended with exit status {status}; its error is above "
              f"(and in {Path(run_dir, 'events.jsonl')} on machine 0).", file=sys.stderr)
        raise SystemExit(1)
    if config.node_rank == 0 and results.is_file():
        return Results.load(results).to_json()
    return {"node_rank": config.node_rank, "status": "ended", "run_folder": "on machine 0 (node_rank 0)"}


def command_review(args) -> dict:
    from ..services.predictions import write_csv
    from ..services.review import issues_table, review_labels, reviews_labels

    base = RunConfig.load(args.config).to_dict() if args.config else {}
    task = args.task or base.get("task") or DEFAULT_TASK
    if not reviews_labels(task):
        raise ConfigError(f"Label review works on text classification data (a text and a label column) for "
                          f"now; got --task {task}. Check its data with `python -m finetune check` instead.")
    if args.top < 0 or args.folds < 2:
        raise ConfigError(f"--top must be 0 or more and --folds 2 or more; got {args.top} and {args.folds}.")
    given = {"data_file": args.data, "task": task, "text_column": args.text_column,
             "label_column": args.label_column}
    config = RunConfig.from_dict({**base, **{k: v for k, v in given.items() if v}})
    review = review_labels(config, folds=args.folds, model_dir=args.model or None, limit=args.top or None)
    if args.output:
        write_csv(issues_table(review), args.output)
    return {**review.to_json(), **({"output": args.output} if args.output else {})}


RUNS_COLUMNS = ("name", "task", "status", "verdict", "main metric", "duration", "model")


def command_runs(args):
    from ..runs.folder import list_runs
    from ..control.summary import run_summary

    root = Path(args.root).resolve() if args.root else None
    summaries = [run_summary(run, root) for run in list_runs(root)]
    if args.json:
        print(json.dumps([s.to_json() for s in summaries]))
        return
    rows = [RUNS_COLUMNS]
    for s in summaries:
        metric = f"{s.metric} {s.value:.3f}" if s.value is not None else "-"
        rows.append((s.name, s.task, s.label, s.verdict.replace("_", " ") or "-", metric, f"{s.duration_s} s", s.model))
    if len(rows) == 1:
        print("No runs yet.")
        return
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(RUNS_COLUMNS))]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())


def command_stop(args):
    from ..control.processes import stop_run

    stop_run(args.run_dir)
    return {"stopping": args.run_dir}


def command_share(args):
    import os

    from ..services.hub import push_space
    from ..services.share import write_share_app

    folder = write_share_app(args.run_dir, args.output)
    result = {"output": str(folder), "run": "python app.py", "install": "pip install -r requirements.txt"}
    if args.space:
        result["space"] = push_space(folder, args.space, os.environ.get("HF_TOKEN", ""), private=not args.public)
    return result


def command_export(args):
    from ..services.export import export_run

    return export_run(args.run_dir, args.format)


COMMANDS = {"export": command_export, "share": command_share, "train": command_train, "tune": command_tune, "resume": command_resume, "predict": command_predict,
            "check": command_check, "runs": command_runs, "stop": command_stop, "review": command_review}
