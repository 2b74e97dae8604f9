"""Share: a trained run as its own demo folder (app.py, the model, requirements.txt, a Spaces README) that
runs offline with one command; the CLI writes it; in Chromium the written app labels a typed text."""
import json
import os
import subprocess
import sys
import time

import pytest

from finetune.__main__ import main
from finetune.training.engine import train
from finetune.services.share import write_share_app


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_model):
    from finetune.config import RunConfig
    from tests.conftest import keyword_rows, write_csv

    folder = tmp_path_factory.mktemp("share")
    data = write_csv(folder / "train.csv", keyword_rows())
    train(RunConfig(data_file=str(data), model=tiny_model, epochs=8.0, batch_size=8, learning_rate=2e-3,
                    precision="fp32", freeze_embeddings=False), folder / "run")
    return folder / "run"


def test_the_folder_holds_app_model_requirements_and_a_spaces_readme_and_no_server_path(trained, tmp_path, tiny_model):
    out = write_share_app(trained, tmp_path / "demo")
    assert {p.name for p in out.iterdir()} == {"app.py", "share.json", "model", "requirements.txt", "README.md"}
    assert (out / "model" / "model.safetensors").is_file() and not (out / "model" / "training_args.bin").exists()
    readme = (out / "README.md").read_text()
    assert readme.startswith("---\n") and "sdk: gradio" in readme and 'python_version: "3.11"' in readme
    assert "app_file: app.py" in readme and 'api_name="/predict"' in readme and "curl" in readme
    assert "gradio==" in (out / "requirements.txt").read_text()
    assert json.loads((out / "share.json").read_text())["kind"] == "label"
    for file in out.rglob("*"):
        if file.is_file() and file.suffix in {".py", ".json", ".md", ".txt"}:
            text = file.read_text()
            assert str(trained) not in text and str(tiny_model) not in text and "/tmp" not in text, file


def test_the_cli_writes_the_folder_and_refuses_a_folder_that_is_not_empty(trained, tmp_path, capsys):
    assert main(["share", str(trained), "--output", str(tmp_path / "demo")]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["output"] == str(tmp_path / "demo")
    assert main(["share", str(trained), "--output", str(tmp_path / "demo")]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert main(["share", str(tmp_path / "nothing"), "--output", str(tmp_path / "other")]) == 2


@pytest.mark.browser
def test_the_written_app_runs_on_its_own_and_labels_a_text_in_chromium(trained, tmp_path):
    from tests.browser.conftest import ARGS, ARTIFACTS, CHROMIUM, _browser_or_skip, _free_port

    _browser_or_skip()
    out = write_share_app(trained, tmp_path / "demo")
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1"}
    env.pop("PYTHONPATH", None)
    app = subprocess.Popen([sys.executable, "app.py"], cwd=out, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            for _ in range(120):  # the app's start: gradio, transformers and the model load
                try:
                    page.goto(f"http://127.0.0.1:{port}/")
                    break
                except Exception:
                    assert app.poll() is None, app.stdout.read()
                    time.sleep(1)
            page.locator("#share-text textarea").fill("patient surgery fever dose nurse clinic")
            page.locator("#share-predict").click()
            page.wait_for_selector("#share-output:has-text('%')", timeout=60_000)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "share-app.png"), full_page=True)
            assert "medical" in page.locator("#share-output").inner_text()
            browser.close()
    finally:
        app.terminate()
        app.wait(timeout=30)


def test_the_train_tab_shares_only_the_visitors_own_run(trained, runs_dir, monkeypatch):
    import shutil
    import zipfile

    import gradio as gr

    from finetune.hosting import owners
    from finetune.ui import share_panel, visitor
    from finetune.ui.followed_run import FollowedRun

    monkeypatch.setenv("SPACE_ID", "someone/fine-tune-studio")
    a, b = visitor.issue(None), visitor.issue(None)
    run = runs_dir / "20260101-000000-classification-aaaa"
    shutil.copytree(trained, run)
    owners.record_owner(run, visitor.owner(a))
    for who in (b, "", None):
        with pytest.raises(gr.Error, match="no run named|no visitor id"):
            share_panel.share_demo(FollowedRun(run_dir=str(run)), who)
    archive, message = share_panel.share_demo(FollowedRun(run_dir=str(run)), a)
    assert "app.py" in zipfile.ZipFile(archive).namelist() and "python app.py" in message
    pushed, box = share_panel.push_demo(FollowedRun(run_dir=str(run)), "me/demo", "", True, a)
    assert "token" in pushed and box == ""  # no token: nothing pushed, said


def _written_predict(out):
    """The written app's batched predict function, its module run as the app would (without launching)."""
    import runpy

    return runpy.run_path(str(out / "app.py"), run_name="shared_app")["predict"]


def test_an_ner_run_shares_highlighted_entities_and_a_generation_run_its_text(ner_run, tiny_gpt2, tmp_path):
    import shutil

    from finetune.config import RunConfig
    from finetune.runs.folder import RunPaths

    out = write_share_app(ner_run[0], tmp_path / "ner-demo")
    (answer,), = _written_predict(out)(["Dr. Maria Lopez flew to Oslo ."])
    assert json.loads((out / "share.json").read_text())["kind"] == "entities"
    assert answer["text"] == "Dr. Maria Lopez flew to Oslo ." and isinstance(answer["entities"], list)

    paths = RunPaths(tmp_path / "gen-run")
    paths.root.mkdir()
    RunConfig(task="generation", data_file="story.txt", model=tiny_gpt2).save(paths.config)
    shutil.copytree(tiny_gpt2, paths.model)
    out = write_share_app(paths.root, tmp_path / "gen-demo")
    (text,), = _written_predict(out)(["The kettle"])
    assert json.loads((out / "share.json").read_text())["kind"] == "text" and isinstance(text, str)


@pytest.fixture(scope="module")
def few_shot_runs(tmp_path_factory, tiny_model):
    """A quick-probe run and a SetFit run of the tiny BERT: a sentence model with its head beside it."""
    from finetune.config import RunConfig
    from tests.conftest import keyword_rows, write_csv

    folder = tmp_path_factory.mktemp("few-shot")
    data = write_csv(folder / "train.csv", keyword_rows(per_class=10))
    for method in ("probe", "setfit"):
        train(RunConfig(data_file=str(data), model=tiny_model, method=method, batch_size=16), folder / method)
    return folder


@pytest.mark.parametrize("method", ["probe", "setfit"])
def test_a_probe_or_setfit_run_shares_and_its_app_answers_as_the_studio_does(few_shot_runs, method, tmp_path):
    from finetune.services.predictions import predict_texts

    run = few_shot_runs / method
    out = write_share_app(run, tmp_path / "demo")
    assert "sentence-transformers==" in (out / "requirements.txt").read_text()
    text = "patient surgery fever dose nurse clinic"
    (shared,), = _written_predict(out)([text])
    studio = predict_texts(run, [text])[0]["scores"]
    assert set(shared) == set(studio) == {"financial", "legal", "medical"}
    assert all(abs(shared[label] - studio[label]) < 1e-4 for label in studio), (shared, studio)
    for file in out.rglob("*"):
        if file.is_file() and file.suffix in {".py", ".json", ".md", ".txt"}:
            assert str(few_shot_runs) not in file.read_text(), file
