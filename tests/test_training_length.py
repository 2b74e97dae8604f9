"""Training length from the data (training_length.py): epochs 0 becomes each task's rule for the data's size."""
import json

import pytest

from finetune.config import RunConfig
from finetune.training.engine import train
from finetune.planning.estimate import Estimate
from finetune.planning.estimate_text import describe
from finetune.tasks import get_task
from finetune.tasks.training_length import TrainingLength, resolve


def test_a_small_file_gets_more_passes_and_a_large_one_fewer():
    ner = get_task("ner").length
    assert ner.epochs(300) == 10.0      # capped: a tiny file
    assert ner.epochs(2000) == 6.0
    assert ner.epochs(3000) == 4.0      # was 10: less than half the passes (issue 25)
    assert ner.epochs(14041) == 1.0     # all of CoNLL-2003: at least one pass
    assert TrainingLength(examples=1000).epochs(3000) == 1.0  # never under min_epochs
    assert TrainingLength(examples=1000, min_epochs=0.1).epochs(3000) == 0.4  # rounded up: the budget is met


def test_classification_keeps_3_epochs_up_to_5000_rows_and_trains_less_above():
    rule = get_task("classification").length
    assert [rule.epochs(rows) for rows in (360, 2000, 5000, 6000, 50000)] == [3.0, 3.0, 3.0, 2.5, 1.0]


def test_each_tasks_default_is_the_rule_and_a_set_epoch_count_wins():
    for task, expected in (("ner", 0.0), ("classification", 0.0), ("generation", 1.0)):
        assert RunConfig.from_dict({"task": task}).epochs == expected
    fixed, note = resolve(RunConfig(task="ner", epochs=7.0), get_task("ner").length, 3000)
    assert (fixed.epochs, note) == (7.0, None)
    auto, note = resolve(RunConfig.from_dict({"task": "ner"}), get_task("ner").length, 3000)
    assert auto.epochs == 4.0 and "4 epochs over 3,000 training sentences" in note and "12,000 sentences" in note


def test_a_run_with_epochs_from_the_data_records_the_rule(tmp_path, fast_config):
    config = fast_config.updated(epochs=0.0)
    results = train(config, tmp_path / "run")
    train_rows = results.train_rows
    expected = get_task("classification").length.epochs(train_rows)
    assert results.epochs == expected
    assert any(note.startswith(f"Training length from the data: {expected:g} epochs") for note in results.notes)
    events = [json.loads(line) for line in (tmp_path / "run" / "events.jsonl").read_text().splitlines()]
    stage = [e for e in events if e["event"] == "stage" and e.get("epochs") == expected]
    assert stage and "Training length from the data" in stage[0]["message"]
    assert json.loads((tmp_path / "run" / "config.json").read_text())["epochs"] == 0.0  # the user's setting kept


def test_the_estimate_says_the_epochs_and_the_rule():
    result = Estimate(parameters=22_000_000, memory_gb=1.5, available_gb=24, seconds_per_epoch=60, length=64,
                      device="cpu", epochs=4.0, length_rule=get_task("ner").length.describe())
    line = describe(result).splitlines()[1]
    assert line == ("- **Training length:** 4 epochs (about 4 min in all), from the data: enough epochs to see "
                    "about 12,000 sentences, 1 to 10 epochs.")
    assert "from the data" not in describe(Estimate(1, 1.0, 24, 60, 64, "cpu", epochs=3.0))


@pytest.mark.parametrize("rows, epochs", [(200, 3.0), (10000, 1.5)])
def test_the_estimate_resolves_the_rule_for_the_rows(rows, epochs, tiny_model):
    from finetune.planning.estimate import estimate_run

    result = estimate_run(RunConfig.from_dict({"task": "classification", "model": tiny_model, "eval_file": "x"}),
                          rows=rows, num_labels=2)
    assert result.epochs == epochs and "15,000 rows" in result.length_rule
