"""A generation run for local runtimes: one GGUF file (llama.cpp, Ollama, LM Studio) and an Ollama Modelfile.

The model folder already holds merged weights (LoRA adapters are merged on save; a folder that still has an
adapter is merged here first). Tensors are named and laid out as llama.cpp's own converter does it (gguf's
TensorNameMap; q/k rows permuted for its rotary layout), weights in f16 and norms in f32. The check reads
the file back (gguf's reader: tensor count, names, shapes) and loads it with transformers' GGUF reader to
compare its next-token logits with the PyTorch model's.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

ARCHITECTURES = {"LlamaForCausalLM": "LLAMA"}  # what llama.cpp calls the HF architectures we can write
CHECK_TEXT = "The kettle will not turn on, so I"
CHATML = ('TEMPLATE """{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}'
          '<|im_start|>assistant\n"""\nPARAMETER stop "<|im_end|>"\n')


@dataclass
class GgufExport:
    path: str
    modelfile: str
    tensors: int
    size_mb: float
    max_abs_diff: float = float("nan")  # logits of the file read back by transformers against PyTorch's
    same_next_token: bool = False


def export_gguf(model_dir, out=None, check: bool = True) -> GgufExport:
    """Writes out/model.gguf and out/Modelfile (out: model_dir/gguf) and checks the file."""
    import gguf
    import torch
    from transformers import AutoTokenizer

    import json

    model_dir = Path(model_dir)
    named = (json.loads((model_dir / "config.json").read_text()).get("architectures") or ["unknown"])[0]
    arch = ARCHITECTURES.get(named)
    if arch is None:  # said before a model is loaded
        raise ConfigError(f"GGUF export is for {', '.join(ARCHITECTURES)} models (e.g. the embedded SmolLM2); this "
                          f"run's model is {named}. Download the model folder instead.")
    model = _merged_model(model_dir)
    config = model.config
    out = Path(out) if out else model_dir / "gguf"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "model.gguf"
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    writer = gguf.GGUFWriter(str(path), gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH[arch]])
    _write_settings(writer, config)
    _write_vocab(writer, tokenizer, model_dir, config.vocab_size)
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH[arch], config.num_hidden_layers)
    heads, kv_heads = config.num_attention_heads, config.num_key_value_heads
    state = model.state_dict()
    for name, tensor in state.items():
        if name == "lm_head.weight" and config.tie_word_embeddings:
            continue  # llama.cpp reuses token_embd
        target = names.get_name(name, try_suffixes=(".weight", ".bias"))
        if target is None:
            raise ConfigError(f"GGUF export does not know the tensor {name}.")
        data = tensor.detach().to(torch.float32)
        if name.endswith("q_proj.weight"):
            data = _permute(data, heads, heads)
        elif name.endswith("k_proj.weight"):
            data = _permute(data, heads, kv_heads)
        writer.add_tensor(target, data.numpy().astype("float16" if data.ndim == 2 else "float32"))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    modelfile = out / "Modelfile"
    modelfile.write_text(ollama_modelfile(config, tokenizer))
    result = GgufExport(str(path), str(modelfile), len(gguf.GGUFReader(str(path)).tensors),
                        round(path.stat().st_size / 2**20, 1))
    return _check(result, model, tokenizer) if check else result


def _merged_model(model_dir: Path):
    import torch
    from transformers import AutoModelForCausalLM

    if (model_dir / "adapter_config.json").is_file():  # an unmerged LoRA folder: merge it first
        from peft import AutoPeftModelForCausalLM

        return AutoPeftModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).merge_and_unload().eval()
    return AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()


def _permute(weights, n_head: int, n_head_kv: int):
    """llama.cpp's rotary layout for q/k rows (its convert_hf_to_gguf.py LlamaModel.permute)."""
    if n_head_kv != n_head:
        n_head = n_head_kv
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def _write_settings(writer, config) -> None:
    import gguf

    rope = getattr(config, "rope_parameters", None) or {}
    writer.add_name(getattr(config, "finetune_base_model", None) or "fine-tuned model")
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_rope_dimension_count(getattr(config, "head_dim", None)
                                    or config.hidden_size // config.num_attention_heads)
    writer.add_rope_freq_base(float(rope.get("rope_theta") or getattr(config, "rope_theta", 10000.0)))
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_vocab_size(config.vocab_size)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)


def _write_vocab(writer, tokenizer, model_dir: Path, vocab_size: int) -> None:
    """A byte-level BPE vocabulary (gpt2 style, as SmolLM2's), its merges, special ids and chat template."""
    import gguf

    if not (model_dir / "tokenizer.json").is_file():
        raise ConfigError("GGUF export needs the model's tokenizer.json (a fast BPE tokenizer).")
    by_id = {i: token for token, i in tokenizer.get_vocab().items()}
    special = set(tokenizer.all_special_ids) | {i for i, t in tokenizer.added_tokens_decoder.items() if t.special}
    tokens = [by_id.get(i, f"[PAD{i}]") for i in range(vocab_size)]
    types = [gguf.TokenType.CONTROL if i in special else gguf.TokenType.USER_DEFINED if i not in by_id
             else gguf.TokenType.NORMAL for i in range(vocab_size)]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre_tokenizer(tokenizer))
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    gguf.SpecialVocab(model_dir, load_merges=True, n_vocab=vocab_size).add_to_gguf(writer, quiet=True)


def pre_tokenizer(tokenizer) -> str:
    """llama.cpp's name for how the tokenizer splits text before BPE (tokenizer.ggml.pre). GPT-2's byte-level
    split is "gpt2" there; the embedded SmolLM2's vocabulary gets the name llama.cpp's own conversion of it
    wrote ("smollm", the same split). "default" is llama.cpp's own split, which cuts punctuation off words:
    written for every run before, it made llama.cpp read a prompt's " - Sam" as " ", "-", " Sam" where
    training saw " -", " Sam" (bench/llama_cpp_check.py). It stays for other splits, which llama.cpp names
    by a hash of their output on its converter's test text."""
    import json

    import gguf
    from transformers import AutoTokenizer

    from ..models.embedded_lm import gguf_path, tokenizer_source

    try:
        splitting = json.loads(tokenizer.backend_tokenizer.to_str()).get("pre_tokenizer") or {}
    except (AttributeError, ValueError):  # a slow tokenizer
        return "default"
    if not (splitting.get("type") == "ByteLevel" and splitting.get("use_regex") and not splitting.get("add_prefix_space")):
        return "default"
    try:
        path, options = tokenizer_source()
        if AutoTokenizer.from_pretrained(path, **options).get_vocab() == tokenizer.get_vocab():
            return str(gguf.GGUFReader(str(gguf_path())).fields["tokenizer.ggml.pre"].contents())
    except (ConfigError, KeyError, OSError):  # the embedded model is not installed
        pass
    return "gpt2"


def ollama_modelfile(config, tokenizer) -> str:
    """FROM the GGUF beside it; for chat-trained runs a ChatML template and, where the model's chat template
    adds a system line to a conversation without one (SmolLM2's does), that line as SYSTEM: Ollama's
    template alone would leave it out, and the model was trained with it. The plain prompt otherwise."""
    chat = getattr(config, "finetune_prompt_format", "plain") == "chat" and "<|im_start|>" in str(
        tokenizer.chat_template or "")
    template = CHATML if chat else 'TEMPLATE """{{ .Prompt }}"""\n'
    system = default_system(tokenizer) if chat else ""
    system = f'SYSTEM """{system}"""\n' if system else ""
    return f"FROM ./model.gguf\n{template}{system}PARAMETER temperature 0.7\nPARAMETER top_p 0.9\n"


def default_system(tokenizer) -> str:
    """The system message a ChatML chat template puts before a lone user message, "" for none."""
    shown = tokenizer.apply_chat_template([{"role": "user", "content": "x"}], tokenize=False)
    start = "<|im_start|>system\n"
    return shown[len(start):shown.index("<|im_end|>")] if shown.startswith(start) else ""


def _check(result: GgufExport, model, tokenizer) -> GgufExport:
    """The file as transformers reads GGUF (its own q/k un-permute): next-token logits against PyTorch's."""
    import torch
    from transformers import AutoModelForCausalLM

    path = Path(result.path)
    back = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=torch.float32).eval()
    ids = tokenizer(CHECK_TEXT, return_tensors="pt")
    with torch.no_grad():
        expected, got = model(**ids).logits[0, -1], back(**ids).logits[0, -1]
    result.max_abs_diff = float((expected - got).abs().max())
    result.same_next_token = int(expected.argmax()) == int(got.argmax())
    if not result.same_next_token:
        raise ConfigError("The GGUF file read back predicts another next token than the model; it was not kept.")
    return result
