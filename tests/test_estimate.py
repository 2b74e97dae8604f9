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
