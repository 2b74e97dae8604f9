"""The CLI's parser: the flags of `train` come from RunConfig's fields, so the CLI, the config file and the UI
share one definition."""
from __future__ import annotations

import argparse
from dataclasses import MISSING, fields

from ..config import ConfigError, RunConfig, task_defaults
from ..tasks import DEFAULT_TASK, TASK_NAMES

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
    """One flag per RunConfig field (train, and tune's fixed settings); the help names a task's own default
    where it differs (the method is auto for classification: the field's finetune is what NER trains)."""
    for f in fields(RunConfig):
        meta = f.metadata
        default = f.default if f.default is not MISSING else None
        kind = str if isinstance(default, bool) else type(default)  # RunConfig reads "true"/"false" itself
        own = "".join(f"; {task}: {values[f.name]!r}" for task in TASK_NAMES
                      if f.name in (values := task_defaults(task)) and values[f.name] != default)
        parser.add_argument(flag(f.name), dest=f.name, type=kind, default=None,
                            choices=None if meta.get("multiple") else meta.get("choices"),
                            help=f"{meta['help']} (default: {default!r}{own})")


def config_from_args(args) -> RunConfig:
    base = RunConfig.load(args.config).to_dict() if args.config else {}
    overrides = {f.name: getattr(args, f.name) for f in fields(RunConfig) if getattr(args, f.name) is not None}
    # the task's own defaults where neither the config file nor a flag set the value
    task = overrides.get("task") or base.get("task") or RunConfig.task
    config = RunConfig.from_dict({**({} if base else task_defaults(task)), **base, **overrides})
    if not config.data_file:
        raise ConfigError("No training data: pass --data FILE (CSV, TSV or JSONL).")
    return config
