import json

import pytest

from finetune.config import DataError
from finetune.data.columns import choose_columns
from finetune.data.tables import read_table
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
    ('text,label\na,b\n"c,d\ne,f\n', "opened on line 3 is never closed"),
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


ROWS = [("caf\u00e9 is nice", "pos"), ("na\u00efve plan", "neg")]
CSV_TEXT = "text,label\n" + "".join(f"{t},{label}\n" for t, label in ROWS)


@pytest.mark.parametrize("encoding, guessed", [("utf-8", False), ("utf-8-sig", False), ("utf-16", False),
                                               ("utf-16-le", True), ("cp1252", True)])
def test_common_encodings_are_read_and_guesses_are_flagged(tmp_path, encoding, guessed):
    (tmp_path / "e.csv").write_bytes(CSV_TEXT.encode(encoding))
    frame = read_table(tmp_path / "e.csv")
    assert list(frame.columns) == ["text", "label"] and frame["text"].tolist() == [t for t, _ in ROWS]
    assert frame.attrs["encoding_guessed"] is guessed


@pytest.mark.parametrize("sep", [";", "|", "\t"])
def test_other_delimiters_are_sniffed(tmp_path, sep):
    (tmp_path / "d.txt").write_text(CSV_TEXT.replace(",", sep))
    assert read_table(tmp_path / "d.txt")["label"].tolist() == ["pos", "neg"]


def test_excel_and_parquet_files_are_read_as_strings(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"text": ["good", "bad", None], "label": [1, 0, 1]})
    frame.to_excel(tmp_path / "d.xlsx", index=False)
    frame.to_parquet(tmp_path / "d.parquet")
    for name in ("d.xlsx", "d.parquet"):
        read = read_table(tmp_path / name)
        assert read["label"].tolist() == ["1", "0", "1"] and read["text"].tolist() == ["good", "bad", ""]


def test_a_json_array_and_a_row_with_too_few_fields(tmp_path):
    (tmp_path / "a.json").write_text('[{"text": "x", "label": 1}, {"text": "y", "label": null}]')
    assert read_table(tmp_path / "a.json")["label"].tolist() == ["1", ""]
    (tmp_path / "short.csv").write_text("text,label\nonly text\nfull,row\n")
    assert read_table(tmp_path / "short.csv")["label"].tolist() == ["", "row"]


def test_a_ragged_row_is_skipped_and_its_line_kept(tmp_path):
    (tmp_path / "r.csv").write_text("text,label\na,b\nc,d,e\nf,g\n")
    frame = read_table(tmp_path / "r.csv")
    assert frame["text"].tolist() == ["a", "f"] and frame.attrs["skipped_lines"] == [3]


def test_several_text_columns_are_joined_and_checked(tmp_path):
    from finetune.config import DataError
    from finetune.data.columns import text_values

    (tmp_path / "t.csv").write_text("title,body,label\nHello,World,a\nOnly title,,b\n")
    frame = read_table(tmp_path / "t.csv")
    assert text_values(frame, "title,body").tolist() == ["Hello\nWorld", "Only title"]
    with pytest.raises(DataError, match="no text column 'summary'"):
        text_values(frame, "title,summary")


@pytest.mark.parametrize("name", ["big.csv", "big.xlsx", "big.parquet", "big.jsonl", "big.json"])
def test_reading_stops_at_the_row_cap_and_says_so(tmp_path, name):
    import pandas as pd

    frame = pd.DataFrame({"text": [f"text {i}" for i in range(30)], "label": ["a", "b"] * 15})
    path = tmp_path / name
    {"big.csv": lambda: frame.to_csv(path, index=False), "big.xlsx": lambda: frame.to_excel(path, index=False),
     "big.parquet": lambda: frame.to_parquet(path), "big.jsonl": lambda: frame.to_json(path, orient="records",
     lines=True), "big.json": lambda: frame.to_json(path, orient="records")}[name]()
    read = read_table(path, max_rows=10)
    assert read["text"].tolist() == [f"text {i}" for i in range(10)] and read.attrs["truncated_at"] == 10
    assert "truncated_at" not in read_table(path, max_rows=30).attrs  # exactly the cap: nothing was left out
    assert len(read_table(path)) == 30  # no cap unless asked


def test_the_default_cap_comes_from_the_environment(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "d.csv", [(f"text {i}", "a") for i in range(20)])
    monkeypatch.setenv("FINETUNE_MAX_READ_ROWS", "5")
    assert len(read_table(path)) == 5 and read_table(path).attrs["truncated_at"] == 5
    assert len(read_table(path, max_rows=8)) == 8  # a caller's cap wins
    monkeypatch.setenv("FINETUNE_MAX_READ_ROWS", "0")
    assert len(read_table(path)) == 20
