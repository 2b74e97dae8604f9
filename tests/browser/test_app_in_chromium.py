"""A person's path through the app in headless Chromium, on the real embedded MiniLM.

Upload the sample CSV, see the estimate, start training, see the plot update, reload the page mid-run
and find the run again, stop it, see the report, get a prediction from the stopped model in the Playground. Screenshots go to test-artifacts/.
"""
import os
import shutil
import socket
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _browser_or_skip():
    if shutil.which(CHROMIUM) and __import__("importlib").util.find_spec("playwright"):
        return
    if os.environ.get("FINETUNE_REQUIRE_BROWSER") == "1":
        pytest.fail("Chromium or playwright is missing, and FINETUNE_REQUIRE_BROWSER=1 (CI) needs them.")
    pytest.skip("needs Debian's chromium and the playwright package")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    _browser_or_skip()
    os.environ["FINETUNE_RUNS_DIR"] = str(tmp_path_factory.mktemp("browser-runs"))
    from finetune.ui import CSS, build_app

    demo = build_app()
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, css=CSS,
                run_history=False)
    yield f"http://127.0.0.1:{port}"
    demo.close()
    del os.environ["FINETUNE_RUNS_DIR"]


@pytest.fixture
def page(app_url):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(30_000)
        page.goto(app_url)
        yield page
        browser.close()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_upload_train_reload_and_predict(page):
    page.locator("#data-upload input[type=file]").set_input_files(str(SAMPLES / "legal_medical_financial.csv"))
    page.wait_for_selector("#label-chart .js-plotly-plot")
    assert "360 rows, 3 labels" in page.locator("#data-report").inner_text()
    shot(page, "1-data")

    page.get_by_role("tab", name="2. Model").click()
    page.wait_for_selector("#preset")
    shot(page, "2-model")

    page.get_by_role("tab", name="3. Train").click()
    page.wait_for_selector("#train-estimate:has-text('per epoch')", timeout=60_000)
    clicked = time.monotonic()
    page.locator("#start-training").click()
    # The status shows "step" in the same tick that plots the first loss point.
    page.wait_for_selector("#train-status:has-text('step')", timeout=90_000)
    page.wait_for_selector("#train-plot .js-plotly-plot .scatterlayer .trace")
    # A figure, not a pass/fail: README quotes it (Start to the first plotted loss point).
    (ARTIFACTS / "first-loss-point-seconds.txt").write_text(f"{time.monotonic() - clicked:.1f}\n")
    first_status = page.locator("#train-status").inner_text()
    page.wait_for_function("s => !document.querySelector('#train-status').innerText.includes(s)",
                           arg=first_status, timeout=30_000)  # the view keeps updating
    shot(page, "3-train-running")

    page.reload()  # the run lives on in its own process; the page finds it again
    page.get_by_role("tab", name="3. Train").click()
    page.wait_for_selector("#train-status:has-text('step')", timeout=60_000)
    page.locator("#stop-training").click()  # Stop keeps the test short and must leave a usable model
    page.wait_for_selector("#train-summary:has-text('accuracy')", timeout=180_000)
    assert "Stopped early" in page.locator("#train-status").inner_text()
    assert page.locator("#per-class").inner_text().count("medical") >= 1
    assert page.locator("#mistakes").is_visible() and page.locator("#zip-model").is_visible()
    shot(page, "4-train-stopped")

    page.get_by_role("tab", name="4. Playground").click()
    page.locator("#play-text textarea").fill("The tenant shall give thirty days written notice of the lease renewal.")
    page.locator("#play-predict").click()
    page.wait_for_selector("#play-label:has-text('%')")
    label = page.locator("#play-label").inner_text()
    assert label.split()[1] in {"legal", "medical", "financial"}, label  # a stopped model still answers
    shot(page, "5-playground")


def test_data_check_finds_faults_and_one_click_fixes_them(page):
    page.locator("#data-upload input[type=file]").set_input_files(str(SAMPLES / "messy_imbalanced_domains.csv"))
    page.wait_for_selector("#data-report:has-text('Under 10 examples for: Legal')")
    report = page.locator("#data-report").inner_text()
    assert "spelled more than one way" in report and "imbalanced" in report and "repeat an earlier row" in report
    page.wait_for_selector("#length-chart .js-plotly-plot")
    page.locator("#knob-merge-label-variants input").check()
    page.locator("#knob-drop-duplicates input").check()
    page.wait_for_selector("#data-report:has-text('Merged label variants'):has-text('repeated row')")
    report = page.locator("#data-report").inner_text()
    assert "Under 10 examples" not in report and "repeat an earlier row" not in report
    page.wait_for_selector("#data-baseline:has-text('TF-IDF')", timeout=60_000)
    shot(page, "0-data-check")
