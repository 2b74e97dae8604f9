"""Writes the bundled sample CSVs. Every phrase here was written for this project.

    python sample_data/generate.py                 # the bundled samples
    python sample_data/generate.py --rows 3500 --seed 7 --sorted --out big.csv   # a bigger, label-sorted file

Sentences are composed from hand-written parts so the files are varied but reproducible.
"""
from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

DOMAINS = {
    "legal": {
        "subjects": ["The tenant", "The licensee", "Either party", "The contractor", "The employer",
                     "The defendant", "The buyer", "The supplier", "The landlord", "Our client",
                     "The plaintiff", "The guarantor", "The seller", "The subcontractor", "The court"],
        "verbs": ["shall indemnify the other party against", "may terminate the agreement upon",
                  "must give thirty days written notice of", "waives any claim arising from",
                  "is liable for damages caused by", "retains all intellectual property rights in",
                  "agrees to arbitration for disputes about", "shall not assign its obligations under",
                  "filed a motion to dismiss regarding", "is bound by the confidentiality clause covering",
                  "breached the warranty concerning", "requested an injunction to prevent",
                  "signed a non-disclosure agreement about", "disputes the jurisdiction over",
                  "must comply with the statute governing"],
        "objects": ["the lease renewal", "any breach of contract", "the software license",
                    "the settlement terms", "the governing law provision", "the force majeure event",
                    "the termination clause", "the patent infringement", "the escrow arrangement",
                    "the employment contract", "the zoning appeal", "the liability cap",
                    "the merger agreement", "the trademark dispute", "the power of attorney"],
        "tails": ["as set out in section 4.2.", "pending review by counsel.", "under state law.",
                  "before the hearing date.", "in accordance with the amended terms.",
                  "subject to the court's approval.", "as stated in the addendum.",
                  "unless otherwise agreed in writing.", "within the statutory deadline.",
                  "according to the signed affidavit."],
    },
    "medical": {
        "subjects": ["The patient", "A 54-year-old woman", "The child", "The nurse", "The surgeon",
                     "An elderly man", "The cardiologist", "The physiotherapist", "The resident",
                     "The pharmacist", "The attending physician", "A young athlete", "The midwife",
                     "The oncology team", "The radiologist"],
        "verbs": ["was prescribed", "reported worsening", "showed normal", "was admitted with",
                  "recovered well after", "was screened for", "complained of persistent",
                  "responded quickly to", "needs a follow-up visit for", "was referred for",
                  "was treated with", "presented with acute", "tested positive for",
                  "reviewed the results of", "scheduled an MRI to assess"],
        "objects": ["blood pressure readings", "chest pain", "antibiotics for the infection",
                    "type 2 diabetes", "knee surgery", "shortness of breath", "vital signs",
                    "a mild concussion", "the vaccination schedule", "high cholesterol",
                    "physical therapy", "a fractured wrist", "the insulin dosage", "migraine symptoms",
                    "an allergic reaction"],
        "tails": ["during the ward round.", "and was discharged the next day.", "at the outpatient clinic.",
                  "according to the lab report.", "after the second dose.", "with no complications.",
                  "in the emergency department.", "as noted in the chart.", "before the operation.",
                  "and will be monitored closely."],
    },
    "financial": {
        "subjects": ["Quarterly revenue", "The company", "Operating margin", "The fund", "Net income",
                     "The central bank", "Our portfolio", "The board", "Free cash flow", "The bank",
                     "Shareholders", "The auditor", "Earnings per share", "The treasury team",
                     "The investment firm"],
        "verbs": ["increased by 15% compared with", "fell sharply because of", "was revised after",
                  "approved a dividend based on", "raised interest rates in response to",
                  "reported a loss driven by", "rebalanced its holdings after", "issued bonds to finance",
                  "beat analyst expectations despite", "cut its forecast due to",
                  "hedged currency exposure against", "announced a share buyback after",
                  "flagged a write-down related to", "refinanced its debt ahead of",
                  "grew steadily on the back of"],
        "objects": ["the previous fiscal year", "rising inflation", "weaker consumer demand",
                    "the acquisition costs", "strong quarterly earnings", "volatile bond yields",
                    "the budget deficit", "higher commodity prices", "the credit rating downgrade",
                    "foreign exchange losses", "the annual audit", "the capital expenditure plan",
                    "the pension liabilities", "slowing loan growth", "the tax reform"],
        "tails": ["this period.", "in the third quarter.", "according to the annual report.",
                  "as markets closed.", "per the balance sheet.", "ahead of the earnings call.",
                  "in the latest filing.", "over the trailing twelve months.", "year over year.",
                  "said the chief financial officer."],
    },
}

SENTIMENT = {
    "positive": ["I love this", "Absolutely fantastic", "Really happy with", "Great value for",
                 "Works perfectly with", "Highly recommend", "Exceeded my expectations with",
                 "Very pleased with", "Five stars for", "Delighted by"],
    "negative": ["I regret buying", "Terrible experience with", "Very disappointed by",
                 "Waste of money on", "Stopped working after a week:", "Would not recommend",
                 "Poor quality from", "Frustrated with", "One star for", "Returned immediately:"],
}
PRODUCTS = ["the headphones", "this blender", "the new phone case", "the running shoes", "this laptop stand",
            "the coffee maker", "the delivery service", "this backpack", "the customer support",
            "the desk lamp", "the kitchen scale", "this charger", "the winter jacket", "the app update"]
SENTIMENT_TAILS = {
    "positive": ["Would buy again.", "Arrived early too.", "Easy to set up.", "Worth every penny.", ""],
    "negative": ["Never again.", "Support never replied.", "Cheap materials.", "Broke on day two.", ""],
}


def domain_rows(rows_per_class: int, rng: random.Random) -> list[tuple[str, str]]:
    out = []
    for label, parts in DOMAINS.items():
        seen = set()
        while len(seen) < rows_per_class:
            text = " ".join(rng.choice(parts[k]) for k in ("subjects", "verbs", "objects", "tails"))
            if text not in seen:
                seen.add(text)
                out.append((text, label))
    return out


def sentiment_rows(rows_per_class: int, rng: random.Random) -> list[tuple[str, str]]:
    out = []
    for label, openings in SENTIMENT.items():
        seen = set()
        while len(seen) < rows_per_class:
            text = f"{rng.choice(openings)} {rng.choice(PRODUCTS)}. {rng.choice(SENTIMENT_TAILS[label])}".strip()
            if text not in seen:
                seen.add(text)
                out.append((text, label))
    return out


def messy_rows(rng: random.Random) -> list[tuple[str, str]]:
    """An imbalanced export with the usual faults, to show what the Data tab's check finds and fixes."""
    sizes = {"legal": 200, "medical": 60, "financial": 15}
    pool = domain_rows(max(sizes.values()) + 8, rng)
    rows = [row for label, n in sizes.items() for row in [r for r in pool if r[1] == label][:n]]
    rows += [(text, "Legal") for text, label in pool if label == "legal"][-8:]  # a spelling variant
    rows += rows[:6]                                                          # exported twice
    rows += [(rows[210][0], "financial")]                                      # same text, another label
    rows += [("", "medical"), ("", "legal"), ("   ", "financial")]           # empty texts
    return rows


def write(path: Path, rows, sort_by_label: bool, rng: random.Random) -> None:
    rows = sorted(rows, key=lambda r: r[1]) if sort_by_label else rng.sample(rows, len(rows))
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, help="rows of a legal/medical/financial file (all classes)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sorted", action="store_true", help="sort rows by label, like many exports")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if args.rows:
        write(args.out, domain_rows(args.rows // 3, rng), args.sorted, rng)
        return
    here = Path(__file__).parent
    write(here / "legal_medical_financial.csv", domain_rows(120, rng), False, rng)
    write(here / "product_reviews_sentiment.csv", sentiment_rows(120, rng), False, rng)
    rng = random.Random(1)  # its own stream: the files above stay byte-identical
    write(here / "messy_imbalanced_domains.csv", messy_rows(rng), False, rng)


if __name__ == "__main__":
    main()
