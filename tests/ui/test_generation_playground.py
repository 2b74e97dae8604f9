"""The generation Playground's handler, called directly: both answers stream in, side by side."""
import gradio as gr
import pytest

from finetune.config import RunConfig
from finetune.training.engine import train
from finetune.ui import generation_playground, playground_tab


@pytest.fixture
def generation_run(runs_dir, tiny_gpt2, story_txt):
    config = RunConfig(task="generation", data_file=str(story_txt), model=tiny_gpt2, epochs=1.0, batch_size=8,
                       learning_rate=3e-3, block_size=32, precision="fp32")
    train(config, runs_dir / "gen-run")
    return "gen-run"


def test_base_and_fine_tuned_answers_stream_side_by_side(generation_run):
    updates = list(generation_playground.generate_side_by_side(generation_run, "ROMEO:", 6, 0.0, 0.9))
    assert len(updates) >= 2 and all(len(u) == 2 for u in updates)
    assert updates[0][0] == "" and updates[-1][0] != ""  # the fine-tuned model writes first, then the base
    tuned = [u[1] for u in updates]
    assert any(a != b for a, b in zip(tuned, tuned[1:])) or len(set(tuned)) == 1
    assert all(b.startswith(a) for a, b in zip(tuned, tuned[1:]))  # it grows as it streams


def test_the_playground_shows_generation_controls_for_a_generation_run(generation_run):
    classify, generate, *_ = playground_tab.show_task_controls(generation_run)
    assert classify["visible"] is False and generate["visible"] is True
    assert playground_tab.show_task_controls(None)[1]["visible"] is False


def test_an_empty_prompt_or_a_missing_run_is_a_clear_error(generation_run):
    with pytest.raises(gr.Error, match="Type a prompt"):
        list(generation_playground.generate_side_by_side(generation_run, "  ", 5, 0.7, 0.9))
    with pytest.raises(gr.Error, match="text-generation run"):
        list(generation_playground.generate_side_by_side("nope", "hi", 5, 0.7, 0.9))


def test_a_generation_failure_reaches_the_caller_instead_of_hanging(tiny_gpt2):
    from finetune.tasks.text_generator import TextGenerator

    generator = TextGenerator(tiny_gpt2)
    with pytest.raises(ValueError):
        list(generator.stream("ROMEO:", max_new_tokens=5, temperature=0.7, top_p=-1.0))  # top_p must be in (0, 1]


def test_a_text_to_text_run_answers_side_by_side_with_its_base_t5(runs_dir, tiny_t5, pairs_csv):
    config = RunConfig(task="generation", data_file=str(pairs_csv), model=tiny_t5, epochs=2.0, batch_size=4,
                       learning_rate=3e-3, block_size=32, precision="fp32", val_size=0.25)
    train(config, runs_dir / "t5-run")
    updates = list(generation_playground.generate_side_by_side("t5-run", "Translate to shout: soft light", 6,
                                                               0.0, 0.9))
    assert updates[0][0] == "" and updates[-1][0] and updates[-1][1]  # both models wrote something


def test_another_run_or_prompt_clears_both_texts():
    from finetune.ui import build_app
    from tests.ui.views import by_elem_id

    app = build_app()
    run, prompt = by_elem_id(app, "play-run"), by_elem_id(app, "gen-prompt")
    texts = {by_elem_id(app, "gen-base")._id, by_elem_id(app, "gen-tuned")._id}
    clearing = [f for f in app.fns.values() if f.fn is generation_playground.clear_texts]
    assert len(clearing) == 1 and {o._id for o in clearing[0].outputs} == texts
    assert {(target, event) for target, event in clearing[0].targets} == {(run._id, "change"), (prompt._id, "change")}
    assert generation_playground.clear_texts() == ("", "")
