"""One max length for a run on every screen (issue 27: the Data tab, the estimate and training said 48, 56 or
256 for the same file). token_lengths.planned_max_length decides; the data check, the Train tab's estimate,
fine-tuning, SetFit and the probe all ask it about the same rows, so they show the same number."""
import random
import re

import pytest

from finetune.config import RunConfig
from finetune.data.token_lengths import fit_body_length, planned_max_length
from finetune.models.catalog import embedded_model_path
from finetune.planning import estimate
from finetune.tasks import classification
from finetune.ui import data_loading, train_tab
from finetune.ui.data_state import DataState
from tests.conftest import write_csv
from tests.ui.test_train_and_playground import model_settings

WORDS = "the tenant shall pay rent monthly landlord repairs notice period contract clause deposit".split()


def long_tail_csv(path):
    """500 short texts, then 100 longer ones (12 to 60 words): the file's long tail is at its end."""
    rng = random.Random(0)
    rows = [(" ".join(rng.choices(WORDS, k=rng.randint(3, 8))), ("a", "b", "c")[i % 3]) for i in range(500)]
    rows += [(" ".join(rng.choices(WORDS, k=rng.randint(12, 60))), ("a", "b", "c")[i % 3]) for i in range(100)]
    return write_csv(path, rows)


def test_the_rule_caps_a_setting_at_the_model_and_fits_the_rest():
    assert planned_max_length(1024, [], 512) == 512 and planned_max_length(64, [5] * 10, 512) == 64
    assert planned_max_length(0, [10] * 98 + [100] * 2, 512) == 104  # the 99th percentile, a multiple of 8
    assert planned_max_length(0, [10] * 100, 512, fitted=72) == 72 and planned_max_length(0, [], 48, fitted=72) == 48


def test_the_data_tab_the_estimate_and_every_method_train_with_one_max_length(tmp_path, monkeypatch):
    from sentence_transformers import SentenceTransformer
    from transformers import AutoTokenizer

    monkeypatch.setattr(estimate, "_time_run", lambda *a, **k: (_ for _ in ()).throw(OSError("not timed here")))
    path = long_tail_csv(tmp_path / "clauses.csv")
    out = dict(zip(data_loading.OUTPUT_NAMES, data_loading.load_file(str(path), DataState(), "classification")))
    state = out["state"]
    shown = state.max_length  # the line the Data tab's length chart draws
    chart = out["lengths"]["value"]
    assert f"max length {shown}" in str(chart.layout.annotations)

    said = train_tab.show_estimate(state, None, model_settings(RunConfig()))
    assert re.search(rf"at max length {shown}\b", said), said

    config = RunConfig.from_dict({**state.data_config(), "model": ""})
    data = classification.read_data(config)
    _, trained = classification.prepare(data, AutoTokenizer.from_pretrained(embedded_model_path()), config)
    assert trained == shown  # fine-tuning
    at_start = estimate.estimate_run(config, rows=state.rows, num_labels=3, texts=data.datasets["train"]["text"],
                                     length_texts=data.length_texts)
    assert at_start.length == shown  # the estimate the engine records at the start
    body = SentenceTransformer(embedded_model_path())
    assert fit_body_length(body, data.length_texts, config.max_length, config.seed) == shown  # SetFit, the probe
    assert body.max_seq_length == shown  # what cuts their texts (SetFit ignores its own max_length argument)


@pytest.mark.parametrize("setting", [32, 2048])
def test_a_max_length_setting_is_what_every_screen_shows_capped_by_the_model(tmp_path, setting):
    from transformers import AutoTokenizer

    config = RunConfig(data_file=str(long_tail_csv(tmp_path / "c.csv")), text_column="text", label_column="label",
                       max_length=setting)
    expected = min(setting, 512)
    report = classification.check_file(config)
    assert report.view("c.csv", classification.read_labelled_table(config.data_file), config).max_length == expected
    data = classification.read_data(config)
    assert classification.prepare(data, AutoTokenizer.from_pretrained(embedded_model_path()), config)[1] == expected


def long_tail_conll(path):
    """300 short tagged sentences, then 30 long ones (40 to 90 words): the long tail is at the file's end."""
    import json

    rng = random.Random(1)
    lines = []
    for i in range(330):
        words = rng.choices(WORDS, k=rng.randint(4, 9) if i < 300 else rng.randint(40, 90))
        tags = ["B-ORG" if w == "landlord" else "O" for w in words]
        lines.append(json.dumps({"tokens": ["Acme", *words], "ner_tags": ["B-ORG", *tags]}))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("setting", [0, 2048])
def test_ner_shows_and_trains_one_max_length(tmp_path, monkeypatch, setting):
    """NER fitted its own length on its first 2,000 sentences and took a setting uncapped (2048 past MiniLM's
    512 positions); the Train tab's estimate fitted the 5 preview sentences. Now the check, the estimate and
    the run make one call on the same sentences."""
    from transformers import AutoTokenizer

    from finetune.tasks import ner

    monkeypatch.setattr(estimate, "_time_run", lambda *a, **k: (_ for _ in ()).throw(OSError("not timed here")))
    path = long_tail_conll(tmp_path / "tagged.jsonl")
    state = dict(zip(data_loading.OUTPUT_NAMES, data_loading.load_file(str(path), DataState(task="ner"), "ner")))["state"]
    assert 16 < state.max_length < 128  # the Data tab's: fitted to the whole file, its long tail included
    config = RunConfig.from_dict({**state.data_config(), "model": "", "max_length": setting})
    shown = ner.check_file(config).max_length
    assert shown == (512 if setting else state.max_length)
    said = train_tab.show_estimate(state, None, model_settings(RunConfig(task="ner", max_length=setting)))
    assert re.search(rf"at max length {shown}\b", said), said
    data = ner.read_data(config)
    _, trained = ner.prepare(data, AutoTokenizer.from_pretrained(embedded_model_path()), config)
    assert trained == shown
