"""Two visitors on one Space-mode app, at handler level: B cannot list, attach, stop, kill, resume, delete,
download, export, push or predict with A's run (not with a forged id, not with a guessed name), A can, and
the demo run stays shared. Locally one person owns everything and the "all runs" view stays."""
import json
import shutil
import subprocess
from pathlib import Path

import gradio as gr
import pytest
from itsdangerous import URLSafeSerializer

from finetune.config import RunConfig
from finetune.runs.events import FINISHED, STARTED, STOPPED, EventWriter
from finetune.hosting import background, owners, spaces
from finetune.runs.folder import RunPaths
from finetune.control.processes import _start_time, is_alive
from finetune.ui import batch_panel, export_panel, generation_playground, playground_tab, runs_panel, train_tab
from finetune.ui import visitor
from finetune.ui.followed_run import FollowedRun
from finetune.ui.data_state import DataState
from tests.conftest import write_csv
from tests.ui.views import runs_view, train_view

RUNS, TRAIN = runs_view(), train_view()
A_RUN = "20260101-000000-classification-aaaa"


def trained_run(root, name, tiny_model, owner, ending=FINISHED):
    paths = RunPaths(root / name)
    paths.root.mkdir()
    RunConfig(data_file="x.csv", model=tiny_model).save(paths.config)
    shutil.copytree(tiny_model, paths.model)
    EventWriter(paths.events).write(STARTED)
    EventWriter(paths.events).write(ending)
    paths.results.write_text(json.dumps({"status": ending, "main_metric": "accuracy", "metrics": {"accuracy": 1.0}}))
    owners.record_owner(paths.root, owner)
    return paths.root


@pytest.fixture
def space(monkeypatch, runs_dir, tiny_model):
    """A Space-mode app's runs folder with A's trained run and the shared demo run; (A's id, B's id)."""
    monkeypatch.setenv("SPACE_ID", "someone/fine-tune-studio")
    a, b = visitor.issue(None), visitor.issue(None)
    trained_run(runs_dir, A_RUN, tiny_model, visitor.owner(a))
    trained_run(runs_dir, spaces.DEMO_RUN, tiny_model, owners.SHARED)
    return a, b


def forged(runs_dir, a):
    """What a visitor can make without the server's secret: A's owner signed with another key."""
    return [a[:-2] + ("AA" if not a.endswith("AA") else "BB"), URLSafeSerializer("guess").dumps(visitor.owner(a)),
            visitor.owner(a), json.dumps({"owner": visitor.owner(a)}), "", None]


def test_ids_are_signed_by_the_server_and_a_forged_one_is_nobody(space, runs_dir):
    a, b = space
    assert visitor.owner(a) != visitor.owner(b) and visitor.owner(a).startswith("v:")
    assert visitor.issue(a) == a  # a kept id is kept
    for fake in forged(runs_dir, a):
        assert visitor.owner(fake) is None
        assert visitor.issue(fake) != fake and visitor.owner(visitor.issue(fake)) not in (None, visitor.owner(a))
    assert not (runs_dir / owners.SECRET_FILE).exists()  # on a Space the key is in the app's memory only


def test_a_signed_in_hf_user_is_the_owner(space):
    a, _ = space
    profile = gr.OAuthProfile({"name": "Ann", "preferred_username": "ann", "profile": "", "picture": ""})
    token = visitor.issue(a, profile)
    assert visitor.owner(token) == "hf:ann" and visitor.issue(token, profile) == token
    assert visitor.owner(visitor.issue(token)).startswith("v:")  # signed out: a visitor id again


def test_the_runs_table_lists_only_the_visitors_own_runs(space, runs_dir):
    a, b = space
    for fake in [b, *forged(runs_dir, a)]:
        for only_mine in (True, False):  # on a Space there is no "all runs" view
            names = runs_panel.refresh(RUNS, {"runs": [str(runs_dir / A_RUN)]}, only_mine, fake)[RUNS.table]["run"]
            assert A_RUN not in list(names)
    assert list(runs_panel.refresh(RUNS, {}, True, a)[RUNS.table]["run"]) == [A_RUN]


@pytest.mark.parametrize("name", [A_RUN, f"../runs/{A_RUN}", f"{A_RUN}/", "../../etc/passwd", "..", ".secret"])
def test_b_cannot_compare_load_or_delete_as_by_name(space, runs_dir, name):
    a, b = space
    with pytest.raises(gr.Error, match="no run named|Pick a run"):
        runs_panel.compare([name, spaces.DEMO_RUN], b)
    with pytest.raises(gr.Error, match="no run named|Pick a run"):
        runs_panel.load_settings(RUNS, name, b)
    with pytest.raises(gr.Error, match="no run named|Pick a run"):
        runs_panel.delete(RUNS, name, {}, True, b)
    assert (runs_dir / A_RUN / "config.json").is_file()


def test_a_deletes_her_run_and_nobody_deletes_the_demo_run(space, runs_dir):
    a, b = space
    for who in (a, b):
        with pytest.raises(gr.Error, match="shared with every visitor"):
            runs_panel.delete(RUNS, spaces.DEMO_RUN, {}, True, who)
    assert "Deleted" in runs_panel.delete(RUNS, A_RUN, {}, True, a)[RUNS.message]
    assert not (runs_dir / A_RUN).exists()


def test_reattach_follows_only_the_visitors_own_run(space, runs_dir):
    a, b = space
    saved = {"run_dir": str(runs_dir / A_RUN)}
    assert train_tab.reattach(TRAIN, saved, b)[TRAIN.run].run_dir is None
    for fake in forged(runs_dir, a):
        assert train_tab.reattach(TRAIN, saved, fake)[TRAIN.run].run_dir is None
    assert train_tab.reattach(TRAIN, {"run_dir": A_RUN}, a)[TRAIN.run].run_dir == str(runs_dir / A_RUN)
    assert train_tab.reattach(TRAIN, {"run_dir": str(runs_dir / spaces.DEMO_RUN)}, a)[TRAIN.run].run_dir is None


def test_b_cannot_stop_resume_download_export_or_push_as_run(space, runs_dir):
    a, b = space
    run = FollowedRun(run_dir=str(runs_dir / A_RUN))
    assert train_tab.stop_training(run, b) == "This run is not yours to stop."
    assert not RunPaths(run.run_dir).stop.exists()
    with pytest.raises(gr.Error, match="not yours to resume"):
        train_tab.resume_training(TRAIN, run, b)
    # the report's zip comes with following a run, and B cannot follow A's (the followed run is server state)
    b_follows = train_tab.reattach(TRAIN, {"run_dir": run.run_dir}, b)[TRAIN.run]
    assert set(train_tab.follow_run(TRAIN, b_follows, b)) == {TRAIN.timer}
    with pytest.raises(gr.Error, match="not yours to export"):
        export_panel.export_to_onnx(run, b)
    with pytest.raises(gr.Error, match="not yours to export"):
        export_panel.push_model(run, "me/model", "hf_token", True, b)
    assert not RunPaths(run.run_dir).model_zip.exists() and not RunPaths(run.run_dir).onnx.exists()
    a_follows = train_tab.reattach(TRAIN, {"run_dir": run.run_dir}, a)[TRAIN.run]
    assert train_tab.follow_run(TRAIN, a_follows, a)[TRAIN.report.zip]["value"].endswith(f"{A_RUN}-model.zip")
    assert "Stopping" in train_tab.stop_training(run, a)
    demo = FollowedRun(run_dir=str(runs_dir / spaces.DEMO_RUN))
    assert train_tab.stop_training(demo, a) == "This run is not yours to stop."


def test_b_cannot_kill_as_live_run_and_a_can(space, runs_dir):
    a, b = space
    paths = RunPaths(runs_dir / A_RUN)
    process = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        paths.pid.write_text(f"{process.pid} {_start_time(process.pid)}")
        run = FollowedRun(run_dir=str(paths.root))
        assert train_tab.kill_training(run, b) == "This run is not yours to kill." and process.poll() is None
        assert "Killed" in train_tab.kill_training(run, a)
        assert process.wait(timeout=10) != 0
    finally:
        process.kill()


def test_b_cannot_predict_with_as_model_but_with_the_demo_run(space, runs_dir, tmp_path):
    a, b = space
    assert playground_tab.run_choices(b) == [spaces.DEMO_RUN]
    assert set(playground_tab.run_choices(a)) == {A_RUN, spaces.DEMO_RUN}
    for who in (b, *forged(runs_dir, a)):
        with pytest.raises(gr.Error, match="There is no run named"):
            playground_tab.show_prediction(A_RUN, "some text", who)
        with pytest.raises(gr.Error, match="classification or NER run"):
            batch_panel.label_file(A_RUN, str(write_csv(tmp_path / "t.csv", [("x", "y")])), "text", who)
        assert generation_playground.run_task(A_RUN, who) is None
    assert playground_tab.predict(A_RUN, "some text", a)
    assert playground_tab.predict(spaces.DEMO_RUN, "some text", b)


def test_locally_one_person_owns_every_run(runs_dir, tiny_model):
    a, b = visitor.issue(None), visitor.issue(None)
    trained_run(runs_dir, A_RUN, tiny_model, visitor.owner(a))
    assert list(runs_panel.refresh(RUNS, {}, False, b)[RUNS.table]["run"]) == [A_RUN]  # the "all runs" view
    assert playground_tab.predict(A_RUN, "some text", b)
    assert "Deleted" in runs_panel.delete(RUNS, A_RUN, {}, False, b)[RUNS.message]


def test_a_reused_pid_is_not_a_live_run_and_is_never_killed(runs_dir, tiny_model):
    paths = RunPaths(trained_run(runs_dir, A_RUN, tiny_model, "v:x", ending=STOPPED))
    process = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        paths.pid.write_text(f"{process.pid} 1")  # the recorded start time is another process's
        assert not is_alive(paths.root)
        from finetune.control.processes import kill_run

        kill_run(paths.root)
        assert process.poll() is None
        paths.pid.write_text(f"{process.pid} {_start_time(process.pid)}")
        assert is_alive(paths.root)
    finally:
        process.kill()


def test_uploads_past_the_quota_are_refused_and_keep_what_was_loaded(space, monkeypatch, tmp_path):
    from finetune.hosting import upload_quota
    from finetune.ui import data_loading
    from tests.conftest import keyword_rows

    a, b = space
    monkeypatch.setenv("FINETUNE_UPLOADS_PER_HOUR", "1")
    monkeypatch.setattr(upload_quota, "_SEEN", upload_quota.defaultdict(upload_quota.deque))
    first, second = (write_csv(tmp_path / f"{n}.csv", keyword_rows()) for n in ("first", "second"))
    loaded = data_loading.load_file(str(first), DataState(), "", a)
    assert loaded.state.ready and loaded.state.name == "first.csv"
    refused = data_loading.load_file(str(second), loaded.state, "", a)
    assert "in the last hour" in refused.report and refused.state is loaded.state and not second.exists()
    assert data_loading.load_file(str(write_csv(tmp_path / "b.csv", keyword_rows())), DataState(), "", b).state.ready


def test_what_lists_a_visitors_runs_on_load_waits_for_the_visitor_id(space):
    """On a first visit the page has no id until visitor.issue answers: the loads that list or re-attach
    runs run after it (.then), never beside it with no id."""
    from finetune.ui import build_app

    app = build_app()
    name = {i: getattr(getattr(f.fn, "func", f.fn), "__name__", "") for i, f in app.fns.items()}
    issue = next(i for i, n in name.items() if n == "issue")
    page_load = (app._id, "load")
    assert app.fns[issue].targets == [page_load]
    on_load = {name[i]: f for i, f in app.fns.items() if f.trigger_after == issue or page_load in f.targets}
    for listing in ("refresh", "reattach", "refresh_runs"):  # the runs table, the Train tab, the Playground
        assert on_load[listing].trigger_after == issue and page_load not in on_load[listing].targets


def test_bundled_samples_are_not_uploads_and_are_never_deleted_by_the_quota(space, monkeypatch, tmp_path):
    from finetune.hosting import upload_quota
    from finetune.ui import data_loading

    monkeypatch.setenv("FINETUNE_UPLOADS_PER_HOUR", "1")
    monkeypatch.setattr(upload_quota, "_SEEN", upload_quota.defaultdict(upload_quota.deque))
    (tmp_path / "other.csv").write_text("text,label\n")
    upload_quota.admit(None, tmp_path / "other.csv")  # pages without an id have used their one upload
    sample = data_loading.sample_files()[background.DEMO_SAMPLE.name]
    for _ in range(2):  # every page load of a Space's demo loads it, with no visitor id yet
        assert data_loading.load_sample(background.DEMO_SAMPLE.name, DataState()).state.ready
    assert Path(sample).is_file() and len(upload_quota._SEEN["unsigned"]) == 1
