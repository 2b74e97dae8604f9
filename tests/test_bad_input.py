"""Input that used to end in a Python error: each is exit 2 with one clear line, from check and from train."""
import pytest

from tests.test_cli import cli


def ragged(d):
    path = d / "ragged.csv"
    path.write_text("text,label\nhello world,a,extra\nfoo bar,b,x\nbaz,a\n")
    return path


def deep_json(d):
    path = d / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    return path


def deep_jsonl(d):
    path = d / "deep.jsonl"
    path.write_text('{"text": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    return path


@pytest.mark.parametrize("make, message", [
    (ragged, "Row 2 has 3 fields but the header names 2"),
    (deep_json, "deep.json is nested too deeply"),
    (deep_jsonl, "Line 1 of deep.jsonl is nested too deeply"),
])
@pytest.mark.parametrize("command", ["check", "train"])
def test_bad_input_exits_2_with_one_line(tmp_path, make, message, command):
    extra = ["--output", tmp_path / "run"] if command == "train" else []
    result = cli(command, "--data", make(tmp_path), *extra)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "run" / "model").exists()  # the ragged CSV is never trained on shifted columns
