"""The run folder: what a run writes (config.json, events.jsonl, results.json, model/) and how it is read.
The only channel between a training process and whoever watches it. Imports nothing above errors and machine/."""
