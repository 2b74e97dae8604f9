"""This machine's measured speed: seconds for one training step (forward, backward, AdamW) or one evaluation
batch of a model's architecture, at a batch size, length and number format, measured once and cached.

Why measure rather than count FLOPs: on a CPU the share of peak speed a step reaches depends on the shapes,
the number format and the threads torch gets (use_free_cores), and a FLOP count missed it by 2.4x here.
Weights are random (nothing is read or downloaded), built from the model's config and timed (the fastest
of REPEATS). A small model is timed whole; a deep one with one and with DEEP_SAMPLE layers, so it costs
two shallow benchmarks: its time is the fixed part (embeddings, head, optimizer on them) plus its layers
times the cost of one (extrapolating from one and two layers multiplied the noise by the depth).

The cache is RUNS_ROOT/.machine_speed.json, keyed by architecture, shape, format and threads: a fresh runs
folder measures again, so do other threads or another torch.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from ..runs.atomic import write_atomic

REPEATS = 3
WARMUPS = 2       # untimed steps first: a process's first steps of a shape run slow (oneDNN picks kernels, memory is
#                   first touched); after one warm-up the first measurement in a process was still 25% slow
LENGTH_STEP = 8   # lengths are measured in steps of 8 tokens (rounded up): 16 overcounted 24-token texts by a third
CACHE_NAME = ".machine_speed.json"
WHOLE_MODEL_PARAMETERS = 60e6  # layer weights up to this are timed whole (MiniLM: 10.6M), a second or two
DEEP_SAMPLE = 4                # a deeper model is timed with 1 and with this many layers
DEEP_BATCH = 2                 # ...on this many examples, scaled to the batch (SmolLM2 at 16 took minutes)
SLOW_STEP_S = 2.0              # a warm-up slower than this is followed by one timed step, not REPEATS


def _cache_path(root=None) -> Path:
    from ..runs.folder import runs_root

    return Path(root or runs_root()) / CACHE_NAME


def _read(path: Path) -> dict:
    try:
        values = json.loads(path.read_text())
        return values if isinstance(values, dict) else {}
    except (OSError, ValueError):
        return {}


def step_seconds(model_path: str, *, batch: int, length: int, bf16: bool, train: bool = True,
                 causal: bool = False, root=None, frozen_embeddings: bool = False) -> float:
    """Seconds for one step of `batch` examples of `length` tokens (train: forward, backward and optimizer;
    else a forward pass without gradients), measured on first use and then read from the cache.
    `frozen_embeddings`: the word-embedding table takes no gradient (freeze_embeddings; on MiniLM half the
    weights: timing their update too made a fine-tuning estimate 2x high)."""
    import torch
    from transformers import AutoConfig

    from ..machine.hardware import detect, use_free_cores

    device = detect().device
    threads = use_free_cores()  # as the training process will: the speed depends on it
    config = AutoConfig.from_pretrained(model_path)
    layers = config.num_hidden_layers
    length = -(-max(1, length) // LENGTH_STEP) * LENGTH_STEP
    key = "|".join(map(str, (config.model_type, config.hidden_size, layers, getattr(config, "intermediate_size", ""),
                             config.vocab_size, "causal" if causal else "classify", device,
                             "bf16" if bf16 else "fp32", threads, torch.__version__, batch, length,
                             "train" if train else "eval", "frozen" if frozen_embeddings else "")))
    path = _cache_path(root)
    cached = _read(path).get(key)
    if isinstance(cached, (int, float)) and cached > 0:
        return float(cached)
    if layers * 12 * config.hidden_size ** 2 <= WHOLE_MODEL_PARAMETERS:  # small: the model itself, no extrapolation
        seconds = _timed(config, layers, batch, length, bf16, train, causal, device, frozen_embeddings)
    else:  # deep: one layer and DEEP_SAMPLE layers, on a smaller batch (a CPU step's time grows with its examples)
        few, small = min(DEEP_SAMPLE, layers), min(batch, DEEP_BATCH)
        one, more = (_timed(config, n, small, length, bf16, train, causal, device, frozen_embeddings)
                     for n in (1, few))
        per_layer = max((more - one) / (few - 1), 0.1 * more / few)  # noise never makes a layer free
        seconds = (max(one - per_layer, 0.0) + layers * per_layer) * batch / small
    seconds = round(seconds, 5)  # as the cache will answer next time
    values = _read(path)
    values[key] = seconds
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(values, indent=1) + "\n")
    except OSError:  # a read-only runs folder: measure again next time
        pass
    return seconds


def _timed(config, layers: int, batch: int, length: int, bf16: bool, train: bool, causal: bool, device: str,
           frozen_embeddings: bool = False) -> float:
    """The fastest of REPEATS steps (after a warm-up) of the architecture cut to `layers` layers."""
    import copy

    import torch
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    config = copy.deepcopy(config)
    config.num_hidden_layers = layers
    if not causal:
        config.num_labels = 2
    torch.manual_seed(0)
    model = (AutoModelForCausalLM if causal else AutoModelForSequenceClassification).from_config(config).to(device)
    ids = torch.randint(0, config.vocab_size, (batch, length), device=device)
    labels = ids if causal else torch.zeros(batch, dtype=torch.long, device=device)
    if frozen_embeddings and model.get_output_embeddings() is None:  # a tied output layer trains (speedups.py)
        model.get_input_embeddings().weight.requires_grad_(False)
    trained = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trained, lr=1e-5) if train else None
    model.train(train)
    best, repeats, warmups = float("inf"), REPEATS, WARMUPS
    for repeat in range(WARMUPS + REPEATS):
        if repeat >= warmups + repeats:
            break
        started = time.perf_counter()
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=bf16), \
                torch.set_grad_enabled(train):
            loss = model(input_ids=ids, labels=labels).loss
        if train:
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        else:
            loss.item()
        took = time.perf_counter() - started
        if repeat >= warmups:
            best = min(best, took)
        elif repeat == 0 and took > SLOW_STEP_S:  # a slow model: one warm-up and one timed step
            repeats, warmups = 1, 1
    return best
