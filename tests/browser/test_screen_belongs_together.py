"""Issue 19 in Chromium: the task and the file on the Data tab always belong together, in both orders."""
import pytest

from tests.browser.conftest import shot
from tests.conftest import SAMPLES, keyword_rows, ner_rows, write_csv, write_ner_jsonl

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def pick_task(page, value):
    page.locator(f"#data-task input[value={value}]").check()


def upload(page, path):
    page.locator("#data-upload input[type=file]").set_input_files(str(path))


def test_ner_then_classify_then_a_csv_stays_classification(page, tmp_path):
    pick_task(page, "ner")
    upload(page, SAMPLES / "ner_sample.jsonl")
    page.wait_for_selector("#data-report:has-text('Entities per type')")
    pick_task(page, "classification")  # the NER file cannot be classification data: an error, the choice stays
    page.wait_for_selector("#data-report:has-text('Error:')")
    page.locator("#data-upload button[aria-label='Clear']").click()
    upload(page, write_csv(tmp_path / "classes.csv", keyword_rows()))
    page.wait_for_selector("#data-report:has-text('classes.csv')")
    page.wait_for_selector("#label-chart .js-plotly-plot")
    assert page.locator("#data-task input[value=classification]").is_checked()
    assert "labels" in page.locator("#data-report").inner_text()
    shot(page, "demo/belong-1-classify-after-ner")


def test_a_wrong_task_file_clears_the_old_one_and_switches_in_one_click(page, tmp_path):
    upload(page, SAMPLES / "product_reviews_sentiment.csv")
    page.wait_for_selector("#label-chart .js-plotly-plot")
    page.wait_for_selector("#data-baseline:has-text('TF-IDF')")
    page.locator("#data-upload button[aria-label='Clear']").click()
    upload(page, write_ner_jsonl(tmp_path / "tweets.jsonl", ner_rows(60)))
    page.wait_for_selector("#data-switch-task:has-text('Switch to Named entities (NER)')")
    assert not page.locator("#label-chart").is_visible() and not page.locator("#data-baseline").is_visible()
    shot(page, "demo/belong-2-wrong-file")
    page.locator("#data-switch-task").click()
    page.wait_for_selector("#data-report:has-text('tweets.jsonl')")
    page.wait_for_selector("#data-report:has-text('Entities per type')")
    assert page.locator("#data-task input[value=ner]").is_checked()
    assert "product_reviews" not in page.locator("#data-report").inner_text()
    page.get_by_role("tab", name="2. Model").click()
    page.wait_for_function("document.querySelector('#task input').value.includes('NER')")
