"""Fine-Tune Studio's engine: configs, runs, tasks. Imports no Gradio (the UI lives in finetune.ui)."""
from .config import ConfigError, DataError, RunConfig
from .runs.folder import RunPaths, new_run_dir
from .control.processes import run_status, start_run, stop_run

__all__ = ["ConfigError", "DataError", "RunConfig", "RunPaths", "new_run_dir", "run_status",
           "start_run", "stop_run"]
