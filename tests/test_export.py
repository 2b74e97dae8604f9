import numpy as np
import pytest

from finetune.config import ConfigError
from finetune.tasks import get_task
from finetune.export import export_onnx, onnx_logits, push_to_hub


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
