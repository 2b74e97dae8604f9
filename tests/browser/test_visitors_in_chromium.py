"""Two visitors on one Space-mode app, each in their own Chromium context (own localStorage): A's run is
listed, predicted with and downloadable for A only; B sees neither it in the Playground nor in Earlier
runs, has no "all runs" view, and a plain GET of A's zip under the runs folder is refused. Screenshots go
to test-artifacts/visitors-*.png."""
import os
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from finetune.config import RunConfig
from finetune.training.engine import train
from finetune.hosting import owners
from finetune.services.export import zip_model
from tests.browser.test_tasks_in_chromium import pick_run
from tests.browser.conftest import ARGS, ARTIFACTS, CHROMIUM, _browser_or_skip, _free_port, shot
from tests.conftest import keyword_rows, write_csv

pytestmark = [pytest.mark.browser, pytest.mark.slow]
RUN = "20990101-000000-classification-visitora"


@pytest.fixture(scope="module")
def space_app(tmp_path_factory):
    """The app in Space mode (SPACE_ID set for its process), and the visitor ids it hands out, in order."""
    _browser_or_skip()
    saved = {k: os.environ.get(k) for k in ("FINETUNE_RUNS_DIR", "SPACE_ID")}
    os.environ.update(FINETUNE_RUNS_DIR=str(tmp_path_factory.mktemp("visitor-runs")), SPACE_ID="tests/fine-tune")
    issued, issue = [], owners.issue_id
    owners.issue_id = lambda *a, **k: issued.append(issue(*a, **k)) or issued[-1]
    from finetune.ui import CSS, build_app

    demo = build_app()
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, css=CSS, run_history=False)
    yield f"http://127.0.0.1:{port}", issued
    demo.close()
    owners.issue_id = issue
    for key, value in saved.items():
        os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


def open_page(browser, url):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.wait_for_selector("#space-limits")
    return page


def _polled(read, wanted: str | None, seconds: float = 30.0) -> str:
    """read() until it shows `wanted` or time is up (a loaded CI machine answers a refresh late); with
    wanted None, one read after the refresh has had time to land (the check is then that it is absent)."""
    deadline = time.monotonic() + (seconds if wanted else 0)
    while True:
        shown = read()
        if wanted is None or wanted in shown or time.monotonic() > deadline:
            return shown


def playground_runs(page, wanted: str | None = None) -> str:
    page.get_by_role("tab", name="4. Playground").click()
    page.locator("#play-refresh").click()
    page.wait_for_timeout(1500)

    def read():
        page.locator("#play-run input").click()
        page.wait_for_timeout(500)
        shown = page.locator("ul[role=listbox]").all_inner_texts()
        page.keyboard.press("Escape")
        return " ".join(shown)
    return _polled(read, wanted)


def runs_table(page, wanted: str | None = None) -> str:
    page.get_by_role("tab", name="3. Train").click()
    page.get_by_text("Earlier runs").click()
    page.locator("#runs-refresh").click()
    page.wait_for_timeout(1500)
    return _polled(lambda: page.locator("#runs-table").inner_text(), wanted)


def _issued(issued: list, count: int) -> int:
    """How many ids the app has handed out, once it reaches `count` or after 30 s."""
    deadline = time.monotonic() + 30
    while len(issued) < count and time.monotonic() < deadline:
        time.sleep(0.25)
    return len(issued)


def test_two_visitors_see_only_their_own_runs(space_app, tiny_model, tmp_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("FINETUNE_MODEL_DIRS", tiny_model)  # the Space's own model folder, for A's run
    url, issued = space_app
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        a = open_page(browser, url)
        assert _issued(issued, 1) == 1  # A's page got its signed id on load
        b = open_page(browser, url)
        assert _issued(issued, 2) == 2
        owner_a = owners.verify(issued[0])
        assert owner_a and owner_a != owners.verify(issued[1])

        # A's run, trained into the app's runs folder and recorded as A's (as Start does)
        root = Path(os.environ["FINETUNE_RUNS_DIR"])
        (root / RUN).mkdir()
        owners.record_owner(root / RUN, owner_a)
        data = write_csv(tmp_path / "train.csv", keyword_rows(per_class=30))
        train(RunConfig(data_file=str(data), model=tiny_model, freeze_embeddings=False, epochs=4.0, batch_size=8, learning_rate=2e-3,
                        precision="fp32"), root / RUN)

        assert RUN in playground_runs(a, RUN)
        pick_run(a, RUN)
        a.locator("#play-text textarea").fill("patient fever surgery clinic")
        a.locator("#play-predict").click()
        a.wait_for_selector("#play-label:has-text('%')")
        shot(a, "visitors-1-a-playground")
        assert RUN in runs_table(a, RUN)
        shot(a, "visitors-2-a-earlier-runs")

        assert RUN not in playground_runs(b)
        shot(b, "visitors-3-b-playground")
        assert RUN not in runs_table(b)
        assert not b.locator("#runs-only-mine").is_visible()  # no "all runs" view on a Space
        shot(b, "visitors-4-b-earlier-runs")
        limits = b.locator("#space-limits").inner_text()
        assert "Your runs are yours alone" in limits and "{" not in limits
        browser.close()

    archive = zip_model(root / RUN)  # on disk in A's run folder: never served by path
    for path in (str(archive), f"{root.name}/{RUN}/{archive.name}"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url}/gradio_api/file={path}")
        assert refused.value.code in (403, 404)
    shutil.rmtree(root / RUN)
