"""Row samples of the files a Space run trains on: a seeded sample of max_rows rows of each training,
validation and test file over the limit, written into the run folder, every class keeping enough rows."""
from __future__ import annotations

from pathlib import Path

from ..config import ConfigError, RunConfig
from ..data.tables import TABLE_SUFFIXES
from ..tasks import get_task

ROW_SUFFIXES = tuple(s for s in TABLE_SUFFIXES if s != ".txt")  # files a row sample can be taken of
SAMPLED_FILES = (("data_file", "trained on", ""), ("eval_file", "validated on", "eval-"),
                 ("test_file", "tested on", "test-"))  # (setting, what the note says, sample name prefix)


def sample_files(config: RunConfig, run_dir: Path, limits) -> tuple[dict, list[str]]:  # limits: spaces.Limits
    """The training, validation and test files over max_rows replaced by seeded samples; one note each."""
    changes, notes = {}, []
    for setting, verb, prefix in SAMPLED_FILES:
        if not getattr(config, setting):
            continue
        sampled, rows, capped = _sample_rows(Path(getattr(config, setting)), config, run_dir, prefix, limits)
        if sampled:
            changes[setting] = sampled
            source = f"the first {rows:,} rows read (the file has more)" if capped else f"{rows:,} rows"
            notes.append(f"{verb} {limits.max_rows:,} of {source}, sampled at random (Space limit)")
    return changes, notes


def _sample_rows(source: Path, config: RunConfig, run_dir: Path, prefix: str,
                 limits) -> tuple[str | None, int, bool]:
    """(path of a sampled copy in run_dir, rows read, reading stopped at max_read_rows); (None, rows, capped)
    when the file is within the limit. prefix: "eval-" names the copy run_dir/eval-sampled-NAME."""
    suffix = source.suffix.lower()
    if not source.is_file():
        return None, 0, False
    if suffix not in ROW_SUFFIXES:  # a corpus or CoNLL file is not row-shaped: only a size check
        if source.stat().st_size > limits.max_text_bytes:
            raise ConfigError(f"{source.name} is {source.stat().st_size / 2**20:.1f} MB; this Space trains on "
                              f"text files up to {limits.max_text_bytes / 2**20:.0f} MB. Upload a shorter one.")
        return None, 0, False
    target = run_dir / f"{prefix}sampled-{source.name if suffix == '.jsonl' else source.stem + '.csv'}"
    if suffix == ".jsonl":  # one example a line: sample lines, keeping nested values (NER tags) as they are
        import random
        from itertools import islice

        with source.open(encoding="utf-8") as lines:
            kept = list(islice((line.rstrip("\n") for line in lines if line.strip()), limits.max_read_rows + 1))
        capped = len(kept) > limits.max_read_rows
        kept = kept[:limits.max_read_rows]
        if len(kept) <= limits.max_rows:
            return None, len(kept), capped
        target.write_text("\n".join(random.Random(config.seed).sample(kept, limits.max_rows)) + "\n",
                          encoding="utf-8")
        return str(target), len(kept), capped
    from ..data.tables import read_table

    frame = read_table(source, max_rows=limits.max_read_rows)
    capped = bool(frame.attrs.get("truncated_at"))
    if len(frame) <= limits.max_rows:
        return None, len(frame), capped
    _stratified(frame, config, limits).to_csv(target, index=False)
    return str(target), len(frame), capped


def _stratified(frame, config: RunConfig, limits):
    """max_rows rows at random, but every class keeps min_rows_per_class rows (or all it has), so a file the
    Data tab accepted is not refused after queueing for a class the sample left too small."""
    label = config.label_column if config.label_column in frame.columns else None
    if label is None or not get_task(config.task).maps_columns:
        return frame.sample(n=limits.max_rows, random_state=config.seed)
    kept = frame.groupby(label, group_keys=False).apply(
        lambda rows: rows.sample(n=min(len(rows), limits.min_rows_per_class), random_state=config.seed))
    if len(kept) > limits.max_rows:
        raise ConfigError(f"{frame[label].nunique():,} classes need {len(kept):,} rows to keep "
                          f"{limits.min_rows_per_class} of each, more than this Space's {limits.max_rows:,}. "
                          "Merge rare classes, or run the app locally.")
    rest = frame.drop(kept.index).sample(n=limits.max_rows - len(kept), random_state=config.seed)
    return frame.loc[sorted([*kept.index, *rest.index])]
