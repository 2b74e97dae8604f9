"""The CPU speed-ups a run applies to its model: dropout, frozen embeddings, the attention, undone for saving."""
import torch
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

from finetune.training import speedups
from finetune.config import RunConfig


def dropout_rates(model) -> set[float]:
    return {m.p for m in model.modules() if isinstance(m, torch.nn.Dropout)}


def test_an_encoder_on_a_cpu_trains_without_dropout_frozen_embeddings_and_eager_attention(tiny_model):
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model, hidden_dropout_prob=0.1,
                                                               attention_probs_dropout_prob=0.1)
    assert dropout_rates(model) == {0.1} and model.config._attn_implementation == "sdpa"
    notes = speedups.apply(model, RunConfig(), "cpu", max_length=64)
    assert dropout_rates(model) == {0.0} and not model.get_input_embeddings().weight.requires_grad
    assert model.config._attn_implementation == "eager" and len(notes) == 2
    assert all(p.requires_grad for name, p in model.named_parameters() if "word_embeddings" not in name)
    speedups.restore(model)
    assert model.config._attn_implementation == "sdpa"


def test_long_inputs_and_gpus_keep_sdpa_and_the_settings_are_the_users(tiny_model):
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model, hidden_dropout_prob=0.1)
    speedups.apply(model, RunConfig(dropout=0.1, freeze_embeddings=False), "cpu", max_length=256)
    assert dropout_rates(model) == {0.1} and model.get_input_embeddings().weight.requires_grad
    assert model.config._attn_implementation == "sdpa"
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model)
    speedups.apply(model, RunConfig(), "cuda", max_length=64)
    assert model.config._attn_implementation == "sdpa"


def test_a_language_models_embeddings_are_its_output_and_keep_training(tiny_gpt2):
    model = AutoModelForCausalLM.from_pretrained(tiny_gpt2)
    speedups.apply(model, RunConfig(), "cpu", max_length=256)
    assert model.get_input_embeddings().weight.requires_grad
