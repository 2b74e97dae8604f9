"""The Playground on an NER run: entities highlighted with type and score, the label box hidden."""
import shutil

from finetune.ui import playground_tab


def test_ner_run_shows_highlighted_entities(runs_dir, ner_run):
    source, _ = ner_run
    shutil.copytree(source, runs_dir / source.name)
    text = "Maria Lindqvist joined Bluefield Bank in Oslo ."
    label, baseline, entities = playground_tab.show_prediction(source.name, text)
    assert label["visible"] is False and baseline["visible"] is False and entities["visible"] is True
    value = entities["value"]
    assert value["text"] == text and value["entities"]
    for entity in value["entities"]:
        kind, score = entity["entity"].split()
        assert kind in {"PER", "ORG", "LOC", "DRUG"} and 0 < float(score) <= 1
        assert text[entity["start"]:entity["end"]].strip()


def test_highlight_marks_each_entity_with_type_and_score():
    value = playground_tab.highlight("Ann in Oslo", [{"text": "Oslo", "label": "LOC", "start": 7, "end": 11,
                                                      "score": 0.987}])
    assert value == {"text": "Ann in Oslo", "entities": [{"entity": "LOC 0.99", "start": 7, "end": 11}]}


def test_a_sentence_without_entities_says_so(runs_dir, ner_run, monkeypatch):
    source, _ = ner_run
    shutil.copytree(source, runs_dir / source.name)
    monkeypatch.setattr(playground_tab, "predict_texts", lambda folder, texts: [{"entities": []}])
    _, _, entities = playground_tab.show_prediction(source.name, "nothing here .")
    assert entities["label"] == "No entities found in this text" and entities["value"]["entities"] == []


def test_a_new_run_or_text_clears_the_answer_at_once_never_deferred_nor_queued():
    """A clear in the ordered .change queue could run after the next Predict and wipe its answer."""
    from finetune.ui import build_app

    assert playground_tab.clear_answer() == (None, None, None)
    demo = build_app()
    clears = [d for d in demo.fns.values() if d.fn is not None and d.fn.__name__ == "clear_answer"]
    assert len(clears) == 1 and clears[0].trigger_mode == "multiple" and clears[0].queue is False
    assert {t[1] for t in clears[0].targets} == {"select", "input", "click"}


def test_choosing_a_run_never_touches_the_answer_boxes(runs_dir, ner_run):
    """Only an answer decides which answer boxes show (a Predict on an NER run: the entities box, above):
    a run change's update arriving after the next answer hid the label in the demo script."""
    from finetune.ui import build_app

    source, _ = ner_run
    shutil.copytree(source, runs_dir / source.name)
    assert len(playground_tab.show_task_controls(source.name)) == 3
    demo = build_app()
    ids = {b._id: getattr(b, "elem_id", None) for b in demo.blocks.values()}
    writers = {d.fn.__name__ for d in demo.fns.values() if d.fn is not None
               and {"play-label", "play-baseline", "play-entities"} & {ids.get(o._id) for o in d.outputs}}
    assert writers == {"show_prediction", "clear_answer"}
