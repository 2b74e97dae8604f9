"""Speed: our engine against the guide's script, same machine, model, rows and epochs. Prints a table
and one JSON line per figure.

    .venv/bin/python bench/speed.py [--device cpu|cuda] [--quick] [--only ours|guide] [--datasets sst2 ...]
                                    [--orders guide-first ours-first] [--competing N] [--threads N]
                                    [--rows N] [--no-extras] [--no-generation] [--work DIR]

Per data set and order, the guide's script (bench/guide_script.py) then ours (`python -m finetune
train`, default settings), and ours then the guide, each in its own process (so a side that runs
second pays for whatever the first left behind, both ways). Both get the same shuffled rows: the guide
splits its file 80/20 in order; ours gets the same 80% as --data and the same 20% as --eval-data.
--competing N runs N busy processes beside all of it (a busy machine); the load is printed throughout.
MFU is model FLOPs (6 x non-embedding params x real tokens) per CPU-second over the bf16 matmul peak
measured at the start of the same run; "share of own peak" is the same over the peak of the precision the side
trains in (fp32 for the guide; ours: the hardware's, or --precision). Then, for ours: Start to first loss point, Playground prediction
latency, app start-up, and generation (bench/generation_speed.py: our engine against a plain Trainer on
200 KB of tiny_shakespeare, and Playground tokens/s). The data sets come from ../shared/data and are
skipped when absent.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.extras import app_startup, first_loss, machine, matmul_peak, prediction_latency  # noqa: E402
from bench.generation_speed import report_generation  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# ../shared/data beside the clone, or two levels up from a worktree (/work/wt/NAME beside /work/shared)
DATA = next((p for p in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data") if p.is_dir()),
            ROOT.parent / "shared" / "data")
SEED = 42  # the row sample and shuffle
ROWS = {"sst2": 2000, "ag_news": 5000, "emotion": 5000}
ORDERS = {"guide-first": ("guide", "ours"), "ours-first": ("ours", "guide")}
QUICK_ROWS = 200
# Label names as in the guide's example data; its script also crashes on numeric labels (numpy ints
# in label2id cannot be written to the model's config.json).
LABEL_NAMES = {"sst2": ["negative", "positive"], "ag_news": ["World", "Sports", "Business", "Sci/Tech"]}
BUSY_LOOP = "while True: pass"  # one competing process: a core kept busy


def read_dataset(name: str, rows: int) -> pd.DataFrame:
    """`rows` shuffled rows with columns text,label (fixed seed: every run sees the same rows)."""
    if name == "emotion":  # "text;label_name", label names already
        frame = pd.read_csv(DATA / "emotion" / "train.txt", sep=";").rename(columns={"label_name": "label"})
    elif name == "sst2":
        frame = pd.read_csv(DATA / "sst2" / "train.tsv", sep="\t").rename(columns={"sentence": "text"})
    else:  # ag_news: the 5,000-row train file has no header
        frame = pd.read_csv(DATA / "ag_news" / "train_subset_5000.csv", header=None, names=["text", "label"])
    if name in LABEL_NAMES:
        frame = frame.assign(label=[LABEL_NAMES[name][i] for i in frame["label"]])
    return frame[["text", "label"]].sample(n=min(rows, len(frame)), random_state=SEED).reset_index(drop=True)


def write_files(frame: pd.DataFrame, folder: Path) -> dict:
    """all.csv for the guide (it splits 80/20 in order); the same two parts as files for ours."""
    folder.mkdir(parents=True, exist_ok=True)
    cut = int(0.8 * len(frame))  # the guide's train_size
    files = {"all": folder / "all.csv", "train": folder / "train.csv", "eval": folder / "eval.csv"}
    frame.to_csv(files["all"], index=False)
    frame[:cut].to_csv(files["train"], index=False)
    frame[cut:].to_csv(files["eval"], index=False)
    return files


def run_side(side: str, files: dict, out: Path, env: dict, precision: str = "auto") -> dict:
    """Train one side in its own process; its figures from its own output files."""
    out.mkdir(parents=True, exist_ok=True)
    probe = out / f"{side}-probe.json"
    if side == "ours":
        args = ["train", "--data", files["train"], "--eval-data", files["eval"], "--epochs", "1",
                "--precision", precision, "--output", out / "ours-run"]
    else:
        args = ["--data", files["all"], "--epochs", "1", "--output", out / "guide-out"]
    load = loadavg()
    started = time.time()
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "side.py"), side, str(probe), *map(str, args)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.time() - started
    if done.returncode != 0:
        raise SystemExit(f"{side} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    record = json.loads(probe.read_text())
    figures = ours_figures(out / "ours-run") if side == "ours" else guide_figures(record)
    figures["order"] = out.name
    return {**figures, "process_wall_s": wall, "train_cpu_s": record["train_cpu_s"],
            "real_tokens": record["real_tokens"],
            "padded_tokens": record["padded_tokens"], "peak_memory_mb": record["peak_memory_mb"],
            "non_embedding_params": record["non_embedding_params"], "threads": record.get("threads", "?"),
            "load_before": load}


def ours_figures(run_dir: Path) -> dict:
    results = json.loads((run_dir / "results.json").read_text())
    return {"train_time_s": results["train_runtime_s"], "train_rows": results["train_rows"],
            "accuracy": results["metrics"]["accuracy"], "precision": results["precision"],
            "max_length": results["max_length"], "run_dir": str(run_dir)}


def guide_figures(record: dict) -> dict:
    accuracy = [log["eval_accuracy"] for log in record["log_history"] if "eval_accuracy" in log]
    return {"train_time_s": record["train_metrics"]["train_runtime"], "train_rows": record["train_rows"],
            "accuracy": accuracy[-1], "precision": "fp32", "max_length": 512}


def derive(result: dict, peaks: dict, device: str) -> dict:
    """Throughput, padding share, MFU (6 x non-embedding params x real tokens/s over the bf16 matmul peak,
    whatever the side trains in) and the peak share (the same over the matmul peak of the precision the side
    trains in: how much of what this precision can do the run gets). On the CPU per CPU-second, so the share of
    a busy CPU this process got cancels out. Non-embedding: an embedding lookup is no matmul."""
    time_s = result["train_time_s"]
    tokens_per_s = result["real_tokens"] / time_s
    work_s = result["train_cpu_s"] if device == "cpu" else time_s
    flops = 6 * result["non_embedding_params"] * result["real_tokens"] / work_s
    return {**result, "samples_per_s": result["train_rows"] / time_s,
            "samples_per_cpu_s": result["train_rows"] / result["train_cpu_s"], "real_tokens_per_s": tokens_per_s,
            "padding_share": 1 - result["real_tokens"] / max(1, result["padded_tokens"]),
            "mfu": flops / peaks["bf16"], "peak_share": flops / peaks[result["precision"]]}


FIGURES = [  # (key, label, unit, format, higher is better)
    ("train_time_s", "train wall time", "s", "{:.1f}", False),
    ("samples_per_s", "samples/s", "1/s", "{:.1f}", True),
    ("train_cpu_s", "train CPU time", "s", "{:.1f}", False),
    ("samples_per_cpu_s", "samples/CPU-s", "1/s", "{:.1f}", True),
    ("real_tokens_per_s", "real tokens/s", "1/s", "{:.0f}", True),
    ("padding_share", "padding share", "", "{:.1%}", False),
    ("accuracy", "validation accuracy", "", "{:.3f}", True),
    ("peak_memory_mb", "peak memory", "MiB", "{:.0f}", False),
    ("mfu", "MFU (vs bf16 peak)", "", "{:.1%}", True),
    ("peak_share", "share of own peak", "", "{:.1%}", True),  # the matmul peak of the precision trained in
    ("process_wall_s", "process wall time", "s", "{:.1f}", False),
]


def report_dataset(name: str, sides: dict, order: str) -> None:
    ours, guide = sides.get("ours"), sides.get("guide")
    print(f"\n== {name}, {order}: {next(iter(sides.values()))['train_rows']} train rows, 1 epoch ==")
    print(f"{'figure':<24}{'ours':>14}{'guide':>14}{'ours/guide':>12}")
    for key, label, unit, fmt, _ in FIGURES:
        cells = [fmt.format(s[key]) if s else "-" for s in (ours, guide)]
        ratio = ours[key] / guide[key] if ours and guide and guide[key] else None
        print(f"{label + (f' ({unit})' if unit in ('s', 'MiB') else ''):<24}{cells[0]:>14}{cells[1]:>14}"
              f"{'' if ratio is None else f'{ratio:.2f}x':>12}")
        for side, s in sides.items():
            emit(key, s[key], unit, dataset=name, side=side, order=order)
        if ratio is not None:
            emit(key + "_ratio", ratio, "ours/guide", dataset=name, order=order)
    for side, s in sides.items():
        print(f"  {side}: {s['precision']}, max_length {s['max_length']}, {s['threads']} threads, "
              f"load before {s['load_before']}")


def emit(figure: str, value, unit: str, **where) -> None:
    print(json.dumps({"figure": figure, **where, "value": round(value, 4) if isinstance(value, float) else value,
                      "unit": unit}), flush=True)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS} rows per data set: a smoke run")
    parser.add_argument("--rows", type=int, help="rows per data set instead of the standard ones")
    parser.add_argument("--only", choices=["ours", "guide"], help="train one side only")
    parser.add_argument("--datasets", nargs="+", choices=list(ROWS), default=list(ROWS))
    parser.add_argument("--orders", nargs="+", choices=list(ORDERS), default=list(ORDERS))
    parser.add_argument("--competing", type=int, default=0, help="busy processes beside the benchmark")
    parser.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                        help="ours trains in this (fp32: what an fp32-only CPU gets; the guide is always fp32)")
    parser.add_argument("--threads", type=int, help="OMP_NUM_THREADS for both sides (default: as a user "
                        "gets it, measured by each side)")
    parser.add_argument("--no-extras", action="store_true", help="training comparison only")
    parser.add_argument("--no-generation", action="store_true", help="skip the generation figures")
    parser.add_argument("--work", help="folder for data and runs (default: a new temporary folder)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}
    if args.device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""  # both sides on the CPU even where a GPU is present
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)
    os.environ.update(env)
    work = Path(args.work or tempfile.mkdtemp(prefix="speed-"))
    competitors = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(args.competing)]
    try:
        print(f"machine: {machine(args.device)}; {args.competing} competing process(es); load {loadavg()}; "
              f"work folder {work}", flush=True)
        peaks = matmul_peak(args.device)
        for precision, flops in peaks.items():
            emit("matmul_peak_gflops", flops / 1e9, "GFLOP/s", precision=precision)
        ours_runs, summary = compare_training(args, work, env, peaks)
        print_summary(summary)
        if ours_runs and not args.no_extras:
            report_extras(ours_runs, work, env)
        if not args.no_generation:
            report_generation(work / "generation", env, emit)
    finally:
        for process in competitors:
            process.kill()
    print(f"load at the end {loadavg()}")


def compare_training(args, work: Path, env: dict, peaks: dict):
    sides = [args.only] if args.only else None
    ours_runs, summary = {}, []
    for name in args.datasets:
        if not (DATA / name).is_dir():
            print(f"skipped {name}: {DATA / name} not found")
            continue
        rows = QUICK_ROWS if args.quick else args.rows or ROWS[name]
        files = write_files(read_dataset(name, rows), work / name)
        for order in args.orders:
            results = {side: derive(run_side(side, files, work / name / order, env, args.precision), peaks,
                                    args.device)
                       for side in sides or ORDERS[order]}
            report_dataset(name, results, order)
            summary.append((name, order, results))
            if "ours" in results:
                ours_runs[name] = (files, results["ours"]["run_dir"])
    return ours_runs, summary


def print_summary(summary) -> None:
    """One line per data set and order: the figures the issue's target is stated in."""
    print(f"\n{'data set':<10}{'order':<13}{'guide s':>9}{'ours s':>9}{'speed-up':>10}{'guide acc':>11}"
          f"{'ours acc':>10}{'ours MFU':>10}{'ours peak':>11}{'load before ours':>18}")
    for name, order, sides in summary:
        guide, ours = sides.get("guide"), sides.get("ours")
        cell = lambda side, key, fmt: fmt.format(side[key]) if side else "-"  # noqa: E731
        speedup = f"{guide['train_time_s'] / ours['train_time_s']:.2f}x" if guide and ours else "-"
        print(f"{name:<10}{order:<13}{cell(guide, 'train_time_s', '{:.1f}'):>9}{cell(ours, 'train_time_s', '{:.1f}'):>9}"
              f"{speedup:>10}{cell(guide, 'accuracy', '{:.3f}'):>11}{cell(ours, 'accuracy', '{:.3f}'):>10}"
              f"{cell(ours, 'mfu', '{:.1%}'):>10}{cell(ours, 'peak_share', '{:.1%}'):>11}"
              f"{cell(ours, 'load_before', '{}'):>18}")


def report_extras(ours_runs: dict, work: Path, env: dict) -> None:
    files, run_dir = next(iter(ours_runs.values()))
    stages = first_loss(files["all"], work / "first-loss-run")
    print(f"\nStart to first loss point: {stages['first_loss_s']:.1f} s "
          f"({', '.join(f'{k} {v:.1f}' for k, v in stages.items() if k != 'first_loss_s')})")
    emit("first_loss_s", stages["first_loss_s"], "s")
    latencies = prediction_latency(run_dir)
    p50, p95 = statistics.median(latencies), statistics.quantiles(latencies, n=20)[18]
    print(f"Prediction latency, one short text, warm: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    emit("prediction_p50_ms", p50, "ms")
    emit("prediction_p95_ms", p95, "ms")
    startup = app_startup(env)
    print(f"App start-up to first page: {startup:.1f} s")
    emit("app_startup_s", startup, "s")


if __name__ == "__main__":
    main()
