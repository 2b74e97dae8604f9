"""Serving many visitors at once: the app in local mode, one trained MiniLM run, N visitors each sending
10 Predicts through the Gradio queue, while a second run trains beside it. Each visitor is a thread with its
own session that does what the Playground's Predict button does (raw HTTP: /gradio_api/queue/join with the
show_prediction event, then its answer from /gradio_api/queue/data), one Predict after the other.

    python bench/serving.py [--visitors 20 100] [--predicts 10] [--beside app] [--keep RUNS_DIR] [--app CHECKOUT]

--beside says what trains beside the visitors, one phase each, in this order: `app` (default) a run started
the way the app starts runs (control/processes.start_run: at a lower CPU priority, FINETUNE_RUN_NICENESS),
`equal` the same run at the app's own priority (how runs started before), `none` nothing.
--app launches another checkout's app.py on the same runs (e.g. `git archive main | tar -x -C /tmp/main`),
to compare with the code before a change in one sitting.

Prints, per phase and visitor count: requests, errors, req/s, p50 and p95 (seconds) of the whole answer, and
p95 of its two parts as the page sees them: the wait in Gradio's queue (join until "process_starts") and the
processing (until "process_completed"); with the load (uptime) and the CPU.
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
sys.path.insert(0, str(ROOT))  # the run beside starts through this checkout's control/processes
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


def predict_event(url: str) -> tuple[int, bool]:
    """The fn_index of the Playground's Predict (show_prediction), read from the page's config, and whether
    it goes through Gradio's queue (else the page posts it straight to /gradio_api/run/predict)."""
    import httpx

    config = httpx.get(f"{url}config", timeout=30).json()
    event = next(d for d in config["dependencies"] if d.get("api_name") == "show_prediction")
    return event["id"], event.get("queue") is not False


def ask_direct(http, url: str, fn_index: int, data: list, session: str):
    """One event outside the queue, as the page sends it; (success, output, 0.0: no queue to wait in)."""
    answer = http.post(f"{url}gradio_api/run/predict", json={"data": data, "fn_index": fn_index,
                                                             "session_hash": session, "event_data": None,
                                                             "trigger_id": None})
    return answer.status_code == 200, answer.json().get("data"), 0.0


def ask(http, url: str, fn_index: int, data: list, session: str):
    """One event through the queue, as the page sends it; (success, output, seconds in the queue)."""
    joined = http.post(f"{url}gradio_api/queue/join", json={"data": data, "fn_index": fn_index, "session_hash": session,
                                                             "event_data": None, "trigger_id": None})
    joined.raise_for_status()
    event_id, asked, queued = joined.json()["event_id"], time.perf_counter(), None
    with http.stream("GET", f"{url}gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if message.get("event_id") != event_id:
                    continue
                if message.get("msg") == "process_starts":
                    queued = time.perf_counter() - asked
                if message.get("msg") == "process_completed":
                    return message.get("success"), message.get("output"), queued
    return False, "the stream ended without an answer", queued


def visitors(url: str, run: str, count: int, predicts: int) -> dict:
    import uuid

    import httpx

    fn_index, queued_event = predict_event(url)
    send = ask if queued_event else ask_direct
    latencies, queued, errors, lock = [], [], [], threading.Lock()
    go = threading.Barrier(count + 1)

    def visit(i: int):
        session = uuid.uuid4().hex[:11]
        with httpx.Client(timeout=120) as http:
            go.wait()
            for n in range(predicts):
                started = time.perf_counter()
                try:
                    ok, output, wait = send(http, url, fn_index, [run, TEXTS[(i + n) % len(TEXTS)], ""], session)
                    ok = bool(ok) and "confidences" in json.dumps(output)  # the label box got an answer
                except Exception as e:  # counted, not raised: the figure is how many failed
                    ok, output, wait = False, repr(e), None
                with lock:
                    if ok:
                        latencies.append(time.perf_counter() - started)
                        queued.append(wait if wait is not None else float("nan"))
                    else:
                        errors.append(str(output))

    threads = [threading.Thread(target=visit, args=(i,)) for i in range(count)]
    [t.start() for t in threads]
    go.wait()
    started = time.perf_counter()
    [t.join() for t in threads]
    wall = time.perf_counter() - started
    processing = [total - wait for total, wait in zip(latencies, queued)]
    return {"visitors": count, "requests": count * predicts, "errors": len(errors),
            "req_per_s": round(len(latencies) / wall, 1), "p50_s": percentile(latencies, 0.5),
            "p95_s": percentile(latencies, 0.95), "queue_p95_s": percentile(queued, 0.95),
            "processing_p95_s": percentile(processing, 0.95), "first_error": errors[0][:200] if errors else None}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values) or [float("nan")]
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 3)


def start_beside(runs: Path, how: str):
    """The run that trains beside the visitors (20 epochs: it outlasts the phase), started as the app starts
    runs; `equal` at the app's own priority. Returns once it logs its first training step."""
    from finetune.config import RunConfig
    from finetune.control import processes, warm_pool

    if how == "none":
        return None
    os.environ[warm_pool.NICENESS_ENV] = "0" if how == "equal" else str(warm_pool.RUN_NICENESS)
    folder = runs / f"{time.strftime('%Y%m%d-%H%M%S')}-classification-beside-{how}"
    process = processes.start_run(RunConfig(data_file=str(DATA), epochs=20.0, method="finetune"), folder)
    end = time.time() + 300  # a loaded machine: minutes to start
    while time.time() < end and process.poll() is None:
        events = folder / "events.jsonl"
        if events.is_file() and '"event": "log"' in events.read_text():
            break
        time.sleep(1)
    return process


def stop(process):
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: it did not end in time
            process.kill()


def cpu_seconds(app, beside) -> dict:
    """CPU seconds used so far by the app, the run beside and this process (the visitors): where the cores went."""
    def used(process) -> float:
        try:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
        except (AttributeError, OSError, IndexError, ValueError):
            return 0.0
    own = os.times()
    return {"app": used(app), "beside": used(beside), "visitors": own.user + own.system}


def cpu_name() -> str:
    try:
        return next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        return "unknown CPU"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--predicts", type=int, default=10)
    parser.add_argument("--beside", nargs="+", default=["app"], choices=["app", "equal", "none"])
    parser.add_argument("--keep", default="", help="runs folder to use (and keep); a fresh temporary one if unset")
    parser.add_argument("--app", default=str(ROOT), help="the checkout whose app.py serves (default: this one)")
    args = parser.parse_args()
    runs = Path(args.keep or tempfile.mkdtemp(prefix="serving-bench-")).resolve()
    runs.mkdir(parents=True, exist_ok=True)
    settings = {"FINETUNE_RUNS_DIR": str(runs), "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                "TOKENIZERS_PARALLELISM": "false"}
    os.environ.update(settings)  # the run beside starts from this process (control/processes)
    env = {**os.environ, **settings}
    run = "20260101-000000-classification-bench"
    if not (runs / run / "model" / "config.json").is_file():
        started = time.perf_counter()
        train(runs, run, 1.0, wait=True, env=env)
        print(f"trained {run} (MiniLM, 1 epoch) in {time.perf_counter() - started:.0f} s", flush=True)
    port = free_port()
    app = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=args.app, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"{cpu_name()}, {os.cpu_count()} cores; app {args.app} at niceness {os.nice(0)}", flush=True)
    beside = None
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for_app(url)
        visitors(url, run, 2, 2)  # warm: the model loaded once, before any figure
        for how in args.beside:
            beside = start_beside(runs, how)
            for count in args.visitors:
                since, cpu = time.strftime("%H:%M:%S"), cpu_seconds(app, beside)
                figures = {"beside": how, **visitors(url, run, count, args.predicts)}
                figures["cpu_s"] = {k: round(v - cpu[k], 1) for k, v in cpu_seconds(app, beside).items()}
                figures["training_beside"] = beside is not None and beside.poll() is None
                figures["load"] = [round(x, 1) for x in os.getloadavg()]
                figures["at"] = f"{since}-{time.strftime('%H:%M:%S')}"
                print(json.dumps(figures), flush=True)
            stop(beside)
    finally:
        stop(beside)
        stop(app)


if __name__ == "__main__":
    main()
