"""A real app on a free port and a headless Chromium page on it (Debian's chromium; playwright cannot
download its own browser offline). Each test module gets its own app and runs folder."""
import os
import shutil
import socket

import pytest

from tests.conftest import ROOT

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


