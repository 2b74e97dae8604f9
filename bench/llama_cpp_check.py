"""Generate with llama.cpp itself from a run's GGUF export; compare with the PyTorch model.

Checks that RUN_DIR/model/gguf/model.gguf loads in llama.cpp (not only in transformers' GGUF reader), that
llama.cpp tokenizes the chat-formatted prompt into the HF ids, and that its 24 greedy tokens (from the HF
ids, so a tokenizer difference cannot hide a weight difference) equal PyTorch's.
Install (own venv: the wheel pins transformers<5), skipping its Hub deps:
    python3 -m venv /tmp/llama-venv; /tmp/llama-venv/bin/pip install --no-deps llama_cpp_cffi-0.4.42-cp311-*.whl
    /tmp/llama-venv/bin/pip install --only-binary :all: cffi
Tagged manylinux_2_34, its .so still needs GCC 14's libstdc++ (__cxa_call_terminate); Debian 12 has GCC 12's
and Debian 13's needs glibc 2.38, so unpack both from Debian 13 (installs nothing); this script then re-runs
itself under that loader (LLAMA_LIBS=dir to look elsewhere):
    echo "deb http://deb.debian.org/debian trixie main" >/etc/apt/sources.list.d/own.list; apt-get update
    apt-get download libstdc++6/trixie libc6/trixie; rm /etc/apt/sources.list.d/own.list; apt-get update
    for d in *.deb; do dpkg-deb -x $d /tmp/trixie-libs; done
Run:  THREADS=1 /tmp/llama-venv/bin/python bench/llama_cpp_check.py RUN_DIR [PROMPT]   (THREADS: default 2)
7 Dec 2026, 2-core AMD EPYC AVX512-BF16 (the wheel's CPU build: AVX2), llama.cpp b4965, SmolLM2-135M-Instruct
run (17 steps), 258 MiB f16 GGUF: 24 of 24 greedy tokens match; THREADS=1: llama.cpp 55-58 tokens/s, PyTorch
fp32 15-16 (47-token prompt included); THREADS=2 with another training job on the cores: llama.cpp 0.4 (its
threads spin-wait for a busy core), PyTorch 2.4. It found tokenizer.ggml.pre "default" (the export looked for
"smollm" in the run folder's path), so llama.cpp split " -" into " ", "-" unlike HF; since the fix
(gguf_export.pre_tokenizer) the file says "smollm" and the 46 prompt ids equal HF's (58 tokens/s, 24 of 24 match).
"""
import ctypes, glob, importlib.util, json, os, subprocess, sys, time  # noqa: E401  (kept short)
from pathlib import Path

run = Path(sys.argv[1]).resolve()
prompt = sys.argv[2] if len(sys.argv) > 2 else "Help please: my Fernbrook kettle will not boil. Please advise. - Sam"
N, THREADS = 24, int(os.environ.get("THREADS", "2"))
libs = os.environ.get("LLAMA_LIBS", "/tmp/trixie-libs/usr/lib/x86_64-linux-gnu")
so = glob.glob(str(Path(sys.executable).parent.parent / "lib/python3*/site-packages/llama/_llama_cpp_cpu*.so"))[0]

# The cffi module itself: `import llama` runs its __init__, which imports transformers and the Hub.
spec = importlib.util.spec_from_file_location("_llama_cpp_cpu", so)
try:
    binding = importlib.util.module_from_spec(spec)
except ImportError as e:  # libstdc++ too old: once, re-run under the newer loader and libraries
    if "undefined symbol" not in str(e) or os.environ.get("LLAMA_REEXEC") or not os.path.isdir(libs):
        raise
    os.environ["LLAMA_REEXEC"] = "1"
    loader = libs + "/ld-linux-x86-64.so.2"
    os.execv(loader, [loader, "--library-path", libs, sys.executable, *sys.argv])
spec.loader.exec_module(binding)
lib, ffi = binding.lib, binding.ffi


@ffi.def_extern()  # llama.cpp logs everything to stderr by default; keep warnings and errors (why a load fails)
def llama_cpp_cffi_ggml_log_callback(level, text, user_data):
    if level in (3, 4):  # GGML_LOG_LEVEL_WARN, _ERROR
        sys.stderr.write(ffi.string(text).decode(errors="replace"))

lib.llama_log_set(lib.llama_cpp_cffi_ggml_log_callback, ffi.NULL), lib.llama_backend_init()

# PyTorch first, in the project's venv: the prompt as training formatted it (chat template), its ids and
# its greedy continuation, without the EOS (llama.cpp's loop stops before it too).
TORCH = r"""
import json, sys, time, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
sys.path.insert(0, sys.argv[3])
from finetune.tasks.generation import prompt_tokens
tok = AutoTokenizer.from_pretrained(sys.argv[1]); model = AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.float32).eval()
torch.set_num_threads(int(sys.argv[5])); ids = prompt_tokens(tok, sys.argv[2]); start = time.perf_counter()
out = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long), max_new_tokens=int(sys.argv[4]),
                     do_sample=False, pad_token_id=tok.eos_token_id)[0, len(ids):].tolist()
seconds = time.perf_counter() - start; out = out[:out.index(tok.eos_token_id)] if tok.eos_token_id in out else out
print(json.dumps({"prompt": tok.decode(ids), "ids": ids, "out": out, "text": tok.decode(out), "s": seconds}))
"""
project = Path(__file__).resolve().parent.parent
done = subprocess.run([str(project / ".venv/bin/python"), "-c", TORCH, str(run / "model"), prompt, str(project),
                       str(N), str(THREADS)], capture_output=True, text=True)
ref = json.loads(done.stdout.splitlines()[-1]) if done.returncode == 0 else print(done.stderr[-1500:])

c = ctypes.CDLL(so)  # the build-info globals are exported data, which cffi's lib does not list
print("llama.cpp build", ctypes.c_int.in_dll(c, "LLAMA_BUILD_NUMBER").value, ctypes.c_char_p.in_dll(c, "LLAMA_COMMIT").value.decode(),
      "|", ctypes.c_char_p.in_dll(c, "LLAMA_COMPILER").value.decode(), "|", ffi.string(lib.llama_print_system_info()).decode().strip())
gguf = run / "model" / "gguf" / "model.gguf"
model = lib.llama_model_load_from_file(str(gguf).encode(), lib.llama_model_default_params())
if model == ffi.NULL:
    sys.exit("llama.cpp could not load the file: see its error above")
desc, pre, text = ffi.new("char[128]"), ffi.new("char[128]"), ffi.new("char[256]")
lib.llama_model_desc(model, desc, 128), lib.llama_model_meta_val_str(model, b"tokenizer.ggml.pre", pre, 128)
print(f"GGUF {gguf.stat().st_size / 2**20:.1f} MiB: {ffi.string(desc).decode()}, tokenizer.ggml.pre={ffi.string(pre).decode()}")
vocab = lib.llama_model_get_vocab(model)
cparams = lib.llama_context_default_params()
cparams.n_ctx, cparams.n_threads, cparams.n_threads_batch = 512, THREADS, THREADS
ctx = lib.llama_init_from_model(model, cparams)

rendered = (ref["prompt"] if ref else prompt).encode()
buf = ffi.new("int32_t[1024]")  # parse_special: <|im_start|> is one token, as in the HF tokenizer
ids = [buf[i] for i in range(lib.llama_tokenize(vocab, rendered, len(rendered), buf, 1024, False, True))]
piece = lambda t: ffi.buffer(text, lib.llama_token_to_piece(vocab, t, text, 256, 0, True))[:]  # noqa: E731
if ref and ids != ref["ids"]:
    at = next(i for i, (a, b) in enumerate(zip(ids + [-1], ref["ids"] + [-2])) if a != b)
    print(f"prompt tokens differ from position {at}: llama.cpp {[piece(t) for t in ids[at:at + 3]]} "
          f"vs HF {[piece(t) for t in ref['ids'][at:at + 3]]}; generating from the HF ids")
    ids = ref["ids"]
elif ref:
    print(f"prompt: {len(ids)} tokens, same ids as the HF tokenizer")

sampler = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())
lib.llama_sampler_chain_add(sampler, lib.llama_sampler_init_greedy())  # argmax, as do_sample=False
keep = [ffi.new("int32_t[]", ids)]  # the batch points into these arrays: keep them alive
batch, out, start = lib.llama_batch_get_one(keep[0], len(ids)), [], time.perf_counter()
while len(out) < N:
    if lib.llama_decode(ctx, batch) != 0:
        sys.exit("llama_decode failed")
    token = lib.llama_sampler_sample(sampler, ctx, -1)
    if lib.llama_vocab_is_eog(vocab, token):
        break
    out.append(token)
    keep.append(ffi.new("int32_t[1]", [token]))
    batch = lib.llama_batch_get_one(keep[-1], 1)
seconds = time.perf_counter() - start
print(f"llama.cpp: {b''.join(piece(t) for t in out).decode(errors='replace')!r}")
print(f"llama.cpp: {len(out)} tokens in {seconds:.2f} s = {len(out) / seconds:.1f} tokens/s (f16, {THREADS} threads, prompt included)")
if ref:
    print(f"pytorch:   {ref['text']!r}")
    print(f"pytorch:   {len(ref['out'])} tokens in {ref['s']:.2f} s = {len(ref['out']) / ref['s']:.1f} tokens/s (fp32)")
    same = next((i for i, (a, b) in enumerate(zip(out, ref["out"])) if a != b), min(len(out), len(ref["out"])))
    print(f"greedy tokens: the first {same} match" + (", all of them" if out == ref["out"] else ""))
lib.llama_sampler_free(sampler), lib.llama_free(ctx), lib.llama_model_free(model)
