"""The embedded SmolLM2: converted once into the cache, atomically; the real conversion is a slow test."""
import pytest

from finetune.models import embedded_lm
from finetune.models.catalog import EMBEDDED, EMBEDDED_LM, is_embedded, model_name, resolve_model


def test_the_cache_folder_follows_finetune_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FINETUNE_CACHE", str(tmp_path))
    assert embedded_lm.converted_folder() == tmp_path / "smollm2-135m-instruct"


def test_a_failed_conversion_leaves_no_half_written_folder(tmp_path, monkeypatch):
    import transformers

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", broken)
    with pytest.raises(OSError, match="disk full"):
        embedded_lm.convert(tmp_path / "model.gguf", tmp_path / "cache" / "smollm")
    assert list((tmp_path / "cache").iterdir()) == []


def test_an_existing_conversion_is_used_without_progress(tmp_path, monkeypatch):
    monkeypatch.setenv("FINETUNE_CACHE", str(tmp_path))
    folder = embedded_lm.converted_folder()
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    heard = []
    assert resolve_model("", EMBEDDED_LM, heard.append) == str(folder) and heard == []


def test_the_generation_default_is_smollm2_and_classification_keeps_minilm():
    from finetune.tasks import get_task

    assert model_name("", get_task("generation").embedded_model) == "SmolLM2-135M-Instruct"
    assert model_name("", get_task("classification").embedded_model) == "all-MiniLM-L6-v2"
    assert get_task("classification").embedded_model == EMBEDDED
    assert is_embedded("SmolLM2-135M-Instruct (embedded)", EMBEDDED_LM) and not is_embedded("gpt2", EMBEDDED_LM)


@pytest.mark.slow
def test_the_real_gguf_converts_once_and_writes(tmp_path, monkeypatch):
    from finetune.tasks.text_generator import TextGenerator

    monkeypatch.setenv("FINETUNE_CACHE", str(tmp_path))
    heard = []
    folder = resolve_model("", EMBEDDED_LM, heard.append)
    assert heard == [embedded_lm.CONVERTING] and resolve_model("", EMBEDDED_LM, heard.append) == folder
    assert [p.name for p in tmp_path.iterdir()] == ["smollm2-135m-instruct"]  # no temporary folder left
    generator = TextGenerator(folder)
    assert getattr(generator.model.config, "quantization_config", None) is None  # a plain float model
    text = generator(["The capital of France is"], max_new_tokens=5, temperature=0)[0]["generated_text"]
    assert "Paris" in text
