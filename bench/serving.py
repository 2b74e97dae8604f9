"""Serving many visitors at once: the app in local mode, one trained MiniLM run, N visitors each sending
10 Predicts through the Gradio queue, while a second run trains beside it. Each visitor is a thread with its
own session that does what the Playground's Predict button does (raw HTTP: /gradio_api/queue/join with the
show_prediction event, then its answer from /gradio_api/queue/data), one Predict after the other.

    python bench/serving.py [--visitors 20 100] [--predicts 10] [--keep RUNS_DIR] [--app CHECKOUT]

--app launches another checkout's app.py on the same runs (e.g. `git archive main | tar -x -C /tmp/main`),
to compare with the code before a change in one sitting.

Prints, per visitor count: requests, errors, req/s, p50, p95 (seconds), and the load (uptime).
The trained run is the embedded all-MiniLM-L6-v2, 1 epoch on sample_data/legal_medical_financial.csv.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "sample_data" / "legal_medical_financial.csv"
TEXTS = ["The tenant shall give thirty days written notice.", "The patient was given a higher dose.",
         "Quarterly revenue rose on strong dividend demand.", "The court dismissed the lawsuit."]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train(runs: Path, name: str, epochs: float, wait: bool, env: dict):
    command = [sys.executable, "-m", "finetune", "train", "--data", str(DATA), "--epochs", str(epochs),
               "--output", str(runs / name)]
    if wait:
        subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        return None
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for_app(url: str, timeout: float = 600.0):  # a loaded machine: minutes
    import httpx

    end = time.time() + timeout
    while time.time() < end:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit(f"the app did not answer at {url}")


def predict_event(url: str) -> int:
    """The fn_index of the Playground's Predict (show_prediction), read from the page's config."""
    import httpx

    config = httpx.get(f"{url}config", timeout=30).json()
    return next(d["id"] for d in config["dependencies"] if d.get("api_name") == "show_prediction")


def ask(http, url: str, fn_index: int, data: list, session: str):
    """One event through the queue, as the page sends it; (success, output)."""
    joined = http.post(f"{url}gradio_api/queue/join", json={"data": data, "fn_index": fn_index, "session_hash": session,
                                                             "event_data": None, "trigger_id": None})
    joined.raise_for_status()
    event_id = joined.json()["event_id"]
    with http.stream("GET", f"{url}gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed" and message.get("event_id") == event_id:
                    return message.get("success"), message.get("output")
    return False, "the stream ended without an answer"


def visitors(url: str, run: str, count: int, predicts: int) -> dict:
    import uuid

    import httpx

    fn_index = predict_event(url)
    latencies, errors, lock = [], [], threading.Lock()
    go = threading.Barrier(count + 1)

    def visit(i: int):
        session = uuid.uuid4().hex[:11]
        with httpx.Client(timeout=120) as http:
            go.wait()
            for n in range(predicts):
                started = time.perf_counter()
                try:
                    ok, output = ask(http, url, fn_index, [run, TEXTS[(i + n) % len(TEXTS)], ""], session)
                    ok = bool(ok) and "confidences" in json.dumps(output)  # the label box got an answer
                except Exception as e:  # counted, not raised: the figure is how many failed
                    ok, output = False, repr(e)
                with lock:
                    (latencies if ok else errors).append(time.perf_counter() - started if ok else str(output))

    threads = [threading.Thread(target=visit, args=(i,)) for i in range(count)]
    [t.start() for t in threads]
    go.wait()
    started = time.perf_counter()
    [t.join() for t in threads]
    wall = time.perf_counter() - started
    ordered = sorted(latencies) or [float("nan")]
    return {"visitors": count, "requests": count * predicts, "errors": len(errors),
            "req_per_s": round(len(latencies) / wall, 1), "p50_s": round(statistics.median(ordered), 3),
            "p95_s": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
            "first_error": errors[0][:200] if errors else None}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--predicts", type=int, default=10)
    parser.add_argument("--keep", default="", help="runs folder to use (and keep); a fresh temporary one if unset")
    parser.add_argument("--app", default=str(ROOT), help="the checkout whose app.py serves (default: this one)")
    args = parser.parse_args()
    runs = Path(args.keep or tempfile.mkdtemp(prefix="serving-bench-"))
    runs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "FINETUNE_RUNS_DIR": str(runs), "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
           "TOKENIZERS_PARALLELISM": "false"}
    run = "20260101-000000-classification-bench"
    if not (runs / run / "model" / "config.json").is_file():
        started = time.perf_counter()
        train(runs, run, 1.0, wait=True, env=env)
        print(f"trained {run} (MiniLM, 1 epoch) in {time.perf_counter() - started:.0f} s", flush=True)
    port = free_port()
    app = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=args.app, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    beside = None
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for_app(url)
        visitors(url, run, 2, 2)  # warm: the model loaded once, before any figure
        beside = train(runs, f"{time.strftime('%Y%m%d-%H%M%S')}-classification-beside", 20.0, wait=False, env=env)
        time.sleep(15)  # its process past start-up, training
        for count in args.visitors:
            if beside.poll() is not None:
                print("note: the run beside had already ended", flush=True)
            figures = visitors(url, run, count, args.predicts)
            figures["training_beside"] = beside.poll() is None
            figures["load"] = [round(x, 1) for x in os.getloadavg()]
            figures["app"] = args.app
            print(json.dumps(figures), flush=True)
    finally:
        for process in (beside, app):
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:  # a loaded machine: it did not end in time
                    process.kill()


if __name__ == "__main__":
    main()
