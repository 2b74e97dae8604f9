"""The NER and generation Playgrounds in headless Chromium, on tiny runs trained into the app's runs folder."""
import os
from pathlib import Path

import pytest

from finetune.config import RunConfig
from finetune.training.engine import train
from tests.browser.conftest import shot
from tests.conftest import STORY, ner_rows, write_ner_jsonl

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def pick_run(page, name):
    page.get_by_role("tab", name="4. Playground").click()
    page.locator("#play-refresh").click()
    page.locator("#play-run input").click()
    page.get_by_role("option", name=name).click()


def test_ner_playground_highlights_entities(page, tiny_ner_model, tmp_path):
    data = write_ner_jsonl(tmp_path / "ner.jsonl", ner_rows(160))
    train(RunConfig(task="ner", data_file=str(data), model=tiny_ner_model, freeze_embeddings=False, epochs=5.0, batch_size=16,
                    learning_rate=3e-3, precision="fp32", warmup_ratio=0.0),
          Path(os.environ["FINETUNE_RUNS_DIR"]) / "20990101-000000-ner")
    pick_run(page, "20990101-000000-ner")
    page.locator("#play-text textarea").fill("Maria Lopez joined Acme Corp in Boston after taking ibuprofen .")
    page.locator("#play-predict").click()
    page.wait_for_selector("#play-entities .token.highlighted")
    assert page.locator("#play-entities").is_visible() and not page.locator("#play-label").is_visible()
    assert any(t in page.locator("#play-entities").inner_text() for t in ("PER", "ORG", "LOC", "DRUG"))
    shot(page, "6-playground-ner")


def test_generation_playground_streams_base_and_tuned_side_by_side(page, tiny_gpt2, tmp_path):
    (tmp_path / "story.txt").write_text(STORY)
    train(RunConfig(task="generation", data_file=str(tmp_path / "story.txt"), model=tiny_gpt2, epochs=2.0,
                    batch_size=4, learning_rate=3e-3, block_size=32, precision="fp32"),
          Path(os.environ["FINETUNE_RUNS_DIR"]) / "20990101-000000-gen")
    pick_run(page, "20990101-000000-gen")
    page.wait_for_selector("#gen-playground")
    assert not page.locator("#play-text").is_visible()  # the classification box gives way
    page.locator("#gen-prompt textarea").fill("ROMEO:")
    page.locator("#gen-generate").click()
    page.wait_for_function("document.querySelector('#gen-base textarea').value.length > 0")
    assert page.locator("#gen-tuned textarea").input_value()
    shot(page, "7-playground-generation")


def test_an_ner_sample_sets_the_task_in_both_tabs_and_previews_entities(page):
    page.locator("#data-sample input").click()
    page.get_by_role("option", name="ner_sample.jsonl").click()
    page.wait_for_selector("#data-entities .token.highlighted")
    page.wait_for_selector("#label-chart .js-plotly-plot")
    assert "Entities per type" in page.locator("#data-report").inner_text()
    assert page.locator("#data-task input[value=ner]").is_checked()
    shot(page, "0-data-ner")
    page.get_by_role("tab", name="2. Model").click()
    page.wait_for_function("document.querySelector('#base-model input').value.length > 0")
    assert page.locator("#task input").input_value() == "Named entities (NER)"
    page.locator("#task input").click()
    page.get_by_role("option", name="Text classification").click()  # and back: the Data tab follows
    page.get_by_role("tab", name="1. Data").click()
    page.wait_for_function("document.querySelector('#data-task input[value=classification]').checked")
    page.wait_for_selector("#data-report:has-text('pick that task first'), #data-report:has-text('Error:')")
