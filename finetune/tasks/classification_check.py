"""The classification data check: what is in a labelled table and what will go wrong in training, in plain
words. One function serves the Data tab and `python -m finetune check`.

Labels, errors and the warnings a remedy fixes are counted on the rows as training will see them
(the config's remedies applied), so ticking a remedy makes its warning go away.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..data.label_edits import LabelEdits, apply_label_edits
from ..data.remedies import apply_remedies, conflicting_texts, label_variant_groups
from ..data.tables import cells_note, truncation_note
from ..data.token_lengths import LengthCounter, length_summary
from ..data.columns import describe_columns, text_columns
from .check_report import CheckReport
from .views import PREVIEW_ROWS, CheckView, as_text, problems_markdown
from . import labels as label_rules
from .labels import blocking_problems, enough_for_setfit, labelled_rows, sort_labels

RECOMMENDED_PER_CLASS = 100  # the guide's rule: at least 100 examples per class, prefer 1000+
IMBALANCE_RATIO = 4  # 4.8:1 went unwarned at 10 (issue 27); a 4:1 split already starves the small class
MANY_CLASSES = 50
SAMPLES_PER_CLASS = 3
NAMED_AT = 12  # a warning names up to this many classes; past it, it says how many


@dataclass
class ClassificationCheck(CheckReport):
    text_column: str = ""
    label_column: str = ""
    labels: dict[str, int] = field(default_factory=dict)  # rows per label, as training sees them
    usable_rows: int = 0
    encoding: str = ""
    remedies: list[str] = field(default_factory=list)     # what the ticked remedies did
    token_lengths: dict = field(default_factory=dict)     # data.token_lengths.length_summary
    samples: dict[str, list[str]] = field(default_factory=dict)  # a few texts per label

    @property
    def counts(self) -> dict[str, int]:
        return self.labels

    @property
    def few_shot_ready(self) -> bool:
        """Blocked only by classes too small to fine-tune on, each big enough for SetFit."""
        return {e.code for e in self.errors} == {"too_few_examples"} and enough_for_setfit(self.labels)

    def view(self, name: str, frame, config, fixes: bool = False) -> CheckView:
        lengths = self.token_lengths
        max_length = lengths["max_length"]  # token_lengths.planned_max_length: what training will use
        samples = pd.DataFrame([{"label": k, "text": t} for k, texts in self.samples.items() for t in texts])
        shown = [config.label_column] + text_columns(frame, config.text_column)  # the label first: long texts wrap
        return CheckView(self.markdown(name, fixes), lengths=lengths, max_length=max_length, samples=samples,
                         preview=frame[shown].head(PREVIEW_ROWS), columns=pd.DataFrame(describe_columns(frame)))

    def markdown(self, name: str, fixes: bool = True) -> str:
        """The head line and problems (the quick panel answers "do you need fine-tuning?")."""
        encoding = f", read as {self.encoding}" if self.encoding not in ("", "utf-8", "utf-8-sig") else ""
        head = (f"**{as_text(name)}**: {self.rows} rows, {len(self.labels)} label{'' if len(self.labels) == 1 else 's'}, "
                f"{self.usable_rows} rows usable for training{as_text(encoding)}. "
                f"Text: `{as_text(self.text_column)}`, label: `{as_text(self.label_column)}`.")
        return problems_markdown(head, self, self.remedies, fixes)


def check_table(frame: pd.DataFrame, config, counter: LengthCounter | None = None) -> ClassificationCheck:
    """The report for `frame` read with `config`'s columns, remedies and model."""
    first_row = frame.attrs.get("first_row", 2)  # row numbers as the user sees them in the file
    rows, usable = labelled_rows(frame, config.text_column, config.label_column)
    fixed, remedy_notes = apply_remedies(rows[usable], config)
    fixed, edit_notes = apply_label_edits(fixed, LabelEdits.from_json(config.label_edits), first_row)
    remedy_notes += edit_notes  # the counts below are what training sees, the review's edits included
    counts = fixed["label"].value_counts()
    labels = {name: int(counts[name]) for name in sort_labels(counts.index)}
    report = ClassificationCheck(rows=len(frame), columns=list(frame.columns), text_column=config.text_column,
                                 label_column=config.label_column, labels=labels, usable_rows=len(fixed),
                                 encoding=frame.attrs.get("encoding", ""), remedies=remedy_notes)

    def warn(code, message, at=()):
        report.warn(code, message, [int(r) + first_row for r in list(at)])

    _file_warnings(frame, warn)
    _row_warnings(rows, usable, fixed, warn)

    for code, message in blocking_problems(labels, len(fixed), label_rules.min_per_class(config)):
        report.block(code, message)
    _balance_warnings(labels, config, warn)
    counter = counter or LengthCounter(config.model)
    report.token_lengths = length_summary(fixed["text"], counter, config.max_length, config.seed)
    _length_warnings(report.token_lengths, warn)
    report.samples = {name: fixed["text"][fixed["label"] == name].head(SAMPLES_PER_CLASS).tolist()
                      for name in list(labels)[:MANY_CLASSES]}
    return report


def _file_warnings(frame, warn):
    if truncation_note(frame):
        warn("rows_capped", truncation_note(frame))
    if cells_note(frame):
        warn("cells_cut", cells_note(frame))
    if frame.attrs.get("encoding_guessed"):
        warn("encoding_guessed", f"The file is not UTF-8; it was read as {frame.attrs['encoding']}. Check that "
             "accented letters look right in the preview, or save the file as 'CSV UTF-8'.")
    skipped = frame.attrs.get("skipped_lines") or []
    if skipped:
        warn("ragged_rows", f"{len(skipped)} line(s) have more fields than the header and were skipped "
             "(often a comma inside unquoted text). Quote such texts, or use a TSV file.",
             [n - 2 for n in skipped])  # already line numbers: undo the row offset added by warn


def _row_warnings(rows, usable, fixed, warn):
    empty_text = rows["text"] == ""
    missing_label = (rows["label"] == "") & ~empty_text
    if empty_text.any():
        warn("empty_text", f"{empty_text.sum()} row(s) have no text. They are skipped in training.",
             rows.index[empty_text])
    if missing_label.any():
        warn("missing_label", f"{missing_label.sum()} row(s) have text but no label. They are skipped in "
             "training; label them if you can, as every labelled example helps.", rows.index[missing_label])
    conflicts = conflicting_texts(fixed)
    if conflicts.any():
        warn("conflicting_labels", f"{conflicts.sum()} row(s) share a text with a row of another label. The "
             "model cannot learn both; fix the labels, or tick 'drop duplicates' below to drop them.",
             fixed.index[conflicts])
    repeated = fixed.duplicated(subset=["text", "label"], keep="first")
    if repeated.any():
        warn("duplicates", f"{repeated.sum()} row(s) repeat an earlier row. Repeats can land in both training "
             "and validation and make scores look better than they are; tick 'drop duplicates' below.",
             fixed.index[repeated])
    variants = label_variant_groups(fixed["label"])
    if variants:
        shown = "; ".join(" / ".join(f"'{v}'" for v in spellings) for spellings in list(variants.values())[:3])
        warn("label_variants", f"Some labels are spelled more than one way ({shown}); each spelling becomes "
             "its own class. Tick 'merge label variants' below.")


def _balance_warnings(labels, config, warn):
    if len(labels) < 2:
        return
    small = {k: v for k, v in labels.items() if v < RECOMMENDED_PER_CLASS}
    if small:
        warn("too_few_examples", f"Fewer than {RECOMMENDED_PER_CLASS} examples for {named(small, len(labels))}. "
             "Expect weak results on these classes; 100+ per class is the usual minimum, 1000+ is better.")
    largest, smallest = max(labels.values()), min(labels.values())
    if smallest and largest / smallest >= IMBALANCE_RATIO:
        fix = "Class weights are on, so rare classes weigh more in the loss." if config.balance == "class_weights" \
            else "Add examples of the small classes, or pick class weights or downsampling under 'balance' below."
        warn("imbalance", f"Classes are imbalanced: the largest has {largest / smallest:.1f}x the rows of the "
             f"smallest, so the model may learn to ignore the small ones. {fix}")
    if len(labels) > MANY_CLASSES:
        warn("many_classes", f"{len(labels)} different labels. Is this the right label column? Each class needs "
             "its own examples; group related labels, or merge the rare ones into 'other'.")


def named(counts: dict[str, int], total: int) -> str:
    """Every class a warning is about, with its rows; past NAMED_AT, how many and the smallest."""
    ordered = sorted(counts.items(), key=lambda kv: kv[1])
    if len(ordered) <= NAMED_AT:
        return ", ".join(f"{k} ({v})" for k, v in ordered)
    shown = ", ".join(f"{k} ({v})" for k, v in ordered[:NAMED_AT])
    every = "every class" if len(ordered) == total else f"{len(ordered)} of {total} classes"
    return f"{every} ({len(ordered)}); the smallest: {shown} and {len(ordered) - NAMED_AT} more"


def _length_warnings(lengths, warn):
    if lengths["over_limit_share"] > 0 or lengths["over_limit_rows"]:
        estimate = " (estimated from word counts)" if lengths["estimated"] else ""
        share = f"About {lengths['over_limit_share']:.0%}" if lengths["over_limit_share"] >= 0.005 else "A few"
        warn("long_texts", f"{share} of the texts are longer than the "
             f"{lengths['limit']} tokens the model reads{estimate}; their ends are cut off. Fine if the start "
             "says enough; otherwise split long texts into parts.",
             lengths["over_limit_rows"])


def check_file(config, frame: pd.DataFrame | None = None) -> ClassificationCheck:
    """Read config.data_file (unless the caller has read it), settle its columns (detected when not
    given) and check it."""
    from ..data.columns import choose_columns
    from ..data.file_kind import read_labelled_table

    frame = read_labelled_table(config.data_file) if frame is None else frame
    text_column, label_column = choose_columns(frame, config.text_column, config.label_column)
    return check_table(frame, config.updated(text_column=text_column, label_column=label_column))
