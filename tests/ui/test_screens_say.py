"""Issue 27's small untruths on the Train tab and the report: what the status line, the chart and the report say."""
from finetune.runs.records import Results
from finetune.ui import report, run_lines
from finetune.ui.figures import training_curves
from finetune.ui.followed_run import FollowedRun, apply
from finetune.ui.data_state import DataState

STAGE = {"event": "stage", "time": 1.0}


def test_the_status_line_shows_the_estimate_until_the_live_pace_replaces_it_and_says_training_once():
    run = apply(FollowedRun(run_dir="x"), [{**STAGE, "message": "Estimated about 90 s", "estimate_s": 80.0},
                                          {**STAGE, "message": "Training on CPU, 2 cores"}])
    assert run_lines.status_line(run) == "Training on CPU, 2 cores… · estimated 80 s for the whole run"
    log = {"event": "log", "step": 1, "max_steps": 10, "loss": 0.9}
    one = apply(run, [{**log, "time": 2.0}])
    assert "estimated 80 s" in run_lines.status_line(one)
    line = run_lines.status_line(apply(one, [{**log, "time": 4.0, "step": 3}]))
    assert "about 7 s left" in line and "estimated" not in line  # the live pace, not the estimate
    assert not line.startswith("Training: Training") and line.startswith("Training on CPU, 2 cores · step 3/10")


def test_a_generation_chart_draws_perplexity_on_an_axis_that_holds_it():
    """Issue 27: the chart did not draw perplexity (its axis was fixed at 0 to 1)."""
    evals = [{"step": 0, "eval_loss": 4.0, "eval_perplexity": 60.0}, {"step": 5, "eval_loss": 3.0, "eval_perplexity": 20.0}]
    figure = training_curves([{"step": 1, "loss": 3.5}], evals, "eval_perplexity")
    assert figure.layout.yaxis2.range is None and any(t.name == "perplexity" for t in figure.data)
    bounded = training_curves([], [{"step": 1, "eval_loss": 0.5, "eval_accuracy": 0.8}], "eval_accuracy")
    assert tuple(bounded.layout.yaxis2.range) == (0, 1.02)


def test_the_report_shows_the_estimate_against_the_actual_time_and_what_training_used():
    results = Results(task="classification", status="finished", steps=190, max_steps=190, duration_s=130.0,
                      estimate_s=110.0, metrics={"accuracy": 0.8},
                      trained_with={"method": "setfit", "body_learning_rate": 2e-05, "pairs": 3040})
    text = report.summary_markdown(results)
    assert "130 s (estimated 110 s at the start)" in text
    assert "**Trained with:** method setfit · body learning rate 2e-05 · pairs 3040" in text


def test_an_entity_type_has_one_colour_on_the_data_tab_and_in_the_playground():
    """Issue 27: NER colours differed between screens (and each score made its own colour)."""
    from finetune.ui import data_loading
    from finetune.ui.entity_colors import color_of
    from finetune.ui.playground_tab import highlight
    from finetune.ui.entity_colors import color_map
    from tests.ui.test_data_tab import named

    data = named(data_loading.load_sample("ner_sample.jsonl", DataState()))
    shown = data_loading.load_sample("ner_sample.jsonl", DataState())
    entities = next(u for u in (shown.values() if isinstance(shown, dict) else shown)
                    if isinstance(u, dict) and u.get("color_map"))
    assert data["state"].ready and entities["color_map"]
    assert {label: color for label, color in entities["color_map"].items()} == \
        {label: color_of(label) for label in entities["color_map"]}
    played = color_map(highlight("Maria in Boston", [{"label": "PER", "score": 0.98, "start": 0, "end": 5},
                                                     {"label": "PER", "score": 0.51, "start": 9, "end": 15}]))
    assert set(played.values()) == {color_of("PER")} and color_of("B-PER") == color_of("PER 0.98")
