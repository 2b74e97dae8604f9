import json

import pytest

from finetune.config import DataError, RunConfig, task_defaults
from finetune.tasks import TaskData, generation, generation_text
from tests.conftest import STORY


def gen_config(data_file, model="", **changes):
    return RunConfig(task="generation", data_file=str(data_file), model=model, **changes)


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def all_texts(data):
    return [t for split in data.datasets.values() for t in split["text"]]


PAIRS = [{"prompt": f"Question {i}: is the kettle on?", "response": f"Yes, kettle {i} sings."} for i in range(20)]


# --- reading each shape ----------------------------------------------------------------------
def test_a_text_file_is_split_at_blank_lines_in_corpus_mode(story_txt):
    data = generation.read_data(gen_config(story_txt, val_size=0.25))
    assert data.datasets["train"].column_names == ["text"]
    texts = all_texts(data)
    assert len(texts) == 40 and "ROMEO:\nBut soft, what light through yonder window breaks?" in texts
    assert len(data.datasets["validation"]) == 10 and data.labels == []


def test_a_text_file_in_lines_mode_has_one_example_per_line(story_txt):
    data = generation.read_data(gen_config(story_txt, text_mode="lines"))
    assert sum(len(d) for d in data.datasets.values()) == 60  # 3 non-empty lines x 20


def test_a_csv_text_column_is_found_by_name(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("id,text\n" + "".join(f"{i},note number {i}\n" for i in range(10)))
    data = generation.read_data(gen_config(path))
    assert "note number 3" in all_texts(data)
    assert any("Text column 'text'" in n for n in data.notes)


def test_prompt_and_response_columns_are_detected_in_jsonl(tmp_path):
    data = generation.read_data(gen_config(write_jsonl(tmp_path / "pairs.jsonl", PAIRS)))
    assert data.datasets["train"].column_names == ["prompt", "response"]
    assert any("loss is on the response only" in n for n in data.notes)


def test_named_columns_that_do_not_exist_say_what_the_file_has(tmp_path):
    path = write_jsonl(tmp_path / "pairs.jsonl", PAIRS)
    with pytest.raises(DataError, match="must both exist.*the file has prompt, response"):
        generation.read_data(gen_config(path, prompt_column="question", response_column="response"))


def test_an_eval_file_is_the_held_out_text(tmp_path, story_txt):
    held = tmp_path / "held.txt"
    held.write_text("Only this is scored.\n\nAnd this.")
    data = generation.read_data(gen_config(story_txt, eval_file=str(held)))
    assert list(data.datasets["validation"]["text"]) == ["Only this is scored.", "And this."]
    assert len(data.datasets["train"]) == 40


def test_too_little_text_is_a_data_error(tmp_path):
    path = tmp_path / "one.txt"
    path.write_text("Just one paragraph.")
    with pytest.raises(DataError, match="Only 1 usable example"):
        generation.read_data(gen_config(path))


# --- tokenizing ------------------------------------------------------------------------------
def tokenizer_of(folder):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def test_packing_cuts_the_joined_texts_into_full_blocks_with_end_tokens(tiny_gpt2):
    tokenizer = tokenizer_of(tiny_gpt2)
    texts = ["ROMEO: But soft", "The kettle sings", "Juniper answers"]
    packed = generation.pack({"text": texts}, tokenizer, block=4)
    eos = tokenizer.eos_token_id
    joined = [t for ids in tokenizer(texts, add_special_tokens=False)["input_ids"] for t in ids + [eos]]
    assert sum(packed["input_ids"], []) == joined
    assert all(len(b) == 4 for b in packed["input_ids"][:-1]) and 0 < len(packed["input_ids"][-1]) <= 4
    assert packed["labels"] == packed["input_ids"] and joined.count(tokenizer.eos_token_id) == 3


def test_lines_mode_cuts_each_example_at_the_block_size(tiny_gpt2):
    tokenizer = tokenizer_of(tiny_gpt2)
    encoded = generation.encode_texts({"text": ["short", STORY]}, tokenizer, block=16)
    assert encoded["input_ids"][0][-1] == tokenizer.eos_token_id
    assert len(encoded["input_ids"][1]) == 16


@pytest.mark.parametrize("fixture", ["tiny_gpt2", "tiny_chat_gpt2"])
def test_the_loss_is_on_the_response_only(fixture, request):
    tokenizer = tokenizer_of(request.getfixturevalue(fixture))
    batch = {"prompt": ["is the kettle on?"], "response": ["Yes, it sings."]}
    encoded = generation.encode_pairs(batch, tokenizer, block=256)
    ids, labels = encoded["input_ids"][0], encoded["labels"][0]
    prompt = generation.prompt_tokens(tokenizer, "is the kettle on?")
    assert ids[:len(prompt)] == prompt and labels[:len(prompt)] == [-100] * len(prompt)
    assert labels[len(prompt):] == ids[len(prompt):] and ids[-1] == tokenizer.eos_token_id
    assert tokenizer.decode(ids[len(prompt):-1]) == "Yes, it sings."
    if tokenizer.chat_template:
        assert tokenizer.decode(prompt) == "<user>is the kettle on?\n<assistant>"


def test_prepare_packs_a_text_file_and_keeps_table_rows_apart(tiny_gpt2, story_txt, tmp_path):
    tokenizer = tokenizer_of(tiny_gpt2)
    config = gen_config(story_txt, block_size=32)
    tokenized, block = generation.prepare(generation.read_data(config), tokenizer, config)
    assert block == 32 and max(len(x) for x in tokenized["train"]["input_ids"]) == 32
    lines = config.updated(text_mode="lines")
    rows, _ = generation.prepare(generation.read_data(lines), tokenizer, lines)
    assert len(rows["train"]) + len(rows["validation"]) == 60


# --- scores ----------------------------------------------------------------------------------
def test_perplexity_from_token_losses_matches_the_models_own_loss(tiny_gpt2):
    import math

    import torch
    from transformers import AutoModelForCausalLM

    tokenizer, model = tokenizer_of(tiny_gpt2), AutoModelForCausalLM.from_pretrained(tiny_gpt2)
    ids = torch.tensor([tokenizer("ROMEO: But soft, what light")["input_ids"]])
    labels = ids.clone()
    labels[0, :2] = -100  # a masked prompt is not scored
    with torch.no_grad():
        out = model(input_ids=ids, labels=labels)
    losses = generation.preprocess_logits(out.logits, labels)
    assert losses.shape == ids.shape and (losses[0, :2] == -100).all() and losses[0, 2] > 0
    assert generation.perplexity(losses.numpy()) == pytest.approx(math.exp(out.loss.item()), rel=1e-4)


def test_generation_defaults_are_one_epoch_and_a_fitting_learning_rate():
    defaults = task_defaults("generation")
    assert defaults["epochs"] == 1.0 and defaults["learning_rate"] == 1e-4 and defaults["val_size"] == 0.1
    assert task_defaults("classification") == {"epochs": 0.0, "method": "auto"}  # length from the data; auto: the advice


def test_lora_is_on_by_default_only_for_big_models():
    config = RunConfig(task="generation")
    assert not generation.uses_lora(config, 135_000_000) and generation.uses_lora(config, 360_000_000)
    assert generation.uses_lora(config.updated(lora="on"), 1000)
    assert not generation.uses_lora(config.updated(lora="off"), 10**9)


def test_report_gives_perplexity_over_scored_tokens_only():
    report = generation.report([], None, [[-100, 0.0, 0.0], [-100, -100, -100]])
    assert report == {"metrics": {"perplexity": 1.0}, "eval_tokens": 2}
    assert isinstance(TaskData(None, []).labels, list)


def test_the_base_model_is_scored_on_a_sample_before_training():
    """Issue 19: scoring every held-out block took 22 s of the 35 s wait for the first point."""
    from datasets import Dataset

    from finetune.tasks import generation

    seen = []

    class Trainer:
        def evaluate(self, data, metric_key_prefix="eval"):
            seen.append(len(data))
            return {f"{metric_key_prefix}_perplexity": 9.0}

    blocks = Dataset.from_dict({"input_ids": [[1, 2]] * 500})
    assert generation.metrics_before(Trainer(), {"validation": blocks, "test": blocks}, "test") == \
        {"base_perplexity": 9.0}
    assert seen == [generation.BASE_SAMPLE] * 2


def test_a_text_file_without_blank_lines_is_packed_from_pieces_of_lines(tmp_path):
    path = tmp_path / "sentences.txt"
    path.write_text("".join(f"Sentence number {i} says something short about the kettle.\n" for i in range(400)))
    data = generation.read_data(gen_config(path))
    texts = all_texts(data)
    lengths = sorted(len(t) for t in texts)
    assert len(texts) > 20 and lengths[1] >= 900 and lengths[-1] <= 1100  # the file's last piece may be short
    assert sum(t.count("\n") + 1 for t in texts) == 400  # every line kept, each in one piece
    assert len(data.datasets["validation"]) >= 2  # held out by piece, not one giant example
    assert any("no blank lines, so consecutive lines were grouped into" in n for n in data.notes)


def test_long_paragraphs_are_cut_at_line_ends_and_the_note_says_so():
    paragraph = "\n".join(f"line {i} of a long speech" for i in range(200))
    pieces = generation_text.line_pieces(paragraph, size=500)
    assert "\n".join(pieces) == paragraph and all(len(p) < 560 for p in pieces)
    assert generation_text.line_pieces("short\ntext", size=500) == ["short\ntext"]
    assert "cut at line ends, 9 pieces in all" in generation_text._corpus_note(3, 9)
