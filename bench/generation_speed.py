"""Generation figures of bench/speed.py: training speed against a plain Trainer, and Playground tokens/s.

    .venv/bin/python bench/generation_speed.py [--kb 200] [--skip-training] [--work DIR]

Training: the first 200 KB of tiny_shakespeare, 1 epoch; bench/plain_generation.py (a plain Trainer,
packed 256-token blocks, bf16) then our engine with the generation defaults (through bench/side.py, as
`python -m finetune train --task generation`), each in its own process. Both report trainer.train()'s
wall and CPU time and held-out perplexity before and after.
Playground: tokens/s of the embedded SmolLM2 as the Playground loads it (TextGenerator), sampling 64
tokens: fp32 (the default) against bf16 weights and dynamic int8 Linear layers (tried, not kept).
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHAKESPEARE = ROOT.parent / "shared" / "data" / "tiny_shakespeare" / "input.txt"
PROMPT = "ROMEO:"


def train_both(work: Path, env: dict, kb: int = 200) -> dict:
    """{"plain": {...}, "ours": {...}}: train_runtime_s, train_cpu_s, base_perplexity, perplexity, drop."""
    work.mkdir(parents=True, exist_ok=True)
    text = work / "shakespeare.txt"
    text.write_bytes(SHAKESPEARE.read_bytes()[: kb * 1000])
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "plain_generation.py"), "--kb", str(kb),
                           "--output", str(work / "plain")], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"plain generation failed:\n{done.stderr[-3000:]}")
    plain = json.loads(done.stdout.strip().splitlines()[-1])
    probe, run = work / "ours-probe.json", work / "ours-run"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "side.py"), "ours", str(probe), "train", "--task",
                           "generation", "--data", str(text), "--output", str(run)], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"our generation run failed:\n{done.stderr[-3000:]}")
    results = json.loads((run / "results.json").read_text())
    metrics = results["metrics"]
    ours = {"side": "ours", "train_blocks": results["train_rows"], "eval_blocks": results["eval_rows"],
            "train_runtime_s": results["train_runtime_s"], "train_cpu_s": json.loads(probe.read_text())["train_cpu_s"],
            "base_perplexity": metrics["base_perplexity"], "perplexity": metrics["perplexity"],
            "drop": 1 - metrics["perplexity"] / metrics["base_perplexity"], "notes": results["notes"]}
    return {"plain": plain, "ours": ours}


def tokens_per_s(generator, tokens: int = 64, reps: int = 3) -> float:
    """Best of `reps` of sampling exactly `tokens` new tokens after PROMPT, as the Playground samples."""
    import torch

    from finetune.tasks.text_generator import generation_settings

    inputs = generator.encode(PROMPT)
    settings = {**generation_settings(generator.tokenizer, {"max_new_tokens": tokens}), "min_new_tokens": tokens}
    generator.model.generate(**inputs, **{**settings, "max_new_tokens": 4, "min_new_tokens": 4})  # warm up
    best = 0.0
    for _ in range(reps):
        started = time.perf_counter()
        with torch.inference_mode():
            out = generator.model.generate(**inputs, **settings)
        best = max(best, (out.shape[1] - inputs["input_ids"].shape[1]) / (time.perf_counter() - started))
    return best


def playground_speeds(threads: int = 2) -> dict:
    """tokens/s per way of loading the embedded model, with `threads` torch threads."""
    import torch

    from finetune.models.embedded_lm import embedded_lm_path
    from finetune.tasks.text_generator import TextGenerator

    torch.set_num_threads(threads)
    path = embedded_lm_path()
    fp32 = TextGenerator(path, precision="fp32")
    speeds = {"fp32 (default)": tokens_per_s(fp32), "bf16 (not kept)": tokens_per_s(TextGenerator(path, precision="bf16"))}
    int8 = copy.copy(fp32)
    int8.model = torch.ao.quantization.quantize_dynamic(copy.deepcopy(fp32.model), {torch.nn.Linear},
                                                        dtype=torch.qint8)
    speeds["int8 dynamic (not kept)"] = tokens_per_s(int8)
    return speeds


def report_generation(work: Path, env: dict, emit, kb: int = 200, training: bool = True) -> None:
    if not SHAKESPEARE.is_file():
        print(f"skipped generation: no {SHAKESPEARE}")
        return
    if training:
        sides = train_both(work, env, kb)
        print(f"\n== generation: {kb} KB of tiny_shakespeare, 1 epoch, load {loadavg()} ==")
        print(f"{'side':<8}{'blocks':>8}{'train s':>9}{'CPU s':>8}{'base ppl':>10}{'ppl':>8}{'drop':>7}")
        for name, side in sides.items():
            print(f"{name:<8}{side['train_blocks']:>8}{side['train_runtime_s']:>9.1f}{side['train_cpu_s']:>8.1f}"
                  f"{side['base_perplexity']:>10.2f}{side['perplexity']:>8.2f}{side['drop']:>7.1%}")
            for key in ("train_runtime_s", "train_cpu_s", "perplexity", "drop"):
                emit(f"generation_{key}", side[key], "", side=name)
        print(f"  ours read the text as: {sides['ours']['notes'][0]}")
    speeds = playground_speeds()
    print(f"\nPlayground, embedded SmolLM2, 64 sampled tokens, 2 threads (load {loadavg()}):")
    for name, value in speeds.items():
        print(f"  {name:<26}{value:6.1f} tokens/s")
        emit("playground_tokens_per_s", value, "1/s", variant=name)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=int, default=200)
    parser.add_argument("--skip-training", action="store_true", help="Playground tokens/s only")
    parser.add_argument("--work", default="")
    args = parser.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "CUDA_VISIBLE_DEVICES": ""}
    os.environ.update(env)
    work = Path(args.work or tempfile.mkdtemp(prefix="generation-speed-"))

    def emit(figure, value, unit, **where):
        print(json.dumps({"figure": figure, **where, "value": round(value, 4) if isinstance(value, float) else value,
                          "unit": unit}), flush=True)

    report_generation(work, env, emit, args.kb, training=not args.skip_training)


if __name__ == "__main__":
    main()
