"""The task registry: every Task is complete, and the lookups the CLI and UI use find the right one."""
from dataclasses import fields
from pathlib import Path

import pytest

from finetune.config import ConfigError, RunConfig
from finetune.tasks import DEFAULT_TASK, TASKS, get_task, task_for_file, task_for_model, task_for_sample
from finetune.tasks.check_report import CheckReport, Problem
from finetune.tasks.classification_check import ClassificationCheck

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
CONFIG_FIELDS = {f.name for f in fields(RunConfig)}


@pytest.mark.parametrize("task", TASKS.values(), ids=list(TASKS))
def test_every_task_is_complete_and_names_real_settings_and_samples(task):
    assert task.catalog[0][0] == task.embedded_model  # the offline default comes first
    assert set(task.defaults) <= CONFIG_FIELDS and task.length_setting in CONFIG_FIELDS
    assert RunConfig(task=task.name).to_dict()["task"] == task.name
    assert all((SAMPLES / name).is_file() for name in task.samples) and task.examples
    assert "{labels}" not in task.card.intended_use.format(labels="a, b")
    for hook in ("read_data", "build_model", "prepare", "collator", "metrics", "report", "predictor", "check"):
        assert callable(getattr(task, hook)), hook


def test_lookups_by_name_file_sample_and_saved_model():
    assert get_task("").name == DEFAULT_TASK and get_task("ner") is TASKS["ner"]
    with pytest.raises(ConfigError, match="Unknown task 'summaries'; choose one of classification, ner"):
        get_task("summaries")
    assert task_for_file("x.conllu", get_task("classification")).name == "ner"  # only NER reads CoNLL
    assert task_for_file("x.csv", get_task("generation")).name == "generation"  # a table stays as chosen
    assert task_for_sample("support_replies.jsonl").name == "generation"
    assert task_for_sample("anything.csv").name == DEFAULT_TASK
    assert task_for_model({"architectures": ["GPT2LMHeadModel"]}).name == "generation"
    assert task_for_model({"architectures": ["LlamaForTokenClassification"]}).name == "ner"
    assert task_for_model({"architectures": ["BertForSequenceClassification"]}).name == "classification"


def test_a_check_report_round_trips_through_its_json():
    report = ClassificationCheck(rows=3, columns=["text", "label"], labels={"a": 2, "b": 1})
    report.warn("duplicates", "1 row repeats", [4, 5, 6, 7, 8, 9])
    report.block("single_class", "Only one label")
    as_json = report.to_json()
    assert as_json["warnings"] == [{"code": "duplicates", "message": "1 row repeats", "rows": [4, 5, 6, 7, 8]}]
    assert as_json["errors"] == [{"code": "single_class", "message": "Only one label"}]  # errors name no rows
    again = ClassificationCheck.from_json({**as_json, "added_later": 1})  # an unknown key does not break it
    assert again == report and not again.ready and again.counts == {"a": 2, "b": 1}
    assert CheckReport().ready and Problem("c", "m").to_json() == {"code": "c", "message": "m"}
