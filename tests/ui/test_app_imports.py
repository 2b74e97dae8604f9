"""Gradio runs handlers in worker threads; their first imports of transformers must not race."""
import subprocess
import sys

from tests.conftest import ROOT

THREADS = """
import threading
from finetune.ui import build_app
build_app()
errors = []
def use(*names):
    try:
        exec(f"from transformers import {', '.join(names)}")
    except Exception as e:
        errors.append(repr(e))
threads = [threading.Thread(target=use, args=names) for names in
           (("AutoModelForCausalLM", "AutoTokenizer"), ("AutoConfig", "TrainingArguments"), ("pipeline",))]
[t.start() for t in threads]
[t.join() for t in threads]
print(errors)
"""


def test_handlers_importing_transformers_at_once_all_succeed():
    done = subprocess.run([sys.executable, "-c", THREADS], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr
