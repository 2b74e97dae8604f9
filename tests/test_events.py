import pytest

from finetune.runs.events import LOG, STARTED, EventWriter, read_events


def test_reader_resumes_from_offset_without_rereading(tmp_path):
    path = tmp_path / "events.jsonl"
    writer = EventWriter(path)
    writer.write(STARTED, pid=1)
    events, offset = read_events(path)
    assert [e["event"] for e in events] == ["started"]
    writer.write(LOG, step=1, loss=0.5)
    more, offset2 = read_events(path, offset)
    assert [e["step"] for e in more] == [1] and offset2 > offset


def test_half_written_line_waits_for_the_next_read(tmp_path):
    path = tmp_path / "events.jsonl"
    EventWriter(path).write(STARTED)
    with open(path, "a") as f:
        f.write('{"event": "log", "st')
    events, offset = read_events(path)
    assert len(events) == 1
    with open(path, "a") as f:
        f.write('ep": 3}\n')
    assert read_events(path, offset)[0] == [{"event": "log", "step": 3}]


def test_missing_file_reads_as_no_events(tmp_path):
    assert read_events(tmp_path / "none.jsonl", 0) == ([], 0)


def test_unknown_event_type_is_a_programming_error(tmp_path):
    with pytest.raises(ValueError):
        EventWriter(tmp_path / "e.jsonl").write("progress")


def test_run_duration_adds_up_the_segments_of_a_resumed_run():
    from finetune.runs.events import run_duration

    events = [{"event": "started", "time": 100.0}, {"event": "stopped", "time": 130.0},
              {"event": "started", "time": 1000.0}, {"event": "log", "time": 1005.0}]
    assert run_duration(events, now=1010.0) == 40.0  # 30 s, then 10 s so far; the pause does not count
    assert run_duration(events + [{"event": "finished", "time": 1020.0}]) == 50.0


def test_pace_measures_steps_per_second_and_the_time_left():
    from finetune.runs.events import pace

    first, last = {"step": 10, "time": 100.0, "max_steps": 50}, {"step": 30, "time": 110.0, "max_steps": 50}
    assert pace(first, last) == (10.0, 2.0)
    assert pace(first, first) is None and pace(None, last) is None


def test_a_torn_line_is_skipped_and_the_rest_still_reads(tmp_path):
    path = tmp_path / "events.jsonl"
    EventWriter(path).write(STARTED)
    with open(path, "ab") as f:
        f.write(b'{"event": "log", "st\n\xff\xfe garbage\n[1, 2]\n')  # a disk that filled up, a kill, junk
    EventWriter(path).write(LOG, step=2, loss=0.1)
    events, _ = read_events(path)
    assert [e["event"] for e in events] == ["started", "log"] and events[1]["step"] == 2
