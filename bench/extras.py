"""The figures of bench/speed.py beyond training: the machine, its matmul peak, Start to first loss,
Playground latency and app start-up. Each goes through the entry point a user goes through."""
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHORT_TEXT = "a gripping, funny and moving film"


def machine(device: str) -> str:
    import torch

    from finetune.machine.hardware import detect

    if device == "cuda":
        return f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}"
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
                 "CPU")
    return (f"{model}, {detect().name}, {detect().memory_gb:.0f} GiB, torch {torch.__version__} "
            f"with {torch.get_num_threads()} threads")


def matmul_peak(device: str, reps: int = 5) -> dict:
    """Best FLOP/s of a square torch.matmul in fp32 and bf16: the ceiling MFU is measured against.

    On the CPU per CPU-second (process time), as the training figures it is compared with: a share
    of a busy CPU then lowers neither.
    """
    import torch

    size = 8192 if device == "cuda" else 2048
    clock = time.perf_counter if device == "cuda" else time.process_time
    peaks = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        a = torch.randn(size, size, device=device, dtype=dtype)
        b = torch.randn(size, size, device=device, dtype=dtype)
        best = float("inf")
        for _ in range(reps + 1):  # the first is a warm-up
            started = clock()
            torch.matmul(a, b)
            if device == "cuda":
                torch.cuda.synchronize()
            best = min(best, clock() - started)
        peaks[name] = 2 * size**3 / best
    return peaks


def first_loss(data_file, run_dir, timeout: float = 300) -> dict:
    """Seconds from Start (finetune.control.processes.start_run, as the UI) to each stage and to the first "log" event."""
    from finetune.config import RunConfig
    from finetune.runs.events import read_events
    from finetune.runs.folder import RunPaths
    from finetune.control.processes import kill_run, stop_run, start_run

    started = time.time()
    process = start_run(RunConfig(data_file=str(data_file)), run_dir)
    seen, offset, stages = [], 0, {}
    while time.time() - started < timeout and process.poll() is None:
        events, offset = read_events(RunPaths(run_dir).events, offset)
        seen += events
        for event in events:
            if event["event"] == "stage":
                stages[event["message"].split(" on ")[0].lower()] = event["time"] - started
        if any(e["event"] == "log" for e in events):
            stages["first_loss_s"] = next(e for e in seen if e["event"] == "log")["time"] - started
            break
        time.sleep(0.05)
    stop_run(run_dir)
    try:
        process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        kill_run(run_dir)
    if "first_loss_s" not in stages:
        raise SystemExit(f"no loss point within {timeout:.0f} s; see {RunPaths(run_dir).log}")
    return stages


def prediction_latency(run_dir, calls: int = 100) -> list[float]:
    """Milliseconds per Playground prediction of one short text, after the model is loaded and warm."""
    from finetune.services.predictions import predict_texts

    for _ in range(5):
        predict_texts(run_dir, [SHORT_TEXT])
    latencies = []
    for _ in range(calls):
        started = time.perf_counter()
        predict_texts(run_dir, [SHORT_TEXT])
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def app_startup(env: dict, timeout: float = 120) -> float:
    """Seconds from launching `app.py --port P` to the first page answering HTTP 200."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.time()
    app = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.time() - started < timeout and app.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    if page.status == 200:
                        return time.time() - started
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"app.py did not answer on port {port} within {timeout:.0f} s")
    finally:
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()
