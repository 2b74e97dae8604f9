"""text_generator: the Playground's model precision (int8 decoder layers on a CPU by default; fp32, bf16 or auto on request)."""
import torch

from finetune import hardware
from finetune.tasks.text_generator import TextGenerator, inference_dtype


def fake_hardware(fast: bool):
    return hardware.Hardware("cpu", "CPU", 2, 8.0, fast)


def test_auto_precision_follows_the_hardware(monkeypatch):
    monkeypatch.setattr(hardware, "detect", lambda: fake_hardware(True))
    assert inference_dtype("auto") is torch.bfloat16 and inference_dtype("fp32") is torch.float32
    monkeypatch.setattr(hardware, "detect", lambda: fake_hardware(False))
    assert inference_dtype("auto") is torch.float32 and inference_dtype("bf16") is torch.bfloat16


def test_a_bf16_generator_loads_and_writes_text_like_fp32(tiny_gpt2):
    fast, plain = TextGenerator(tiny_gpt2, precision="bf16"), TextGenerator(tiny_gpt2)
    assert fast.model.dtype is torch.bfloat16 and plain.model.dtype is torch.float32
    for generator in (fast, plain):
        text = generator(["ROMEO:"], max_new_tokens=6, temperature=0)[0]["generated_text"]
        assert isinstance(text, str) and text  # greedy, 6 new tokens: never empty


def tiny_llama(folder, tokenizer_from) -> str:
    """A 2-layer Llama (nn.Linear layers, a tied lm_head, as SmolLM2) with tiny_gpt2's tokenizer."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_from)
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                         tie_word_embeddings=True, max_position_embeddings=64))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def test_on_a_cpu_the_decoder_layers_run_in_int8_and_the_output_layer_in_fp32(tiny_gpt2, tmp_path):
    from finetune.tasks.text_generator import quantized

    path = tiny_llama(tmp_path / "llama", tiny_gpt2)
    now, before = TextGenerator(path), TextGenerator(path, precision="fp32")
    assert quantized(now.model) == 2 * 7 and quantized(before.model) == 0  # q, k, v, o, gate, up, down a layer
    assert isinstance(now.model.lm_head, torch.nn.Linear) and now.model.lm_head.weight.dtype is torch.float32
    ids = now.encode("ROMEO: hello")
    with torch.inference_mode():
        close = torch.nn.functional.cosine_similarity(now.model(**ids).logits.flatten(),
                                                      before.model(**ids).logits.flatten(), dim=0)
    assert close > 0.99  # the same model, a little rounded
    assert now(["ROMEO:"], max_new_tokens=6, temperature=0)[0]["generated_text"]


def test_a_gpt2_style_model_without_linear_layers_is_left_as_it_is(tiny_gpt2):
    from finetune.tasks.text_generator import quantized

    assert quantized(TextGenerator(tiny_gpt2).model) == 0
