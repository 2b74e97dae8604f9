"""Issue 27: a file picked under the wrong task is named for what it is, with the switch, in one message."""
from finetune.config import RunConfig
from finetune.tasks import get_task
from finetune.ui import data_loading
from finetune.ui.data_state import DataState
from tests.conftest import ner_rows, write_ner_jsonl
from tests.ui.test_data_tab import named

STORY = "\n".join(["The market rallied today as investors cheered strong results from the banks.",
                   "Oil prices rose on supply worries; traders expect more volatility next week.",
                   "Shares of the carmaker fell after it cut its forecast for the year."] * 20)


def test_a_txt_corpus_under_classify_is_named_a_corpus_and_offers_text_generation(tmp_path):
    """On the old code it was read as a one-column CSV: "found only: <its first line>" and a switch."""
    path = tmp_path / "financial_news.txt"
    path.write_text(STORY)
    out = named(data_loading.load_file(str(path), DataState(), "classification"))
    report = out["report"]
    assert report.startswith("**Error:**") and report.count("**Error:**") == 1
    assert "looks like a plain-text corpus" in report and "found only" not in report
    assert out["state"].suggest == "generation"
    assert out["switch"] == f"Switch to {get_task('generation').title} and check financial_news.txt"


def test_a_tagged_file_under_classify_is_named_a_tagged_file(tmp_path):
    path = write_ner_jsonl(tmp_path / "tweets.jsonl", ner_rows(60))
    out = named(data_loading.load_file(str(path), DataState(), "classification"))
    assert "looks like a tagged file" in out["report"] and "Need two columns" not in out["report"]
    assert out["state"].suggest == "ner"


def test_the_cli_check_says_the_same(tmp_path):
    from finetune.errors import DataError
    import pytest

    path = tmp_path / "news.txt"
    path.write_text(STORY)
    with pytest.raises(DataError, match="plain-text corpus"):
        get_task("classification").check(RunConfig(data_file=str(path)))
