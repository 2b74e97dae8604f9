"""The task seam: a fourth task, registered here only, is drawn by the Data tab's check, the report, the
verdict and a labelled table from what its Task describes (tasks/views.py), and trains with a method of its
own through the engine; and code outside tasks/ imports only the tasks' public modules."""
import ast
import json
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pytest

from finetune import tasks
from finetune.config import ConfigError, RunConfig
from finetune.runs.records import Results, RunStatus
from finetune.services import predictions, verdict
from finetune.tasks import CheckView, Highlight, Method, ResultsView, get_task
from finetune.tasks.check_report import CheckReport
from finetune.tasks.task import BASELINE
from finetune.ui import data_checks, report
from tests.ui.views import report_view

PACKAGE = Path(__file__).resolve().parents[2] / "finetune"
PUBLIC = {"__init__", "task", "check_report", "quick", "training_length", "advice"}


@dataclass
class SpanCheck(CheckReport):
    """A check report of a type no UI module knows."""

    @property
    def counts(self) -> dict[str, int]:
        return {"SPAN": 3}

    def view(self, name, frame, config, fixes=False) -> CheckView:
        return CheckView(f"**{name}**: three spans.", samples=pd.DataFrame({"span": ["a", "b", "c"]}),
                         entities=Highlight("a b c", [{"entity": "SPAN", "start": 0, "end": 1}]))


def span_results(results) -> ResultsView:
    return ResultsView(scores=pd.DataFrame([{"label": "SPAN", "f1": results.report["span_f1"]}]),
                       mistakes=pd.DataFrame([["a b", "SPAN", "none", None]], columns=tasks.MISTAKE_COLUMNS))


def own_runner(config, paths, events, stop, task, data, hardware, checkpoint=None, callbacks=()) -> dict:
    """A method of the fourth task's own: writes a model folder and its results' values."""
    paths.model_saving.mkdir(parents=True)
    (paths.model_saving / "config.json").write_text("{}")
    return {"task": task.name, "status": "finished", "steps": 1, "max_steps": 1, "main_metric": "span_f1",
            "metrics": {"span_f1": 0.9}, "baseline": {"span_f1": 0.5}, "method": "own", "span_f1": 0.9}


@pytest.fixture
def fourth(monkeypatch):
    base = get_task("classification")
    task = replace(base, name="spans", check=lambda config, frame=None: SpanCheck(rows=3), results_view=span_results,
                   prediction_columns=lambda found: {"spans": [len(p["spans"]) for p in found]},
                   compared_with=BASELINE, chance=None, scores_key="", main_metric="span_f1",
                   methods=(Method("own", own_runner),), few_rows_method="",
                   read_data=lambda config: tasks.TaskData({"train": [1], "validation": [1]}, ["SPAN"]))
    monkeypatch.setitem(tasks.TASKS, "spans", task)
    return task


def test_the_data_tab_draws_a_check_report_of_a_type_it_has_never_seen(fourth, tmp_path):
    state, values = data_checks.check(fourth, None, RunConfig(data_file=str(tmp_path / "spans.jsonl")))
    assert values["report"] == "**spans.jsonl**: three spans." and values["samples"]["span"].tolist() == ["a", "b", "c"]
    assert values["entities"] == {"text": "a b c", "entities": [{"entity": "SPAN", "start": 0, "end": 1}]}
    assert "balance" in values and state["labels"] == {"SPAN": 3} and state["few_shot_ready"] is False


def test_the_report_and_the_verdict_read_a_fourth_tasks_results_from_its_task(fourth, tmp_path):
    results = Results.from_json({"task": "spans", "status": "finished", "main_metric": "eval_span_f1",
                                 "metrics": {"span_f1": 0.4}, "baseline": {"span_f1": 0.6}, "span_f1": 0.4})
    view = report_view()
    filled = report.fill(view, str(tmp_path), RunStatus("finished", results=results))
    assert filled[view.per_class]["visible"] and filled[view.per_class]["value"]["label"].tolist() == ["SPAN"]
    assert filled[view.mistakes]["visible"] and filled[view.matrix]["visible"] is False
    assert "| span_f1 | 0.4000 | 0.6000 |" in filled[view.summary] and "TF-IDF baseline" in filled[view.summary]
    judged = verdict.judge(results, [])
    assert judged.kind == "worse_than_baseline" and "span f1 0.400 vs 0.600" in judged.line


def test_a_labelled_table_gets_the_columns_its_task_names(fourth, tmp_path, monkeypatch):
    monkeypatch.setattr(predictions, "model_folder", lambda path: (Path(path), "spans"))
    assert predictions.prediction_columns(tmp_path, [{"spans": [1, 2]}]) == {"spans": [2]}


def test_the_engine_trains_with_the_tasks_own_method(fourth, tmp_path, monkeypatch):
    """The config accepts only the registered names, so the fourth task stands in for classification here."""
    from finetune.training import engine

    monkeypatch.setitem(tasks.TASKS, "classification", replace(fourth, name="classification",
                                                               methods=(Method("probe", own_runner),)))
    monkeypatch.setattr(engine, "write_model_card", lambda path, *args: Path(path).write_text("card"))
    monkeypatch.setattr(engine, "_quick_bar", lambda config, results: None)
    monkeypatch.setattr(engine, "_record_estimate", lambda *args: None)
    results = engine.train(RunConfig(data_file="x.jsonl", method="probe", epochs=1), tmp_path / "run")
    assert results.method == "own" and results.report == {"span_f1": 0.9} and results.duration_s is not None
    assert json.loads((tmp_path / "run" / "results.json").read_text())["span_f1"] == 0.9
    assert (tmp_path / "run" / "model" / "config.json").is_file()


def test_a_method_the_task_lacks_is_refused_in_words():
    with pytest.raises(ConfigError, match="SetFit trains text classification only, not named entities"):
        get_task("ner").method("setfit")
    assert get_task("ner").method("auto").name == "finetune" and get_task("classification").method("setfit").one_pass


def test_code_outside_tasks_imports_only_the_tasks_public_modules():
    reached = []
    for path in PACKAGE.rglob("*.py"):
        if "tasks" in path.relative_to(PACKAGE).parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                names = [a.name for a in node.names] if parts[-1] == "tasks" else []
                inside = parts[parts.index("tasks") + 1:] if "tasks" in parts else None
                if inside is None:
                    continue
                private = [m for m in inside[:1] + [n for n in names if (PACKAGE / "tasks" / f"{n}.py").is_file()]
                           if m not in PUBLIC]
                reached += [f"{path.relative_to(PACKAGE)}: {m}" for m in private]
    assert reached == []
