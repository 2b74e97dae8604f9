from finetune.config import RunConfig
from finetune.services.model_card import model_card
from finetune.runs.records import Results

RESULTS = Results.from_json({
    "status": "finished", "steps": 54, "max_steps": 54, "duration_s": 17.0, "train_runtime_s": 15.0,
    "device": "CPU, 2 cores", "train_rows": 288, "eval_rows": 72, "max_length": 32,
    "notes": ["Text column 'text', label column 'label'."],
    "metrics": {"accuracy": 0.986, "macro_f1": 0.985},
    "per_class": {"legal": {"precision": 1.0, "recall": 0.96, "f1": 0.98, "support": 24}}})


def test_card_has_data_settings_metrics_use_and_limits():
    card = model_card(RunConfig(data_file="/data/cases.csv", epochs=3.0), RESULTS, ["financial", "legal", "medical"])
    assert card.startswith("---\nlibrary_name: transformers\npipeline_tag: text-classification\n")
    assert "`cases.csv` (288 training rows, 72 validation rows, a stratified 20% hold-out)" in card
    assert "| epochs | 3.0 |" in card and "| accuracy | 0.9860 |" in card
    assert "| legal | 1.000 | 0.960 | 0.980 | 24 |" in card
    assert "## Intended use" in card and "## Limitations" in card and "longer than 32 tokens" in card


def test_card_names_a_separate_evaluation_file():
    card = model_card(RunConfig(data_file="a.csv", eval_file="/x/test.csv", model="bert-base-uncased"),
                      RESULTS, ["a", "b"])
    assert "validation from `test.csv`" in card and "base_model: bert-base-uncased" in card


def test_a_generation_card_says_how_to_generate_and_names_the_embedded_base():
    results = Results.from_json({**RESULTS.to_json(), "metrics": {"perplexity": 33.4, "base_perplexity": 79.5},
                                 "per_class": {}})
    card = model_card(RunConfig(task="generation", data_file="replies.jsonl"), results, [])
    assert "pipeline_tag: text-generation" in card and "base_model: HuggingFaceTB/SmolLM2-135M-Instruct" in card
    assert 'pipeline("text-generation"' in card and "Labels (" not in card and "stratified" not in card


def test_a_text_to_text_card_has_its_own_pipeline_tag_and_usage(tiny_t5):
    results = Results.from_json({**RESULTS.to_json(), "metrics": {"perplexity": 3.4}, "per_class": {}})
    card = model_card(RunConfig(task="generation", data_file="pairs.jsonl", model=tiny_t5), results, [])
    assert "pipeline_tag: text2text-generation" in card and 'pipeline("text2text-generation"' in card
    assert "text-generation\"" not in card.replace("text2text-generation", "")


def test_a_generation_card_speaks_of_text_not_labels_or_mistakes():
    results = Results.from_json({**RESULTS.to_json(), "metrics": {"perplexity": 33.4}, "per_class": {}})
    card = model_card(RunConfig(task="generation", data_file="replies.jsonl"), results, [])
    limits = card.split("## Limitations")[1].split("##")[0]
    assert "labelled" not in limits and "mistakes" not in limits and "blocks of text" in limits


def test_an_ner_card_lists_entity_types_without_o():
    card = model_card(RunConfig(task="ner", data_file="t.jsonl"), RESULTS, ["B-LOC", "B-PER", "I-LOC", "I-PER", "O"])
    assert "- Entity types (2): LOC, PER" in card and "# Named-entity model fine-tuned" in card
    assert "Ner model" not in card and ", O" not in card


def test_a_local_base_model_is_named_without_the_servers_path(tiny_model):
    card = model_card(RunConfig(data_file="/srv/uploads/a.csv", model=tiny_model), RESULTS, ["a", "b"])
    assert tiny_model not in card and "/srv/uploads" not in card
    assert "base_model:" not in card and "fine-tuned from a local model (" in card
