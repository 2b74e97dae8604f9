"""The code's shape, as the style guide sets it, checked on the source (imports inside functions count too):
layers import downwards only and no module imports itself back round a circle; a task is one object, so
nothing outside finetune/tasks/ compares a task's name or imports a task's private modules; only the UI
imports gradio; no module runs past 300 lines."""
import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "finetune"
TASK_NAME = re.compile(r"""["'](classification|ner|generation)["']""")  # a task named in code
MAX_LINES = 300
# The floors, bottom to top: a module imports from its own floor or below. The README's layout block says the same.
FLOORS = [
    ("errors", "machine", "models", "runs"),  # what this machine is, the model catalogue, the run folder's files
    ("data",),  # reading the user's files
    ("tasks",),  # one Task object each, in one registry
    ("config",),  # RunConfig: a run's whole configuration
    ("planning",),  # before training: estimate, quick models
    ("services",),  # over finished runs: predictions, verdicts, review, export, sharing
    ("training",),  # the training process
    ("control",),  # the app side of training processes: start, stop, status, the runs table
    ("sweeps",),  # settings searches
    ("hosting",),  # many visitors: owners, the gate, the Space's limits and queue
    ("ui", "cli", "__main__", "__init__"),  # the Gradio app and the command line
]
# What code outside tasks/ may import from it; every other module there is one task's own.
TASKS_PUBLIC = {"tasks", "tasks.task", "tasks.check_report", "tasks.quick", "tasks.training_length", "tasks.advice"}


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)] = path
    return found


def imports(name: str, path: Path, known: dict) -> set[str]:
    """The package modules `name` imports anywhere in its file (a name imported from a package counts as the
    package, a submodule imported from it as the submodule)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1] + (node.module.split(".") if node.module else [])
            elif (node.module or "").startswith("finetune."):
                base = node.module.split(".")[1:]
            else:
                continue
            for alias in node.names:
                whole = ".".join(base + [alias.name])
                found.add(whole if whole in known else ".".join(base))
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("finetune.") for a in node.names if a.name.startswith("finetune.")}
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def floor(name: str) -> int:
    top = name.split(".")[0]
    return next(i for i, names in enumerate(FLOORS) if top in names)


def test_the_import_tool_sees_deferred_imports():
    edges = graph()
    assert "training.engine" in edges["cli.commands"]  # imported inside command_train only
    assert "runs.folder" in edges["training.engine"]


def test_every_import_goes_down_a_floor_or_stays_on_its_own():
    upward = [f"{a} (floor {floor(a)}) imports {b} (floor {floor(b)})" for a, targets in graph().items()
              for b in targets if floor(b) > floor(a)]
    assert upward == []


def test_no_import_circle_anywhere_counting_imports_inside_functions():
    edges, circles = graph(), []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                circles.append(" -> ".join(path[path.index(target):] + [node, target]) if target in path
                               else f"{node} -> {target}")
            elif target not in state:
                visit(target, path + [node])
        state[node] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name, [])
    assert circles == []


def test_no_module_outside_tasks_imports_a_tasks_private_module():
    found = [f"{a} imports {b}" for a, targets in graph().items() if not a.startswith("tasks")
             for b in targets if b.startswith("tasks") and b not in TASKS_PUBLIC]
    assert found == []


def test_no_module_is_over_300_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def sources(*exclude: str):
    for path in sorted(PACKAGE.rglob("*.py")):
        if not any(part in path.relative_to(PACKAGE).parts for part in exclude):
            yield path, path.read_text(encoding="utf-8")


def test_nothing_outside_tasks_compares_a_task_name():
    found = [f"{p.relative_to(PACKAGE)}:{n}: {line.strip()}" for p, text in sources("tasks")
             for n, line in enumerate(text.splitlines(), 1)
             if TASK_NAME.search(line.split("#")[0])]  # comments may name a task
    assert found == []


def test_only_the_ui_imports_gradio():
    gradio = [str(p.relative_to(PACKAGE)) for p, text in sources("ui")
              if re.search(r"^\s*(import|from) gradio", text, re.M)]
    assert gradio == []
