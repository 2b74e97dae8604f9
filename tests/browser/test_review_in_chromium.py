"""The Review labels panel in headless Chromium: review the sample, relabel one row, drop one, apply, see the
check count the edits, and train on the result (the run's config.json records the edits)."""
import json
import os
from pathlib import Path

import pytest

from tests.browser.conftest import shot
from tests.conftest import SAMPLES

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _set_cell(page, row: int, column: int, text: str):
    cell = page.locator("#review-table tbody tr").nth(row).locator("td").nth(column)
    cell.dblclick()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_relabel_one_drop_one_and_train_on_the_result(page):
    page.locator("#data-upload input[type=file]").set_input_files(str(SAMPLES / "legal_medical_financial.csv"))
    page.wait_for_selector("#data-report:has-text('360 rows')")
    page.get_by_text("Review labels: find the rows").click()
    page.locator("#review-start").click()
    page.wait_for_selector("#review-message:has-text('Reviewed 360 rows')", timeout=120_000)
    page.wait_for_selector("#review-table tbody tr >> nth=1")
    _set_cell(page, 0, 5, "relabel")
    _set_cell(page, 1, 5, "drop")
    page.locator("#review-apply").click()
    page.wait_for_selector("#review-message:has-text('1 relabelled and 1 dropped')", timeout=60_000)
    page.wait_for_selector("#review-corrected a")
    page.wait_for_selector("#data-report:has-text('359')", timeout=60_000)  # the check counts the edits
    edits = json.loads(page.locator("#knob-label-edits textarea").input_value())
    assert len(edits["relabel"]) == 1 and len(edits["drop"]) == 1
    shot(page, "review-applied")

    page.get_by_role("tab", name="3. Train").click()
    page.locator("#start-training").click()
    page.wait_for_selector("#train-status:has-text('step')", timeout=120_000)
    runs = Path(os.environ["FINETUNE_RUNS_DIR"])
    config = json.loads(max(runs.glob("*/config.json"), key=lambda p: p.stat().st_mtime).read_text())
    assert json.loads(config["label_edits"]) == edits  # the run folder says what was changed
    page.locator("#stop-training").click()
