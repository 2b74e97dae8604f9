"""Issue 27: each task walked as a person would, in headless Chromium at 1280x800, on tiny models and data:
upload -> check -> train -> verdict -> Playground -> delete, with what the screen says asserted at each step
(an estimate for the whole run, the verdict the engine gives, nothing left of the run after its delete).
A failing step saves a screenshot (test-artifacts/walk-TASK-failed.png); there is no retry."""
import os
from pathlib import Path

import pytest

from finetune.planning.estimate import model_shape
from finetune.runs.records import Results
from finetune.runs.folder import list_runs
from finetune.services.verdict import run_verdict
from tests.browser.conftest import shot
from tests.conftest import STORY, keyword_rows, ner_rows, write_csv, write_ner_jsonl

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def classification_file(folder: Path) -> Path:
    return write_csv(folder / "keywords.csv", keyword_rows(per_class=30))


def ner_file(folder: Path) -> Path:
    return write_ner_jsonl(folder / "tags.jsonl", ner_rows(80))


def story_file(folder: Path) -> Path:
    (folder / "story.txt").write_text(STORY)
    return folder / "story.txt"


TASKS = {  # task: (its data, its tiny model fixture, the Playground's answer box, the check's words)
    "classification": (classification_file, "tiny_model", "#play-label", "rows, 3 labels"),
    "ner": (ner_file, "tiny_ner_model", "#play-entities", "sentences"),
    "generation": (story_file, "tiny_gpt2", "#gen-tuned", "examples"),
}


@pytest.fixture
def small_page(page):
    page.set_viewport_size({"width": 1280, "height": 800})
    return page


@pytest.mark.parametrize("task", list(TASKS))
def test_walk_upload_check_train_verdict_playground_delete(small_page, task, tmp_path, request):
    page = small_page
    make, model_fixture, answer, checked = TASKS[task]
    model = request.getfixturevalue(model_fixture)
    try:
        _walk(page, task, make(tmp_path), model, answer, checked)
    except Exception:
        shot(page, f"walk-{task}-failed")
        raise


def _walk(page, task, data, model, answer, checked):
    runs_root = Path(os.environ["FINETUNE_RUNS_DIR"])
    # upload -> check
    page.locator(f"#data-task input[value={task}]").check()
    page.locator("#data-upload input[type=file]").set_input_files(str(data))
    page.wait_for_selector(f"#data-report:has-text('{checked}')", timeout=60_000)
    assert "Error" not in page.locator("#data-report").inner_text()

    # the tiny model, typed as a local folder
    page.get_by_role("tab", name="2. Model").click()
    box = page.locator("#base-model input")
    box.fill(str(model))
    box.press("Enter")
    method = page.locator("#knob-method")
    assert method.is_visible() == (task == "classification")  # the method picker only where it applies
    if task == "classification":  # the walk is about the screens: fine-tune the tiny model (auto picks the probe here)
        method.locator("input").click()
        page.get_by_role("option", name="Fine-tune the model").click()

    # the estimate is for the whole run, from this machine's measured speed
    page.get_by_role("tab", name="3. Train").click()
    # the tiny model's parameters: the estimate is for the model typed in, not a stale one
    # (generation: the task switch first measures the embedded SmolLM2's speed, about a minute in a fresh folder)
    size = f"{model_shape(str(model), 2)['parameters'] / 1e6:.1f}M parameters"
    page.wait_for_selector(f"#train-estimate:has-text('for the whole run'):has-text('{size}')",
                           timeout=240_000 if task == "generation" else 120_000)
    assert "measured speed" in page.locator("#train-estimate").inner_text()
    before = set(list_runs(runs_root))
    page.locator("#start-training").click()
    page.wait_for_selector("#train-verdict:has-text('Verdict:')", timeout=240_000)
    (run,) = set(list_runs(runs_root)) - before
    verdict = run_verdict(run)
    screen = page.locator("#train-verdict").inner_text()
    assert verdict.line.split(":")[0] in screen, screen  # the screen's verdict is the engine's
    assert "estimated" in page.locator("#train-summary").inner_text()  # estimate against actual
    shot(page, f"walk-{task}-verdict")

    # the runs table agrees with the verdict
    if not page.locator("#runs-refresh").is_visible():
        page.get_by_text("Earlier runs").click()  # the accordion opens (it stays open for the delete below)
    page.locator("#runs-refresh").click()
    page.wait_for_selector(f"#runs-table:has-text('{run.name}')", timeout=30_000)
    assert verdict.short in page.locator("#runs-table").inner_text()

    # a confident mistake opens in the Playground when clicked (classification lists its mistakes)
    if task == "classification":
        text = Results.load(run / "results.json").report["mistakes"][0]["text"]
        page.locator("#mistakes").get_by_text(text, exact=True).locator("visible=true").first.click()
        page.wait_for_function("t => (document.querySelector('#play-text textarea') || {}).value === t", arg=text,
                               timeout=30_000)
        assert page.get_by_role("tab", name="4. Playground").get_attribute("aria-selected") == "true"
        page.get_by_role("tab", name="3. Train").click()

    # the Playground preselects the finished run and answers
    page.get_by_role("tab", name="4. Playground").click()
    assert page.locator("#play-run input").input_value() == run.name
    if task == "generation":
        page.locator("#gen-prompt textarea").fill("ROMEO:")
        page.locator("#gen-generate").click()
        page.wait_for_function("document.querySelector('#gen-tuned textarea').value.length > 0", timeout=60_000)
    else:
        page.locator("#play-text textarea").fill("Maria Lopez joined Acme Corp in Boston ." if task == "ner"
                                                 else "bank loan interest rates")
        page.locator("#play-predict").click()
        page.wait_for_selector(f"{answer}:visible", timeout=60_000)
    shot(page, f"walk-{task}-playground")

    # delete takes a confirmation, and every screen lets go of the run
    page.get_by_role("tab", name="3. Train").click()
    page.locator("#runs-pick input").click()
    page.get_by_role("option", name=run.name).click()
    page.locator("#runs-delete").click()
    page.wait_for_selector("#runs-message:has-text('for good')")
    assert run.is_dir()  # not yet
    page.locator("#runs-delete-confirm").click()
    page.wait_for_selector("#train-status:has-text('was deleted')", timeout=30_000)
    assert not run.exists()
    assert not page.locator("#train-verdict").is_visible() and run.name not in page.locator("#runs-table").inner_text()
    page.get_by_role("tab", name="4. Playground").click()
    assert page.locator("#play-run input").input_value() != run.name
    page.locator("#play-run input").click()
    assert page.get_by_role("option", name=run.name).count() == 0
    shot(page, f"walk-{task}-deleted")
