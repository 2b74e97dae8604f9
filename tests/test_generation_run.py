"""A generation run end to end on the tiny GPT-2: engine, saved model, CLI train/predict/check."""
import json

import pytest

from finetune.__main__ import build_parser, config_from_args, main
from finetune.training.engine import train
from finetune.runs.events import read_events
from finetune.services.predictions import predict_texts
from finetune.runs.folder import RunPaths
from tests.test_cli import cli


@pytest.fixture(scope="module")
def generation_run(tmp_path_factory, tiny_gpt2):
    from finetune.config import RunConfig
    from tests.conftest import STORY

    folder = tmp_path_factory.mktemp("gen")
    (folder / "story.txt").write_text(STORY)
    config = RunConfig(task="generation", data_file=str(folder / "story.txt"), model=tiny_gpt2, epochs=3.0,
                       batch_size=4, learning_rate=3e-3, block_size=32, precision="fp32")
    return folder / "run", train(config, folder / "run")


def test_a_generation_run_reports_perplexity_before_and_after(generation_run):
    run, results = generation_run
    assert results.task == "generation" and results.status == "finished"
    assert list(results.metrics) == ["perplexity", "base_perplexity"]
    assert results.metrics["perplexity"] < 0.7 * results.metrics["base_perplexity"]  # a repetitive story
    assert results.max_length == 32 and results.report["eval_tokens"] > 0 and results.baseline is None
    assert json.loads(RunPaths(run).results.read_text()) == results.to_json()


def test_the_live_plot_gets_validation_loss_from_the_base_model_on(generation_run):
    run, results = generation_run
    events, _ = read_events(RunPaths(run).events)
    evals = [e for e in events if e["event"] == "eval"]
    assert evals[0]["step"] == 0 and evals[-1]["step"] == results.steps
    assert all({"eval_loss", "eval_perplexity"} <= set(e) for e in evals)
    assert evals[0]["eval_perplexity"] == pytest.approx(results.metrics["base_perplexity"])
    assert evals[-1]["eval_perplexity"] == pytest.approx(results.metrics["perplexity"])
    assert any(e.get("message") == "Scoring the base model on held-out data" for e in events)


def test_the_saved_model_names_its_base_and_writes_text(generation_run, tiny_gpt2):
    run, _ = generation_run
    config = json.loads((RunPaths(run).model / "config.json").read_text())
    assert config["finetune_base_model"] == tiny_gpt2 and config["finetune_prompt_format"] == "plain"
    out = predict_texts(run, ["ROMEO:"], max_new_tokens=5, temperature=0)
    assert set(out[0]) == {"generated_text"} and isinstance(out[0]["generated_text"], str)
    assert predict_texts(RunPaths(run).model, ["ROMEO:"], max_new_tokens=5, temperature=0) == out  # the bare folder


def test_cli_predict_prints_generated_text(generation_run, capsys):
    run, _ = generation_run
    assert main(["predict", "--model", str(run), "--text", "ROMEO:", "--max-new-tokens", "4"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert list(printed) == ["generated_text"]


def test_lora_adapters_are_merged_into_a_plain_model(tmp_path, tiny_gpt2, story_txt):
    from finetune.config import RunConfig

    config = RunConfig(task="generation", data_file=str(story_txt), model=tiny_gpt2, epochs=1.0, batch_size=8,
                       learning_rate=1e-2, block_size=64, precision="fp32", lora="on")
    results = train(config, tmp_path / "run")
    model = RunPaths(tmp_path / "run").model
    assert results.status == "finished" and (model / "model.safetensors").is_file()
    assert not (model / "adapter_config.json").exists()
    assert "generated_text" in predict_texts(tmp_path / "run", ["ROMEO:"], max_new_tokens=3)[0]


def test_prompt_response_runs_keep_the_chat_format_for_prediction(tmp_path, tiny_chat_gpt2):
    from finetune.config import RunConfig

    rows = [{"prompt": f"kettle {i}?", "response": "It sings."} for i in range(12)]
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = RunConfig(task="generation", data_file=str(data), model=tiny_chat_gpt2, epochs=1.0, batch_size=4,
                       learning_rate=1e-2, block_size=64, precision="fp32")
    train(config, tmp_path / "run")
    saved = json.loads((RunPaths(tmp_path / "run").model / "config.json").read_text())
    assert saved["finetune_prompt_format"] == "chat"


def test_the_cli_applies_generation_defaults_only_where_nothing_was_set(tmp_path):
    args = build_parser().parse_args(["train", "--task", "generation", "--data", "x.txt", "--output", "o",
                                      "--epochs", "2"])
    config = config_from_args(args)
    assert config.epochs == 2.0 and config.learning_rate == 1e-4 and config.batch_size == 4
    classify = config_from_args(build_parser().parse_args(["train", "--data", "x.csv", "--output", "o"]))
    assert classify.epochs == 0.0 and classify.learning_rate == 1e-4 and classify.batch_size == 16


def test_cli_check_reports_generation_data_and_fails_on_too_little(tmp_path, tiny_gpt2, story_txt):
    result = cli("check", "--task", "generation", "--data", story_txt, "--model", tiny_gpt2)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["examples"] == 40 and report["tokens"] > 0 and report["errors"] == []
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("Too short.\n\nStill short.")
    result = cli("check", "--task", "generation", "--data", tiny, "--model", tiny_gpt2)
    assert result.returncode == 2
    assert json.loads(result.stdout)["errors"][0]["code"] == "too_little_text"
