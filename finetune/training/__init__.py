"""The training process: what `python -m finetune train` runs, in its own process (or one per rank)."""
