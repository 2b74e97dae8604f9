"""The code's shape, as the style guide sets it: a task is one object, so nothing outside finetune/tasks/
compares a task's name; only the UI imports gradio; runs never imports the engine."""
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "finetune"
TASK_NAME = re.compile(r"""["'](classification|ner|generation)["']""")  # a task named in code


def sources(*exclude: str):
    for path in sorted(PACKAGE.rglob("*.py")):
        if not any(part in path.relative_to(PACKAGE).parts for part in exclude):
            yield path, path.read_text(encoding="utf-8")


def test_nothing_outside_tasks_compares_a_task_name():
    found = [f"{p.relative_to(PACKAGE)}:{n}: {line.strip()}" for p, text in sources("tasks")
             for n, line in enumerate(text.splitlines(), 1)
             if TASK_NAME.search(line.split("#")[0])]  # comments may name a task
    assert found == []


def test_only_the_ui_imports_gradio_and_runs_never_imports_the_engine():
    gradio = [str(p.relative_to(PACKAGE)) for p, text in sources("ui")
              if re.search(r"^\s*(import|from) gradio", text, re.M)]
    assert gradio == []
    assert not re.search(r"^\s*from \.+engine import|import finetune\.engine", (PACKAGE / "runs.py").read_text(), re.M)
