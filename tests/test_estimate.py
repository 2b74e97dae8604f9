"""The estimate before Start: arithmetic on a model shape, and the real thing on the tiny model."""
from finetune.config import RunConfig
from finetune.planning.estimate import PROBE_FIT_S, estimate, estimate_run, model_shape
from finetune.planning.estimate_text import describe
from finetune.machine.hardware import Hardware

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


def test_estimate_for_a_real_model_folder_without_loading_weights(tiny_model, keyword_csv, runs_dir):
    shape = model_shape(tiny_model, 3)
    assert shape["layers"] == 2 and shape["hidden"] == 64 and 50_000 < shape["parameters"] < 500_000
    result = estimate_run(RunConfig(model=tiny_model), rows=90, num_labels=3,
                          texts=["contract clause tenant court"] * 20)
    # the length training would fit (tasks share one rule): 8 tokens rounded up to the 16-token floor
    assert result.length == 16 and not result.assumed_length and result.seconds_per_epoch > 0
    assert "assumed" in describe(estimate_run(RunConfig(model=tiny_model), rows=90, num_labels=3))


def test_a_generation_estimate_uses_the_block_size(tiny_gpt2, runs_dir):
    result = estimate_run(RunConfig(task="generation", model=tiny_gpt2, block_size=64), rows=40, num_labels=0,
                          texts=["ROMEO: But soft"] * 5)
    assert result.length == 64 and not result.assumed_length


def test_the_whole_run_is_counted_per_method(tiny_model, runs_dir, monkeypatch):
    """Issue 27: SetFit was estimated like fine-tuning (3 epochs x rows: 4.8 s) and trained 128 s; its
    pairs are rows x NUM_ITERATIONS x 2 in one pass. Here each step costs 0.1 s, each eval batch 0.05 s."""
    from finetune.planning import machine_speed

    frozen = []
    monkeypatch.setattr(machine_speed, "step_seconds", lambda path, *, batch, length, bf16, train=True, causal=False,
                        root=None, frozen_embeddings=False: frozen.append(frozen_embeddings) or (0.1 if train else 0.05))
    config = RunConfig(model=tiny_model, epochs=3.0, batch_size=16, checkpoint_every_eval=False)
    texts = ["contract clause tenant court"] * 20
    tuned = estimate_run(config, rows=96, num_labels=6, texts=texts, method="finetune")
    assert True in frozen  # its training steps are timed with the word embeddings frozen, as the run trains
    frozen.clear()
    pairs = estimate_run(config, rows=96, num_labels=6, texts=texts, method="setfit")
    assert True not in frozen  # SetFit trains its whole body
    # the probe was counted as fine-tuning (67.9 s estimated, 14.1 s taken): no training steps, the rows
    # embedded once (77 training rows: one eval batch) and the head's cross-validation
    probe = estimate_run(config, rows=96, num_labels=6, texts=texts, method="probe")
    assert probe.parts["training"] == round(0.05 + PROBE_FIT_S, 1) and probe.parts["evaluation"] == round(0.05, 1)
    # 77 training rows: fine-tuning 3 epochs x 5 batches; SetFit ceil(77 x 40 / 16) = 193 steps, one pass
    assert tuned.parts["training"] == 1.5 and tuned.seconds_per_epoch == 0.5
    assert pairs.parts["training"] == 19.3
    # fine-tuning: 3 live evaluations of 19 rows and the final one, one batch each; SetFit embeds 77 + 19 rows
    assert tuned.parts["evaluation"] == 0.2 and pairs.parts["evaluation"] == 0.1
    assert tuned.total_s == sum(tuned.parts.values()) and "whole run" in describe(tuned)
    assert "SetFit pairs" in describe(pairs)


def test_the_machines_speed_is_measured_once_and_cached_in_the_runs_folder(tiny_model, runs_dir, monkeypatch):
    from finetune.planning import machine_speed

    timed = []
    real = machine_speed._timed
    monkeypatch.setattr(machine_speed, "_timed", lambda *a: timed.append(a) or real(*a))
    # The threads are part of the key (a step's speed depends on them) and follow the machine's load: pinned
    # here, so a load change between the two calls is not a cache miss.
    monkeypatch.setenv("FINETUNE_THREADS", "1")
    first = machine_speed.step_seconds(tiny_model, batch=8, length=20, bf16=False)
    assert first > 0 and len(timed) == 1  # a small model is timed whole
    assert machine_speed.step_seconds(tiny_model, batch=8, length=23, bf16=False) == first  # 20 and 23: 24 tokens
    assert len(timed) == 1 and (runs_dir / ".machine_speed.json").is_file()
    machine_speed.step_seconds(tiny_model, batch=8, length=20, bf16=False, frozen_embeddings=True)
    assert len(timed) == 2 and timed[-1][-1] is True  # frozen embeddings: another step, timed as such


def test_the_estimate_says_measured_and_each_assumption_once(tmp_path, tiny_model, monkeypatch):
    monkeypatch.setenv("FINETUNE_RUNS_DIR", str(tmp_path))
    result = estimate_run(RunConfig(model=tiny_model), rows=90, num_labels=1)  # a one-label file
    result.assumed_rows = 1000
    text = describe(result)
    assert "(1,000 rows and the length assumed until data is loaded)" in text and text.count("assumed") == 1
    assert "about 0 s" not in text and "this machine's measured speed" in text
    result.assumed_rows, result.assumed_length = 0, False
    assert "assumed" not in describe(result)
