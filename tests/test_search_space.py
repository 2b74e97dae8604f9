"""The ranges a settings search tries, by model size and LoRA."""
import optuna
import pytest

from finetune.config import ConfigError, RunConfig
from finetune.sweeps.search_space import including, is_small, parse_names, search_space, suggest


def test_small_models_search_larger_learning_rates_than_base_size_ones():
    small = search_space(None, small_model=True, lora=False)
    base = search_space(None, small_model=False, lora=False)
    assert list(small) == ["learning_rate", "epochs", "batch_size", "warmup_ratio"]
    assert small["learning_rate"].log and small["learning_rate"].high > base["learning_rate"].high
    assert 1e-4 <= small["learning_rate"].high and base["learning_rate"].low == 1e-5


def test_lora_rank_is_searched_only_when_lora_is_on():
    assert "lora_rank" in search_space(None, small_model=False, lora=True)
    with pytest.raises(ConfigError, match="Cannot search lora_rank; .* \\(lora_rank only when LoRA is on\\)"):
        search_space(["lora_rank"], small_model=False, lora=False)


def test_every_suggested_value_is_a_valid_run_config():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    space = search_space(parse_names("lr, epochs,batch-size,warmup_ratio,weight_decay,lora_rank"),
                         small_model=True, lora=True)
    assert list(space) == ["learning_rate", "epochs", "batch_size", "warmup_ratio", "weight_decay", "lora_rank"]
    for _ in range(20):
        values = suggest(study.ask(), space)
        assert RunConfig(**values).batch_size in (8, 16, 32)


def test_model_size_is_read_from_the_config(tiny_model):
    assert is_small(tiny_model)


def test_the_ranges_widen_to_hold_the_users_own_settings():
    space = including(search_space(None, small_model=True, lora=False),
                      {"learning_rate": 2e-3, "epochs": 8.0, "batch_size": 12, "warmup_ratio": 0.1})
    assert space["learning_rate"].high == 2e-3 and space["epochs"].high == 8.0
    assert space["batch_size"].choices == (8, 12, 16, 32) and space["warmup_ratio"].high == 0.2
