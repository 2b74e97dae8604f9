"""Does fine-tuning move a language model? The issue's target, as a script (not a test).

The first 200 KB of tiny_shakespeare, one epoch, the default model (embedded SmolLM2-135M-Instruct) and
the generation defaults, on this machine's CPU: held-out perplexity must fall by at least 30% from the
base model's. Prints the figures and the time as JSON; exit 1 when the target is missed.

    .venv/bin/python bench/generation_check.py [--kb 200] [--output runs/bench-generation]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHAKESPEARE = ROOT.parent / "shared" / "data" / "tiny_shakespeare" / "input.txt"
TARGET_DROP = 0.30


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=int, default=200, help="How much of the corpus to use (KB).")
    parser.add_argument("--output", default=str(ROOT / "runs" / "bench-generation"), help="The run folder.")
    parser.add_argument("--model", default="", help="Base model (default: the embedded SmolLM2-135M).")
    args = parser.parse_args()
    if not SHAKESPEARE.is_file():
        print(f"skipped: no {SHAKESPEARE}")
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from finetune.config import RunConfig, task_defaults
    from finetune.training.engine import train

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "shakespeare.txt"
        data.write_bytes(SHAKESPEARE.read_bytes()[: args.kb * 1000])
        config = RunConfig.from_dict({**task_defaults("generation"), "task": "generation",
                                      "data_file": str(data), "model": args.model})
        started = time.time()
        results = train(config, args.output)
    metrics = results["metrics"]
    drop = 1 - metrics["perplexity"] / metrics["base_perplexity"]
    print(json.dumps({"kb": args.kb, "model": results["model"], "base_perplexity": round(metrics["base_perplexity"], 2),
                      "perplexity": round(metrics["perplexity"], 2), "drop": round(drop, 3),
                      "target_drop": TARGET_DROP, "met": drop >= TARGET_DROP, "train_blocks": results["train_rows"],
                      "eval_blocks": results["eval_rows"], "steps": results["steps"],
                      "train_runtime_s": results["train_runtime_s"], "total_s": round(time.time() - started, 1),
                      "device": results["device"], "precision": results["precision"]}))
    return 0 if drop >= TARGET_DROP else 1


if __name__ == "__main__":
    sys.exit(main())
