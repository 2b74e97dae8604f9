import pandas as pd
import pytest

from finetune.config import RunConfig
from finetune.data.remedies import apply_remedies, label_variant_groups
from finetune.data.splits import split_rows


def frame(pairs):
    return pd.DataFrame(pairs, columns=["text", "label"])


def test_a_three_way_split_has_the_asked_sizes_and_no_overlap():
    rows = frame([(f"t{i}", "ab"[i % 2]) for i in range(100)])
    parts, notes = split_rows(rows, val_size=0.2, test_size=0.1, seed=0)
    assert {k: len(v) for k, v in parts.items()} == {"train": 70, "validation": 20, "test": 10}
    assert not set(parts["train"].text) & (set(parts["validation"].text) | set(parts["test"].text))
    assert parts["test"]["label"].value_counts().tolist() == [5, 5] and notes == []


def test_classes_with_one_or_two_rows_stay_in_training_and_it_is_said():
    rows = frame([(f"t{i}", "ab"[i % 2]) for i in range(40)] + [("lonely", "rare")])
    parts, notes = split_rows(rows, val_size=0.2, test_size=0.0, seed=0)
    assert "lonely" in set(parts["train"].text) and "rare" in notes[0] and "training only" in notes[0]


def test_a_validation_set_smaller_than_the_classes_falls_back_to_a_shuffled_split():
    rows = frame([(f"t{i}", f"c{i % 10}") for i in range(40)])
    parts, notes = split_rows(rows, val_size=0.1, test_size=0.0, seed=0)  # 4 rows, 10 classes
    assert len(parts["validation"]) == 4 and "not stratified" in notes[0]


def test_remedies_clean_merge_dedupe_and_downsample():
    rows = frame([("  a\u0000 text  ", "Legal"), ("a text", "legal"), ("a text", "legal"), ("b", "legal"),
                  ("clash", "legal"), ("clash", "medical")] + [(f"m{i}", "medical") for i in range(3)])
    config = RunConfig(clean_text=True, merge_label_variants=True, drop_duplicates=True, balance="downsample")
    fixed, notes = apply_remedies(rows, config)
    assert sorted(fixed["label"].value_counts().tolist()) == [2, 2]  # legal: "a text", "b"; medical cut to 2
    assert "clash" not in set(fixed.text) and len(notes) == 4


@pytest.mark.parametrize("labels, expected", [(["Legal", "legal", "legal", "LEGAL "], {"legal": ["legal", "Legal",
                                                                                                  "LEGAL "]}),
                                              (["credit_card", "credit card", "credit card"],
                                               {"credit card": ["credit card", "credit_card"]})])
def test_label_variants_group_by_case_space_and_underscore(labels, expected):
    assert label_variant_groups(pd.Series(labels)) == expected
