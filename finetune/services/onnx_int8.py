"""int8 ONNX beside the fp32 export, for CPUs and local runtimes: dynamic quantisation of the weights
(onnxruntime.quantization.quantize_dynamic), checked on the run's own held-out rows.

The check: both files label the held-out split that the report used (test if the run held one out, else
validation), one row at a time as a service would; their labels (per text, or per token for NER) must agree
on at least MIN_AGREEMENT of them, or the int8 file is not kept. The latency of both is in the result.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import ConfigError

MIN_AGREEMENT = 0.99
MAX_ROWS = 300  # held-out rows checked and timed (a big test split would take minutes)


@dataclass
class Int8Export:
    path: str
    rows: int
    agreement: float        # share of labels both files agree on
    fp32_ms: float          # mean latency per row, batch of one
    int8_ms: float
    fp32_mb: float
    int8_mb: float

    def to_json(self) -> dict:
        return asdict(self)


def export_int8(run_dir) -> Int8Export:
    """Writes model/onnx/model.int8.onnx (the fp32 export first when it is missing) and checks it."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from .onnx_export import export_onnx, refuse_unexportable
    from ..runs.folder import RunPaths
    from ..config import load_run_config
    from ..tasks import get_task

    paths = RunPaths(Path(run_dir))
    config = load_run_config(paths.root)
    task = get_task(config.task)
    refuse_unexportable(paths.model, task)  # before any file: an older export of such a model is not reused
    fp32 = paths.onnx / "model.onnx"
    if not fp32.is_file():
        export_onnx(paths.model, task)
    int8 = paths.onnx / "model.int8.onnx"
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    rows = held_out_rows(task, config, paths.onnx)
    (fp32_labels, fp32_ms), (int8_labels, int8_ms) = label_rows(fp32, rows), label_rows(int8, rows)
    agreement = sum(a == b for x, y in zip(fp32_labels, int8_labels) for a, b in zip(x, y)) / max(
        1, sum(len(x) for x in fp32_labels))
    result = Int8Export(str(int8), len(rows), round(agreement, 4), round(fp32_ms, 2), round(int8_ms, 2),
                        round(fp32.stat().st_size / 2**20, 1), round(int8.stat().st_size / 2**20, 1))
    if agreement < MIN_AGREEMENT:
        int8.unlink()
        raise ConfigError(f"The int8 model agrees with the fp32 one on {agreement:.1%} of the held-out labels "
                          f"(at least {MIN_AGREEMENT:.0%} needed); it was not kept. Use the fp32 ONNX file.")
    return result


def held_out_rows(task, config, tokenizer_dir) -> list[dict]:
    """The report's held-out split, tokenized as training did (the Task's own prepare)."""
    from transformers import AutoTokenizer

    try:
        data = task.read_data(config)
    except (ConfigError, OSError) as e:
        raise ConfigError(f"The int8 check needs the run's held-out rows, and its data cannot be read: {e}") from None
    tokenized, _ = task.prepare(data, AutoTokenizer.from_pretrained(tokenizer_dir), config)
    split = tokenized["test" if "test" in tokenized else "validation"]
    return [split[i] for i in range(min(len(split), MAX_ROWS))]


def label_rows(model_file: Path, rows: list[dict]) -> tuple[list[list[int]], float]:
    """(labels per row: one for a text, one per real token for NER; mean ms per row)."""
    import numpy as np
    import onnxruntime

    session = onnxruntime.InferenceSession(str(model_file), providers=["CPUExecutionProvider"])
    wanted = [i.name for i in session.get_inputs()]
    labels, started = [], time.perf_counter()
    for row in rows:
        feeds = {name: np.array([row[name]], dtype=np.int64) for name in wanted if name in row}
        logits = session.run(["logits"], feeds)[0][0]
        predicted = logits.argmax(-1)
        labels.append([int(predicted)] if predicted.ndim == 0 else predicted[np.array(row["attention_mask"]) == 1].tolist())
    return labels, (time.perf_counter() - started) * 1000 / max(1, len(rows))
