import numpy as np
import pytest

from finetune.config import DataError, RunConfig
from finetune.tasks import classification
from finetune.tasks.task import TaskData
from tests.conftest import keyword_rows, write_csv


def read(path, **settings):
    return classification.read_data(RunConfig(data_file=str(path), **settings))


def test_split_of_a_label_sorted_file_validates_on_every_class(keyword_csv):
    data = read(keyword_csv)
    validation = data.datasets["validation"]["label"]
    assert data.labels == ["financial", "legal", "medical"]
    assert sorted(set(validation)) == [0, 1, 2]
    assert np.bincount(validation).tolist() == [6, 6, 6]  # stratified: 20% of 30 per class
    assert len(data.datasets["train"]) == 72


def test_split_is_reproducible_from_the_seed(keyword_csv):
    assert read(keyword_csv, seed=3).datasets["validation"]["text"] == \
        read(keyword_csv, seed=3).datasets["validation"]["text"]


def test_numeric_labels_are_ordered_as_numbers(tmp_path):
    rows = [(f"text {i}", str(i % 11)) for i in range(110)]
    assert read(write_csv(tmp_path / "n.csv", rows)).labels == [str(i) for i in range(11)]


def test_a_class_under_ten_rows_blocks_training_and_says_how_to_fix_it(tmp_path):
    path = write_csv(tmp_path / "r.csv", keyword_rows(per_class=10) + [("lonely example", "rare")])
    with pytest.raises(DataError, match=r"Under 10 examples for: rare \(1\).*drop or merge"):
        read(path)


@pytest.mark.parametrize("how, labels", [("drop", ["financial", "legal", "medical"]),
                                         ("merge", ["financial", "legal", "medical", "other"])])
def test_rare_classes_can_be_dropped_or_merged(tmp_path, how, labels):
    rows = keyword_rows(per_class=10) + [("lonely example", "rare"), ("another one", "odd")] * 5
    data = read(write_csv(tmp_path / "r.csv", rows), rare_classes=how)
    assert data.labels == labels
    assert any(("Dropped" if how == "drop" else "Merged") + " 2 class(es)" in n for n in data.notes)


def test_a_test_share_holds_out_a_stratified_test_set(keyword_csv):
    data = read(keyword_csv, val_size=0.2, test_size=0.2)
    sizes = {name: len(ds) for name, ds in data.datasets.items()}
    assert sizes == {"train": 54, "validation": 18, "test": 18}
    assert np.bincount(data.datasets["test"]["label"]).tolist() == [6, 6, 6]
    train_texts = set(data.datasets["train"]["text"])
    assert not train_texts & set(data.datasets["test"]["text"])


def test_class_weights_make_a_weighted_loss(tmp_path):
    rows = keyword_rows(per_class=40)[:55]  # 40 financial, 15 legal
    data = read(write_csv(tmp_path / "w.csv", rows), balance="class_weights")
    import torch

    logits = torch.tensor([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0]])  # the rare class (legal) is missed
    labels = torch.tensor([0, 0, 1])
    weighted = data.loss({"logits": logits}, labels)
    plain = torch.nn.functional.cross_entropy(logits, labels)
    assert data.loss is not None and not torch.isclose(weighted, plain)
    weights = classification.class_weights(__import__("pandas").Series(["a"] * 3 + ["b"]), ["a", "b"])
    assert weights == pytest.approx([4 / 6, 2.0])


def test_empty_rows_are_skipped_and_said(tmp_path):
    rows = keyword_rows(per_class=10) + [("", "legal"), ("no label here", "")]
    data = read(write_csv(tmp_path / "e.csv", rows))
    assert any("Skipped 2 row(s)" in note for note in data.notes)


def test_single_class_is_refused(tmp_path):
    path = write_csv(tmp_path / "one.csv", [(f"text {i}", "legal") for i in range(20)])
    with pytest.raises(DataError, match="Only one label .'legal'. .*at least two classes"):
        read(path)


def test_too_few_rows_is_refused(tmp_path):
    path = write_csv(tmp_path / "few.csv", [("a", "x"), ("b", "y")])
    with pytest.raises(DataError, match="2 usable row.*at least 10"):
        read(path)


def test_eval_file_is_used_whole_and_checked_for_unknown_labels(tmp_path, keyword_csv):
    evaluation = write_csv(tmp_path / "eval.csv", keyword_rows(per_class=4, seed=1))
    data = read(keyword_csv, eval_file=str(evaluation))
    assert len(data.datasets["train"]) == 90 and len(data.datasets["validation"]) == 12
    bad = write_csv(tmp_path / "bad.csv", keyword_rows(per_class=4) + [("x y z", "sports")])
    with pytest.raises(DataError, match="labels the training data lacks: sports"):
        read(keyword_csv, eval_file=str(bad))


def test_max_length_is_fitted_to_the_data(tiny_model):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    texts = ["contract clause"] * 90 + ["contract " * 200] * 10
    fitted = lambda texts, **settings: classification.max_length_for(
        TaskData(None, [], length_texts=texts), tokenizer, RunConfig(**settings))
    assert fitted(texts) == 64  # capped by the model
    assert fitted(["contract clause tenant"] * 50) == 16
    assert fitted(texts, max_length=32) == 32 and fitted(texts, max_length=512) == 64


def test_report_has_per_class_scores_matrix_and_confident_mistakes():
    from datasets import Dataset

    dataset = Dataset.from_dict({"text": ["a", "b", "c", "d"], "label": [0, 0, 1, 1]})
    logits = np.array([[5.0, 0.0], [0.0, 1.0], [0.0, 4.0], [0.0, 2.0]])
    report = classification.report(["neg", "pos"], dataset, logits)
    assert report["metrics"]["accuracy"] == 0.75
    assert report["confusion_matrix"] == {"labels": ["neg", "pos"], "matrix": [[1, 1], [0, 2]]}
    assert report["per_class"]["neg"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert [(m["text"], m["label"], m["predicted"]) for m in report["mistakes"]] == [("b", "neg", "pos")]
