"""The command line: python -m finetune train | tune | resume | predict | check | review | runs | stop | share | export.

Arguments of `train` come from RunConfig's fields, so the CLI, the config file and the UI share
one definition. Unusable input ends with exit status 2 and one line saying what to fix.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import MISSING, fields
from pathlib import Path

from .machine import launch
from .config import ConfigError, DataError, RunConfig, task_defaults
from .tasks import DEFAULT_TASK, TASK_NAMES

FLAG_NAMES = {"data_file": "--data", "eval_file": "--eval-data"}  # names the issue tracker promised


def flag(name: str) -> str:
    return FLAG_NAMES.get(name, "--" + name.replace("_", "-"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m finetune", description="Fine-Tune Studio engine.")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="Train a model; prints results as JSON on the last line.")
    train.add_argument("--config", help="A config.json to start from (flags override it).")
    train.add_argument("--output", required=True, help="The run folder to write.")
    add_config_flags(train)

    tune = commands.add_parser("tune", help="Find good settings: a budgeted search, each trial a run folder "
                                            "under --output; prints the sweep (sweep.json) as JSON.")
    tune.add_argument("--config", help="A config.json with the fixed settings (flags override it).")
    tune.add_argument("--output", required=True, help="The sweep folder to write (sweep.json, trial-NNN/).")
    tune.add_argument("--trials", type=int, default=6, help="Most trials to run (default 6).")
    tune.add_argument("--budget-minutes", type=float, default=10.0, help="Time for the whole search (default 10).")
    tune.add_argument("--space", default="", help="Settings to search, comma-separated, e.g. lr,epochs,batch_size "
                                                  "(default: learning rate, epochs, batch size, warmup).")
    tune.add_argument("--backend", choices=("optuna", "ray"), default="optuna",
                      help="optuna: trials one after the other here; ray: on the Ray cluster at --ray-address.")
    tune.add_argument("--ray-address", default="", help="With --backend ray: the cluster, e.g. ray://host:10001 "
                                                        "(\"local\" starts one on this machine).")
    add_config_flags(tune)

    resume = commands.add_parser("resume", help="Continue a stopped or crashed run from its last checkpoint, "
                                                 "step count included; prints results as JSON.")
    resume.add_argument("run_dir")

    predict = commands.add_parser("predict", help="Predict with a trained run.")
    predict.add_argument("--model", required=True, help="A run folder (or its model/ folder).")
    predict.add_argument("--text", help="One text to label.")
    predict.add_argument("--input", help="A CSV/TSV/JSONL file to label, or a PDF to tag chunk by chunk.")
    predict.add_argument("--output", help="Where to write the labelled CSV (with --input).")
    predict.add_argument("--text-column", default="", help="The text column of --input (detected when empty).")
    predict.add_argument("--max-new-tokens", type=int, help="Text generation: how many tokens to write (default 64).")

    check = commands.add_parser("check", help="Check a data file before training; prints a JSON report, "
                                               "exit 2 when it cannot be trained on.")
    check.add_argument("--data", required=True, help="The data file to check.")
    check.add_argument("--task", default=DEFAULT_TASK, choices=list(TASK_NAMES))
    check.add_argument("--text-column", default="", help="Text column(s), comma-separated (detected when empty).")
    check.add_argument("--label-column", default="", help="Label column (detected when empty).")
    check.add_argument("--model", default="", help="Model whose tokenizer counts the tokens (default: embedded).")
    check.add_argument("--config", help="A config.json whose columns, remedies and model to use.")
    check.add_argument("--no-quick", action="store_true", help="Skip the quick models (zero-shot, TF-IDF, the "
                       "embedding probe and its learning curve; NER: a CRF) and the method they advise.")
    check.add_argument("--label-descriptions", default="", help='Zero-shot: a short description per label, as '
                       'JSON {"label": "what it means"} (default: the label names).')

    review = commands.add_parser("review", help="Find rows whose label is probably wrong (out-of-fold TF-IDF "
                                                 "+ cleanlab); prints a JSON report.")
    review.add_argument("--data", required=True, help="The labelled data file to review.")
    review.add_argument("--task", choices=list(TASK_NAMES), help="Only classification for now (default: the "
                                                                "--config's task, else classification).")
    review.add_argument("--text-column", default="", help="Text column(s), comma-separated (detected when empty).")
    review.add_argument("--label-column", default="", help="Label column (detected when empty).")
    review.add_argument("--config", help="A config.json whose columns and remedies to use.")
    review.add_argument("--model", default="", help="A finished classification run to score with instead of "
                                                    "TF-IDF (not out-of-fold: it has seen these rows).")
    review.add_argument("--output", help="Also write the issues as a CSV file.")
    review.add_argument("--top", type=int, default=200, help="How many issues to list, most likely wrong "
                                                            "first (default 200; 0 = all).")
    review.add_argument("--folds", type=int, default=5, help="Cross-validation folds (default 5).")

    runs = commands.add_parser("runs", help="List run folders with status and main metric.")
    runs.add_argument("--root", help="The runs folder (default: $FINETUNE_RUNS_DIR or ./runs).")
    runs.add_argument("--json", action="store_true", help="Print every run as JSON (one list): status, verdict, "
                                                          "main metric, estimate, for scripts.")

    stop = commands.add_parser("stop", help="Ask a running run to stop after its current step.")
    stop.add_argument("run_dir")

    share = commands.add_parser("share", help="Write a trained run as its own demo app (app.py, the model, "
                                              "requirements.txt, a Spaces README); with --space, push it.")
    share.add_argument("run_dir")
    share.add_argument("--output", required=True, help="The new folder to write the demo into.")
    share.add_argument("--space", default="", help="Also push it as a Gradio Space, e.g. your-name/my-demo "
                                                   "(the token is read from $HF_TOKEN).")
    share.add_argument("--public", action="store_true", help="Make the pushed Space public (default: private).")

    export = commands.add_parser("export", help="Export a trained run for local runtimes; prints the check's figures "
                                                "as JSON (int8: label agreement and latency; gguf: logit parity).")
    export.add_argument("run_dir")
    export.add_argument("--format", choices=["onnx", "int8", "gguf"], required=True,
                        help="onnx: fp32 ONNX; int8: dynamic int8 ONNX beside it (classification, NER); gguf: one "
                             "GGUF file with an Ollama Modelfile (generation, Llama-architecture models).")
    return parser


def add_config_flags(parser) -> None:
    """One flag per RunConfig field (train, and tune's fixed settings)."""
    for f in fields(RunConfig):
        meta = f.metadata
        default = f.default if f.default is not MISSING else None
        kind = str if isinstance(default, bool) else type(default)  # RunConfig reads "true"/"false" itself
        parser.add_argument(flag(f.name), dest=f.name, type=kind, default=None,
                            choices=None if meta.get("multiple") else meta.get("choices"),
                            help=f"{meta['help']} (default: {default!r})")


def config_from_args(args) -> RunConfig:
    base = RunConfig.load(args.config).to_dict() if args.config else {}
    overrides = {f.name: getattr(args, f.name) for f in fields(RunConfig) if getattr(args, f.name) is not None}
    # the task's own defaults where neither the config file nor a flag set the value
    task = overrides.get("task") or base.get("task") or RunConfig.task
    config = RunConfig.from_dict({**({} if base else task_defaults(task)), **base, **overrides})
    if not config.data_file:
        raise ConfigError("No training data: pass --data FILE (CSV, TSV or JSONL).")
    return config


def command_train(args) -> dict | None:
    config = config_from_args(args)
    if launch.is_distributed(config) and not launch.in_launcher():  # start the ranks, each runs this again
        Path(args.output).mkdir(parents=True, exist_ok=True)
        config.save(Path(args.output, "config.json"))
        argv = ["train", "--config", str(Path(args.output, "config.json")), "--output", args.output]
        return launched_results(args.output, launch.run_in_foreground(config, argv), config)
    from .training.engine import train

    results = train(config, args.output)
    return results.to_json() if launch.is_main() else None  # rank 0 alone answers, as it alone writes


def command_tune(args) -> dict:
    started = time.time()  # the budget includes the imports below
    from .sweeps.launch import tune

    return tune(config_from_args(args), args.output, trials=args.trials, budget_minutes=args.budget_minutes,
                space=args.space, backend=args.backend, ray_address=args.ray_address, started=started)


def command_predict(args):
    from .services.predictions import predict_file, predict_texts

    if args.text is not None:
        options = {"max_new_tokens": args.max_new_tokens} if args.max_new_tokens else {}
        return predict_texts(args.model, [args.text], **options)[0]
    if args.input and args.output:
        rows = predict_file(args.model, args.input, args.output, args.text_column)
        return {"rows": rows, "output": args.output}
    raise ConfigError("Pass --text \"...\", or --input FILE --output FILE.csv.")


def command_check(args):
    from .tasks import get_task

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
    from .planning.quick_models import measure
    from .tasks.advice import advise

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
    from .config import load_run_config

    if not Path(args.run_dir, "config.json").is_file():
        raise ConfigError(f"{args.run_dir} is not a run folder (it has no config.json).")
    config = load_run_config(args.run_dir)
    if launch.is_distributed(config) and not launch.in_launcher():  # the same processes as the first start
        return launched_results(args.run_dir, launch.run_in_foreground(config, ["resume", args.run_dir]), config)
    from .training.engine import resume

    results = resume(args.run_dir)
    return results.to_json() if launch.is_main() else None


def launched_results(run_dir, status: int, config) -> dict:
    """After torchrun: results.json (machine 0), or what this machine did; a failed rank is exit status 1."""
    from .runs.records import Results

    results = Path(run_dir, "results.json")
    if status != 0:
        print(f"error: a training process ended with exit status {status}; its error is above "
              f"(and in {Path(run_dir, 'events.jsonl')} on machine 0).", file=sys.stderr)
        raise SystemExit(1)
    if config.node_rank == 0 and results.is_file():
        return Results.load(results).to_json()
    return {"node_rank": config.node_rank, "status": "ended", "run_folder": "on machine 0 (node_rank 0)"}


def command_review(args) -> dict:
    from .services.predictions import write_csv
    from .services.review import issues_table, review_labels, reviews_labels

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
    from .runs.folder import list_runs
    from .control.summary import run_summary

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
    from .control.processes import stop_run

    stop_run(args.run_dir)
    return {"stopping": args.run_dir}


def command_share(args):
    import os

    from .services.hub import push_space
    from .services.share import write_share_app

    folder = write_share_app(args.run_dir, args.output)
    result = {"output": str(folder), "run": "python app.py", "install": "pip install -r requirements.txt"}
    if args.space:
        result["space"] = push_space(folder, args.space, os.environ.get("HF_TOKEN", ""), private=not args.public)
    return result


def command_export(args):
    from .services.export import export_run

    return export_run(args.run_dir, args.format)


COMMANDS = {"export": command_export, "share": command_share, "train": command_train, "tune": command_tune, "resume": command_resume, "predict": command_predict,
            "check": command_check, "runs": command_runs, "stop": command_stop, "review": command_review}


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = COMMANDS[args.command](args)
    except (ConfigError, DataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # unexpected: one line here; the engine keeps the traceback in train.log
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    if result is not None:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
