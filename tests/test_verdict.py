"""Every finished run gets a verdict: learned nothing, worse than the baseline, still improving, or good."""
import json

from finetune.records import Results
from finetune.verdict import judge, run_verdict

PER_CLASS = {label: {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": n}
             for label, n in (("a", 50), ("b", 30), ("c", 20))}


def classification(value, baseline=None, per_class=PER_CLASS):
    return Results(task="classification", main_metric="macro_f1", metrics={"accuracy": value, "macro_f1": value},
                   baseline={"accuracy": baseline, "macro_f1": baseline} if baseline is not None else None,
                   per_class=per_class)


def test_a_banking_run_below_its_tfidf_baseline_says_so_with_the_next_step():
    large = {k: {**v, "support": 300} for k, v in PER_CLASS.items()}
    verdict = judge(classification(0.40, baseline=0.72, per_class=large), [])
    assert verdict.kind == "worse_than_baseline"
    assert verdict.line == "Worse than the TF-IDF baseline: macro f1 0.400 vs 0.720."
    assert verdict.action == "Train 2 more epochs" and verdict.changes == {"epochs": 2}


def test_small_classes_below_the_baseline_point_to_setfit_with_its_button():
    small = {k: {**v, "support": 5} for k, v in PER_CLASS.items()}
    verdict = judge(classification(0.40, baseline=0.72, per_class=small), [])
    assert "SetFit" in verdict.next_step and verdict.action == "Train with SetFit on the same data"
    assert verdict.changes == {"method": "setfit"}


def test_an_ner_run_at_entity_f1_zero_learned_nothing():
    results = Results(task="ner", main_metric="f1", metrics={"f1": 0.0, "precision": 0.0, "recall": 0.0})
    verdict = judge(results, [])
    assert verdict.kind == "learned_nothing" and "f1 0.000" in verdict.line and "chance" in verdict.line
    assert verdict.changes == {"learning_rate": 3.0} and "higher learning rate" in verdict.next_step


def test_majority_label_accuracy_is_chance_for_accuracy():
    results = Results(task="classification", main_metric="accuracy", metrics={"accuracy": 0.5},
                      per_class=PER_CLASS)  # "a" is half the rows
    assert judge(results, []).kind == "learned_nothing"


def test_a_language_model_no_better_than_its_base_learned_nothing():
    results = Results(task="generation", main_metric="perplexity", metrics={"perplexity": 40.0,
                                                                            "base_perplexity": 39.0})
    assert judge(results, []).kind == "learned_nothing"


def test_a_score_still_rising_at_the_last_eval_is_still_improving():
    evals = [{"eval_macro_f1": 0.6}, {"eval_macro_f1": 0.75}, {"eval_macro_f1": 0.85}]
    verdict = judge(classification(0.85, baseline=0.7), evals)
    assert verdict.kind == "still_improving" and verdict.action == "Train 2 more epochs"


def test_a_flat_curve_above_the_baseline_is_good():
    evals = [{"eval_macro_f1": 0.9}, {"eval_macro_f1": 0.905}]
    verdict = judge(classification(0.905, baseline=0.7), evals)
    assert verdict.kind == "good" and verdict.line == "Good: macro f1 0.905, above the baseline's 0.700."
    assert not verdict.action


def test_falling_perplexity_is_improving_for_generation():
    results = Results(task="generation", main_metric="perplexity", metrics={"perplexity": 20.0,
                                                                            "base_perplexity": 60.0})
    evals = [{"eval_perplexity": 60.0}, {"eval_perplexity": 30.0}, {"eval_perplexity": 20.0}]
    assert judge(results, evals).kind == "still_improving"
    assert judge(results, evals[:1]).kind == "good"


def test_a_run_folder_is_judged_from_its_files(tmp_path):
    classification(0.40, baseline=0.72).save(tmp_path / "results.json")
    (tmp_path / "events.jsonl").write_text(json.dumps({"event": "eval", "time": 1, "eval_macro_f1": 0.4}) + "\n")
    assert run_verdict(tmp_path).kind == "worse_than_baseline"
    assert run_verdict(tmp_path / "missing") is None
