"""Model catalogue: the models each task offers, how an id or folder resolves, the embedded weights."""
