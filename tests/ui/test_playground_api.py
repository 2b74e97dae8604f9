"""The prediction endpoint for scripts (api_name="predict"): through gradio_client on a running app, many
callers at once; on a Space it passes the gate like every handler (no id, another's run: refused)."""
import threading

import gradio as gr
import pytest

from finetune.hosting import owners, spaces
from finetune.ui import playground_tab, visitor
from tests.ui.test_visitors import A_RUN, forged, space, trained_run  # noqa: F401 (space is a fixture)


def test_on_a_space_the_endpoint_answers_only_for_runs_the_caller_may_use(space, runs_dir):  # noqa: F811
    a, b = space
    for who in (b, *forged(runs_dir, a)):
        with pytest.raises(gr.Error, match="no run named|no visitor id"):
            playground_tab.predict_api(A_RUN, "some text", who or "")
    assert "label" in playground_tab.predict_api(A_RUN, "some text", a)
    assert "label" in playground_tab.predict_api(spaces.DEMO_RUN, "some text", b)
    with pytest.raises(gr.Error, match="Send a text"):
        playground_tab.predict_api(A_RUN, "  ", a)


def test_scripts_call_predict_through_gradio_client_many_at_once(runs_dir, tiny_model):
    from gradio_client import Client

    from finetune.ui import build_app
    from tests.browser.conftest import _free_port

    trained_run(runs_dir, A_RUN, tiny_model, owners.SHARED)
    demo = build_app()
    # Gradio's "auto" status rate sends every waiting page a message whenever any event starts: with 100
    # visitors that made a Predict cost the app 22-30 ms of CPU instead of 17-19 (bench/serving.py)
    assert demo._queue.live_updates is False and demo._queue.update_intervals == 1.0
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True)
    try:
        answers = []

        def script():
            client = Client(f"http://127.0.0.1:{port}/", verbose=False)
            answers.append(client.predict(A_RUN, "contract clause tenant", "", api_name="/predict"))

        threads = [threading.Thread(target=script) for _ in range(8)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert len(answers) == 8 and all(set(a) >= {"label", "score", "scores"} for a in answers)
        assert len({a["label"] for a in answers}) == 1
        import httpx  # the README's curl lines: plain HTTP, no client library

        url = f"http://127.0.0.1:{port}/gradio_api/call/predict"
        event = httpx.post(url, json={"data": [A_RUN, "contract clause tenant", ""]}).json()["event_id"]
        assert answers[0]["label"] in httpx.get(f"{url}/{event}", timeout=60).text
    finally:
        demo.close()
