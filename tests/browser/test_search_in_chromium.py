"""The "Find good settings" panel in headless Chromium: start a small search on the tiny model, watch the
trials table and the figure fill in, then load the best trial's settings into the Model tab."""
import json
import os
from pathlib import Path

import pytest

from tests.browser.conftest import shot
from tests.conftest import keyword_rows, write_csv

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_search_runs_from_the_model_tab_and_its_best_settings_load(page, tmp_path, tiny_model):
    data = write_csv(tmp_path / "keywords.csv", keyword_rows(per_class=30))
    page.locator("#data-upload input[type=file]").set_input_files(str(data))
    page.wait_for_selector("#data-report:has-text('90 rows')")
    page.get_by_role("tab", name="2. Model").click()
    model = page.locator("#base-model input")
    model.fill(tiny_model)
    model.press("Enter")
    page.locator("#search-panel button").first.click()  # open the accordion
    page.locator("#search-trials input").fill("2")
    page.locator("#search-budget input").fill("3")
    page.locator("#search-start").click()
    page.wait_for_selector("#search-status:has-text('Trial')", timeout=60_000)
    page.wait_for_selector("#search-status:has-text('Search finished')", timeout=240_000)
    page.wait_for_selector("#search-plot .js-plotly-plot .scatterlayer .trace")
    table = page.locator("#search-trials-table").inner_text()
    assert "trial-000" in table and "trial-001" in table
    shot(page, "search-finished")

    sweep_file, = Path(os.environ["FINETUNE_RUNS_DIR"]).glob("*search-classification*/sweep.json")
    best = json.loads(sweep_file.read_text())["best"]
    page.locator("#search-load-best").click()
    page.get_by_text("Advanced: every setting").click()
    lr = page.locator("#knob-learning-rate input")
    page.wait_for_function("([el, want]) => Math.abs(parseFloat(el.value) - want) < 1e-12 * Math.max(1, want)",
                           arg=[lr.element_handle(), best["params"]["learning_rate"]], timeout=20_000)
    shot(page, "search-best-loaded")
