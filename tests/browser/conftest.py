"""A real app on a free port and a headless Chromium page on it (Debian's chromium; playwright cannot
download its own browser offline). Each test module gets its own app and runs folder."""
import os
import shutil
import socket

import pytest

from tests.conftest import ROOT, SAMPLES

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

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
    from finetune.control import warm_pool as warm
    from finetune.ui import CSS, build_app

    demo = build_app()
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, css=CSS,
                run_history=False)
    warm.prewarm()  # as app.py does
    yield f"http://127.0.0.1:{port}"
    warm.shutdown()
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


def review_flipped_sample(page, tmp_path) -> list[str]:
    """Upload the legal/medical/financial sample with five planted mistakes and review it; its labels."""
    import pandas as pd

    frame = pd.read_csv(SAMPLES / "legal_medical_financial.csv")
    labels = sorted(frame["label"].unique())
    for row in range(0, 50, 10):  # five planted mistakes for the review to find
        frame.loc[row, "label"] = labels[(labels.index(frame.loc[row, "label"]) + 1) % len(labels)]
    frame.to_csv(tmp_path / "flipped.csv", index=False)
    page.locator("#data-upload input[type=file]").set_input_files(str(tmp_path / "flipped.csv"))
    page.wait_for_selector("#data-report:has-text('360 rows')")
    page.get_by_text("Review labels: find the rows").click()
    page.locator("#review-start").click()
    page.wait_for_selector("#review-message:has-text('Reviewed 360 rows')", timeout=120_000)
    page.wait_for_selector("#review-table [data-testid=cell-1-5]")
    return labels


def select_row(page, row: int):
    """Click a row of the review table and wait until the panel below it names that row of the file."""
    number = page.locator(f"#review-table [data-testid=cell-{row}-0]").inner_text().strip()  # the file's row
    page.locator(f"#review-table [data-testid=cell-{row}-1]").click()
    page.wait_for_function("n => document.querySelector('#review-row')?.innerText.includes(`Row ${n} `)", arg=number)
