"""What makes a training step cheaper on this hardware, each measured (bench/step_costs.py) before it was kept.

On a CPU, three things cost more than the matrix products of a small encoder:
- dropout: its random masks (aten::bernoulli_) took half the forward pass at 128 tokens and most of it at
  256, so `dropout` (default 0) sets every dropout layer's rate for the run; the saved model keeps its own.
- the word-embedding table: its dense gradient and AdamW state are half of MiniLM's parameters for a
  handful of rows a step, so `freeze_embeddings` keeps it as pretrained (where it is not also the output
  layer, as in language models, whose embeddings are their head).
- SDPA's fused attention backward in bf16 is slower than plain ("eager") attention up to ~128 tokens on a
  CPU, and faster beyond; the attention follows the fitted max_length. GPUs keep SDPA.
"""
from __future__ import annotations

EAGER_UP_TO = 128  # tokens: on a CPU, eager attention up to here (bench/step_costs.py), SDPA beyond


def apply(model, config, device: str, max_length: int) -> list[str]:
    """Set the run's dropout, freeze the embeddings, pick the attention; returns notes for results.json."""
    import torch

    notes = []
    changed = 0
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout) and module.p != config.dropout:
            module.p, changed = config.dropout, changed + 1
    if changed:
        notes.append(f"Dropout {config.dropout:g} while training ({changed} layers; the saved model keeps its own).")
    embeddings = model.get_input_embeddings()
    if config.freeze_embeddings and embeddings is not None and model.get_output_embeddings() is None \
            and embeddings.weight.requires_grad:
        embeddings.weight.requires_grad_(False)
        notes.append("Word embeddings kept as pretrained (freeze_embeddings).")
    if device == "cpu" and max_length <= EAGER_UP_TO and getattr(model.config, "_attn_implementation", None) == "sdpa":
        model.set_attn_implementation("eager")
        model._attention_before_run = "sdpa"
    return notes


def restore(model) -> None:
    """Before saving: the model's own attention, so the saved model predicts as it would have."""
    before = getattr(model, "_attention_before_run", None)
    if before:
        model.set_attn_implementation(before)
