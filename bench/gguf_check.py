"""Check a run's GGUF export against llama.cpp's own layout and by generating text with it.

    python bench/gguf_check.py RUN_DIR   (after: python -m finetune export RUN_DIR --format gguf)

Prints: the tensor count, whether every tensor name and shape equals those of the embedded SmolLM2 GGUF
(written by llama.cpp's converter) when the run's base is that model, the chat template and Modelfile, and
24 greedy tokens from the PyTorch model and from the GGUF file as transformers reads it back.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gguf  # noqa: E402
import torch  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

from finetune.models.embedded_lm import gguf_path  # noqa: E402

run = Path(sys.argv[1])
out = run / "model" / "gguf"
ours = {t.name: [int(n) for n in t.shape] for t in gguf.GGUFReader(str(out / "model.gguf")).tensors}
reference = {t.name: [int(n) for n in t.shape] for t in gguf.GGUFReader(str(gguf_path())).tensors}
print(f"tensors: {len(ours)} (llama.cpp's SmolLM2 file: {len(reference)}); same names and shapes: {ours == reference}")
print("Modelfile:\n" + (out / "Modelfile").read_text())
tokenizer = AutoTokenizer.from_pretrained(run / "model")
prompt = tokenizer("First Citizen:\n", return_tensors="pt")
for name, model in [("pytorch", AutoModelForCausalLM.from_pretrained(run / "model", dtype=torch.float32)),
                    ("gguf", AutoModelForCausalLM.from_pretrained(str(out), gguf_file="model.gguf", dtype=torch.float32))]:
    ids = model.eval().generate(**prompt, max_new_tokens=24, do_sample=False)
    print(f"{name}: {tokenizer.decode(ids[0][prompt['input_ids'].shape[1]:])!r}")
