"""Shared fixtures. Everything here works offline: tiny models are built from a config."""
import os

# Before gradio / huggingface_hub are imported anywhere (see shared notes on Gradio 6).
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

import csv  # noqa: E402
import signal  # noqa: E402
import random  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
SHARED_DATA = ROOT.parent / "shared" / "data"
WORDS = {
    "legal": "contract clause tenant court lawsuit license agreement liability attorney plaintiff".split(),
    "medical": "patient doctor surgery dose symptoms clinic nurse fever diagnosis therapy".split(),
    "financial": "revenue profit shares dividend market bank quarter earnings budget investor".split(),
}


def save_tiny_bert(folder, vocab: list[str], model_class) -> str:
    """A 2-layer, 64-wide BERT with no dropout and its WordPiece tokenizer, saved to folder.

    Its embeddings are random, not pretrained, so runs that must learn from it train them too
    (freeze_embeddings=False)."""
    from transformers import BertConfig, BertTokenizer

    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    BertTokenizer(str(folder / "vocab.txt"), model_max_length=64).save_pretrained(folder)
    config = BertConfig(vocab_size=len(vocab), hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=128, max_position_embeddings=128, hidden_dropout_prob=0.0,
                        attention_probs_dropout_prob=0.0)
    model_class(config).save_pretrained(folder)
    return str(folder)


def write_csv(path, rows, header=("text", "label")):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def keyword_rows(per_class=30, seed=0, sort=True):
    """An easy three-class problem (each class has its own words), sorted by label like many exports."""
    rng = random.Random(seed)
    rows = [(" ".join(rng.choices(words, k=6)), label) for label, words in WORDS.items() for _ in range(per_class)]
    return sorted(rows, key=lambda r: r[1]) if sort else rows


@pytest.fixture
def keyword_csv(tmp_path):
    return write_csv(tmp_path / "keywords.csv", keyword_rows())


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A 2-layer, 64-wide BERT with a word-level vocabulary: trains in seconds on a CPU.

    64 wide and no dropout: at 32 wide some initialisations never separate all three classes."""
    import torch
    from transformers import BertForSequenceClassification

    torch.manual_seed(0)  # the same tiny model whichever tests ran before
    folder = tmp_path_factory.mktemp("tiny-bert")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted({w for ws in WORDS.values() for w in ws})
    vocab += list("abcdefghijklmnopqrstuvwxyz0123456789")
    return save_tiny_bert(folder, vocab, BertForSequenceClassification)


@pytest.fixture(autouse=True)
def no_run_outlives_its_test():
    """Kill training children a test left running: they would load the CPU for the tests after it."""
    from finetune.control import processes

    before = set(processes._PROCESSES)
    yield
    for run_dir in set(processes._PROCESSES) - before:
        process = processes._PROCESSES[run_dir]
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # it leads its own group (start_new_session)
            process.wait()


@pytest.fixture
def runs_dir(tmp_path, monkeypatch):
    root = tmp_path / "runs"
    root.mkdir()
    monkeypatch.setenv("FINETUNE_RUNS_DIR", str(root))
    return root


@pytest.fixture
def fast_config(keyword_csv, tiny_model):
    """A RunConfig that trains the tiny model on the keyword data in a few seconds."""
    from finetune.config import RunConfig

    return RunConfig(data_file=str(keyword_csv), model=tiny_model, epochs=8.0, batch_size=8, learning_rate=2e-3,
                     precision="fp32", checkpoint_minutes=0.0,  # resume tests need them
                     freeze_embeddings=False)  # random embeddings must learn (save_tiny_bert)


# --- NER ------------------------------------------------------------------------------------------
def ner_rows(count=120, seed=0):
    """(tokens, tags) of generated sentences: the bundled NER sample's generator (PER/ORG/LOC/DRUG)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate_ner", SAMPLES / "generate_ner.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.sentences(count, seed)


def write_ner_jsonl(path, rows):
    import json

    with open(path, "w", encoding="utf-8") as f:
        for tokens, tags in rows:
            f.write(json.dumps({"tokens": tokens, "ner_tags": tags}) + "\n")
    return path


@pytest.fixture(scope="session")
def tiny_ner_model(tmp_path_factory):
    """A 2-layer BERT whose WordPiece vocabulary covers the NER sample's words, plus '##' pieces so that
    unseen words split into several sub-tokens (what label alignment is about)."""
    import re

    import torch
    from transformers import BertForTokenClassification

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-ner-bert")
    words = {w for tokens, _ in ner_rows(400) for t in tokens for w in re.findall(r"\w+|[^\w\s]", t.lower())}
    letters = list("abcdefghijklmnopqrstuvwxyz0123456789")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(words) + letters + ["##" + c for c in letters]
    return save_tiny_bert(folder, vocab, BertForTokenClassification)


@pytest.fixture(scope="session")
def ner_run(tmp_path_factory, tiny_ner_model):
    """A finished tiny NER run (engine.train), shared by the task, CLI and Playground tests."""
    from finetune.config import RunConfig
    from finetune.training.engine import train

    folder = tmp_path_factory.mktemp("ner-run")
    data = write_ner_jsonl(folder / "train.jsonl", ner_rows(160))
    config = RunConfig(task="ner", data_file=str(data), model=tiny_ner_model, epochs=5.0, batch_size=16,
                       learning_rate=3e-3, precision="fp32", warmup_ratio=0.0, freeze_embeddings=False)
    results = train(config, folder / "20990101-000000-ner-test")
    return folder / "20990101-000000-ner-test", results


# --- text generation ------------------------------------------------------------------------------
STORY = ("The kettle sings when the water boils. Juniper answers every letter before noon.\n\n"
         "ROMEO:\nBut soft, what light through yonder window breaks?\n\n") * 20


def build_tiny_gpt2(folder, chat_template: str | None = None):
    """A 2-layer, 32-wide GPT-2 with a byte-level BPE tokenizer trained here: generation tests in seconds."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator([STORY], trainers.BpeTrainer(vocab_size=320, special_tokens=["<|endoftext|>"],
                                                         initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>", model_max_length=256)
    if chat_template:
        tokenizer.chat_template = chat_template
    tokenizer.save_pretrained(folder)
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=256, n_embd=32, n_layer=2, n_head=2,
                        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    GPT2LMHeadModel(config).save_pretrained(folder)
    return str(folder)


CHAT_TEMPLATE = ("{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}\n{% endfor %}"
                 "{% if add_generation_prompt %}<assistant>{% endif %}")


@pytest.fixture(scope="session")
def tiny_gpt2(tmp_path_factory):
    return build_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture(scope="session")
def tiny_chat_gpt2(tmp_path_factory):
    return build_tiny_gpt2(tmp_path_factory.mktemp("tiny-chat-gpt2"), CHAT_TEMPLATE)


@pytest.fixture
def story_txt(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text(STORY)
    return path


# --- text-to-text (T5) ----------------------------------------------------------------------------
PAIRS = [("Translate to shout: good morning", "GOOD MORNING"),
         ("Translate to shout: the kettle sings", "THE KETTLE SINGS"),
         ("Translate to shout: soft light", "SOFT LIGHT"),
         ("Translate to shout: answer every letter", "ANSWER EVERY LETTER")]


def build_tiny_t5(folder):
    """A 2-layer, 32-wide T5 with a byte-level BPE tokenizer trained here (pad id 0, as T5 expects)."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration

    text = " ".join(p + " " + r for p, r in PAIRS) * 10
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator([text], trainers.BpeTrainer(vocab_size=300, special_tokens=["<pad>", "</s>", "<unk>"],
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                                        model_max_length=128)
    tokenizer.save_pretrained(folder)
    torch.manual_seed(0)
    config = T5Config(vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=2,
                      pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, dropout_rate=0.0)
    T5ForConditionalGeneration(config).save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="session")
def tiny_t5(tmp_path_factory):
    return build_tiny_t5(tmp_path_factory.mktemp("tiny-t5"))


@pytest.fixture
def pairs_csv(tmp_path):
    import pandas as pd

    path = tmp_path / "pairs.csv"
    pd.DataFrame(PAIRS * 8, columns=["prompt", "response"]).to_csv(path, index=False)
    return path
