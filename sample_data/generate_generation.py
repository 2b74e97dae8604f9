"""Writes the text-generation sample: customer questions and support replies in one house style.

    python sample_data/generate_generation.py                      # sample_data/support_replies.jsonl
    python sample_data/generate_generation.py --rows 1000 --out big.jsonl

Every phrase was written for this project. The house style is easy to see after one CPU epoch: the
reply greets by first name, says "Thanks for flagging this", gives numbered steps, and signs off
"Warmly, Juniper at Fernbrook Support" with the case number. A base model answers in none of these ways.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

NAMES = ["Ana", "Ben", "Chloe", "Dev", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kemi", "Liam",
         "Mei", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tomas", "Uma", "Viktor", "Wren", "Yusuf"]
PRODUCTS = ["Fernbrook kettle", "Fernbrook desk lamp", "Fernbrook air purifier", "Fernbrook coffee grinder",
            "Fernbrook smart plug", "Fernbrook water bottle", "Fernbrook blender", "Fernbrook toaster"]
# (how the customer says it, the steps Juniper gives)
PROBLEMS = [
    ("my {product} will not turn on", ["Unplug it and wait ten seconds.", "Plug it straight into a wall socket, "
     "not an extension.", "Hold the power button for five seconds."]),
    ("my {product} arrived with a crack in it", ["Take a photo of the crack and the box.",
     "Reply to this email with the photos attached.", "We will send a replacement the same day."]),
    ("I want to return my {product}", ["Open fernbrook.example/returns.", "Enter your order number.",
     "Print the free label and drop the parcel at any post office."]),
    ("the app cannot find my {product}", ["Turn Bluetooth off and on again.", "Keep the phone within two metres.",
     "Reset the {product} by holding the button until the light blinks blue."]),
    ("my {product} makes a loud noise", ["Check that nothing is stuck inside.", "Set it on a flat, dry surface.",
     "If the noise stays, send us a short video."]),
    ("I was charged twice for my {product}", ["Check your bank app for a pending charge.",
     "Pending charges drop off within three working days.", "If both charges stay, reply and we refund one at once."]),
    ("my {product} has not arrived yet", ["Open the tracking link in your order email.",
     "Check with neighbours and your building's post room.", "If it is still missing tomorrow, we will resend it."]),
    ("the light on my {product} keeps blinking red", ["Unplug it for a minute.", "Clean the sensor with a dry cloth.",
     "Plug it back in; the light should turn green."]),
]
OPENERS = ["Hello,", "Hi there,", "Help please:", "Hey,", "Good morning,", "Quick question:"]
CLOSERS = ["What should I do?", "Can you help?", "Thanks in advance.", "Any ideas?", "Please advise.", ""]


def example(rng: random.Random) -> dict:
    name, product = rng.choice(NAMES), rng.choice(PRODUCTS)
    problem, steps = rng.choice(PROBLEMS)
    issue = problem.format(product=product)
    prompt = f"{rng.choice(OPENERS)} {issue}. {rng.choice(CLOSERS)} - {name}".replace("  ", " ")
    numbered = "\n".join(f"{i}. {s.format(product=product)}" for i, s in enumerate(steps, 1))
    response = (f"Hi {name}! Thanks for flagging this about your {product}, and sorry for the trouble.\n"
                f"Here is what to try:\n{numbered}\n"
                f"Warmly, Juniper at Fernbrook Support (case FB-{rng.randint(1000, 9999)})")
    return {"prompt": prompt, "response": response}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=240)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).parent / "support_replies.jsonl"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with open(args.out, "w", encoding="utf-8") as f:
        for _ in range(args.rows):
            f.write(json.dumps(example(rng)) + "\n")
    print(f"wrote {args.rows} rows to {args.out}")


if __name__ == "__main__":
    main()
