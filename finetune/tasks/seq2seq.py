"""Text-to-text (encoder-decoder) models for the generation task: T5 / flan-t5 on prompt/response pairs.

The prompt goes into the encoder, the response is the decoder's target (labels = response tokens, so
the loss is on the response only); DataCollatorForSeq2Seq pads the labels with -100 and T5 builds its
decoder inputs from them. Perplexity before and after, the Playground's side by side and predict work as
for a causal model: tasks/generation.py asks `is_text_to_text` and hands over to the functions here.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..errors import DataError

IGNORE = -100


@lru_cache(maxsize=16)
def _is_encoder_decoder(model_path: str) -> bool:
    from transformers import AutoConfig

    try:
        return bool(AutoConfig.from_pretrained(model_path).is_encoder_decoder)
    except (OSError, ValueError):  # not a model folder or Hub id we can read: the causal path reports it
        return False


def is_text_to_text(model_path) -> bool:
    """True for an encoder-decoder model (T5, flan-t5, BART): its config says is_encoder_decoder."""
    return _is_encoder_decoder(str(model_path))


def pipeline_tag(model_path) -> str | None:
    """The Hub's pipeline tag for a model card: text2text-generation for an encoder-decoder base."""
    return "text2text-generation" if is_text_to_text(model_path) else None


def build_model(config, model_path, uses_lora):
    """(model, tokenizer) of a text-to-text model."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_path)
    model.config.finetune_base_model = str(model_path)  # the Playground's side by side loads it
    model.config.finetune_prompt_format = "plain"       # the prompt goes to the encoder as it is
    if uses_lora(config, model.num_parameters()):
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(task_type="SEQ_2_SEQ_LM", r=16, lora_alpha=32,
                                                 lora_dropout=0.05, target_modules="all-linear"))
    return model, tokenizer


def encoder(columns, model_path):
    """The tokenizing function for this data; a text-to-text model needs prompt/response pairs."""
    if "prompt" not in columns:
        raise DataError(f"{Path(str(model_path)).name} is a text-to-text model: it learns from prompt/response "
                        "pairs. Give a table with a prompt and a response column, or pick a causal model "
                        "(the default SmolLM2) for plain text.")
    return encode_pairs


def encode_pairs(batch, tokenizer, block: int) -> dict:
    """input_ids: the prompt (for the encoder); labels: the response, ending with the end token."""
    prompts = [_ended(ids, tokenizer)[:block] for ids in tokenizer(list(batch["prompt"]))["input_ids"]]
    answers = [_ended(ids, tokenizer)[:block]
               for ids in tokenizer(text_target=list(batch["response"]))["input_ids"]]
    return {"input_ids": prompts, "attention_mask": [[1] * len(p) for p in prompts], "labels": answers}


def _ended(ids: list[int], tokenizer) -> list[int]:
    """T5's tokenizer already ends with </s>; a tokenizer that does not gets it here, so answers stop."""
    return ids if ids and ids[-1] == tokenizer.eos_token_id else ids + [tokenizer.eos_token_id]


def token_losses(logits, labels):
    """Per-token loss of the decoder's logits, aligned with the labels as they are (no shift): -100 where
    nothing is scored (padding)."""
    import torch

    nll = torch.nn.functional.cross_entropy(logits.float().transpose(1, 2), labels, ignore_index=IGNORE,
                                            reduction="none")
    return torch.where(labels == IGNORE, torch.full_like(nll, IGNORE), nll)


def is_encoder_decoder_output(logits) -> bool:
    """The Trainer hands evaluation a tuple (logits, encoder_last_hidden_state) for an encoder-decoder
    model and the logits alone for a causal one (past_key_values are dropped for both)."""
    return isinstance(logits, tuple) and len(logits) > 1


def load_model(model_dir, **options):
    """The model class a folder needs: AutoModelForSeq2SeqLM for text-to-text, else AutoModelForCausalLM."""
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    kind = AutoModelForSeq2SeqLM if is_text_to_text(model_dir) else AutoModelForCausalLM
    return kind.from_pretrained(str(model_dir), **options)
