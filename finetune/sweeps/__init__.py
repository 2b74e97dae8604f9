"""Settings searches: `python -m finetune tune` runs trials, each a real run folder under SWEEP_DIR, and keeps
SWEEP_DIR/sweep.json up to date (record.py, read by the UI without importing training code); search.py drives
the Optuna study, ray_search.py the same trials on a Ray cluster."""
