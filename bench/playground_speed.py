"""Playground generation speed against perplexity, every way in one run (issue 25: >= 30 tokens/s).

    .venv/bin/python bench/playground_speed.py [--threads 2] [--blocks 8] [--only fp32 auto ...]

The embedded SmolLM2-135M as the Playground loads it (TextGenerator), sampling 64 tokens after "ROMEO:" (best
of 3; tokens per wall second and per CPU-second, the second comparable on a busy machine), and held-out
perplexity of the same model object on the last --blocks 256-token blocks of tiny_shakespeare. Variants: fp32,
bf16 weights, dynamic int8 Linear layers (activations quantised too: everywhere, without the lm_head, per
channel without the MLP's down projection; none kept the perplexity), int8 weights with fp32 activations (slow
kernel), and int8 weights with bf16 activations (tasks/int8_weights.py: the Playground's auto on a CPU fast at
bf16), also with the lm_head kept bf16. --only keeps the variants whose name holds one of the words.
"""
import argparse
import copy
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHAKESPEARE = next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()),
                   ROOT.parent / "shared") / "data" / "tiny_shakespeare" / "input.txt"
PROMPT, TOKENS = "ROMEO:", 64


def speed(generator) -> tuple[float, float]:
    import torch

    from finetune.tasks.text_generator import generation_settings

    inputs = generator.encode(PROMPT)
    settings = {**generation_settings(generator.tokenizer, {"max_new_tokens": TOKENS}), "min_new_tokens": TOKENS}
    generator.model.generate(**inputs, **{**settings, "max_new_tokens": 4, "min_new_tokens": 4})  # warm up
    wall = cpu = 0.0
    for _ in range(3):
        started, cpu_started = time.perf_counter(), time.process_time()
        with torch.inference_mode():
            generator.model.generate(**inputs, **settings)
        wall = max(wall, TOKENS / (time.perf_counter() - started))
        cpu = max(cpu, TOKENS / (time.process_time() - cpu_started))
    return wall, cpu


def perplexity(generator, blocks: int) -> float:
    import torch

    ids = generator.tokenizer(SHAKESPEARE.read_text()[-200_000:])["input_ids"][-blocks * 256:]
    losses = []
    with torch.inference_mode():
        for start in range(0, len(ids), 256):
            chunk = torch.tensor([ids[start:start + 256]])
            losses.append(generator.model(input_ids=chunk, labels=chunk).loss.item())
    return math.exp(sum(losses) / len(losses))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--only", nargs="*", help="variants whose name holds one of these words")
    args = parser.parse_args()
    import torch

    from finetune.models.embedded_lm import embedded_lm_path
    from finetune.tasks.text_generator import TextGenerator, playground_precision

    torch.set_num_threads(args.threads)
    path = embedded_lm_path()
    fp32 = TextGenerator(path, precision="fp32")
    per_channel = torch.ao.quantization.per_channel_dynamic_qconfig
    bf16 = TextGenerator(path, precision="bf16")
    variants = {"fp32": fp32, "bf16 weights": bf16,
                "int8, lm_head too": int8(fp32, lambda name: True),
                "int8 layers, fp32 lm_head": int8(fp32, lambda name: name != "lm_head"),
                "int8 per channel, fp32 down_proj": int8(fp32, lambda name: name != "lm_head"
                                                         and "down_proj" not in name, per_channel),
                "int8 weights only, fp32 activations": weights_int8(fp32),
                "int8 weights, bf16 activations (auto)": TextGenerator(path),  # what the Playground loads here
                "int8 weights, bf16 act., bf16 lm_head": weights_int8(bf16, torch.bfloat16, skip=("lm_head",))}
    variants = {name: v for name, v in variants.items() if not args.only or any(w in name for w in args.only)}
    print(f"the Playground's auto precision here: {playground_precision()}")
    print(f"SmolLM2-135M, {TOKENS} sampled tokens, {args.threads} threads, perplexity on {args.blocks} x 256 "
          f"tokens of tiny_shakespeare; load {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    print(f"{'variant':<34}{'tokens/s':>10}{'tokens/CPU-s':>14}{'perplexity':>12}")
    for name, generator in variants.items():
        wall, cpu = speed(generator)
        print(f"{name:<34}{wall:>10.1f}{cpu:>14.1f}{perplexity(generator, args.blocks):>12.2f}", flush=True)
    print(f"load at the end {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


def weights_int8(generator, activations=None, skip=()):
    """A copy of `generator` answered from int8 weights (one scale per output row) through PyTorch's
    _weight_int8pack_mm (what torchao's int8 weight-only mode calls on a CPU). With fp32 activations the kernel
    was slower here than fp32 (13.4 vs 17.4 tokens/s); with bf16 ones a 576x1536 product at batch 1 took 33 us
    against bf16's 72 us (bench/matmul: quiet, AVX512-BF16)."""
    import torch

    activations = activations or torch.float32

    class Int8WeightLinear(torch.nn.Module):
        def __init__(self, linear):
            super().__init__()
            weight = linear.weight.detach().float()
            scales = weight.abs().amax(dim=1).clamp(min=1e-8) / 127
            self.weight = torch.round(weight / scales[:, None]).to(torch.int8)
            self.scales = scales.to(activations)
            self.bias = None if linear.bias is None else linear.bias.detach().to(activations)

        def forward(self, x):
            out = torch.ops.aten._weight_int8pack_mm(x.reshape(-1, x.shape[-1]).to(activations), self.weight,
                                                     self.scales)
            out = out.reshape(*x.shape[:-1], -1)
            return (out if self.bias is None else out + self.bias).to(x.dtype)

    copied = copy.copy(generator)
    copied.model = copy.deepcopy(generator.model)
    for module in list(copied.model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, torch.nn.Linear) and name not in skip:
                setattr(module, name, Int8WeightLinear(child))
    return copied


def int8(generator, wanted, qconfig=None):
    """A copy of `generator` with dynamic int8 Linear layers where wanted(module name)."""
    import warnings

    import torch

    copied = copy.copy(generator)
    copied.model = copy.deepcopy(generator.model)
    names = {name: qconfig or torch.ao.quantization.default_dynamic_qconfig
             for name, module in copied.model.named_modules() if isinstance(module, torch.nn.Linear) and wanted(name)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization's notice that it moves to torchao
        torch.ao.quantization.quantize_dynamic(copied.model, names, inplace=True)
    return copied


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
