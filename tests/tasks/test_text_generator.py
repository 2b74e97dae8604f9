"""text_generator: the Playground's model precision (auto by default: int8 weights where the CPU is fast at bf16,
bf16 on such a GPU, else fp32)."""
import torch

from finetune.machine import hardware
from finetune.tasks import int8_weights
from finetune.tasks.text_generator import TextGenerator, inference_dtype, playground_precision


def fake_hardware(fast: bool, device="cpu"):
    return hardware.Hardware(device, "CPU" if device == "cpu" else "GPU", 2, 8.0, fast)


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



def test_the_playground_generates_from_int8_weights_where_the_cpu_is_fast_at_bf16(tiny_gpt2, monkeypatch):
    """fp32 was the default, then bf16: 17.4 and 26.5 tokens/s against int8 weights' 39-40 on an AVX512-BF16 CPU
    (perplexity 39.05 / 39.10 / 39.53)."""
    monkeypatch.setattr(hardware, "detect", lambda: fake_hardware(True))
    assert playground_precision() == "int8" and TextGenerator(tiny_gpt2).model.dtype is torch.bfloat16
    monkeypatch.setattr(hardware, "detect", lambda: fake_hardware(True, "cuda"))
    assert playground_precision() == "bf16"
    monkeypatch.setattr(hardware, "detect", lambda: fake_hardware(False))  # AVX2 only: bf16 is emulated, slow
    assert playground_precision() == "fp32" and TextGenerator(tiny_gpt2).model.dtype is torch.float32


def test_int8_weights_answer_as_bf16_does_and_leave_widths_the_kernel_gets_wrong(tmp_path):
    """A Llama's layers become int8 (the next-token choice and logits as bf16's); a 40-wide input stays bf16: the
    kernel gave 1e29 there (and crashed at 30 wide)."""
    from tests.test_export import tiny_llama

    folder = tiny_llama(tmp_path / "llama")
    int8, bf16 = TextGenerator(folder, precision="int8"), TextGenerator(folder, precision="bf16")
    layers = [m for m in int8.model.modules() if isinstance(m, int8_weights.Int8WeightLinear)]
    assert len(layers) == 2 * 7 + 1  # q k v o gate up down per layer, and the lm_head
    inputs = bf16.encode("ROMEO: good morrow")
    with torch.inference_mode():
        want, got = bf16.model(**inputs).logits.float(), int8.model(**inputs).logits.float()
    assert float((got - want).norm() / want.norm()) < 0.05
    assert torch.equal(got[0, -1].argmax(), want[0, -1].argmax())
    assert int8(["ROMEO:"], max_new_tokens=6, temperature=0)[0]["generated_text"]
    odd = torch.nn.Sequential(torch.nn.Linear(40, 8).bfloat16(), torch.nn.Linear(8, 16).bfloat16())
    assert int8_weights.quantize_linears(odd) == 0 and all(isinstance(m, torch.nn.Linear) for m in odd)


def test_a_layer_shape_the_kernel_gets_wrong_stays_bf16(monkeypatch):
    model = torch.nn.Sequential(torch.nn.Linear(32, 16).bfloat16())
    monkeypatch.setattr(int8_weights.Int8WeightLinear, "forward", lambda self, x: torch.full(
        (*x.shape[:-1], self.out_features), float("inf")))
    assert int8_weights.quantize_linears(model) == 0 and isinstance(model[0], torch.nn.Linear)


def test_the_prompt_goes_to_the_models_device(tiny_gpt2):
    generator = TextGenerator(tiny_gpt2)
    assert all(value.device == generator.model.device for value in generator.encode("ROMEO:").values())
