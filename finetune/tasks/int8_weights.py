"""int8 weights with bf16 activations for generating on a CPU (the Playground's `int8` precision).

Generating one token reads every weight once, so on a CPU memory traffic sets the pace. Storing each Linear's
weight as int8 with one scale per output row halves bf16's bytes; PyTorch's `_weight_int8pack_mm` (what
torchao's int8 weight-only mode calls on a CPU) multiplies bf16 activations by them directly. Measured by
bench/playground_speed.py (SmolLM2-135M, 2-core AVX512-BF16 EPYC, quiet): 39-40 tokens/s against bf16's 23-27
and fp32's 17, held-out perplexity 39.53 against 39.10 (bf16) and 39.05 (fp32). Per-row symmetric int8 is the
plain scheme torchao uses; the embeddings stay bf16 (a lookup reads one row).

The kernel gives garbage or crashes when a layer's input width is not a multiple of 16 (checked here: 40 and 24
wide gave 1e29 and inf, 30 wide a segfault), so such layers stay bf16, and every layer shape is checked once
against bf16 before it is used.
"""
from __future__ import annotations

import torch

WIDTH_MULTIPLE = 16   # the kernel's input widths (measured: 16, 48, 80, 112, 144 right; 8, 24, 30, 40 wrong)
MAX_RELATIVE_ERROR = 0.05  # a shape whose int8 product is further than this from bf16's stays bf16


class Int8WeightLinear(torch.nn.Module):
    """y = x W^T (+ b) with W as int8 rows and one bf16 scale per row; x in bf16. Imported only where a model is
    loaded to generate (torch is there anyway)."""

    def __init__(self, linear: torch.nn.Linear):
        super().__init__()
        weight = linear.weight.detach().float()
        scales = weight.abs().amax(dim=1).clamp(min=1e-8) / 127
        self.register_buffer("weight", torch.round(weight / scales[:, None]).to(torch.int8))
        self.register_buffer("scales", scales.to(torch.bfloat16))
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().to(torch.bfloat16))
        self.in_features, self.out_features = linear.in_features, linear.out_features

    def forward(self, x):
        out = torch.ops.aten._weight_int8pack_mm(x.reshape(-1, x.shape[-1]).to(torch.bfloat16), self.weight,
                                                 self.scales).reshape(*x.shape[:-1], -1)
        return out if self.bias is None else out + self.bias


def available() -> bool:
    return hasattr(torch.ops.aten, "_weight_int8pack_mm")


def quantize_linears(model) -> int:
    """Replaces the model's Linear layers (bf16 weights) by int8-weight ones in place; returns how many."""
    checked: dict[tuple, bool] = {}
    replaced = 0
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if not isinstance(child, torch.nn.Linear) or child.in_features % WIDTH_MULTIPLE:
                continue
            layer = Int8WeightLinear(child)
            shape = (child.in_features, child.out_features)
            if shape not in checked:
                checked[shape] = _agrees(layer, child)
            if checked[shape]:
                setattr(module, name, layer)
                replaced += 1
    return replaced


def _agrees(layer: Int8WeightLinear, linear: torch.nn.Linear) -> bool:
    x = torch.randn(2, linear.in_features, dtype=torch.bfloat16)
    with torch.inference_mode():
        want, got = linear(x.to(linear.weight.dtype)).float(), layer(x).float()
    error = float((got - want).norm() / want.norm().clamp(min=1e-6))
    return bool(torch.isfinite(got).all()) and error < MAX_RELATIVE_ERROR
