"""Fine-Tune Studio: `python app.py [--host 127.0.0.1] [--port 7860]`."""
import argparse
import os

# Before gradio / huggingface_hub are imported: no telemetry, no calls home on start.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from finetune.hosting.background import start_background  # noqa: E402
from finetune.control.warm_pool import prewarm  # noqa: E402
from finetune.ui import CSS, MAX_UPLOAD_MB, build_app  # noqa: E402

demo = build_app()

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Fine-Tune Studio")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)))
    args = parser.parse_args()
    start_background()  # on a Space / in demo mode: the clean-up, and the demo run trained once
    prewarm()  # a training process with torch and transformers imported, so Start does not wait ~7 s
    demo.launch(server_name=args.host, server_port=args.port, css=CSS, max_file_size=f"{MAX_UPLOAD_MB}mb",
                run_history=False)
