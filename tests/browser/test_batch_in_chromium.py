"""Batch predictions and PDF tagging in headless Chromium, on a tiny classification run trained into the
app's runs folder; the inputs survive a trip to another tab."""
import os
import random
import sys
from pathlib import Path

import pytest

from finetune.config import RunConfig
from finetune.training.engine import train
from tests.browser.conftest import shot
from tests.browser.test_tasks_in_chromium import pick_run
from tests.conftest import SAMPLES, WORDS, keyword_rows, write_csv

sys.path.insert(0, str(SAMPLES))
from make_sample_pdf import write_pdf  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]
RUN = "20990101-000000-classification-batch"


def test_batch_file_and_pdf_in_the_playground(page, tiny_model, tmp_path):
    data = write_csv(tmp_path / "train.csv", keyword_rows(per_class=30))
    train(RunConfig(data_file=str(data), model=tiny_model, freeze_embeddings=False, epochs=8.0, batch_size=8, learning_rate=2e-3,
                    precision="fp32"), Path(os.environ["FINETUNE_RUNS_DIR"]) / RUN)
    pick_run(page, RUN)

    # the examples are the run's own held-out texts (one per label), and a click puts one in the text box
    examples = page.locator("#play-examples button")
    page.wait_for_function("document.querySelectorAll('#play-examples button').length === 3")
    example = examples.first.inner_text().strip()
    assert set(example.split()) <= {w for ws in WORDS.values() for w in ws}
    examples.first.click()
    page.wait_for_function(f"document.querySelector('#play-text textarea').value === {example!r}")
    assert not page.locator("#batch-result").is_visible()  # no empty "1 2 3" table before a file is labelled

    page.locator("#play-text textarea").fill("patient fever surgery clinic")  # before/after first
    page.locator("#play-predict").click()
    page.wait_for_selector("#play-baseline", state="visible")
    assert "medical" in page.locator("#play-label").inner_text()
    assert "TF-IDF baseline trained on the same split" in page.locator("#play-baseline").inner_text()

    rng = random.Random(0)
    rows = [(i, " ".join(rng.choices(WORDS[label], k=6))) for i, label in
            enumerate(rng.choice(sorted(WORDS)) for _ in range(500))]
    page.locator("#batch-file input[type=file]").set_input_files(str(write_csv(tmp_path / "b.csv", rows,
                                                                               header=("id", "review"))))
    page.wait_for_function("document.querySelector('#batch-column input').value === 'review'")
    page.locator("#batch-run").click()
    page.wait_for_selector("#batch-status:has-text('500 rows labelled')")
    assert page.locator("#batch-download a").count() >= 1
    assert "predicted_label" in page.locator("#batch-result").inner_text()
    page.locator("#batch-panel").scroll_into_view_if_needed()
    shot(page, "8-playground-batch")

    page.get_by_role("tab", name="A PDF").click()
    page.locator("#pdf-file input[type=file]").set_input_files(str(write_pdf(tmp_path / "docs.pdf")))
    page.locator("#pdf-run").click()
    page.wait_for_selector("#pdf-status:has-text('12 chunks')")
    page.wait_for_selector("#pdf-summary .js-plotly-plot")
    assert page.locator("#pdf-download a").count() >= 1
    shot(page, "9-playground-pdf")

    page.get_by_role("tab", name="3. Train").click()  # the last inputs are still there on the way back
    page.get_by_role("tab", name="4. Playground").click()
    assert page.locator("#play-text textarea").input_value() == "patient fever surgery clinic"
