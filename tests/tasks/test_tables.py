import json

import pytest

from finetune.config import DataError
from finetune.tasks.tables import choose_columns, read_table
from tests.conftest import write_csv


def test_reads_csv_tsv_and_jsonl_alike(tmp_path):
    write_csv(tmp_path / "a.csv", [("hello there", "x"), ("bye now", "y")])
    (tmp_path / "a.tsv").write_text("text\tlabel\nhello there\tx\nbye now\ty\n")
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps({"text": t, "label": l})
                                                 for t, l in [("hello there", "x"), ("bye now", "y")]))
    frames = [read_table(tmp_path / n) for n in ("a.csv", "a.tsv", "a.jsonl")]
    for frame in frames:
        assert list(frame.columns) == ["text", "label"] and frame["label"].tolist() == ["x", "y"]


def test_numeric_labels_stay_names(tmp_path):
    write_csv(tmp_path / "n.csv", [("good", 1), ("bad", 0)])
    assert read_table(tmp_path / "n.csv")["label"].tolist() == ["1", "0"]


def test_semicolon_file_is_sniffed(tmp_path):
    (tmp_path / "s.csv").write_text("text;label\nnice, really nice;pos\nawful, just awful;neg\n")
    assert read_table(tmp_path / "s.csv")["text"].tolist() == ["nice, really nice", "awful, just awful"]


def test_header_whitespace_is_trimmed(tmp_path):
    (tmp_path / "h.csv").write_text(" text , label \na,b\n")
    assert list(read_table(tmp_path / "h.csv").columns) == ["text", "label"]


@pytest.mark.parametrize("content, message", [
    ("", "is empty"),
    ("text,label\n", "has a header but no rows"),
    ("text,label\na,b\nc,d,e,f\n", "same number of columns"),
])
def test_bad_files_say_what_is_wrong(tmp_path, content, message):
    (tmp_path / "bad.csv").write_text(content)
    with pytest.raises(DataError, match=message):
        read_table(tmp_path / "bad.csv")


def test_broken_json_line_names_its_line(tmp_path):
    (tmp_path / "b.jsonl").write_text('{"text": "a", "label": "x"}\n{"text": "b", "label"\n')
    with pytest.raises(DataError, match="Line 2 of b.jsonl is not valid JSON"):
        read_table(tmp_path / "b.jsonl")


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="No file at"):
        read_table(tmp_path / "nope.csv")


def test_columns_are_detected_by_name_and_shape(tmp_path):
    write_csv(tmp_path / "c.csv", [("1", "a long review of the product", "pos"), ("2", "another long one", "neg")],
              header=("id", "review", "sentiment"))
    assert choose_columns(read_table(tmp_path / "c.csv")) == ("review", "sentiment")


def test_columns_without_telling_names(tmp_path):
    write_csv(tmp_path / "c.csv", [("a fairly long body of text here", "x"), ("more text in this one too", "y"),
                                   ("and a third long sentence", "x")], header=("body_of_doc", "kind"))
    assert choose_columns(read_table(tmp_path / "c.csv")) == ("body_of_doc", "kind")


def test_asking_for_a_missing_column_lists_the_real_ones(tmp_path):
    write_csv(tmp_path / "c.csv", [("a", "b")])
    with pytest.raises(DataError, match="no text column 'content'. The file has: text, label"):
        choose_columns(read_table(tmp_path / "c.csv"), text_column="content")


def test_single_column_file_cannot_be_mapped(tmp_path):
    (tmp_path / "one.csv").write_text("text\nhello\nworld\n")
    with pytest.raises(DataError, match="Need two columns"):
        choose_columns(read_table(tmp_path / "one.csv"))
