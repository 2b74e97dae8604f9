"""Text-to-text models (T5) in the generation task, end to end on a tiny T5: train, predict, the card."""
import json
import math

import pytest

from finetune.config import RunConfig
from finetune.training.engine import train
from finetune.errors import DataError
from finetune.services.predictions import predict_texts
from finetune.tasks import get_task, task_for_model
from finetune.tasks import seq2seq


@pytest.fixture(scope="module")
def t5_run(tmp_path_factory, tiny_t5):
    import pandas as pd

    from tests.conftest import PAIRS

    folder = tmp_path_factory.mktemp("t5")
    pd.DataFrame(PAIRS * 8, columns=["prompt", "response"]).to_csv(folder / "pairs.csv", index=False)
    config = RunConfig(task="generation", data_file=str(folder / "pairs.csv"), model=tiny_t5, epochs=8.0,
                       batch_size=4, learning_rate=3e-3, block_size=32, precision="fp32", val_size=0.25)
    return folder / "run", train(config, folder / "run")


def test_a_t5_model_is_recognised_as_text_to_text(tiny_t5, tiny_gpt2):
    assert seq2seq.is_text_to_text(tiny_t5) and not seq2seq.is_text_to_text(tiny_gpt2)
    assert not seq2seq.is_text_to_text("/no/such/folder")


def test_a_t5_run_trains_on_the_response_and_lowers_perplexity(t5_run):
    run, results = t5_run
    assert results.status == "finished" and list(results.metrics) == ["perplexity", "base_perplexity"]
    assert results.metrics["perplexity"] < 0.5 * results.metrics["base_perplexity"]
    assert any("loss is on the response" in n for n in results.notes)


def test_t5_perplexity_is_the_models_own_loss_on_the_response(t5_run):
    run, results = t5_run  # the decoder's logits are scored without the causal shift
    last = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()
            if '"eval_loss"' in line][-1]
    assert last["eval_perplexity"] == pytest.approx(math.exp(last["eval_loss"]), rel=0.02)


def test_a_saved_t5_is_a_generation_model_that_writes_text(t5_run, tiny_t5):
    run, _ = t5_run
    config = json.loads((run / "model" / "config.json").read_text())
    assert config["architectures"] == ["T5ForConditionalGeneration"]
    assert task_for_model(config) is get_task("generation")
    assert config["finetune_base_model"] == tiny_t5
    [answer] = predict_texts(str(run), ["Translate to shout: soft light"], max_new_tokens=8, temperature=0)
    assert set(answer) == {"generated_text"} and answer["generated_text"].strip()
    assert "Text generation model" in (run / "model" / "README.md").read_text()


def test_a_t5_model_refuses_plain_text_and_says_what_it_needs(tmp_path, tiny_t5, story_txt):
    config = RunConfig(task="generation", data_file=str(story_txt), model=tiny_t5, precision="fp32")
    with pytest.raises(DataError, match="text-to-text model: it learns from prompt/response pairs"):
        train(config, tmp_path / "run")


def test_flan_t5_is_in_the_generation_catalogue_marked_as_needing_internet():
    guidance = get_task("generation").guidance()
    assert "needs internet" in guidance["google/flan-t5-small"] and "needs internet" in guidance["google/flan-t5-base"]
