"""Every event of the built app, called as a second visitor on a Space: none may act on the first visitor's run.

The app is built in Space mode; visitor A has a finished run (written as a run folder: owner.json, config,
results, events, a model from the tiny fixture). Then every listener the app registered (demo.fns, so a
handler added later is covered without anyone listing it) is called as visitor B, directly with its
inputs: A's run name, A's run path and A's model path in every value that could carry a name, B's own
id or no id, numbers at their widget's maximum and far out of range. It fails when a call
- opens a file of A's run (its results, events, config, model; the owner and pid files may be read: they
  decide ownership and liveness), or changes A's folder (stop file, deletion, export);
- returns any of A's content (a canary label and text in A's results) or leaves A's run in B's state;
- starts a process that is not B's, on a page without an id, or outside the queue (every start on a Space
  comes from run_queue.advance, so it held a ticket), or a run over the Space limits.
Processes are not really started: processes._launch records the start instead.
"""
from __future__ import annotations

import copy
import inspect
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr
import pytest

from finetune.control import processes

from finetune.runs import folder as run_folder
from finetune.config import RunConfig
from finetune.runs.events import FINISHED, STARTED, EventWriter
from finetune.hosting import owners, run_queue, spaces
from finetune.ui import build_app, data_loading, visitor
from finetune.ui.data_state import DataState
from finetune.ui.followed_run import FollowedRun
from tests.conftest import keyword_rows, write_csv

A_RUN = "20260101-000000-classification-aaaa"
CANARY = "canaryofvisitora"  # in A's labels and texts: never in anything B is shown
TOKEN_KEY = "finetune-studio-visitor"  # the visitor id's BrowserState (ui/visitor.render)
ALLOWED_READS = {"owner.json", "pid"}  # what an ownership or liveness check of any run reads


@dataclass
class Watch:
    """What the calls did: files of A's run opened, processes started."""
    a_root: Path
    active: bool = False
    opened: list[str] = field(default_factory=list)
    launches: list[dict] = field(default_factory=list)


WATCH: Watch | None = None  # the audit hook is process-wide and cannot be removed: it checks this


def _audit(event, args):
    if event != "open" or WATCH is None or not WATCH.active or not isinstance(args[0], (str, Path)):
        return
    try:
        path = Path(args[0]).resolve()
    except (OSError, ValueError):
        return
    if path.is_relative_to(WATCH.a_root) and path.name not in ALLOWED_READS:
        WATCH.opened.append(str(path.relative_to(WATCH.a_root)))


sys.addaudithook(_audit)


def a_run(root: Path, tiny_model: str, owner: str) -> Path:
    paths = run_folder.RunPaths(root / A_RUN)
    paths.root.mkdir(parents=True)
    RunConfig(data_file=str(root / "a-data.csv"), model=tiny_model).save(paths.config)
    shutil.copytree(tiny_model, paths.model)
    EventWriter(paths.events).write(STARTED)
    EventWriter(paths.events).write(FINISHED)
    paths.results.write_text(json.dumps({
        "status": FINISHED, "main_metric": "accuracy", "metrics": {"accuracy": 0.5}, "labels": [CANARY, "other"],
        "examples": [{"text": f"{CANARY} text", "label": CANARY}]}))
    owners.record_owner(paths.root, owner)
    return paths.root


@pytest.fixture
def space(monkeypatch, runs_dir, tiny_model, tmp_path):
    global WATCH
    monkeypatch.setenv("SPACE_ID", "someone/fine-tune-studio")
    monkeypatch.delenv("FINETUNE_MAX_RUNS", raising=False)
    monkeypatch.delenv("FINETUNE_MODEL_DIRS", raising=False)
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "uploads"))
    a, b = visitor.issue(None), visitor.issue(None)
    WATCH = Watch(a_run(runs_dir, tiny_model, visitor.owner(a)).resolve())

    def launch(paths, command, config, admit=None):  # processes._launch without the process
        owner = owners.owner_of(paths.root)  # what the gate recorded before the start
        advanced = any(f.function == "advance" and f.filename.endswith("run_queue.py") for f in inspect.stack())
        WATCH.launches.append({"root": str(paths.root), "command": command, "owner": owner, "ticket": advanced})

    monkeypatch.setattr(processes, "_launch", launch)
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    data = write_csv(uploads / "b-data.csv", keyword_rows(per_class=12))
    loaded = data_loading.load_file(str(data), DataState(), "", b)[0]  # B's own data, so Start and the checks get going
    yield a, b, loaded, data
    WATCH = None


def _values(component, a_value, loaded, b_file):
    """The value each variant sends for one input: (default, as A's name/path, at its maximum, out of range)."""
    default = copy.deepcopy(getattr(component, "value", None))
    if isinstance(component, gr.State):
        return (loaded,) * 4 if isinstance(default, DataState) else (default,) * 4  # B's loaded data
    if isinstance(component, gr.BrowserState):
        return (default, {"run_dir": a_value, "runs": [a_value]}, default, default)
    if isinstance(component, (gr.Number, gr.Slider)):
        top = getattr(component, "maximum", None)
        return (default, default, top if top is not None else 10**9, 10**12)
    if isinstance(component, gr.File):
        return (None, str(b_file), str(b_file), None)
    if isinstance(component, (gr.CheckboxGroup,)) or getattr(component, "multiselect", False):
        return (default, [a_value], default, default)
    if isinstance(component, (gr.Textbox, gr.Dropdown, gr.Radio, gr.Markdown)):
        return (default, a_value, default, default)
    return (default,) * 4


def _call(fn, args, as_dict: list | None = None):
    """The listener's function with its inputs; the special arguments (progress, request) as Gradio would.
    `as_dict`: the listener's inputs, when they are a set (its function gets one dict keyed by component)."""
    if as_dict is not None:
        args = [dict(zip(as_dict, args))]
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    extra = []
    for p in parameters[len(args):]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            break
        if isinstance(p.default, gr.Progress):
            extra.append(lambda *a, **k: None)
        elif p.default is not inspect.Parameter.empty:
            extra.append(p.default)
        else:
            extra.append(None)  # gr.Request, gr.OAuthProfile: none here
    result = fn(*args, *extra)
    if inspect.isgenerator(result):
        result = list(result)[-1:] or None
    return result


def _outputs(block_fn, result) -> list[tuple]:
    """(component, value) pairs of a listener's answer."""
    if isinstance(result, dict):
        return list(result.items())
    if len(block_fn.outputs) == 1:
        return [(block_fn.outputs[0], result)]
    return list(zip(block_fn.outputs, result if isinstance(result, (list, tuple)) else [result]))


def _snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")} \
        if root.exists() else {}


def _over_limits(run_dir) -> list[str]:
    config = json.loads(run_folder.RunPaths(run_dir).config.read_text()) if run_folder.RunPaths(run_dir).config.is_file() else {}
    limits, found = spaces.LIMITS, []
    for name, most in (("epochs", limits.max_epochs), ("batch_size", getattr(limits, "max_batch_size", 64)),
                       ("gradient_accumulation_steps", getattr(limits, "max_accumulation", 8)), ("processes", 1),
                       ("nnodes", 1)):
        if config.get(name, 0) > most:
            found.append(f"{name}={config[name]}")
    if config.get("fsdp"):
        found.append("fsdp")
    return found


def test_no_listener_lets_visitor_b_act_on_visitor_a_s_run(space, runs_dir):
    a, b, loaded, b_file = space
    app = build_app()
    a_values = [A_RUN, str(WATCH.a_root), str(WATCH.a_root / "model"), f"{A_RUN}/../{A_RUN}"]
    before, problems, called = _snapshot(WATCH.a_root), [], 0
    for block_fn in list(app.fns.values()):
        if block_fn.fn is None:
            continue
        name, tried = getattr(block_fn.fn, "__name__", repr(block_fn.fn)), set()
        for token in (b, None):
            for variant in range(4):
                for a_value in a_values if variant == 1 else a_values[:1]:
                    args = [token if isinstance(c, gr.BrowserState) and c.storage_key == TOKEN_KEY
                            else _values(c, a_value, loaded, b_file)[variant] for c in block_fn.inputs]
                    if repr(args) in tried:  # a listener whose inputs no variant changes is called once per id
                        continue
                    tried.add(repr(args))
                    launched = len(WATCH.launches)
                    WATCH.opened.clear()
                    WATCH.active = True
                    try:
                        result = _call(block_fn.fn, args, block_fn.inputs if block_fn.inputs_as_dict else None)
                    except Exception:  # noqa: BLE001 - a refusal (gr.Error) or a crash: what it did still counts
                        result = None
                    finally:
                        WATCH.active = False
                    called += 1
                    who = f"{name} (id={'B' if token else 'none'}, variant {variant}, {a_value!r})"
                    if WATCH.opened:
                        problems.append(f"{who} opened A's {sorted(set(WATCH.opened))}")
                    for component, value in _outputs(block_fn, result) if result is not None else []:
                        shown = repr(value)
                        if CANARY in shown:
                            problems.append(f"{who} showed A's content in {type(component).__name__}")
                        if isinstance(component, gr.State) and A_RUN in shown:
                            problems.append(f"{who} put A's run into B's state")
                    for start in WATCH.launches[launched:]:
                        if start["owner"] != visitor.owner(b) or not token:
                            problems.append(f"{who} started {start['command'][0]} owned by {start['owner']!r}")
                        if not start["ticket"]:
                            problems.append(f"{who} started {start['command'][0]} without a queue ticket")
                        if Path(start["root"]).resolve() == WATCH.a_root and start["command"][0] == "resume":
                            problems.append(f"{who} resumed A's run")
                        problems += [f"{who} started a run over the Space limits: {over}"
                                     for over in _over_limits(start["root"])]
                    for ticket in run_queue.queue_dir(runs_dir).glob("*.json"):
                        order = json.loads(ticket.read_text())
                        if order.get("owner") != visitor.owner(b) or not token:
                            problems.append(f"{who} queued a run owned by {order.get('owner')!r}")
                        ticket.unlink()
                    if _snapshot(WATCH.a_root) != before:
                        problems.append(f"{who} changed A's run folder")
                        before = _snapshot(WATCH.a_root)
    assert called > 100 and WATCH.launches, called  # every listener, several times; B's own starts went through
    assert not problems, "\n".join(dict.fromkeys(problems))
    assert (WATCH.a_root / "model" / "config.json").is_file() and owners.owner_of(WATCH.a_root) == visitor.owner(a)


def test_the_settings_search_is_not_offered_on_a_space(space):
    """Not on the page, and its handlers refuse when called raw (a search would hold the one run slot)."""
    from finetune.ui import search_panel
    from tests.ui.views import by_elem_id, search_view

    _, b, loaded, _ = space
    assert by_elem_id(build_app(), "search-start") is None
    with pytest.raises(gr.Error, match="not offered on this shared Space"):
        search_panel.start_search(search_view(), loaded, {}, 100, 1440, ["learning_rate"], b,
                                  {"task": "classification", "model": ""})
    assert not WATCH.launches


def test_a_page_without_an_id_starts_sends_and_reviews_nothing(space):
    from finetune.ui import review_panel
    from tests.ui.test_train_and_playground import VIEW, model_settings

    _, _, loaded, b_file = space
    with pytest.raises(gr.Error, match="no visitor id"):
        __import__("finetune.ui.train_tab", fromlist=["x"]).start_training(
            VIEW, loaded, FollowedRun(), None, model_settings(RunConfig()))
    assert "no visitor id" in data_loading.load_file(str(b_file), DataState(), "", None).report
    with pytest.raises(gr.Error, match="no visitor id"):
        review_panel.run_review(loaded, review_panel.TFIDF, None, progress=lambda *a, **k: None)
    assert not WATCH.launches


def test_b_s_review_lists_and_uses_only_b_s_runs(space, runs_dir):
    from finetune.ui import review_panel

    a, b, loaded, _ = space
    assert A_RUN in review_panel.sources(a) and A_RUN not in review_panel.sources(b)
    for name in (A_RUN, str(WATCH.a_root), str(WATCH.a_root / "model")):
        with pytest.raises(gr.Error) as refused:
            review_panel.run_review(loaded, name, b, progress=lambda *a, **k: None)
        assert CANARY not in str(refused.value) and str(runs_dir) not in str(refused.value)
