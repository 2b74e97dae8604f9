"""Before training: what a run will cost (estimate, machine_speed) and whether it is needed (quick_models)."""
