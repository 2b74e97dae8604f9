"""Run control, app side: start a training process (warm or cold), stop or kill it, its status, the runs table."""
