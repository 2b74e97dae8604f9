"""No code from outside runs (issue 22): a planted pickle (a SetFit head in a local folder or a cached Hub
repo, an old run's head or baseline) is never opened: the canary its unpickling would create stays
absent. Our own heads and the TF-IDF baseline are saved as their fitted arrays and predict the same after
loading. On a Space the signing key is no file a run process could read."""
import ast
import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from finetune.config import ConfigError
from finetune.hosting import owners
from finetune.services.predictions import baseline_scores
from finetune.runs.folder import RunPaths
from finetune.tasks import setfit_method
from finetune.tasks.baseline import tfidf_baseline, tfidf_pipeline
from tests.conftest import ROOT, WORDS, keyword_rows

LABELS = sorted(WORDS)
PICKLERS = ("joblib", "pickle", "dill", "cloudpickle", "shelve", "skops")


class Canary:
    """Unpickling this creates the file at `path` (what a booby-trapped head would do, harmlessly)."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, "w")


def plant(folder: Path, name: str, canary: Path) -> Path:
    (folder / name).write_bytes(pickle.dumps(Canary(canary)))
    return folder / name


def setfit_folder(folder: Path, tiny_model, canary: Path) -> Path:
    """A SetFit-style model folder (the tiny BERT as its body) whose model_head.pkl is a trap."""
    shutil.copytree(tiny_model, folder)
    (folder / setfit_method.MARKER).write_text(json.dumps({"normalize_embeddings": False, "labels": LABELS}))
    plant(folder, "model_head.pkl", canary)  # SetFit's own head file name
    return folder


def test_a_planted_head_in_a_local_folder_never_runs(tmp_path, tiny_model):
    canary = tmp_path / "canary"
    folder = setfit_folder(tmp_path / "evil", tiny_model, canary)
    model = setfit_method.build_setfit_model(folder, LABELS)
    assert not canary.exists()
    assert not hasattr(model.model_head, "coef_")  # a fresh head, trained by the run
    with pytest.raises(ConfigError, match="older version"):  # as a saved model: refused, never opened
        setfit_method.SetFitPredictor(folder)
    assert not canary.exists()


def test_a_planted_head_in_a_cached_hub_repo_never_runs(tmp_path, tiny_model, monkeypatch):
    import huggingface_hub.constants as hub

    cache = tmp_path / "hub"
    revision = "0" * 40
    repo = cache / "models--evil--setfit"
    setfit_folder(repo / "snapshots" / revision, tiny_model, tmp_path / "canary")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    monkeypatch.setattr(hub, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", True)
    model = setfit_method.build_setfit_model("evil/setfit", LABELS)
    assert model.model_body is not None and not hasattr(model.model_head, "coef_")
    assert not (tmp_path / "canary").exists()


def test_an_old_runs_pickled_baseline_gets_one_sentence_and_is_never_opened(tmp_path):
    plant(tmp_path, "baseline.joblib", tmp_path / "canary")  # what older versions kept
    with pytest.raises(ConfigError, match="saved by an older version .* retrain"):
        baseline_scores(tmp_path, "a text")
    assert not (tmp_path / "canary").exists()
    assert baseline_scores(tmp_path / "nothing", "a text") is None  # no baseline at all: nothing shown


def test_the_baseline_is_kept_as_arrays_and_predicts_the_same(tmp_path):
    from finetune.tasks import fitted_arrays

    rows = keyword_rows(per_class=8)
    texts, labels = [t for t, _ in rows], [LABELS.index(label) for _, label in rows]
    tfidf_baseline(texts, labels, texts, labels, save_to=tmp_path / "baseline.safetensors", label_names=LABELS)
    loaded, names = fitted_arrays.load_tfidf(tmp_path / "baseline.safetensors")
    fitted = tfidf_pipeline().fit(texts, labels)
    probe = ["patient fever", "contract court revenue", "words it never saw", ""]
    assert names == LABELS and np.array_equal(loaded.predict_proba(probe), fitted.predict_proba(probe))
    assert (tmp_path / "baseline.safetensors").read_bytes()[:8] != b"\x80\x04\x95"  # not a pickle


def test_a_setfit_head_is_kept_as_arrays_and_predicts_the_same(tmp_path, tiny_model):
    model = setfit_method.build_setfit_model(tiny_model, LABELS)
    rows = keyword_rows(per_class=4)
    texts = [t for t, _ in rows]
    model.model_head.fit(model.encode(texts), [LABELS.index(label) for _, label in rows])
    setfit_method.save_setfit_model(model, tmp_path / "model", LABELS)
    assert not list((tmp_path / "model").rglob("*.pkl"))
    predictor = setfit_method.SetFitPredictor(tmp_path / "model")
    assert np.array_equal(predictor.model.predict_proba(texts, as_numpy=True), model.predict_proba(texts, as_numpy=True))
    assert predictor(["patient fever"])[0]["label"] in LABELS


def test_the_package_unpickles_nothing():
    """Read with ast, so comments and docstrings that name the hole do not count: no pickle module is
    imported, nothing calls SetFitModel.from_pretrained, read_pickle, weights_only=False or allow_pickle=True."""
    found = []
    for path in (ROOT / "finetune").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] in PICKLERS for n in names):
                found.append(f"{path.name}:{node.lineno} imports {names}")
            if isinstance(node, ast.Attribute) and (node.attr == "read_pickle" or node.attr == "from_pretrained"
                                                    and ast.unparse(node.value) == "SetFitModel"):
                found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
            if isinstance(node, ast.keyword) and (node.arg, getattr(node.value, "value", None)) in (
                    ("weights_only", False), ("allow_pickle", True)):
                found.append(f"{path.name}:{node.value.lineno} {node.arg}={node.value.value}")
    assert found == []


def test_on_a_space_the_signing_key_is_no_file_a_run_could_read(runs_dir, monkeypatch):
    monkeypatch.setenv("SPACE_ID", "someone/fine-tune-studio")
    monkeypatch.delenv("FINETUNE_SECRET", raising=False)
    token = owners.issue_id()
    assert owners.verify(token) and owners.server_secret() == owners.server_secret()
    assert not [p for p in runs_dir.rglob("*") if p.is_file()]  # nothing under the runs root


def test_the_model_zip_leaves_an_old_pickled_head_out(runs_dir, tiny_model):
    import zipfile

    from finetune.services.export import zip_model

    run = runs_dir / "20260101-000000-classification-old"
    shutil.copytree(tiny_model, RunPaths(run).model)
    (RunPaths(run).model / "model_head.pkl").write_bytes(b"pickle")
    with zipfile.ZipFile(zip_model(run)) as archive:
        assert "model_head.pkl" not in archive.namelist() and "config.json" in archive.namelist()
