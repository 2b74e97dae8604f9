"""The generation data check: every code it can raise, on small files."""
import json

from finetune.config import RunConfig
from finetune.tasks.generation_check import check_file
from tests.conftest import STORY


def check(path, model, **changes):
    return check_file(RunConfig(task="generation", data_file=str(path), model=model, **changes)).to_json()


def codes(report, kind="warnings"):
    return [w["code"] for w in report[kind]]


def test_a_corpus_reports_tokens_blocks_and_repeats(story_txt, tiny_gpt2):
    report = check(story_txt, tiny_gpt2, block_size=32)
    assert report["examples"] == 40 and report["tokens"] > 40 and report["errors"] == []
    assert report["blocks"] == -(-report["tokens"] // 32) and report["cut_share"] == 0.0
    assert report["rows"] is None and not report["token_lengths"]["estimated"]
    duplicates = next(w for w in report["warnings"] if w["code"] == "duplicates")
    assert "38 example(s) repeat" in duplicates["message"] and duplicates["rows"] == [3, 4, 5, 6, 7]


def test_too_little_text_for_the_block_size_is_an_error(tmp_path, tiny_gpt2):
    path = tmp_path / "short.txt"
    path.write_text("A few words.\n\nAnd a few more.")
    report = check(path, tiny_gpt2, block_size=256)
    assert codes(report, "errors") == ["too_little_text"]
    assert "at least 512 are needed" in report["errors"][0]["message"]


def test_little_text_is_a_warning(story_txt, tiny_gpt2):
    assert "little_text" in codes(check(story_txt, tiny_gpt2, block_size=64))


def test_examples_cut_by_the_length_limit_are_counted(tmp_path, tiny_gpt2):
    path = tmp_path / "pairs.jsonl"
    rows = [{"prompt": f"q{i}", "response": "long " * (60 if i % 2 else 2)} for i in range(10)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = check(path, tiny_gpt2, block_size=32)
    assert report["prompt_column"] == "prompt" and report["response_column"] == "response"
    assert report["cut_share"] == 0.5 and "cut_examples" in codes(report)
    assert next(w for w in report["warnings"] if w["code"] == "cut_examples")["rows"] == [2, 4, 6, 8, 10]


def test_an_unreadable_file_is_an_error_not_a_crash(tmp_path):
    report = check(tmp_path / "missing.txt", "")
    assert codes(report, "errors") == ["unreadable"] and "No file at" in report["errors"][0]["message"]


def test_without_a_tokenizer_on_disk_the_counts_are_estimated(story_txt):
    report = check(story_txt, "no-such-org/no-such-model")
    assert report["token_lengths"]["estimated"] and report["tokens"] > 0
    assert len(STORY) * 0.2 < report["tokens"] < len(STORY) * 0.4


def test_a_file_cut_at_the_row_cap_is_a_warning(tmp_path, tiny_gpt2, monkeypatch):
    path = tmp_path / "texts.jsonl"
    path.write_text("".join(json.dumps({"text": f"Story number {i} goes on a while."}) + "\n" for i in range(40)))
    monkeypatch.setenv("FINETUNE_MAX_READ_ROWS", "30")
    report = check(path, tiny_gpt2, block_size=16)
    capped = next(w for w in report["warnings"] if w["code"] == "rows_capped")
    assert report["rows"] == 30 and "Only the first 30 rows were read (this Space's limit)" in capped["message"]
