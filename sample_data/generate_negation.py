"""Writes sample_data/negation_reviews.csv: product reviews where word order and negation decide the label.

    python sample_data/generate_negation.py                        # the bundled sample
    python sample_data/generate_negation.py --pairs 300 --seed 3 --out other.csv

Every review comes in a pair written from the same words in another order, with opposite labels:
"The kettle? It is not good at all, but it is worth the money." (positive) and "The kettle? It is worth
the money, but it is not good at all." (negative). A bag of words sees the two as one text, and every
clause starts and ends with the same words as its opposite ("it ... money"), so neither TF-IDF's words nor
its word pairs tell the two apart; a model that reads the sentence (a fine-tuned transformer) learns that
the clause after "but" wins. Every phrase here was written for this project; the file is reproducible from the seed.
"""
from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

# Clauses about a product in (positive, negative) pairs that start and end with the same words, so the
# words around a clause never tell its sentiment; negations inside them ("not bad at all", "hardly anyone
# would buy it") point away from their loudest word.
CLAUSES = [
    ("it is worth the money", "it is not worth the money"),
    ("it is not bad at all", "it is not good at all"),
    ("setup took under ten minutes", "setup took over ninety minutes"),
    ("the battery lasts for days", "the battery lasts for hours"),
    ("I expected to hate it and I love it", "I expected to love it and I hate it"),
    ("hardly anyone would return it", "hardly anyone would buy it"),
    ("the staff were quick to help", "the staff were slow to help"),
    ("it still works like new", "it no longer works like new"),
    ("my kids love it", "my kids hate it"),
    ("nothing about it feels cheap", "everything about it feels cheap"),
    ("it never once let me down", "it let me down more than once"),
    ("the lid always fits", "the lid never fits"),
]
# (template, the clause that decides): a review joins a positive and a negative clause; the one after
# "but" / "yet" / "still" wins, the main clause wins over "although" / "even though".
FRAMES = [("The {item}? {A}, but {b}.", "b"), ("First impression of the {item}: {a}. After a month: {b}.", "b"),
          ("Although {a}, {b}. That is my {item}.", "b"), ("{A}, yet {b}: that is my {item} in short.", "b"),
          ("Sure, {a}, but overall {b}, and that is what counts with a {item}.", "b"),
          ("{A}. Still, {b}, and that decides it for this {item}.", "b"),
          ("My {item}: {a}, even though {b}.", "a")]
ITEMS = ["kettle", "desk lamp", "blender", "office chair", "backpack", "phone case", "toaster", "keyboard",
         "coffee grinder", "rain jacket", "vacuum cleaner", "headphones", "water bottle", "sofa", "router",
         "hair dryer", "tent", "printer", "mattress", "electric bike"]
OPENERS = ["", "", "", "Honestly: ", "Update: ", "Long story short: "]
BUNDLED_PAIRS = 600
def review_pairs(pairs: int, seed: int) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """`pairs` twin reviews ((text, label), (text, label)): the same clauses swapped, opposite labels."""
    rng = random.Random(seed)
    choices = [(frame, item, good, bad) for frame in FRAMES for item in ITEMS
               for good, _ in CLAUSES for _, bad in CLAUSES]
    out = []
    for (template, decides), item, good, bad in rng.sample(choices, pairs):
        opener = rng.choice(OPENERS)
        write = lambda a, b: _joined(opener, _filled(template, item, a, b))
        good_wins = ("positive", "negative") if decides == "b" else ("negative", "positive")
        out.append(((write(bad, good), good_wins[0]), (write(good, bad), good_wins[1])))
    return out


def _filled(template: str, item: str, a: str, b: str) -> str:
    upper = lambda clause: clause[0].upper() + clause[1:]
    return template.format(item=item, a=a, b=b, A=upper(a), B=upper(b))


def rows(pairs: int = BUNDLED_PAIRS, seed: int = 13) -> list[tuple[str, str]]:
    """The reviews, shuffled so that twins are not neighbours."""
    flat = [review for pair in review_pairs(pairs, seed) for review in pair]
    random.Random(seed + 1).shuffle(flat)
    return flat


def _joined(opener: str, review: str) -> str:
    """"Honestly, before buying ..." (but "Honestly, I ...")."""
    if opener and not review.startswith(("I ", "My ")):
        review = review[0].lower() + review[1:]
    return opener + review


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=BUNDLED_PAIRS, help="twin pairs (rows = twice this)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "negation_reviews.csv"))
    args = parser.parse_args()
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows(rows(args.pairs, args.seed))
    print(f"wrote {args.pairs * 2} rows to {args.out}")


if __name__ == "__main__":
    main()
