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


def test_a_new_run_or_text_clears_the_answer_in_the_browser_not_through_the_server():
    """A server-side clear could run after the next Predict and wipe its answer (the demo script saw it)."""
    from finetune.ui import build_app

    demo = build_app()
    label = demo.blocks[next(i for i, b in demo.blocks.items() if getattr(b, "elem_id", None) == "play-label")]
    clears = [d for d in demo.fns.values() if label in d.outputs and d.fn is None]
    assert len(clears) == 1 and clears[0].js == playground_tab.CLEAR_ANSWER_JS
    assert {t[1] for t in clears[0].targets} == {"change"}


def test_choosing_an_ner_run_swaps_the_label_boxes_for_its_entities_box(runs_dir, ner_run):
    source, _ = ner_run
    shutil.copytree(source, runs_dir / source.name)
    *_, label, baseline, entities = playground_tab.show_task_controls(source.name)
    assert label["visible"] is False and baseline["visible"] is False and entities["visible"] is True
    assert "value" not in label and "value" not in entities  # never wipes an answer on its way
    *_, label, _, entities = playground_tab.show_task_controls(None)  # no run: the default task's label box
    assert label["visible"] is True and entities["visible"] is False
