"""A model trained with Fine-Tune Studio, as its own demo (this file is copied into a shared folder as
app.py; Fine-Tune Studio never imports it). Run it: pip install -r requirements.txt && python app.py

It reads share.json beside it (the task's kind of answer, the title, examples) and the model in ./model.
The prediction endpoint for scripts is /predict (see README.md)."""
import json
import os

# Before gradio and transformers are imported: no telemetry, no calls home; the model is in this folder.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from pathlib import Path  # noqa: E402

import gradio as gr  # noqa: E402
from transformers import pipeline  # noqa: E402

HERE = Path(__file__).resolve().parent
SHARE = json.loads((HERE / "share.json").read_text())
MODEL = str(HERE / "model")
BATCH = 16  # visitors' texts answered in one model call


def label_app():
    if SHARE.get("head"):
        return head_app(SHARE["head"])
    pipe = pipeline("text-classification", model=MODEL, device="cpu", top_k=None)

    def predict(texts: list[str]) -> tuple[list[dict]]:
        """{label: confidence} for every class, per text (a batch of visitors' texts at once)."""
        scores = pipe([t or " " for t in texts], truncation=True)
        return ([{s["label"]: float(s["score"]) for s in one} for one in scores],)

    return predict, gr.Label(label="Label", num_top_classes=10, elem_id="share-output", render=False)


def head_app(head: dict):
    """A SetFit or quick-probe model: a sentence-transformers body, and beside it a logistic-regression head
    kept as its fitted arrays (safetensors; no pickle), scored here as scikit-learn's predict_proba does."""
    import numpy as np
    from safetensors import safe_open
    from sentence_transformers import SentenceTransformer

    body = SentenceTransformer(MODEL, device="cpu")
    with safe_open(str(HERE / "model" / head["file"]), framework="np") as f:
        meta = json.loads(f.metadata()["meta"])
        coef, intercept = f.get_tensor("coef"), f.get_tensor("intercept")
    names = [meta["labels"][int(c)] for c in meta["classifier"]["classes"]]

    def predict(texts: list[str]) -> tuple[list[dict]]:
        """{label: confidence} for every class, per text."""
        z = body.encode([t or " " for t in texts], normalize_embeddings=head["normalize"]) @ coef.T + intercept
        if z.shape[1] == 1:  # two classes: one logit, the second class's
            p1 = 1 / (1 + np.exp(-z[:, 0]))
            probabilities = np.stack([1 - p1, p1], axis=1)
        else:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            probabilities = e / e.sum(axis=1, keepdims=True)
        return ([{n: float(p) for n, p in zip(names, row)} for row in probabilities],)

    return predict, gr.Label(label="Label", num_top_classes=10, elem_id="share-output", render=False)


def entities_app():
    pipe = pipeline("token-classification", model=MODEL, device="cpu", aggregation_strategy="first")

    def predict(texts: list[str]) -> tuple[list[dict]]:
        """The text with each entity marked by its type and score, per text."""
        found = pipe([t or " " for t in texts])
        return ([{"text": t, "entities": [{"entity": f"{e['entity_group']} {e['score']:.2f}", "start": e["start"],
                                           "end": e["end"]} for e in ents]} for t, ents in zip(texts, found)],)

    return predict, gr.HighlightedText(label="Entities (type and confidence)", elem_id="share-output",
                                           render=False)


def text_app():
    pipe = pipeline("text-generation", model=MODEL, device="cpu")
    chat = SHARE.get("prompt_format") == "chat" and pipe.tokenizer.chat_template

    def predict(texts: list[str]) -> tuple[list[str]]:
        """The model's continuation of each prompt."""
        prompts = [[{"role": "user", "content": t}] if chat else t for t in texts]
        outputs = [pipe(p, max_new_tokens=SHARE.get("max_new_tokens", 64), do_sample=True, temperature=0.7,
                        top_p=0.9, return_full_text=False)[0]["generated_text"] for p in prompts]
        return ([o if isinstance(o, str) else o[-1]["content"] for o in outputs],)

    return predict, gr.Textbox(label="The model's text", lines=8, elem_id="share-output", render=False)


APPS = {"label": label_app, "entities": entities_app, "text": text_app}

with gr.Blocks(title=SHARE["title"]) as demo:
    gr.Markdown(f"# {SHARE['title']}\n{SHARE.get('description', '')}")
    predict, output = APPS[SHARE["kind"]]()
    text = gr.Textbox(label="Text", lines=3, elem_id="share-text")
    button = gr.Button("Predict", variant="primary", elem_id="share-predict")
    output.render()
    gr.Examples([[e] for e in SHARE.get("examples", [])], inputs=text)
    gr.on([button.click, text.submit], predict, text, output, api_name="predict", batch=True,
          max_batch_size=BATCH, concurrency_limit=1)

if __name__ == "__main__":
    demo.launch(run_history=False)  # visitors' texts are not kept in their browser
