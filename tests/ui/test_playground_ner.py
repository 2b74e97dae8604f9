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


def test_a_new_run_or_text_clears_the_answer_on_screen():
    assert all(update["value"] is None for update in playground_tab.clear_prediction())


def test_choosing_an_ner_run_swaps_the_label_boxes_for_its_entities_box(runs_dir, ner_run):
    source, _ = ner_run
    shutil.copytree(source, runs_dir / source.name)
    label, baseline, entities = playground_tab.clear_prediction(source.name)
    assert label["visible"] is False and baseline["visible"] is False and entities["visible"] is True
    label, _, entities = playground_tab.clear_prediction(None)  # no run: the default task's label box stays
    assert "visible" not in label and entities["visible"] is False
