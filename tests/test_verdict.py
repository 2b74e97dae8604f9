"""Every finished run gets a verdict: learned nothing, worse than the baseline, still improving, or good."""
import json

from finetune.runs.records import Results
from finetune.services.verdict import judge, run_verdict

PER_CLASS = {label: {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": n}
             for label, n in (("a", 50), ("b", 30), ("c", 20))}


def classification(value, baseline=None, per_class=PER_CLASS):
    return Results(task="classification", main_metric="macro_f1", metrics={"accuracy": value, "macro_f1": value},
                   baseline={"accuracy": baseline, "macro_f1": baseline} if baseline is not None else None,
                   report={"per_class": per_class})


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
                      report={"per_class": PER_CLASS})  # "a" is half the rows
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


NER_TYPES = {t: {"precision": p, "recall": p, "f1": p, "support": 40}
             for t, p in (("person", 0.6), ("location", 0.5), ("corporation", 0.0), ("creative-work", 0.0),
                          ("group", 0.0), ("product", 0.0))}


def test_a_weak_ner_run_with_most_types_at_zero_is_weak_and_names_them():
    """Issue 27: 1 epoch on tweets, F1 0.327, four of six entity types at 0, was called "good"."""
    results = Results(task="ner", main_metric="f1", metrics={"f1": 0.327, "precision": 0.4, "recall": 0.3},
                      report={"per_type": NER_TYPES})
    verdict = judge(results, [], epochs=1.0)
    assert verdict.kind == "weak"
    assert verdict.line == ("Weak: f1 0.327, 4 of 6 entity types at 0 (corporation, creative-work, group, "
                            "product).")
    assert verdict.next_step.startswith("Label more examples of corporation, creative-work, group, product, ")
    assert "more examples of corporation" in verdict.next_step and "more epochs (it trained 1)" in verdict.next_step
    assert "bigger model" in verdict.next_step and verdict.changes == {"epochs": 2}


def test_an_ner_score_below_the_tasks_floor_is_weak_even_with_every_type_scored():
    scored = {t: {**row, "f1": 0.3} for t, row in NER_TYPES.items()}
    verdict = judge(Results(task="ner", main_metric="f1", metrics={"f1": 0.3}, report={"per_type": scored}), [], epochs=10.0)
    assert verdict.kind == "weak" and "below 0.5" in verdict.line and not verdict.action


def test_classes_at_zero_make_a_run_above_its_baseline_weak():
    per_class = {**PER_CLASS, "d": {"precision": 0, "recall": 0, "f1": 0.0, "support": 10}}
    verdict = judge(classification(0.8, baseline=0.7, per_class=per_class), [], epochs=3.0)
    assert verdict.kind == "weak" and "1 of 4 classes at 0 (d)" in verdict.line


def test_a_stopped_run_is_called_stopped_with_resume_as_its_next_step():
    """Issue 27: a stopped generation run was told to "train 2 more epochs"."""
    results = Results(task="generation", main_metric="perplexity", status="stopped", steps=40, max_steps=120,
                      metrics={"perplexity": 20.0, "base_perplexity": 60.0})
    evals = [{"eval_perplexity": 60.0}, {"eval_perplexity": 30.0}]
    verdict = judge(results, evals)
    assert verdict.kind == "stopped" and verdict.line == "Stopped early at step 40 of 120: perplexity 20.000 so far."
    assert "Resume" in verdict.next_step and "epochs" not in verdict.next_step and not verdict.changes


def test_a_trial_the_search_stopped_is_stopped_but_not_resumed(tmp_path):
    sweep = tmp_path / "search"
    trial = sweep / "trial-001"
    trial.mkdir(parents=True)
    (sweep / "sweep.json").write_text(json.dumps({"trials": [{"number": 1, "run": "trial-001", "state": "stopped"}]}))
    classification(0.9, baseline=0.7).save(trial / "results.json")  # its own files say finished
    verdict = run_verdict(trial)
    assert verdict.kind == "stopped" and "search trial" in verdict.line and "best settings" in verdict.next_step
