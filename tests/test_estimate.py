"""The estimate before Start: arithmetic on a model shape, and the real thing on the tiny model."""
from finetune.config import RunConfig
from finetune.estimate import describe, estimate, estimate_run, model_shape
from finetune.hardware import Hardware

MINILM = {"parameters": 22_713_986, "non_embedding": 10_993_538, "hidden": 384, "layers": 6, "heads": 12,
          "max_positions": 512}
CPU = Hardware("cpu", "CPU, 2 cores", 2, 16.0, False)


def test_memory_grows_with_batch_and_length_and_time_with_rows():
    small = estimate(MINILM, rows=1000, batch_size=16, max_length=128, hardware=CPU, flops=50e9)
    assert 1.0 < small.memory_gb < 3.0 and small.fits and not small.advice
    bigger = estimate(MINILM, rows=2000, batch_size=64, max_length=512, hardware=CPU, flops=50e9)
    assert bigger.memory_gb > small.memory_gb and bigger.seconds_per_epoch > 2 * small.seconds_per_epoch


def test_time_follows_six_flops_per_parameter_and_token():
    result = estimate(MINILM, rows=1000, batch_size=16, max_length=128, mean_length=32, hardware=CPU, flops=1e9)
    assert abs(result.seconds_per_epoch - 6 * 10_993_538 * 1000 * 32 / (1e9 * 0.4)) < 1


def test_too_big_for_the_memory_says_what_to_change():
    tiny_gpu = Hardware("cuda", "small GPU", 8, 2.0, False)
    result = estimate(MINILM, rows=1000, batch_size=256, max_length=512, hardware=tiny_gpu, flops=1e12)
    assert not result.fits
    text = describe(result)
    assert "Will probably not fit" in text and "batch size 128 with gradient accumulation 2" in text
    assert "rough" in text  # it says it is an estimate


def test_estimate_for_a_real_model_folder_without_loading_weights(tiny_model, keyword_csv):
    shape = model_shape(tiny_model, 3)
    assert shape["layers"] == 2 and shape["hidden"] == 64 and 50_000 < shape["parameters"] < 500_000
    result = estimate_run(RunConfig(model=tiny_model), rows=90, num_labels=3,
                          texts=["contract clause tenant court"] * 20)
    # the length training would fit (tasks share one rule): 8 tokens rounded up to the 16-token floor
    assert result.length == 16 and not result.assumed_length and result.seconds_per_epoch > 0
    assert "assumed" in describe(estimate_run(RunConfig(model=tiny_model), rows=90, num_labels=3))


def test_a_generation_estimate_uses_the_block_size(tiny_gpt2):
    result = estimate_run(RunConfig(task="generation", model=tiny_gpt2, block_size=64), rows=40, num_labels=0,
                          texts=["ROMEO: But soft"] * 5)
    assert result.length == 64 and not result.assumed_length


def test_the_time_comes_from_this_machines_earlier_runs_of_the_same_model(tmp_path, tiny_model):
    """A run of 200 rows x 2 epochs x 64 tokens in 10 s trains 2,560 tokens/s: 400 rows at 64 take 10 s."""
    from finetune.estimate import measured_pace
    from finetune.records import Results

    run = tmp_path / "20990101-000000-classification"
    run.mkdir()
    RunConfig(model=tiny_model, epochs=2.0, data_file="x.csv").save(run / "config.json")
    Results(task="classification", train_rows=200, train_runtime_s=10.0, max_length=64, steps=20,
            max_steps=20, metrics={"accuracy": 0.9}).save(run / "results.json")
    assert measured_pace("classification", tiny_model, tmp_path) == (2560.0, 1)
    assert measured_pace("ner", tiny_model, tmp_path) is None


def test_the_estimate_says_measured_and_each_assumption_once(tmp_path, tiny_model, monkeypatch):
    monkeypatch.setenv("FINETUNE_RUNS_DIR", str(tmp_path))
    result = estimate_run(RunConfig(model=tiny_model), rows=90, num_labels=1)  # a one-label file
    result.assumed_rows = 1000
    text = describe(result)
    assert "(1,000 rows and the length assumed until data is loaded)" in text and text.count("assumed") == 1
    assert "about 0 s" not in text and ("under a second" in text or " s of training" in text)
    result.calibrated_runs, result.assumed_rows, result.assumed_length = 3, 0, False
    assert "measured on 3 earlier runs of this model here" in describe(result) and "assumed" not in describe(result)
