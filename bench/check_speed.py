"""How long `python -m finetune check` takes on a 100,000-row file (target: under 5 s on a 2-core CPU).

    .venv/bin/python bench/check_speed.py [--rows 100000]

Writes the file from our own sample generator (with duplicates and empty rows mixed in), then times
the CLI end to end, imports included, as a user runs it. Prints a line and a JSON line.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "sample_data"))
from generate import domain_rows, write  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(0)
    rows = domain_rows(min(args.rows // 3, 2000), rng)
    rows = [rng.choice(rows) for _ in range(args.rows - 100)] + [("", "legal")] * 100
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        write(path, rows, False, rng)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "finetune", "check", "--data", str(path)], cwd=ROOT,
                                capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
        seconds = time.perf_counter() - started
    report = json.loads(result.stdout)
    print(f"check on {report['rows']} rows: {seconds:.2f} s (exit {result.returncode}, "
          f"{len(report['warnings'])} warnings, load {os.getloadavg()[0]:.1f})")
    print(json.dumps({"figure": "check_seconds", "rows": report["rows"], "value": round(seconds, 2)}))


if __name__ == "__main__":
    main()
