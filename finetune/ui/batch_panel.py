"""Batch predictions in the Playground: a whole table, or a PDF chunk by chunk, labelled by the picked run;
shown as a table with a per-label summary and downloadable as a CSV that a spreadsheet opens safely.

The engine does the work (finetune.services.predictions); these handlers check the inputs, drive the progress bar
and put the result where Gradio can serve it."""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

import gradio as gr
import pandas as pd

from ..hosting import gate, owners
from ..services.predictions import label_counts, label_table, tag_pdf, write_csv
from ..data.columns import guess_text_column
from ..data.tables import read_table
from ..tasks import get_task
from . import figures, visitor
from .generation_playground import run_task
from .messages import USER_ERRORS, as_text, user_error

TABLE_TYPES = [".csv", ".tsv", ".txt", ".jsonl", ".json"]
SHOWN_ROWS = 2000  # the page stays quick; the download has every row
SPACE_MAX_ROWS = 5000  # rows (or PDF chunks) one visitor labels at once on a shared Space
DOWNLOADS = Path(tempfile.gettempdir()) / "finetune-batch"  # one folder per labelled file, removed after KEEP_S
KEEP_S = 600  # Gradio has copied the CSV into its own cache long before this


class Labelled(NamedTuple):
    """What labelling a table shows, by name (render() builds one of the components)."""
    table: Any     # the labelled rows (the first SHOWN_ROWS)
    download: Any  # the CSV with every row
    status: Any


class Tagged(NamedTuple):
    """What tagging a PDF shows, by name."""
    table: Any     # page, chunk, text, label and score (or entities)
    summary: Any   # the per-label chart
    download: Any  # the CSV
    status: Any


def max_rows() -> int:
    """The row cap of one batch or PDF on a Space; 0 (none) locally."""
    return SPACE_MAX_ROWS if owners.hosted() else 0


def _labelling_run(run_name: str | None, token: str | None) -> Path:
    """The run folder of a classification or NER run this visitor may use; gr.Error saying what to do otherwise."""
    task = run_task(run_name, token)
    if task is None or get_task(task).generates_text:  # a table is labelled, not continued
        raise gr.Error("Pick a trained classification or NER run first.", print_exception=False)
    return visitor.run_dir(token, run_name)


def _reporter(progress, what: str):
    return lambda done, total: progress((done, total), desc=f"Labelling {what}", unit=what)


def _download(frame: pd.DataFrame, source: str) -> str:
    """The labelled table as a CSV in a fresh temporary folder (Gradio copies it into its cache to serve
    it); folders older than KEEP_S are removed on the way."""
    DOWNLOADS.mkdir(exist_ok=True)
    for old in DOWNLOADS.iterdir():
        try:
            if time.time() - old.stat().st_mtime > KEEP_S:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:  # another request removed it first
            pass
    folder = Path(tempfile.mkdtemp(dir=DOWNLOADS))
    return str(write_csv(frame, folder / f"{Path(source).stem}-predictions.csv"))


def _capped(frame: pd.DataFrame, noun: str) -> str:
    """' Only the first N of M rows (Space limit).' when the file had more than the cap."""
    total = frame.attrs.get("rows_in_file", len(frame))
    if total <= len(frame):
        return ""
    return (f" Only the first {len(frame):,} of {total:,} {noun} were labelled: this shared Space labels up to "
            f"{len(frame):,} at once. Split the file, or run the app locally.")


def _summary(counts: dict[str, int], noun: str) -> str:
    return ", ".join(f"{label}: {count}" for label, count in counts.items()) or f"no {noun} found"


def pick_text_column(file: str | None, token=None):
    """Inputs: the uploaded table, visitor. Outputs: the text-column dropdown, its columns, the detected one
    chosen."""
    if not file:
        return gr.update(choices=[], value=None)
    try:
        with gate.work(visitor.owner(token), "table check"):
            frame = read_table(gate.admit_file(visitor.owner(token), file, "batch"))
    except USER_ERRORS as e:
        raise user_error(e) from None
    return gr.update(choices=list(frame.columns), value=guess_text_column(frame))


def label_file(run_name, file, column, token=None, progress=gr.Progress()) -> Labelled:
    """Inputs: run, uploaded table, text column, visitor. Outputs: labelled table (first rows), CSV, status line."""
    folder = _labelling_run(run_name, token)
    if not file:
        raise gr.Error("Upload a CSV, TSV or JSONL file first.", print_exception=False)
    started = time.perf_counter()
    try:
        with gate.work(visitor.owner(token), "batch labelling"):
            file = gate.admit_file(visitor.owner(token), file, "batch")
            frame = label_table(folder, file, column or "", _reporter(progress, "rows"), max_rows=max_rows())
    except USER_ERRORS as e:
        raise user_error(e) from None
    seconds = time.perf_counter() - started
    shown = f" (the first {SHOWN_ROWS:,} shown; the CSV has all)" if len(frame) > SHOWN_ROWS else ""
    counts = _summary(label_counts(frame), "entities")
    status = (f"**{len(frame):,} rows** labelled in {seconds:.1f} s{shown}. Per label: {as_text(counts)}."
              + _capped(frame, "rows"))
    return Labelled(table=gr.update(value=frame.head(SHOWN_ROWS), visible=True), download=_download(frame, file),
                    status=status)


def tag_document(run_name, file, token=None, progress=gr.Progress()) -> Tagged:
    """Inputs: run, uploaded PDF. Outputs: chunk table (page, text, label, score), per-label chart, CSV,
    status line. A PDF without a text layer gets the engine's message about OCR."""
    folder = _labelling_run(run_name, token)
    if not file:
        raise gr.Error("Upload a PDF first.", print_exception=False)
    progress(0, desc="Reading the PDF")
    try:
        with gate.work(visitor.owner(token), "PDF tagging"):
            file = gate.admit_file(visitor.owner(token), file, "pdf")
            frame = tag_pdf(folder, file, _reporter(progress, "chunks"), max_rows=max_rows())
    except USER_ERRORS as e:
        raise user_error(e) from None
    counts = label_counts(frame)
    noun = "entities per type" if "entities" in frame.columns else "chunks per label"
    status = (f"**{len(frame)} chunks** from {frame['page'].nunique()} page(s) of {as_text(Path(file).name)}. "
              f"Per label: {as_text(_summary(counts, 'entities'))}." + _capped(frame, "chunks"))
    return Tagged(table=gr.update(value=frame, visible=True), summary=figures.label_summary(counts, noun.capitalize()),
                  download=_download(frame, file), status=status)


def render(run, token):
    """The batch and PDF panels, wired to the Playground's run dropdown."""
    with gr.Accordion("Label many texts at once: a file or a PDF", open=True, elem_id="batch-panel"):
        with gr.Tabs():
            with gr.Tab("A table (CSV, TSV, JSONL)", id="batch-table-tab"):
                with gr.Row():
                    upload = gr.File(label="Table to label", file_types=TABLE_TYPES, elem_id="batch-file")
                    column = gr.Dropdown([], label="Text column", info="Detected from names and content.",
                                         elem_id="batch-column")
                button = gr.Button("Label every row", variant="primary", elem_id="batch-run")
                status = gr.Markdown(elem_id="batch-status")
                # hidden until it has rows: an empty Dataframe shows bare "1 2 3" headers
                table = gr.Dataframe(interactive=False, max_height=360, wrap=True, elem_id="batch-result",
                                     visible=False)
                download = gr.File(label="Labelled CSV (formula-looking cells start with ')", interactive=False,
                                   elem_id="batch-download")
            with gr.Tab("A PDF", id="batch-pdf-tab"):
                pdf = gr.File(label="PDF to tag, chunk by chunk (page and paragraph)", file_types=[".pdf"],
                              elem_id="pdf-file")
                pdf_button = gr.Button("Tag the PDF", variant="primary", elem_id="pdf-run")
                pdf_status = gr.Markdown(elem_id="pdf-status")
                with gr.Row():
                    summary = gr.Plot(label="Summary", elem_id="pdf-summary")
                    pdf_download = gr.File(label="Tagged chunks as CSV", interactive=False, elem_id="pdf-download")
                # page, chunk, text, then label and score (or entities and their count)
                pdf_table = gr.Dataframe(interactive=False, max_height=420, wrap=True, elem_id="pdf-result",
                                         column_widths=["7%", "7%", "62%", "14%", "10%"], visible=False)
    upload.change(pick_text_column, [upload, token], column, api_visibility="private")
    button.click(label_file, [run, upload, column, token], list(Labelled(table, download, status)),
                 api_visibility="private")
    pdf_button.click(tag_document, [run, pdf, token], list(Tagged(pdf_table, summary, pdf_download, pdf_status)),
                     api_visibility="private")
