"""A sentence model with its head apart (SetFit, the quick probe) as one ONNX graph: the transformer body, the
pooling its sentence-transformers folder names (mean or CLS), the L2 normalisation where the head was fitted
on normalised embeddings, and the fitted logistic regression as a linear layer. Its `logits` output is what
a fine-tuned classifier's ONNX gives (softmax of it = the head's probabilities), so every reader of an
exported classifier reads this one the same way."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import ConfigError

COVERED = ("Transformer", "Pooling", "Normalize")  # the sentence-transformers modules the graph reproduces
ABSENT = -1e4  # the score of a label the head never saw in training: probability 0, as the app's predictor says


def head_layer(model, n_labels: int) -> tuple[np.ndarray, np.ndarray]:
    """(weight (labels x dims), bias) whose softmax is the LogisticRegression's predict_proba, one row per label
    id. A binary head is one score z for its second class: softmax([0, z]) = [1 - sigmoid(z), sigmoid(z)]."""
    coef, intercept = np.asarray(model.coef_, dtype=np.float64), np.asarray(model.intercept_, dtype=np.float64)
    classes = [int(c) for c in model.classes_]
    if len(classes) == 2 and coef.shape[0] == 1:
        coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], intercept])
    weight, bias = np.zeros((n_labels, coef.shape[1])), np.full(n_labels, ABSENT)
    weight[classes], bias[classes] = coef, intercept
    return weight.astype(np.float32), bias.astype(np.float32)


def st_modules(folder: Path) -> list[dict]:
    """The sentence-transformers modules.json; a plain transformers folder has none (read as mean pooling)."""
    return json.loads((folder / "modules.json").read_text()) if (folder / "modules.json").is_file() else []


def pooling_mode(folder: Path) -> str:
    """"mean" or "cls", from the folder's Pooling module (none: mean, as sentence-transformers loads a plain
    transformers folder); another kind is refused."""
    pooling = next((m for m in st_modules(folder) if m.get("type", "").endswith("Pooling")), None)
    if pooling is None:
        return "mean"
    settings = json.loads((folder / pooling["path"] / "config.json").read_text())
    if isinstance(settings.get("pooling_mode"), str):  # sentence-transformers 6: "pooling_mode": "mean"
        on = {{"mean": "pooling_mode_mean_tokens", "cls": "pooling_mode_cls_token"}.get(settings["pooling_mode"],
                                                                                     settings["pooling_mode"])}
    else:  # before 6: one flag per mode
        on = {k for k, v in settings.items() if k.startswith("pooling_mode_") and v is True}
    for mode, key in (("mean", "pooling_mode_mean_tokens"), ("cls", "pooling_mode_cls_token")):
        if on == {key}:
            return mode
    raise ConfigError("ONNX export covers sentence models with mean or CLS pooling; this one pools with "
                      f"{', '.join(sorted(on)) or 'nothing named'}: download the model folder instead.")


def body_length(folder: Path) -> int | None:
    """The body's max_seq_length (sentence_bert_config.json): the app cuts texts there, so the export's
    tokenizer does too."""
    settings = folder / "sentence_bert_config.json"
    return json.loads(settings.read_text()).get("max_seq_length") if settings.is_file() else None


def sentence_classifier(folder: Path, head_model, n_labels: int, normalize: bool):
    """A torch module: input_ids, attention_mask (, token_type_ids) -> logits, the whole model in one graph."""
    import torch
    from transformers import AutoModel

    modules = st_modules(folder)
    others = [m["type"] for m in modules if not m.get("type", "").endswith(COVERED)]
    if others:  # refused before the body is loaded
        raise ConfigError(f"ONNX export covers a sentence model's transformer, pooling and normalisation; this one "
                          f"also has {', '.join(others)}: download the model folder instead.")
    mean = pooling_mode(folder) == "mean"
    normalize = normalize or any(m.get("type", "").endswith("Normalize") for m in modules)
    weight, bias = head_layer(head_model, n_labels)
    body = AutoModel.from_pretrained(folder, torch_dtype=torch.float32).eval()

    class SentenceClassifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = body
            self.head = torch.nn.Linear(weight.shape[1], n_labels)
            self.head.weight.data, self.head.bias.data = torch.from_numpy(weight), torch.from_numpy(bias)

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
            hidden = self.body(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state
            if mean:
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            else:
                pooled = hidden[:, 0]
            if normalize:
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=-1)
            return self.head(pooled)

    return SentenceClassifier().eval(), body.config


def export_with_head(model_dir: Path, task, head, out: Path, texts: list[str], opset: int):
    """Writes out/model.onnx (+ tokenizer, and the body's config with the labels); returns (its inputs for
    `texts`, the app's own predictor's probabilities for them), for the parity check."""
    from transformers import AutoTokenizer

    from .onnx_trace import trace

    head_model, labels = head.fitted(model_dir)
    model, config = sentence_classifier(model_dir, head_model, len(labels), head.normalize)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.model_max_length = body_length(model_dir) or tokenizer.model_max_length  # where the app cuts texts
    inputs = tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
    feeds = trace(model, inputs, out / "model.onnx", opset)
    tokenizer.save_pretrained(out)
    config.id2label, config.label2id = dict(enumerate(labels)), {name: i for i, name in enumerate(labels)}
    config.architectures = ["SentenceClassifier"]  # not a transformers class: read it through ONNX Runtime
    config.save_pretrained(out)
    rows = task.predictor(str(model_dir))(texts)
    expected = np.array([[row["scores"][name] for name in labels] for row in rows])
    return feeds, expected


def softmax(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max(-1, keepdims=True))
    return exp / exp.sum(-1, keepdims=True)
