"""The CLI contract other tools rely on: flags, the last stdout line, exit status 2 on bad input."""
import csv
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, keyword_rows, write_csv


def cli(*args, timeout=300):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.run([sys.executable, "-m", "finetune", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory, tiny_model):
    folder = tmp_path_factory.mktemp("cli")
    train = write_csv(folder / "train.csv", keyword_rows(per_class=30))
    evaluation = write_csv(folder / "eval.csv", keyword_rows(per_class=5, seed=9))
    result = cli("train", "--data", train, "--eval-data", evaluation, "--model", tiny_model, "--epochs", 8,
                 "--batch-size", 8, "--learning-rate", 2e-3, "--precision", "fp32", "--seed", 1,
                 "--freeze-embeddings", "false", "--method", "finetune",  # auto: the probe at 24 rows per class
                 "--output", folder / "run")  # random embeddings must learn
    assert result.returncode == 0, result.stderr
    return folder / "run", result


def test_train_prints_the_results_contract_as_last_line(trained_run):
    run, result = trained_run
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    assert printed == json.loads((run / "results.json").read_text())
    assert {"task", "model", "train_rows", "eval_rows", "train_runtime_s", "metrics", "per_class",
            "confusion_matrix"} <= set(printed)
    assert set(printed["metrics"]) >= {"accuracy", "macro_f1"}
    assert printed["train_rows"] == 90 and printed["eval_rows"] == 15  # all of --data; metrics on --eval-data
    assert printed["confusion_matrix"]["labels"] == ["financial", "legal", "medical"]
    assert printed["metrics"]["accuracy"] >= 0.9


def test_config_json_reproduces_the_run_settings(trained_run, tmp_path):
    run, _ = trained_run
    config = json.loads((run / "config.json").read_text())
    assert config["epochs"] == 8.0 and config["seed"] == 1 and config["eval_file"].endswith("eval.csv")


def test_predict_one_text(trained_run):
    run, _ = trained_run
    result = cli("predict", "--model", run, "--text", "revenue profit dividend shares")
    assert result.returncode == 0, result.stderr
    prediction = json.loads(result.stdout.strip().splitlines()[-1])
    assert prediction["label"] == "financial" and set(prediction["scores"]) == {"financial", "legal", "medical"}
    assert prediction["score"] == max(prediction["scores"].values())


def test_predict_a_file_neutralises_formula_cells(trained_run, tmp_path):
    run, _ = trained_run
    source = write_csv(tmp_path / "in.csv", [("=HYPERLINK(\"http://x\") contract", "1"),
                                             ("patient fever", "2")], header=("text", "id"))
    result = cli("predict", "--model", run, "--input", source, "--output", tmp_path / "out.csv")
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "out.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["text"].startswith("'=HYPERLINK")
    assert rows[1]["predicted_label"] == "medical" and 0 < float(rows[1]["score"]) <= 1


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing.csv", "No file at"),
    (lambda d: write_csv(d / "one.csv", [(f"text {i}", "legal") for i in range(20)]), "at least two classes"),
    (lambda d: (d / "prose.txt").write_text("Just some prose.\nNo table here.\n") and d / "prose.txt",
     "looks like a plain-text corpus"),  # issue 27: named for what it is, not a one-column table
])
def test_unusable_input_exits_2_with_one_line(tmp_path, tiny_model, make, message):
    result = cli("train", "--data", make(tmp_path), "--model", tiny_model, "--output", tmp_path / "run")
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_setting_exits_2(tmp_path, keyword_csv):
    result = cli("train", "--data", keyword_csv, "--batch-size", 0, "--output", tmp_path / "run")
    assert result.returncode == 2 and "batch_size must be between 1 and 512" in result.stderr


def test_predict_without_a_model_exits_2(tmp_path):
    result = cli("predict", "--model", tmp_path, "--text", "hi")
    assert result.returncode == 2 and "No trained model" in result.stderr


def test_check_prints_the_report_and_exits_2_on_blocking_problems(tmp_path):
    good = cli("check", "--data", ROOT / "sample_data" / "legal_medical_financial.csv", "--no-quick")
    report = json.loads(good.stdout.strip().splitlines()[-1])
    assert good.returncode == 0 and report["labels"] == {"financial": 120, "legal": 120, "medical": 120}
    assert report["text_column"] == "text" and report["errors"] == []
    rows = [(f"text {i % 15}", "a") for i in range(30)]
    bad = cli("check", "--data", write_csv(tmp_path / "one.csv", rows))
    report = json.loads(bad.stdout.strip().splitlines()[-1])
    assert bad.returncode == 2 and [e["code"] for e in report["errors"]] == ["single_class"]
    assert [w["code"] for w in report["warnings"]] == ["duplicates"] and report["warnings"][0]["rows"][0] == 17


def test_check_names_a_missing_column_and_reads_remedies_from_a_config(tmp_path):
    data = write_csv(tmp_path / "d.csv", keyword_rows(per_class=20) + [keyword_rows(per_class=20)[0]] * 2)
    missing = cli("check", "--data", data, "--label-column", "nope")
    assert missing.returncode == 2 and "no label column 'nope'" in missing.stderr
    (tmp_path / "config.json").write_text(json.dumps({"drop_duplicates": True}))
    fixed = json.loads(cli("check", "--data", data, "--config", tmp_path / "config.json", "--no-quick").stdout)
    assert "duplicates" not in [w["code"] for w in fixed["warnings"]] and fixed["usable_rows"] == 60


def test_resume_continues_a_stopped_run_and_runs_lists_it(tmp_path, tiny_model):
    data = write_csv(tmp_path / "train.csv", keyword_rows(per_class=30))
    runs = tmp_path / "runs"
    (runs / "first").mkdir(parents=True)
    (runs / "first" / "STOP").touch()  # stops after its first step, with a checkpoint
    stopped = cli("train", "--data", data, "--model", tiny_model, "--epochs", 2, "--batch-size", 8,
                  "--precision", "fp32", "--early-stopping", "false", "--method", "finetune", "--output", runs / "first")
    assert stopped.returncode == 0, stopped.stderr
    assert json.loads(stopped.stdout.strip().splitlines()[-1])["steps"] == 1
    resumed = cli("resume", runs / "first")
    assert resumed.returncode == 0, resumed.stderr
    results = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert results["status"] == "finished" and results["steps"] == 18
    table = cli("runs", "--root", runs).stdout.splitlines()
    assert table[0].split() == ["name", "task", "status", "verdict", "main", "metric", "duration", "model"]
    assert table[1].split()[:3] == ["first", "classification", "finished"]
    listed = json.loads(cli("runs", "--root", runs, "--json").stdout)  # scripts read the same rows
    assert [(r["name"], r["status"], r["trial"]) for r in listed] == [("first", "finished", "")]
    assert listed[0]["verdict"].replace("_", " ") in table[1]  # "worse_than_baseline" is "worse than baseline"
    events = [json.loads(line) for line in (runs / "first" / "events.jsonl").read_text().splitlines()]
    assert sum(1 for e in events if e.get("estimate_s")) == 1  # estimated once, kept across the resume
    assert results["estimate_s"] == next(e["estimate_s"] for e in events if e.get("estimate_s"))
    again = cli("resume", runs / "first")
    assert again.returncode == 2 and "already finished" in again.stderr


def test_resume_of_a_folder_that_is_no_run_exits_2(tmp_path):
    result = cli("resume", tmp_path)
    assert result.returncode == 2 and "not a run folder" in result.stderr

# --- NER ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ner_cli_run(tmp_path_factory, tiny_ner_model):
    """Trained from the hand-writable span CSV, evaluated on a token JSONL: two formats in one run."""
    from tests.conftest import ner_rows, write_ner_jsonl

    folder = tmp_path_factory.mktemp("ner-cli")
    evaluation = write_ner_jsonl(folder / "eval.jsonl", ner_rows(20, seed=5))
    result = cli("train", "--task", "ner", "--data", ROOT / "sample_data" / "ner_sample_spans.csv",
                 "--eval-data", evaluation, "--model", tiny_ner_model, "--epochs", 4, "--batch-size", 16,
                 "--learning-rate", 3e-3, "--precision", "fp32", "--freeze-embeddings", "false",
                 "--output", folder / "run")
    assert result.returncode == 0, result.stderr
    return folder / "run", json.loads(result.stdout.strip().splitlines()[-1])


def test_ner_train_prints_entity_metrics_per_type(ner_cli_run):
    _, results = ner_cli_run
    assert results["task"] == "ner" and results["train_rows"] == 200 and results["eval_rows"] == 20
    assert set(results["metrics"]) == {"f1", "precision", "recall"} and results["metrics"]["f1"] > 0.5
    assert set(results["per_type"]) == {"DRUG", "LOC", "ORG", "PER"}
    assert results["confusion_matrix"]["labels"] == ["DRUG", "LOC", "ORG", "PER", "O"]


def test_ner_predict_prints_entities_with_offsets(ner_cli_run):
    run, _ = ner_cli_run
    text = "Dr. Elena Petrova prescribed ibuprofen in Oslo ."
    result = cli("predict", "--model", run, "--text", text)
    assert result.returncode == 0, result.stderr
    entities = json.loads(result.stdout.strip().splitlines()[-1])["entities"]
    assert entities and all(set(e) == {"text", "label", "start", "end", "score"} for e in entities)
    assert all(text[e["start"]:e["end"]] == e["text"] for e in entities)
    assert "DRUG" in {e["label"] for e in entities}


def test_ner_check_reports_counts_and_exits_2_on_mismatched_tags(tmp_path):
    good = cli("check", "--task", "ner", "--data", ROOT / "sample_data" / "ner_sample.jsonl", "--no-quick")
    report = json.loads(good.stdout.strip().splitlines()[-1])
    assert good.returncode == 0 and report["rows"] == 300 and set(report["entities"]) == {"DRUG", "LOC", "ORG", "PER"}
    conll = tmp_path / "bad.conll"
    conll.write_text("Ann B-PER\nLee\n\nOslo B-LOC\n")
    bad = cli("check", "--task", "ner", "--data", conll)
    report = json.loads(bad.stdout.strip().splitlines()[-1])
    assert bad.returncode == 2 and report["errors"][0]["code"] == "length_mismatch"
    assert "Sentence 1" in report["errors"][0]["message"]


def test_ner_predict_a_file_adds_an_entities_column(ner_cli_run, tmp_path):
    run, _ = ner_cli_run
    source = write_csv(tmp_path / "in.csv", [("Continue ibuprofen and add warfarin at night .", "1")],
                       header=("text", "id"))
    result = cli("predict", "--model", run, "--input", source, "--output", tmp_path / "out.csv")
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "out.csv", newline="") as f:
        row = next(csv.DictReader(f))
    found = {part.rsplit(" (", 1)[0] for part in row["entities"].split("; ")}  # "ibuprofen (DRUG); ..."
    assert found and found <= {"ibuprofen", "warfarin"} and row["entity_count"] == str(len(found))


def test_predict_a_pdf_writes_page_text_label_score_per_chunk(trained_run, tmp_path):
    sys.path.insert(0, str(ROOT / "sample_data"))
    from make_sample_pdf import write_pdf

    run, _ = trained_run
    result = cli("predict", "--model", run, "--input", write_pdf(tmp_path / "d.pdf", paragraphs_per_page=2),
                 "--output", tmp_path / "d.csv")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["rows"] == 6
    with open(tmp_path / "d.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["page", "chunk", "text", "label", "score"]
    assert {r["label"] for r in rows} <= {"financial", "legal", "medical"} and rows[-1]["page"] == "3"


def test_train_help_names_each_tasks_own_default():
    """The help said "(default: 'finetune')" for --method, where a classification run starts at auto."""
    said = " ".join(cli("train", "--help").stdout.split())
    assert "(default: 'finetune'; classification: 'auto')" in said
    assert "classification: 0.0" in said and "ner: 0.0" in said and "generation: 1.0" in said  # epochs
