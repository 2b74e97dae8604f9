"""One side of bench/speed.py in its own process, so its peak memory is its own.

    python bench/side.py ours  PROBE.json train --data ... --output RUN   (= python -m finetune train ...)
    python bench/side.py guide PROBE.json --data ... --output DIR         (= python bench/guide_script.py ...)

Both sides run unchanged; a probe on transformers' Trainer counts what each training step is fed
(real and padded tokens) and keeps the Trainer's own output. PROBE.json is written at exit.
"""
import json
import resource
import runpy
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def install_probe(record: dict) -> None:
    from transformers import Trainer

    training_step, train = Trainer.training_step, Trainer.train

    def counted_step(self, model, inputs, *args, **kwargs):
        ids, mask = inputs["input_ids"], inputs.get("attention_mask")
        record["padded_tokens"] += ids.numel()
        record["real_tokens"] += int(mask.sum()) if mask is not None else ids.numel()
        record["steps"] += 1
        return training_step(self, model, inputs, *args, **kwargs)

    def recorded_train(self, *args, **kwargs):
        cpu_started = time.process_time()
        output = train(self, *args, **kwargs)
        record["train_cpu_s"] = time.process_time() - cpu_started  # steadier than wall time on a shared CPU
        record["train_metrics"] = output.metrics
        record["log_history"] = self.state.log_history
        record["train_rows"] = len(self.train_dataset)
        record["threads"] = __import__("torch").get_num_threads()  # as the side chose them
        record["non_embedding_params"] = sum(p.numel() for name, p in self.model.named_parameters()
                                             if "embeddings" not in name)
        return output

    Trainer.training_step, Trainer.train = counted_step, recorded_train


def peak_memory_mb() -> float:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main():
    side, probe_file, args = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
    record = {"side": side, "padded_tokens": 0, "real_tokens": 0, "steps": 0, "started": time.time()}
    install_probe(record)
    sys.path.insert(0, str(ROOT))
    code = 0
    try:
        if side == "ours":
            sys.argv = ["finetune", *args]
            runpy.run_module("finetune", run_name="__main__", alter_sys=True)
        else:
            sys.argv = [str(ROOT / "bench" / "guide_script.py"), *args]
            runpy.run_path(sys.argv[0], run_name="__main__")
    except SystemExit as e:
        code = e.code or 0
    record.update(exit_code=code, ended=time.time(), peak_memory_mb=peak_memory_mb())
    probe_file.write_text(json.dumps(record, default=float))
    sys.exit(code)


if __name__ == "__main__":
    main()
