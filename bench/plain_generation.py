"""The yardstick of generation speed: a plain transformers Trainer, nothing of ours in the training loop.

The first 200 KB of tiny_shakespeare, tokenized, joined and cut into packed 256-token blocks, 10% of the
blocks held out (seeded), the embedded SmolLM2-135M, bf16 where the CPU is fast at it, 1 epoch, batch 8,
no evaluation or checkpoint during training. Prints one JSON line: trainer.train()'s wall time and the
held-out perplexity before and after.

    .venv/bin/python bench/plain_generation.py [--kb 200] [--block 256] [--batch 8] [--output DIR]

bench/generation_check.py runs our engine on the same text with its defaults; bench/speed.py runs both.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHAKESPEARE = ROOT.parent / "shared" / "data" / "tiny_shakespeare" / "input.txt"


def blocks_of(text: str, tokenizer, block: int) -> list[list[int]]:
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return [ids[i:i + block] for i in range(0, len(ids) - block + 1, block)]  # full blocks only


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=int, default=200)
    parser.add_argument("--block", type=int, default=256)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--output", default="")
    args = parser.parse_args()
    if not SHAKESPEARE.is_file():
        print(f"skipped: no {SHAKESPEARE}")
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from datasets import Dataset
    from transformers import (AutoModelForCausalLM, AutoTokenizer, DataCollatorForLanguageModeling, Trainer,
                              TrainingArguments)

    from finetune.models.embedded_lm import embedded_lm_path
    from finetune.machine.hardware import detect

    path = embedded_lm_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    blocks = Dataset.from_dict({"input_ids": blocks_of(SHAKESPEARE.read_bytes()[: args.kb * 1000].decode(),
                                                       tokenizer, args.block)})
    split = blocks.train_test_split(test_size=0.1, seed=42)
    bf16 = detect().fast_bf16
    training = TrainingArguments(
        output_dir=args.output or tempfile.mkdtemp(prefix="plain-generation-"), num_train_epochs=1,
        per_device_train_batch_size=args.batch, per_device_eval_batch_size=args.batch, learning_rate=args.lr,
        bf16=bf16, use_cpu=True, eval_strategy="no", save_strategy="no", report_to="none", disable_tqdm=True,
        logging_steps=10)
    trainer = Trainer(model=model, args=training, train_dataset=split["train"], eval_dataset=split["test"],
                      data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False))
    before = math.exp(trainer.evaluate()["eval_loss"])
    cpu_started = time.process_time()
    runtime = trainer.train().metrics["train_runtime"]
    cpu = time.process_time() - cpu_started  # steadier than wall time on a shared CPU
    after = math.exp(trainer.evaluate()["eval_loss"])
    import torch

    print(json.dumps({"side": "plain", "kb": args.kb, "block": args.block, "batch": args.batch,
                      "train_blocks": len(split["train"]), "eval_blocks": len(split["test"]),
                      "train_runtime_s": round(runtime, 1), "train_cpu_s": round(cpu, 1), "base_perplexity": round(before, 2),
                      "perplexity": round(after, 2), "drop": round(1 - after / before, 3),
                      "bf16": bf16, "threads": torch.get_num_threads()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
