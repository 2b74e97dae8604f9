"""Services over finished runs: predictions and serving, verdicts, label review, export, sharing, model cards."""
