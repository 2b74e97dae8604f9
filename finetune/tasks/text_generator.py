"""A causal or text-to-text language model as a function: prompt in, text out, whole or streamed as it is generated."""
from __future__ import annotations

from functools import lru_cache
from threading import Thread

DEFAULTS = {"max_new_tokens": 64, "temperature": 0.7, "top_p": 0.9}


class TextGenerator:
    """`precision`: auto (the default, `playground_precision`), fp32, bf16 or int8 (int8 weights, bf16
    activations: tasks/int8_weights.py). On a GPU the model runs there.

    One token at a time, a small model reads all its weights for every token: on a CPU the memory traffic sets
    the pace (SmolLM2-135M: 540 MB of fp32 a token, 270 MB in bf16, about half that in int8).
    bench/playground_speed.py measures each way in one run, tokens/s and held-out perplexity (2-core
    AVX512-BF16 EPYC, quiet): fp32 16.8-17.4, bf16 weights 23.5-26.5, int8 weights with bf16 activations
    39.2-40.4 tokens/s, at perplexity 39.05 / 39.10 / 39.53. Dynamic int8 (activations quantised too) loses the
    perplexity (39 -> 98-115), and int8 weights with fp32 activations ran slower than fp32 (13.4)."""

    def __init__(self, model_dir, prompt_format: str | None = None, precision: str = "auto"):
        from transformers import AutoTokenizer, logging

        from ..machine.hardware import detect
        from .seq2seq import load_model

        logging.disable_progress_bar()
        device = "cuda" if detect().device == "cuda" else "cpu"
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        self.precision = playground_precision(precision)
        self.model = load_model(model_dir, dtype=inference_dtype(self.precision)).to(device).eval()  # causal or T5
        if self.precision == "int8":
            from .int8_weights import quantize_linears

            quantize_linears(self.model)
        config = self.model.config
        self.base_model = getattr(config, "finetune_base_model", None)
        self.prompt_format = prompt_format or getattr(config, "finetune_prompt_format", "plain")

    def base(self) -> "TextGenerator":
        """The model this run started from, prompted the same way: the Playground's side-by-side."""
        return base_generator(self.base_model, self.prompt_format)

    def __call__(self, texts: list[str], **options) -> list[dict]:
        """{"generated_text": the continuation only} per prompt."""
        return [{"generated_text": "".join(self.stream(text, **options))} for text in texts]

    def stream(self, prompt: str, **options):
        """Pieces of the continuation as they are generated (generation runs in a thread)."""
        from transformers import TextIteratorStreamer

        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        kwargs = dict(self.encode(prompt), streamer=streamer, **generation_settings(self.tokenizer, options))
        failed = []

        def generate():
            import torch

            try:
                with torch.inference_mode():  # cheaper than generate()'s own no_grad: no version counters
                    self.model.generate(**kwargs)
            except Exception as e:  # handed to the caller below; the streamer must still end
                failed.append(e)
                streamer.end()

        thread = Thread(target=generate, daemon=True)
        thread.start()
        yield from streamer
        thread.join()
        if failed:
            raise failed[0]

    def encode(self, prompt: str) -> dict:
        """The prompt's tensors, on the model's device."""
        return {name: value.to(self.model.device) for name, value in self._encode(prompt).items()}

    def _encode(self, prompt: str) -> dict:
        if self.model.config.is_encoder_decoder:  # the prompt goes to the encoder as it is
            return dict(self.tokenizer(prompt, return_tensors="pt"))
        if self.prompt_format == "chat" and self.tokenizer.chat_template:
            return dict(self.tokenizer.apply_chat_template([{"role": "user", "content": prompt}],
                                                           add_generation_prompt=True, return_dict=True,
                                                           return_tensors="pt"))
        if self.prompt_format == "chat":  # trained on pairs without a template: prompt, newline, answer
            prompt += "\n"
        return dict(self.tokenizer(prompt, return_tensors="pt"))


def playground_precision(precision: str = "auto") -> str:
    """What auto means for generating here: int8 weights on a CPU that is fast at bf16 (AMX, AVX512-BF16) and
    has the kernel, bf16 on such a GPU, else fp32 (an AVX2-only CPU emulates bf16, ~600x slower)."""
    if precision != "auto":
        return precision
    from ..machine.hardware import detect
    from .int8_weights import available

    hardware = detect()
    if not hardware.fast_bf16:
        return "fp32"
    return "int8" if hardware.device != "cuda" and available() else "bf16"


def inference_dtype(precision: str = "auto"):
    """The dtype the model loads in (int8 loads in bf16, then its Linear layers are quantised)."""
    import torch

    return torch.float32 if playground_precision(precision) == "fp32" else torch.bfloat16


def generation_settings(tokenizer, options: dict) -> dict:
    """generate() arguments; temperature 0 means greedy (always the likeliest token)."""
    values = {**DEFAULTS, **{k: v for k, v in options.items() if v is not None}}
    settings = {"max_new_tokens": int(values["max_new_tokens"]), "pad_token_id": tokenizer.pad_token_id
                or tokenizer.eos_token_id}
    if float(values["temperature"]) <= 0:
        return {**settings, "do_sample": False}
    return {**settings, "do_sample": True, "temperature": float(values["temperature"]),
            "top_p": float(values["top_p"])}


@lru_cache(maxsize=2)
def base_generator(base_model: str, prompt_format: str) -> TextGenerator:
    """The model a run started from, prompted the same way, for side-by-side answers."""
    return TextGenerator(base_model, prompt_format)
