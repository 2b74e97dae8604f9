"""The Review labels panel in headless Chromium: review the sample, relabel one row, drop one, apply, see the
check count the edits, and train on the result (the run's config.json records the edits)."""
import json
import os
import time
from pathlib import Path

import pytest

from tests.browser.conftest import review_flipped_sample, select_row, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _decide(page, row: int, action: str):
    """Select the row, then click its action below the table (the table itself is not typed into), waiting
    until the table shows it."""
    select_row(page, row)
    page.locator("#review-action").get_by_text(action, exact=True).click()
    page.wait_for_function("([sel, text]) => document.querySelector(sel)?.innerText.trim() === text",
                           arg=[f"#review-table [data-testid=cell-{row}-5]", action])


def test_relabel_one_drop_one_and_train_on_the_result(page, tmp_path):
    review_flipped_sample(page, tmp_path)
    _decide(page, 0, "relabel")
    _decide(page, 1, "drop")
    page.locator("#review-apply").click()
    page.wait_for_selector("#review-message:has-text('Recorded'), [data-testid=toast-body]", timeout=60_000)
    message = page.locator("#review-message").inner_text()
    assert "1 relabelled and 1 dropped" in message, (message, page.locator("[data-testid=toast-body]").all_inner_texts())
    page.wait_for_selector("#review-corrected a")
    page.wait_for_selector("#data-report:has-text('359')", timeout=60_000)  # the check counts the edits
    edits = json.loads(page.locator("#knob-label-edits textarea").input_value())
    assert len(edits["relabel"]) == 1 and len(edits["drop"]) == 1
    shot(page, "review-applied")

    page.get_by_role("tab", name="2. Model").click()
    page.wait_for_selector("#preset")
    page.get_by_role("tab", name="3. Train").click()
    page.wait_for_selector("#train-estimate:has-text('per epoch')", timeout=120_000)
    page.locator("#start-training").click()
    runs, deadline = Path(os.environ["FINETUNE_RUNS_DIR"]), time.monotonic() + 180
    while not list(runs.glob("*/config.json")) and time.monotonic() < deadline:
        time.sleep(1)
    page.wait_for_selector("#train-status:has-text('step')", timeout=180_000)  # it trains on the edited rows
    config = json.loads(max(runs.glob("*/config.json"), key=lambda p: p.stat().st_mtime).read_text())
    assert json.loads(config["label_edits"]) == edits  # the run folder says what was changed
    page.locator("#stop-training").click()
