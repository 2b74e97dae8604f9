"""`python -m finetune tune` end to end on the tiny model: the whole pipe, as a user runs it."""
import json

from tests.conftest import keyword_rows, write_csv
from tests.test_cli import cli


def test_tune_runs_trials_into_the_sweep_folder_and_prints_the_sweep(tmp_path, tiny_model):
    data = write_csv(tmp_path / "train.csv", keyword_rows(per_class=30))
    result = cli("tune", "--data", data, "--model", tiny_model, "--trials", 2, "--budget-minutes", 3,
                 "--space", "lr,epochs", "--batch-size", 8, "--precision", "fp32", "--output", tmp_path / "sweep")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    assert printed == json.loads((tmp_path / "sweep" / "sweep.json").read_text())
    assert list(printed["space"]) == ["learning_rate", "epochs"] and len(printed["trials"]) == 2
    first = printed["trials"][0]
    # the first trial is the given settings; epochs left to the data (the default) is no value, so it is sampled
    assert first["params"]["learning_rate"] == 1e-4 and 1.0 <= first["params"]["epochs"] <= 5.0
    trial_config = json.loads((tmp_path / "sweep" / first["run"] / "config.json").read_text())
    assert trial_config["batch_size"] == 8 and trial_config["model"] == tiny_model  # the fixed settings
    assert json.loads((tmp_path / "sweep" / "base_config.json").read_text())["learning_rate"] == 1e-4
    assert printed["best"]["run"] in {t["run"] for t in printed["trials"]}


def test_tune_with_ray_but_no_address_exits_2_saying_what_to_pass(tmp_path, keyword_csv):
    result = cli("tune", "--data", keyword_csv, "--backend", "ray", "--output", tmp_path / "sweep")
    assert result.returncode == 2
    assert result.stderr.startswith("error: --backend ray needs")
    assert not (tmp_path / "sweep").exists()
