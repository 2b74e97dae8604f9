"""Issue 24: the built app shares the Data tab's state as one DataState, and the forms' widgets reach their
handlers by name (a set of inputs: one dict keyed by component), never zipped with a list by position."""
import gradio as gr
from gradio.utils import deep_hash

from finetune.ui import build_app, data_loading, model_tab
from finetune.ui.data_state import DataState
from tests.ui.views import by_elem_id


def test_the_data_tabs_state_is_one_dataclass_that_every_tab_reads():
    app = build_app()
    states = [b for b in app.blocks.values() if isinstance(b, gr.State) and isinstance(b.value, DataState)]
    assert len(states) == 1 and states[0].value == DataState()
    readers = {f.fn.__name__ for f in app.fns.values() if f.fn is not None and states[0] in f.inputs}
    assert {"load_file", "change_settings", "start_training", "show_estimate", "run_quick", "run_review"} <= readers


def test_knobs_and_fixes_reach_every_handler_by_name():
    app = build_app()
    knobs = [by_elem_id(app, "knob-" + f.name.replace("_", "-")) for f in model_tab.TUNED]
    fixes = [by_elem_id(app, "knob-" + f.name.replace("_", "-")) for f in data_loading.SETTING_FIELDS]
    readers = [f for f in app.fns.values() if f.fn is not None and any(w in f.inputs for w in knobs + fixes)]
    assert readers and all(f.inputs_as_dict for f in readers), \
        [f.fn.__name__ for f in readers if not f.inputs_as_dict]
    assert {f.fn.__name__ for f in readers} >= {"start_training", "show_estimate", "change_settings"}


def test_the_states_change_follows_its_content():
    """gr.State fires .change when deep_hash of its value differs: an equal DataState is no change."""
    loaded = data_loading.load_sample("legal_medical_financial.csv", DataState()).state
    again = data_loading.load_sample("legal_medical_financial.csv", DataState()).state
    assert again is not loaded and deep_hash(again) == deep_hash(loaded)
    assert deep_hash(DataState.empty("ner")) != deep_hash(DataState()) != deep_hash(loaded)
