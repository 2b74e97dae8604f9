"""Text generation: fine-tune a causal language model on the user's own text.

Three shapes of data, one column layout per shape:
  * plain text ("text"): a .txt file (split at blank lines, or one example per line) or a table's text
    column. In "corpus" mode the texts are joined and packed into full blocks of block_size tokens;
    in "lines" mode each text is one example, cut at block_size.
  * prompt/response pairs ("prompt", "response"): instruction tuning, written with the tokenizer's chat
    template when it has one; the loss is on the response only (prompt tokens are labelled -100).
The score is perplexity on held-out text, before training (base_perplexity) and after (perplexity).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..data.splits import held_out_parts
from ..errors import DataError
from ..models.catalog import EMBEDDED_LM
from . import seq2seq
from .generation_check import check_file
from .generation_text import MIN_EXAMPLES, is_prompted, load_examples, pair_columns  # noqa: F401 (their old home)
from .task import BASE_MODEL, ModelCardText, Task, TaskData

LORA_AUTO_PARAMS = 300e6
IGNORE = -100          # label of a token the loss skips (prompt, padding)


# --- data -------------------------------------------------------------------------------------
def read_data(config) -> TaskData:
    """The examples as datasets ("text", or "prompt" and "response"), split into train/validation(/test)."""
    rows, notes = load_examples(config.data_file, config)
    if len(rows) < MIN_EXAMPLES:
        raise DataError(f"Only {len(rows)} usable example(s) in {Path(config.data_file).name}; at least "
                        f"{MIN_EXAMPLES} are needed (one to train on, one to score), and far more to learn a style.")
    parts, split_notes = held_out_parts(rows, config, lambda path: load_examples(path, config)[0])
    if not len(parts.get("validation", [])):
        raise DataError("No held-out text to measure perplexity on: raise val_size or add an evaluation file.")
    return TaskData(_datasets(parts), [], notes + split_notes)


def _datasets(parts):
    from datasets import Dataset, DatasetDict

    return DatasetDict({name: Dataset.from_pandas(rows.reset_index(drop=True)) for name, rows in parts.items()})


# --- model ------------------------------------------------------------------------------------
def build_model(config, model_path, labels):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if seq2seq.is_text_to_text(model_path):  # T5 / flan-t5: tasks/seq2seq.py
        return seq2seq.build_model(config, model_path, uses_lora)
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if tokenizer.pad_token is None:  # GPT-2 has none; padding is masked out of the loss anyway
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(model_path)
    model.config.pad_token_id = tokenizer.pad_token_id
    # The saved model names its base and how prompts are written, for the Playground's side by side.
    model.config.finetune_base_model = str(model_path)
    model.config.finetune_prompt_format = "chat" if is_prompted(config) and tokenizer.chat_template else "plain"
    if uses_lora(config, model.num_parameters()):
        model = with_lora(model, config.lora_rank)
    return model, tokenizer


def uses_lora(config, parameters: int) -> bool:
    return config.lora == "on" or (config.lora == "auto" and parameters > LORA_AUTO_PARAMS)


def with_lora(model, rank: int = 16):
    from peft import LoraConfig, get_peft_model

    return get_peft_model(model, LoraConfig(task_type="CAUSAL_LM", r=rank, lora_alpha=2 * rank, lora_dropout=0.05,
                                            target_modules="all-linear"))


def save_model(trainer, folder) -> None:
    """LoRA adapters are merged into the weights, so the saved folder loads like any model."""
    model = trainer.model
    if hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()
    model.save_pretrained(str(folder))
    trainer.processing_class.save_pretrained(str(folder))


# --- tokenizing -------------------------------------------------------------------------------
def prepare(data: TaskData, tokenizer, config):
    """input_ids/labels per example: packed blocks, single texts, or prompt+response with a masked prompt."""
    block = config.block_size
    columns = data.datasets["train"].column_names
    if config.model and seq2seq.is_text_to_text(config.model):
        encode = seq2seq.encoder(columns, config.model)
    elif "prompt" in columns:
        encode = encode_pairs
    else:
        encode = pack if config.text_mode == "corpus" else encode_texts
    tokenized = data.datasets.map(encode, batched=True, batch_size=None, remove_columns=columns,
                                  fn_kwargs={"tokenizer": tokenizer, "block": block})
    for name, split in tokenized.items():
        if len(split) == 0:
            raise DataError(f"The {name} split has no text left after tokenizing; add more text.")
    return tokenized, block


def pack(batch, tokenizer, block: int) -> dict:
    """Every text with an end-of-text token, joined, cut into blocks; a last short block is kept."""
    ids = [t for ids in tokenizer(list(batch["text"]), add_special_tokens=False)["input_ids"]
           for t in ids + [tokenizer.eos_token_id]]
    blocks = [ids[i:i + block] for i in range(0, len(ids), block)]
    return {"input_ids": blocks, "attention_mask": [[1] * len(b) for b in blocks], "labels": [list(b) for b in blocks]}


def encode_texts(batch, tokenizer, block: int) -> dict:
    ids = [(x + [tokenizer.eos_token_id])[:block]
           for x in tokenizer(list(batch["text"]), add_special_tokens=False)["input_ids"]]
    return {"input_ids": ids, "attention_mask": [[1] * len(x) for x in ids], "labels": [list(x) for x in ids]}


def encode_pairs(batch, tokenizer, block: int) -> dict:
    out = {"input_ids": [], "attention_mask": [], "labels": []}
    for prompt, response in zip(batch["prompt"], batch["response"]):
        prompt_ids = prompt_tokens(tokenizer, prompt)
        answer = tokenizer(response, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        ids = (prompt_ids + answer)[:block]
        labels = ([IGNORE] * len(prompt_ids) + answer)[:block]
        out["input_ids"].append(ids)
        out["attention_mask"].append([1] * len(ids))
        out["labels"].append(labels)
    return out


def prompt_tokens(tokenizer, prompt: str) -> list[int]:
    """The prompt as the model will see it when asked: chat-formatted where the tokenizer has a template."""
    if tokenizer.chat_template:
        ids = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                            tokenize=True)
        return list(ids["input_ids"] if hasattr(ids, "keys") else ids)
    return tokenizer(prompt + "\n", add_special_tokens=False)["input_ids"]


def collator(tokenizer):
    from transformers import DataCollatorForSeq2Seq

    from ..machine.hardware import pad_multiple

    # pads input_ids with the pad token and labels with -100: padding never counts in the loss
    return DataCollatorForSeq2Seq(tokenizer, label_pad_token_id=IGNORE, pad_to_multiple_of=pad_multiple())


# --- scores -----------------------------------------------------------------------------------
def preprocess_logits(logits, labels):
    """Per-token loss instead of block x vocabulary logits (gigabytes): -100 where nothing is predicted."""
    import torch

    if seq2seq.is_encoder_decoder_output(logits):  # the decoder's logits line up with the labels as they are
        return seq2seq.token_losses(logits[0], labels)
    logits = logits[0] if isinstance(logits, tuple) else logits
    targets = labels[:, 1:]
    nll = torch.nn.functional.cross_entropy(logits[:, :-1].float().transpose(1, 2), targets,
                                            ignore_index=IGNORE, reduction="none")
    nll = torch.where(targets == IGNORE, torch.full_like(nll, IGNORE), nll)
    return torch.nn.functional.pad(nll, (1, 0), value=IGNORE)


def perplexity(token_losses) -> float:
    losses = np.asarray(token_losses, dtype=np.float64)
    kept = losses[losses >= 0]  # the -100s are prompt, padding and the first token
    return float(math.exp(kept.mean())) if kept.size else float("nan")


def metrics(labels):
    def compute_metrics(eval_pred):
        return {"perplexity": perplexity(eval_pred[0])}

    return compute_metrics


BASE_SAMPLE = 64  # held-out blocks the base model is scored on before training: the first point comes fast


def metrics_before(trainer, tokenized, split: str) -> dict:
    """The base model's held-out perplexity on a sample of BASE_SAMPLE blocks (scoring all of them took most
    of the wait for the first point); the validation score is also the live plot's step-0 point."""
    def sample(name):
        data = tokenized[name]
        return data.select(range(min(BASE_SAMPLE, len(data))))

    scores = trainer.evaluate(sample("validation"))  # logged as an eval event at step 0
    if split != "validation":  # "base_" keys are not eval events: the plot keeps validation only
        return {"base_perplexity": trainer.evaluate(sample(split), metric_key_prefix="base")["base_perplexity"]}
    return {"base_perplexity": scores["eval_perplexity"]}


def report(labels, dataset, token_losses) -> dict:
    losses = np.asarray(token_losses)
    return {"metrics": {"perplexity": perplexity(losses)}, "eval_tokens": int((losses >= 0).sum())}


# --- playground -------------------------------------------------------------------------------
def predictor(model_dir):
    from .text_generator import TextGenerator

    return TextGenerator(model_dir)


def prediction_columns(predictions: list[dict]) -> dict[str, list]:
    return {"generated_text": [p["generated_text"] for p in predictions]}


def eval_batch_size(batch_size: int) -> int:
    """A language model's logits are block x vocabulary floats: evaluation batches stay small."""
    return batch_size * 2


TASK = Task(
    name="generation", title="Text generation", picker_label="Write text in the style of mine (generation)",
    embedded_model=EMBEDDED_LM,
    catalog=(
        (EMBEDDED_LM, "Small chat model (135M parameters), works offline. The default; converted once on first "
                      "use (about 30 s)."),
        ("distilgpt2", "The smallest GPT-2 (82M), fast on a CPU (needs internet to download)."),
        ("gpt2", "GPT-2 small (124M), the classic (needs internet)."),
        ("HuggingFaceTB/SmolLM2-135M-Instruct", "The default model, full precision from the Hub (needs internet)."),
        ("HuggingFaceTB/SmolLM2-360M-Instruct", "Better writing, slower; LoRA by default (needs internet)."),
        ("microsoft/DialoGPT-small", "Trained on conversations, for chat replies (needs internet)."),
        ("google/flan-t5-small", "Text-to-text (77M): follows instructions; learns from prompt/response pairs "
                                 "(needs internet)."),
        ("google/flan-t5-base", "Text-to-text (248M), better instruction following; prompt/response pairs "
                                "(needs internet)."),
    ),
    main_metric="perplexity", greater_is_better=False,
    # One pass is enough to pick up a style. Batch 4 x 256 tokens keeps a CPU step short and gives twice the
    # updates of batch 8 in that one pass; 1e-4 (small models take it well) moves a 135M model clearly within
    # the pass, with a short warmup and no weight decay (too few steps for it to matter).
    defaults={"epochs": 1.0, "batch_size": 4, "learning_rate": 1e-4, "warmup_ratio": 0.05, "weight_decay": 0.0,
              "val_size": 0.1},
    card=ModelCardText(
        title="Text generation model", pipeline_tag="text-generation", tag_of_model=seq2seq.pipeline_tag,
        hub_base="HuggingFaceTB/SmolLM2-135M-Instruct",
        intended_use="Writing text in the style of the training text. It can state false things fluently: "
                     "review what it writes before anyone else reads it.",
        usage='write = pipeline("text-generation", model="path/to/this/folder")\n'
              'print(write("Your prompt", max_new_tokens=64)[0]["generated_text"])',
        reads="texts"),
    model_heads=("ForCausalLM", "LMHeadModel", "ForConditionalGeneration"),
    read_data=read_data, build_model=build_model, prepare=prepare, collator=collator, metrics=metrics,
    report=report, predictor=predictor, check=check_file, metrics_before=metrics_before,
    compared_with=BASE_MODEL, prediction_columns=prediction_columns,
    preprocess_logits=preprocess_logits, save_model=save_model, eval_batch_size=eval_batch_size,
    examples=("Hello, my Fernbrook kettle will not turn on. Can you help? - Ana", "ROMEO:",
              "The best thing about a quiet morning is"),
    samples=("support_replies.jsonl",), length_setting="block_size", generates_text=True, text_modes=True,
)
