"""Caps on bytes (issue 22: tiny files, huge cost): each hostile file is refused or capped from its own
metadata before it is expanded or tokenized, every cell is cut to MAX_CELL_CHARS, token counting reads a
bounded number of characters, and the Playground refuses a huge text before any model sees it.
bench/abuse_files.py measures the same files (seconds, peak memory)."""
import gradio as gr
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from finetune.config import DataError, RunConfig
from finetune.data import byte_caps
from finetune.data.tables import read_table
from finetune.data.token_lengths import length_summary
from finetune.hosting import gate
from tests.conftest import write_csv
from tests.data.hostile_files import parquet_file, pdf_file, xlsx_file


def test_a_tiny_parquet_of_one_repeated_20kb_string_is_read_with_its_cells_cut(tmp_path):
    path = parquet_file(tmp_path)
    assert path.stat().st_size < 2000
    frame = read_table(path)
    assert len(frame) == 5000 and frame["text"].str.len().max() == byte_caps.MAX_CELL_CHARS
    assert frame.attrs["cells_cut"] == 5000
    capped = read_table(path, max_rows=300)  # a Space's row cap: the cells of the rows it keeps
    assert len(capped) == 300 and capped.attrs["cells_cut"] == 300


def test_a_parquet_that_expands_past_the_cap_is_refused_before_pandas_sees_it(tmp_path, monkeypatch):
    path = parquet_file(tmp_path, rows=20_000)  # 391 MiB of text once expanded, under 2 KB on disk
    monkeypatch.setattr(pa, "table", lambda *a, **k: pytest.fail("expanded before the check"))
    with pytest.raises(DataError, match="tiny.parquet expands to 391 MB of data when read, more than the 200 MB"):
        read_table(path)


def test_an_xlsx_with_a_200_mb_shared_string_is_refused_from_its_zip_directory(tmp_path, monkeypatch):
    path = xlsx_file(tmp_path)
    assert path.stat().st_size < 400_000
    monkeypatch.setattr(pd, "read_excel", lambda *a, **k: pytest.fail("openpyxl read it"))
    with pytest.raises(DataError, match=r"bomb.xlsx \(xl/sharedStrings.xml\) expands to 200 MB"):
        read_table(path)
    with pytest.raises(DataError, match="expands to 200 MB"):  # the gate checks the same before any reader
        gate.admit_file(None, path)


def test_a_pdf_of_pages_sharing_one_huge_stream_is_refused_before_extraction(tmp_path, monkeypatch):
    from finetune.data import documents

    path = pdf_file(tmp_path)
    assert path.stat().st_size < 200_000
    monkeypatch.setattr(documents, "_page_text", lambda page: pytest.fail("text extracted before the check"))
    with pytest.raises(DataError, match="shared-stream.pdf: page .*all pages together at most 10 MB"):
        documents.pdf_chunks(path)


def test_pdf_extraction_stops_at_the_text_cap(tmp_path, monkeypatch):
    from finetune.data import documents

    monkeypatch.setattr(byte_caps, "MAX_PDF_STREAM_BYTES", 10**12)
    monkeypatch.setattr(byte_caps, "MAX_PDF_CHARS", 5000)
    pages = []
    monkeypatch.setattr(documents, "_page_text", lambda page: pages.append(page) or "A sentence of words. " * 200)
    chunks = documents.pdf_chunks(pdf_file(tmp_path, pages=20))
    assert len(pages) == 2 and sum(len(c["text"]) for c in chunks) <= 5000


def test_every_cell_is_cut_and_the_check_says_so(tmp_path):
    rows = [("word " * 6000, "a"), ("short text here", "b")] * 10
    frame = read_table(write_csv(tmp_path / "long.csv", rows))
    assert frame["text"].str.len().max() == byte_caps.MAX_CELL_CHARS and frame.attrs["cells_cut"] == 10
    from finetune.tasks import get_task

    report = get_task("classification").check(RunConfig(data_file=str(tmp_path / "long.csv")))
    assert any(w.code == "cells_cut" and "20,000 characters" in w.message for w in report.warnings)


def test_token_counting_reads_a_bounded_number_of_characters():
    seen = []

    class Counter:
        limit, estimated = 512, False

        def __call__(self, texts):
            cut = [t[:byte_caps.counted_chars(self.limit)] for t in texts]  # what LengthCounter reads
            seen.append(sum(map(len, cut)))
            return np.array([len(t.split()) for t in cut])

    length_summary(["good movie " * 1900] * 5000, Counter())
    sample = seen[0]  # then the 200 longest rows, counted exactly
    assert sample <= byte_caps.MAX_COUNTED_CHARS + byte_caps.counted_chars(512)


def test_the_length_counter_cuts_each_text_before_tokenizing():
    from finetune.data.token_lengths import LengthCounter

    counter = LengthCounter("")
    counter.tokenizer = None  # the word estimate: what it is given is what it counts
    assert counter(["word " * 100_000])[0] < 1.3 * byte_caps.counted_chars(counter.limit) / 5 + 5  # not 130,002


def test_a_20_mb_playground_text_is_refused_before_any_model_sees_it(monkeypatch):
    from finetune.ui import playground_tab

    monkeypatch.setattr(playground_tab, "run_choices", lambda token=None: ["r"])
    monkeypatch.setattr(playground_tab, "predict_texts", lambda *a, **k: pytest.fail("predicted"))
    with pytest.raises(gr.Error, match="20,000,000 characters; the Playground reads at most 20,000"):
        playground_tab.show_prediction("r", "x" * 20_000_000)


def test_predictions_read_each_text_cut_to_the_cell_cap(monkeypatch, tmp_path):
    from finetune.services import predictions

    given = []
    # predict_texts answers through the model's cached predictor and its micro-batcher: fake the model only
    monkeypatch.setattr(predictions, "model_folder", lambda path: (path, "classification"))
    monkeypatch.setattr(predictions, "model_signature", lambda folder: ("fake",))
    monkeypatch.setattr(predictions, "_cached_predictor", lambda folder, task, signature: lambda texts, **_:
                        given.extend(texts) or [{"label": "a"} for _ in texts])
    predictions.predict_texts(tmp_path, ["x" * 20_000_000, "short"])
    assert [len(t) for t in given] == [byte_caps.MAX_CELL_CHARS, 5]
