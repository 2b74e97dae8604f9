"""Issue 27: the tables fit a 1280x800 window, and the label review's decisions are choices, not typed text.
Measured in Chromium: no part of the label-review table or the runs table scrolls sideways (scrollWidth <=
clientWidth) or reaches past the window; then a row is relabelled and one dropped with clicks only."""
import json
import os
from pathlib import Path

import pytest

from finetune.config import RunConfig
from finetune.runs.events import EVAL, FINISHED, LOG, STARTED, EventWriter
from finetune.runs.folder import RunPaths
from tests.browser.conftest import review_flipped_sample, select_row, shot

pytestmark = [pytest.mark.browser]

WIDTH, HEIGHT = 1280, 800
LONG_MODEL = "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2"
# the widest part inside a table: how far its content reaches past its own box, and past the window
OVERFLOW = """sel => {
  const root = document.querySelector(sel);
  let worst = {over: 0, right: 0, what: ''};
  for (const el of [root, ...root.querySelectorAll('*')]) {
    const over = el.scrollWidth - el.clientWidth;
    const style = getComputedStyle(el);
    const scrolls = ['auto', 'scroll'].includes(style.overflowX) || el === root;
    if (scrolls && el.clientWidth && over > worst.over) worst = {over, right: worst.right, what: el.className};
    worst.right = Math.max(worst.right, el.getBoundingClientRect().right);
  }
  return worst;
}"""


def _a_finished_run(root: Path):
    """A run folder as training leaves it, with a long model name (the runs table's widest row)."""
    paths = RunPaths(root / "20260101-000000-classification-widetable")
    paths.root.mkdir(parents=True)
    RunConfig(data_file="x.csv", model=LONG_MODEL, epochs=3.0, batch_size=16, learning_rate=5e-5).save(paths.config)
    events = EventWriter(paths.events)
    events.write(STARTED, pid=0)
    events.write(LOG, step=1, max_steps=1, loss=0.5)
    events.write(EVAL, step=1, max_steps=1, eval_loss=0.3, eval_accuracy=0.8123)
    paths.results.write_text(json.dumps({"status": "finished", "main_metric": "accuracy", "steps": 1,
                                         "metrics": {"accuracy": 0.8123}, "duration_s": 1234.5}))
    events.write(FINISHED)


def _fits(page, selector: str, name: str):
    page.wait_for_function("sel => document.querySelector(sel)?.getBoundingClientRect().width > 0", arg=selector)
    worst = page.evaluate(OVERFLOW, selector)
    shot(page, f"tables-fit-{name}")
    assert worst["over"] <= 1, f"{name}: something inside scrolls {worst['over']} px sideways ({worst['what']})"
    assert worst["right"] <= WIDTH, f"{name}: reaches {worst['right']:.0f} px in a {WIDTH} px window"


def test_the_review_and_runs_tables_fit_1280_px_and_decisions_are_clicks(page, tmp_path):
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    labels = review_flipped_sample(page, tmp_path)
    _fits(page, "#review-table", "review")
    assert not page.locator("#review-table textarea").count()  # nothing to type into

    select_row(page, 0)  # select a row, then choose below the table
    cell = lambda column: page.locator(f"#review-table [data-testid=cell-0-{column}]").inner_text().strip()
    choice = next(label for label in labels if label not in (cell(2), cell(3)))  # neither given nor suggested
    page.locator("#review-new-label input").click()
    page.get_by_role("option", name=choice, exact=True).click()
    page.wait_for_function("() => document.querySelector('#review-table [data-testid=cell-0-5]')?.innerText.trim() "
                           "=== 'relabel'")
    select_row(page, 1)
    page.locator("#review-action").get_by_text("drop", exact=True).click()
    page.wait_for_function("() => document.querySelector('#review-table [data-testid=cell-1-5]')?.innerText.trim() "
                           "=== 'drop'")
    page.locator("#review-apply").click()
    page.wait_for_selector("#review-message:has-text('Recorded')", timeout=60_000)
    assert "1 relabelled and 1 dropped" in page.locator("#review-message").inner_text()
    edits = json.loads(page.locator("#knob-label-edits textarea").input_value())
    assert list(edits["relabel"].values()) == [choice] and len(edits["drop"]) == 1

    _a_finished_run(Path(os.environ["FINETUNE_RUNS_DIR"]))
    page.get_by_role("tab", name="3. Train").click()
    page.get_by_text("Earlier runs").click()
    page.locator("#runs-only-mine input").uncheck()  # locally: every run in the folder
    page.wait_for_selector("#runs-table:has-text('widetable')")
    _fits(page, "#runs-table", "runs")
