"""The trial states the runs table and the verdict read (runs/folder.ENDED_EARLY) are the search's own."""
from finetune.runs.folder import ENDED_EARLY
from finetune.sweeps import record


def test_the_states_of_a_trial_the_search_ended_are_the_records_states():
    assert set(ENDED_EARLY) == {record.STOPPED, record.PRUNED}
