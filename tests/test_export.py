import json

import numpy as np
import pytest

from finetune.config import ConfigError
from finetune.tasks import get_task
from finetune.services.onnx_export import export_onnx, onnx_logits
from finetune.services.hub import push_to_hub


def test_onnx_export_matches_pytorch(tiny_model, tmp_path):
    import shutil

    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tiny_model = shutil.copytree(tiny_model, tmp_path / "model")
    result = export_onnx(tiny_model, get_task("classification"))
    assert result["max_abs_diff"] < 1e-3
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    texts = ["contract clause tenant", "patient fever dose nurse surgery clinic doctor"]  # a new batch shape
    inputs = tokenizer(texts, padding=True, return_tensors="np")
    ours = onnx_logits(result["path"], dict(inputs))
    torch_logits = AutoModelForSequenceClassification.from_pretrained(tiny_model)(
        **tokenizer(texts, padding=True, return_tensors="pt")).logits.detach().numpy()
    np.testing.assert_allclose(ours, torch_logits, atol=1e-4)


def test_onnx_is_refused_for_generation(tiny_model):
    with pytest.raises(ConfigError, match=r"for Text classification and Named entities \(NER\) runs"):
        export_onnx(tiny_model, get_task("generation"))


def test_push_offline_says_so_and_never_echoes_the_token(tiny_model, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ConfigError, match="not reachable") as error:
        push_to_hub(tiny_model, "me/model", "hf_secret_token")
    assert "hf_secret_token" not in str(error.value)
    with pytest.raises(ConfigError, match="your-name/model-name"):
        push_to_hub(tiny_model, "model", "hf_x")


# --- local runtimes: int8 ONNX beside the fp32 one, GGUF with an Ollama Modelfile --------------------
def test_int8_onnx_of_a_classification_run_agrees_on_the_held_out_rows(tmp_path, fast_config):
    from finetune.training.engine import train
    from finetune.services.onnx_int8 import export_int8

    train(fast_config, tmp_path / "run")
    result = export_int8(tmp_path / "run")
    assert result.rows == 18 and result.agreement >= 0.99 and result.path.endswith("model.int8.onnx")
    assert result.fp32_ms > 0 and result.int8_ms > 0 and result.int8_mb < result.fp32_mb
    assert (tmp_path / "run" / "model" / "onnx" / "model.onnx").is_file()  # the fp32 one beside it


def test_int8_onnx_of_an_ner_run_compares_labels_token_by_token(ner_run, tmp_path):
    import shutil

    from finetune.services.onnx_int8 import export_int8

    run = shutil.copytree(ner_run[0], tmp_path / "run")
    result = export_int8(run)
    assert result.rows > 0 and result.agreement >= 0.99


def tiny_llama(folder):
    """A 2-layer, 32-wide Llama (grouped KV heads, tied embeddings) on the tests' byte-level BPE tokenizer."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from tests.conftest import build_tiny_gpt2

    build_tiny_gpt2(folder)
    (folder / "model.safetensors").unlink()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    torch.manual_seed(0)
    LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                 num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                                 tie_word_embeddings=True, bos_token_id=0, eos_token_id=0)).save_pretrained(folder)
    return folder


def test_gguf_export_reads_back_with_llama_names_and_the_same_next_token(tmp_path):
    import gguf

    from finetune.services.gguf_export import export_gguf

    result = export_gguf(tiny_llama(tmp_path / "llama"), tmp_path / "out")
    reader = gguf.GGUFReader(result.path)
    shapes = {t.name: [int(n) for n in t.shape] for t in reader.tensors}
    assert result.tensors == len(shapes) == 1 + 2 * 9 + 1  # embeddings, 9 per block, the final norm (tied head)
    assert shapes["token_embd.weight"] == [32, 320] and shapes["blk.1.attn_k.weight"] == [32, 16]
    assert reader.fields["general.architecture"].contents() == "llama"
    assert reader.fields["llama.attention.head_count_kv"].contents() == 2
    assert len(reader.fields["tokenizer.ggml.tokens"].contents()) == 320
    assert result.same_next_token and result.max_abs_diff < 1e-2  # transformers' GGUF reader, against PyTorch
    assert (tmp_path / "out" / "Modelfile").read_text().startswith("FROM ./model.gguf\n")


def test_gguf_export_says_which_architectures_it_writes(tiny_gpt2, tmp_path):
    from finetune.services.gguf_export import export_gguf

    with pytest.raises(ConfigError, match="GGUF export is for LlamaForCausalLM.*GPT2LMHeadModel"):
        export_gguf(tiny_gpt2, tmp_path / "out")


def test_the_cli_exports_int8_and_says_when_a_format_does_not_fit(tmp_path, fast_config, capsys):
    import json

    from finetune.__main__ import main
    from finetune.training.engine import train

    train(fast_config, tmp_path / "run")
    assert main(["export", str(tmp_path / "run"), "--format", "int8"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["agreement"] >= 0.99
    assert main(["export", str(tmp_path / "run"), "--format", "gguf"]) == 2
    assert "GGUF export is for" in capsys.readouterr().err


@pytest.mark.parametrize("method", ["probe", "setfit"])
def test_a_sentence_model_with_its_head_apart_exports_as_one_graph(tmp_path, keyword_csv, tiny_model, method):
    """SetFit and the probe keep a sentence model with a fitted head beside it. Exporting the body alone would give
    transformers' random classification head (another model, passing its own parity check); the export is the
    body, its pooling, the normalisation and the head in one graph, whose softmax is the app's own probabilities,
    also for texts the parity check never saw, and int8 agrees with it on the held-out rows (CLI and UI)."""
    from finetune.__main__ import main
    from finetune.config import RunConfig
    from finetune.services.export import export_run
    from finetune.services.predictions import load_predictor
    from finetune.training.engine import train
    from finetune.ui.export_panel import export_to_onnx
    from finetune.ui.followed_run import FollowedRun
    from transformers import AutoTokenizer

    run = tmp_path / "run"
    train(RunConfig(data_file=str(keyword_csv), model=tiny_model, method=method), run)
    result = export_run(run, "onnx")
    assert result["max_abs_diff"] < 1e-3
    texts = ["contract clause tenant", "patient fever dose nurse surgery clinic doctor", "profit"]
    tokenizer = AutoTokenizer.from_pretrained(run / "model" / "onnx")
    logits = onnx_logits(result["path"], dict(tokenizer(texts, padding=True, return_tensors="np")))
    ours = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    labels = json.loads((run / "model" / "labels.json").read_text())
    rows = load_predictor(str(run))(texts)
    np.testing.assert_allclose(ours, [[row["scores"][name] for name in labels] for row in rows], atol=1e-4)
    assert main(["export", str(run), "--format", "int8"]) == 0
    file, message = export_to_onnx(FollowedRun(run_dir=str(run)), None)
    assert file and message.startswith("Done: ONNX export checked") and "labels agree with fp32" in message


def test_gguf_names_the_pre_tokenizer_llama_cpp_gave_the_embedded_model(tmp_path):
    """llama.cpp must split prompts as training did: "default" split " -" into " ", "-" (bench/llama_cpp_check.py)."""
    from tokenizers import pre_tokenizers
    from transformers import AutoTokenizer

    from finetune.models.embedded_lm import tokenizer_source
    from finetune.services.gguf_export import pre_tokenizer

    path, options = tokenizer_source()
    assert pre_tokenizer(AutoTokenizer.from_pretrained(path, **options)) == "smollm"  # what llama.cpp's file says
    other = AutoTokenizer.from_pretrained(tiny_llama(tmp_path / "llama"))
    assert pre_tokenizer(other) == "gpt2"  # GPT-2's byte-level split, another vocabulary
    other.backend_tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    assert pre_tokenizer(other) == "default"


def test_the_modelfile_keeps_the_system_line_the_chat_template_adds(tmp_path):
    from transformers import AutoTokenizer, LlamaConfig

    from finetune.services.gguf_export import ollama_modelfile

    tokenizer = AutoTokenizer.from_pretrained(tiny_llama(tmp_path / "llama"))
    tokenizer.chat_template = ("{% if messages[0]['role'] != 'system' %}<|im_start|>system\nBe brief.<|im_end|>\n"
                               "{% endif %}{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}"
                               "<|im_end|>\n{% endfor %}")
    config = LlamaConfig(finetune_prompt_format="chat")
    assert 'SYSTEM """Be brief."""\n' in ollama_modelfile(config, tokenizer)
    assert "SYSTEM" not in ollama_modelfile(LlamaConfig(finetune_prompt_format="plain"), tokenizer)
