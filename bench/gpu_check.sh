#!/usr/bin/env bash
# The first thing a session with a lent GPU runs (at most ~8 minutes on one GPU); prints one table.
#
#     bash bench/gpu_check.sh              # on the GPU machine, from the repository root
#     bash bench/gpu_check.sh --cpu-dry-run  # here: the decisions with a GPU faked, the GPU steps listed, not run
#
# Steps, each under its own time limit: the suite's CUDA-relevant tests (device, precision, launch, estimate,
# engine and generation runs, which train on the GPU when there is one); bench/speed.py --device cuda --quick
# (ours only, one order: the figures, not the guide comparison); then bench/gpu_facts.py: the device and
# precision against the compute capability and a matmul in each precision, a 1-process FSDP run refused, NCCL,
# a short run's estimated memory against torch.cuda.max_memory_allocated and its share of the matmul peak,
# and Playground tokens/s. Exit status 0 when every row is ok or skipped.
set -u
cd "$(dirname "$0")/.."
PY=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
TESTS="tests/test_hardware.py tests/test_config.py tests/test_estimate.py tests/test_speedups.py
       tests/test_engine.py tests/test_generation_run.py tests/test_embedded_lm.py"
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
steps=()

if [ "${1:-}" = "--cpu-dry-run" ]; then
    steps+=("suite, CUDA-relevant tests=skip:would run: timeout 200 $PY -m pytest -q -m 'not browser' $(echo $TESTS)")
    steps+=("bench/speed.py --device cuda --quick=skip:would run: timeout 150 $PY bench/speed.py --device cuda --quick ...")
    exec "$PY" bench/gpu_facts.py --cpu-dry-run "${steps[@]/#/--step=}"
fi

log=$(mktemp -d)
timeout 200 "$PY" -m pytest -q -m "not browser" -p no:cacheprovider $TESTS >"$log/tests.txt" 2>&1
rc=$?; steps+=("suite, CUDA-relevant tests=$rc:$(tail -1 "$log/tests.txt" | tr -d '=' | xargs)")

timeout 150 "$PY" bench/speed.py --device cuda --quick --only ours --orders ours-first --no-extras \
    --no-generation --work "$log/speed" >"$log/speed.txt" 2>&1
rc=$?; share=$(grep -o '"figure": "peak_share".*' "$log/speed.txt" | head -3 | tr '\n' ' ')
steps+=("bench/speed.py --device cuda --quick=$rc:${share:-$(tail -1 "$log/speed.txt")}")

timeout 130 "$PY" bench/gpu_facts.py "${steps[@]/#/--step=}"
rc=$?
echo "logs: $log (tests.txt, speed.txt)"
exit $rc
