"""SetFit runs with the tiny BERT (sentence-transformers wraps it with mean pooling): the run folder,
the live-plot events, Stop, the predict contract, and auto's choice."""
import json

import pytest

from finetune.config import ConfigError, RunConfig
from finetune.training.engine import train
from finetune.runs.events import read_events
from finetune.services.predictions import model_folder, predict_texts
from finetune.runs.folder import RunPaths
from finetune.tasks.advice import PROBE_BELOW, SETFIT_MAX_ROWS
from finetune.tasks.advice import resolve_method
from finetune.tasks.setfit_method import rows_per_class


@pytest.fixture(scope="module")
def setfit_run(tmp_path_factory, tiny_model):
    from tests.conftest import keyword_rows, write_csv

    folder = tmp_path_factory.mktemp("setfit")
    write_csv(folder / "data.csv", keyword_rows(per_class=10))
    config = RunConfig(data_file=str(folder / "data.csv"), model=tiny_model, method="setfit", batch_size=16)
    return train(config, folder / "run"), RunPaths(folder / "run")


def test_a_setfit_run_writes_the_same_run_folder(setfit_run):
    results, paths = setfit_run
    assert results.status == "finished" and results.method == "setfit"
    assert json.loads(paths.results.read_text())["method"] == "setfit"
    assert set(results.report["per_class"]) == {"financial", "legal", "medical"}
    assert sum(map(sum, results.report["confusion_matrix"]["matrix"])) == results.report_rows == 6
    assert results.baseline and "accuracy" in results.baseline
    assert results.metrics["accuracy"] >= 0.5  # an easy keyword problem, 8 rows per class
    assert json.loads(paths.config.read_text())["method"] == "setfit"
    assert paths.model_card.is_file() and (paths.model / "config_setfit.json").is_file()
    events, _ = read_events(paths.events)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "started" and kinds[-1] == "finished" and "eval" in kinds
    log = next(e for e in events if e["event"] == "log")
    assert {"step", "max_steps", "loss"} <= set(log)


def test_a_setfit_model_predicts_like_a_fine_tuned_one(setfit_run):
    _, paths = setfit_run
    assert model_folder(paths.root)[1] == "classification"
    assert model_folder(paths.model)[1] == "classification"  # a bare model folder too
    prediction = predict_texts(paths.root, ["patient surgery fever dose nurse clinic"])[0]
    assert set(prediction) == {"label", "score", "scores"}
    assert set(prediction["scores"]) == {"financial", "legal", "medical"}
    assert abs(sum(prediction["scores"].values()) - 1) < 1e-4
    assert prediction["score"] == max(prediction["scores"].values())


def test_stop_ends_the_contrastive_phase_and_keeps_a_usable_model(tmp_path, keyword_csv, tiny_model):
    run = tmp_path / "run"
    run.mkdir()
    RunPaths(run).stop.touch()
    results = train(RunConfig(data_file=str(keyword_csv), model=tiny_model, method="setfit"), run)
    assert results.status == "stopped" and results.steps == 1 and results.max_steps > 1
    assert read_events(RunPaths(run).events)[0][-1]["event"] == "stopped"
    assert predict_texts(run, ["contract clause"])[0]["label"] in {"financial", "legal", "medical"}


def test_auto_picks_setfit_for_a_small_file_the_probe_for_many_small_classes_and_finetune_from_50():
    """Measured (bench/crossover.py, 16 rows per class): SetFit beat the probe on every public set where its whole
    schedule runs (up to SETFIT_MAX_ROWS rows); on banking77 x 20 (1,540 rows) the probe beat it."""
    small = ["a"] * 8 + ["b"] * 8
    many = [f"intent{i}" for i in range(77) for _ in range(20)]
    large = ["a"] * PROBE_BELOW + ["b"] * PROBE_BELOW
    assert rows_per_class(small) == 8
    assert resolve_method("auto", small) == "setfit"
    assert resolve_method("auto", small, can_setfit=False) == "probe"
    assert resolve_method("auto", many) == "probe"
    assert resolve_method("auto", large) == "finetune"
    assert resolve_method("probe", small) == "probe"
    assert resolve_method("finetune", small) == "finetune"
    assert resolve_method("auto", [f"c{i % 6}" for i in range(SETFIT_MAX_ROWS)]) == "setfit"
    assert resolve_method("auto", [f"c{i % 6}" for i in range(SETFIT_MAX_ROWS + 6)]) == "probe"


def test_setfit_for_another_task_says_what_to_choose(tmp_path, tiny_gpt2, story_txt):
    config = RunConfig(task="generation", data_file=str(story_txt), model=tiny_gpt2, method="setfit")
    with pytest.raises(ConfigError, match="SetFit trains text classification only.*choose method finetune"):
        train(config, tmp_path / "run")


def test_a_setfit_run_trains_at_the_max_length_fine_tuning_would_and_records_it(setfit_run, tiny_model):
    """Issue 27: a SetFit run reported its body's 256 (here the tiny model's 64) where every other screen said
    the length fitted to the data; SetFit ignores its own max_length with a scikit-learn head."""
    from transformers import AutoTokenizer

    from finetune.config import load_run_config
    from finetune.tasks import classification

    results, paths = setfit_run
    config = load_run_config(paths.root)
    fitted = classification.max_length_for(classification.read_data(config), AutoTokenizer.from_pretrained(tiny_model),
                                           config)
    assert results.max_length == fitted == 16
    from sentence_transformers import SentenceTransformer

    assert SentenceTransformer(str(paths.model)).max_seq_length == fitted  # the saved body reads what it trained at
