"""The Data tab's "Do you need fine-tuning?" panel in headless Chromium at 1280 px: a classification sample
(the quick models, the curve, the advice, the button that sets the Model tab's method) and an NER sample
(the CRF floor). The real embedded MiniLM embeds the sample's texts: tens of seconds on a busy CPU."""
import pytest

from tests.browser.conftest import ARTIFACTS, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
MEASURED = 240_000  # ms: embedding 360 texts with MiniLM on 2 busy cores


def pick_sample(page, name):
    page.locator("#data-sample input").click()
    page.get_by_role("option", name=name).click()


def test_classification_sample_measures_and_the_advice_sets_the_method(page):
    pick_sample(page, "legal_medical_financial.csv")
    page.wait_for_selector("#quick-advice:has-text('Advice')", timeout=MEASURED)
    scores = page.locator("#quick-scores").inner_text()
    assert "zero-shot" in scores and "TF-IDF" in scores and "seconds" in scores
    page.wait_for_selector("#quick-curve .js-plotly-plot")
    assert "quick probe reaches" in page.locator("#quick-advice").inner_text()  # the bar to clear
    page.locator("#quick-panel").first.scroll_into_view_if_needed()
    shot(page, "quick-panel-classification")
    page.locator("#quick-panel").first.screenshot(path=str(ARTIFACTS / "quick-panel-only.png"))
    advised = page.locator("#quick-pick").inner_text().removeprefix("Use ").removesuffix(" (Model tab)")
    assert advised == "Fine-tune the model"  # 96 training rows per class: from 50, fine-tuning (tasks/advice.py)
    page.locator("#quick-pick").click()
    page.get_by_role("tab", name="2. Model").click()
    page.wait_for_function("v => document.querySelector('#knob-method input').value === v", arg=advised)


def test_ner_sample_measures_the_crf_floor(page):
    pick_sample(page, "ner_sample.jsonl")
    page.wait_for_selector("#quick-advice:has-text('Advice')", timeout=MEASURED)
    assert "| CRF |" in page.locator("#quick-scores").inner_text() or "CRF" in page.locator("#quick-scores").inner_text()
    assert "on word shapes reaches f1" in page.locator("#quick-advice").inner_text()
    assert not page.locator("#quick-pick").is_visible()  # NER has one method
    page.locator("#quick-panel").first.scroll_into_view_if_needed()
    shot(page, "quick-panel-ner")
    page.locator("#quick-panel").first.screenshot(path=str(ARTIFACTS / "quick-panel-ner-only.png"))


def test_a_small_file_gets_setfit_advised_and_the_button_sets_it(page, tmp_path):
    """20 rows per class (16 train after the held-out share): below 50 rows per class and at most 240 training
    rows, the advice is SetFit (tasks/advice.py, measured in bench/crossover.py)."""
    import pandas as pd

    from tests.browser.conftest import SAMPLES

    rows = pd.read_csv(SAMPLES / "legal_medical_financial.csv").groupby("label").head(20)
    rows.to_csv(tmp_path / "few.csv", index=False)
    page.locator("#data-upload input[type=file]").set_input_files(str(tmp_path / "few.csv"))
    page.wait_for_selector("#quick-advice:has-text('Advice')", timeout=MEASURED)
    advised = page.locator("#quick-pick").inner_text().removeprefix("Use ").removesuffix(" (Model tab)")
    assert advised.startswith("SetFit"), page.locator("#quick-advice").inner_text()
    page.locator("#quick-panel").first.scroll_into_view_if_needed()
    shot(page, "quick-panel-setfit")
    page.locator("#quick-pick").click()
    page.get_by_role("tab", name="2. Model").click()
    page.wait_for_function("v => document.querySelector('#knob-method input').value === v", arg=advised)
