"""Writes the bundled NER samples. Every name, template and drug list here was written for this project.

    python sample_data/generate_ner.py                        # ner_sample.jsonl and ner_sample_spans.csv
    python sample_data/generate_ner.py --sentences 1000 --seed 7 --out big.jsonl

Entity types: PER (people), ORG (organisations), LOC (places) in news-style sentences, and DRUG in
medical notes. ner_sample.jsonl holds {"tokens", "ner_tags"} (BIO); ner_sample_spans.csv holds the
same kind of sentences as text plus an "entities" column of [{"start", "end", "label"}] - the format
that is easiest to write by hand.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
SLOT = re.compile(r"\{(PER|ORG|LOC|DRUG)\}")

NAMES = {
    "PER": ["Maria Lindqvist", "Tomas Okafor", "Priya Raman", "Jonas Weber", "Amelia Hart", "Kenji Sato",
            "Lucia Moreno", "Daniel Brooks", "Fatima Haddad", "Oskar Nilsen", "Grace Mbeki", "Henry Vaughn",
            "Ines Duarte", "Marek Kowal", "Sofia Castellano", "Dr. Elena Petrova", "Dr. Samuel Ortiz", "Nadia"],
    "ORG": ["Northwind Analytics", "Bluefield Bank", "Harbor Health Trust", "Vantage Motors", "Redwood Labs",
            "the City Council", "Orion Pharmaceuticals", "Silverline Airways", "Greenleaf Foods",
            "Kestrel Insurance", "the Riverside Clinic", "Atlas Shipping", "Meridian University", "Solace Energy"],
    "LOC": ["Lisbon", "Nairobi", "Oslo", "Toronto", "Osaka", "Valparaiso", "the Rhine valley", "Melbourne",
            "Krakow", "Cape Town", "Seattle", "Marseille", "Lake Geneva", "Reykjavik", "Bangalore", "Denver"],
    "DRUG": ["ibuprofen", "amoxicillin", "metformin", "atorvastatin", "lisinopril", "omeprazole",
             "paracetamol", "warfarin", "prednisone", "levothyroxine", "sertraline", "salbutamol", "insulin glargine"],
}

NEWS = [
    "{PER} joined {ORG} as chief executive last spring .",
    "{ORG} will open a new office in {LOC} next year .",
    "{PER} , a spokesperson for {ORG} , declined to comment .",
    "Heavy rain closed several roads around {LOC} on Monday .",
    "{PER} flew from {LOC} to {LOC} for the annual summit .",
    "Shares of {ORG} rose after the quarterly report .",
    "{ORG} and {ORG} announced a joint venture in {LOC} .",
    "The mayor of {LOC} met {PER} to discuss the new bridge .",
    "{PER} won the regional chess final held in {LOC} .",
    "According to {PER} , {ORG} hired two hundred engineers .",
    "Tourism in {LOC} doubled since {ORG} started direct flights .",
    "{PER} criticised the plan during a speech in {LOC} .",
    "A court in {LOC} fined {ORG} for late filings .",
    "{PER} and {PER} founded {ORG} in a garage .",
    "Nobody expected the merger to be approved so quickly .",
    "The festival drew thousands of visitors this weekend .",
]

MEDICAL = [
    "Patient was started on {DRUG} 400 mg twice daily .",
    "{DRUG} was stopped because of nausea .",
    "Continue {DRUG} and add {DRUG} at night .",
    "{PER} reviewed the chart at {ORG} on Tuesday .",
    "Referred to {ORG} in {LOC} for a cardiology review .",
    "Allergic to {DRUG} ; tolerates {DRUG} well .",
    "Dose of {DRUG} reduced after the kidney function results .",
    "{PER} prescribed {DRUG} for two weeks .",
    "No change to the current medication .",
    "Blood pressure stable on {DRUG} .",
    "Discharged home to {LOC} with {DRUG} as needed .",
    "Follow-up with {PER} in six weeks .",
]


def sentence(template: str, rng: random.Random) -> tuple[list[str], list[str]]:
    """Tokens (split on spaces) and BIO tags of one filled-in template."""
    tokens, tags = [], []
    for piece in template.split():
        match = SLOT.fullmatch(piece)
        if not match:
            tokens.append(piece)
            tags.append("O")
            continue
        kind = match.group(1)
        words = rng.choice(NAMES[kind]).split()
        tokens += words
        tags += [f"B-{kind}"] + [f"I-{kind}"] * (len(words) - 1)
    return tokens, tags


def sentences(count: int, seed: int) -> list[tuple[list[str], list[str]]]:
    rng = random.Random(seed)
    return [sentence(rng.choice(MEDICAL if rng.random() < 0.4 else NEWS), rng) for _ in range(count)]


def as_spans(tokens: list[str], tags: list[str]) -> tuple[str, list[dict]]:
    text, spans = "", []
    for token, tag in zip(tokens, tags):
        start = len(text) + (1 if text else 0)
        text = f"{text} {token}" if text else token
        if tag.startswith("B-"):
            spans.append({"start": start, "end": len(text), "label": tag[2:]})
        elif tag.startswith("I-"):
            spans[-1]["end"] = len(text)
    return text, spans


def write_tokens(rows, path: Path):
    with open(path, "w", encoding="utf-8") as f:
        for tokens, tags in rows:
            f.write(json.dumps({"tokens": tokens, "ner_tags": tags}) + "\n")


def write_spans(rows, path: Path):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "entities"])
        for tokens, tags in rows:
            text, spans = as_spans(tokens, tags)
            writer.writerow([text, json.dumps(spans)])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="write one token JSONL file here instead of the bundled samples")
    args = parser.parse_args()
    if args.out:
        write_tokens(sentences(args.sentences, args.seed), Path(args.out))
        return
    write_tokens(sentences(args.sentences, args.seed), HERE / "ner_sample.jsonl")
    write_spans(sentences(200, args.seed + 1), HERE / "ner_sample_spans.csv")


if __name__ == "__main__":
    main()
