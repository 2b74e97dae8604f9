import json

import pytest

from finetune.training.arguments import training_arguments
from finetune.config import PRESETS, ConfigError, RunConfig


def test_config_round_trips_through_json(tmp_path):
    config = RunConfig(data_file="a.csv", epochs=2.0, batch_size=8, learning_rate=3e-5, seed=7)
    config.save(tmp_path / "config.json")
    assert RunConfig.load(tmp_path / "config.json") == config


def test_unknown_setting_is_refused_with_its_name():
    with pytest.raises(ConfigError, match="Unknown setting.*epoch_count"):
        RunConfig.from_dict({"epoch_count": 3})


def test_out_of_range_value_names_the_field_and_range():
    with pytest.raises(ConfigError, match="batch_size must be between 1 and 512; got 0"):
        RunConfig(batch_size=0)


def test_wrong_type_from_json_is_a_config_error():
    with pytest.raises(ConfigError, match="batch_size must be a int"):
        RunConfig.from_dict({"batch_size": "many"})


def test_unreadable_config_file_is_a_config_error(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ConfigError, match="Cannot read the config file"):
        RunConfig.load(tmp_path / "config.json")


def test_presets_are_valid_configs():
    for values in PRESETS.values():
        RunConfig(**values)


def test_training_arguments_scale_warmup_and_evaluation_to_the_run(tmp_path):
    args = training_arguments(RunConfig(epochs=1.0), tmp_path, steps_per_epoch=125, use_bf16=False)
    assert args.warmup_steps == 0.1  # a share of the run, not the guide's fixed 500 steps
    assert args.get_warmup_steps(125) == 13
    assert args.eval_steps == 32 and args.logging_steps == 2
    assert args.train_sampling_strategy == "group_by_length"
    assert args.save_strategy == "steps" and args.save_steps == 32 and args.save_total_limit == 2
    assert not args.bf16 and not args.load_best_model_at_end and args.report_to == []


def test_checkpoint_knobs_map_onto_training_arguments(tmp_path):
    config = RunConfig(epochs=1.0, checkpoint_every_eval=False, checkpoint_limit=3)
    assert training_arguments(config, tmp_path, steps_per_epoch=125, use_bf16=False).save_strategy == "no"
    best = training_arguments(config.updated(early_stopping=True), tmp_path, steps_per_epoch=125, use_bf16=False)
    assert best.save_strategy == "steps" and best.load_best_model_at_end and best.save_total_limit == 3
    assert best.metric_for_best_model == "macro_f1" and best.greater_is_better  # the task's main metric
    generation = training_arguments(RunConfig(task="generation", early_stopping=True),
        tmp_path, steps_per_epoch=10, use_bf16=False)
    assert generation.metric_for_best_model == "perplexity" and not generation.greater_is_better
    tensorboard = training_arguments(config.updated(tensorboard=True), tmp_path, steps_per_epoch=125,
                                                                         use_bf16=False)
    assert tensorboard.report_to == ["tensorboard"]


def test_bool_knobs_read_strings_from_the_cli():
    assert RunConfig.from_dict({"early_stopping": "true", "tensorboard": "0"}).early_stopping is True


def test_config_file_is_plain_json(tmp_path):
    RunConfig(data_file="x.csv").save(tmp_path / "c.json")
    assert json.loads((tmp_path / "c.json").read_text())["data_file"] == "x.csv"


def test_task_defaults_fill_only_the_settings_left_out():
    from finetune.tasks import get_task

    ner, defaults = RunConfig.from_dict({"task": "ner"}), get_task("ner").defaults
    assert (ner.learning_rate, ner.epochs) == (defaults["learning_rate"], defaults["epochs"])
    assert RunConfig.from_dict({"task": "ner", "learning_rate": 5e-5}).learning_rate == 5e-5
    assert RunConfig.from_dict({"task": "classification"}).learning_rate == RunConfig().learning_rate
