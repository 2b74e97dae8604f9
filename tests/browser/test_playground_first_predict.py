"""The first Predict after the Playground's run changes answers, and its answer stays.

Once, in the demo script, no answer came after switching the run: the run change's clear went to the
server, the clear from typing waited for it (a .change listener defers its next trigger while one is
pending), and was sent after the Predict, so it ran last and wiped the answer. Here the server's side of
a run change is made slow (1 s), which made that happen every time on the old code. From an NER run it
also catches the run change's update that hid the label box after the answer had come."""
import shutil
import time

import pytest

from tests.browser.conftest import shot
from tests.browser.test_demo_script import choose_run

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def two_runs(app_url, tmp_path_factory, tiny_model, ner_run):
    from finetune.config import RunConfig
    from finetune.training.engine import train
    from finetune.runs.folder import runs_root
    from tests.conftest import keyword_rows, write_csv

    data = write_csv(tmp_path_factory.mktemp("first-predict") / "train.csv", keyword_rows())
    first = runs_root() / "20260101-000000-classification-aaaa"
    train(RunConfig(data_file=str(data), model=tiny_model, epochs=8.0, batch_size=8, learning_rate=2e-3,
                    precision="fp32", freeze_embeddings=False), first)
    shutil.copytree(first, runs_root() / "20260101-000001-classification-bbbb")
    shutil.copytree(ner_run[0], runs_root() / "20260101-000002-ner-cccc")
    return app_url


def test_the_first_predict_after_a_run_change_answers_and_stays(two_runs, page, monkeypatch):
    from finetune.ui import generation_playground

    slow = generation_playground.run_task

    def slow_run_task(*args, **kwargs):
        time.sleep(1.0)  # a loaded machine: the server's side of a run change takes a while
        return slow(*args, **kwargs)

    monkeypatch.setattr(generation_playground, "run_task", slow_run_task)
    page.get_by_role("tab", name="4. Playground").click()
    page.locator("#play-refresh").click()
    choose_run(page, "cccc")  # an NER run: its answer boxes differ; its run change is still on its way
    choose_run(page, "aaaa")  # when the run changes again, and at once the visitor types and asks
    page.locator("#play-text textarea").fill("patient surgery fever dose nurse clinic")
    page.locator("#play-predict").click()
    try:
        page.wait_for_selector("#play-label:has-text('%')", timeout=30_000)
        page.wait_for_timeout(3_000)  # the old code's late clear arrived within ~2 s
        assert "%" in page.locator("#play-label").inner_text(), "the answer was wiped after it came"
    except Exception:
        shot(page, "playground-first-predict-no-answer")  # the evidence
        raise
    assert "medical" in page.locator("#play-label").inner_text()
    shot(page, "playground-first-predict")


def test_a_refused_predict_says_why(two_runs, page):
    """A refused Predict says why on the page (outside Gradio's queue, queue=False, its gr.Error came as a bare
    "Error" badge: why Predict stays queued)."""
    page.get_by_role("tab", name="4. Playground").click()
    page.locator("#play-refresh").click()
    choose_run(page, "aaaa")
    page.locator("#play-text textarea").fill("   ")
    page.locator("#play-predict").click()
    try:
        page.wait_for_selector("[data-testid=toast-body]:has-text('Type a text to classify')", timeout=30_000)
    except Exception:
        shot(page, "playground-refused-predict-no-message")  # the evidence
        raise
    shot(page, "playground-refused-predict")
