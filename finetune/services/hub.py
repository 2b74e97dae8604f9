"""A push to the Hugging Face Hub: a model folder, or a shared demo as a Gradio Space. The token is used for
the call only, never stored, logged or echoed."""
from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from .export import PICKLES


def push_to_hub(model_dir, repo_id: str, token: str, private: bool = True) -> str:
    """Uploads the model folder; returns its URL. The token is used for this call only, never stored or logged."""
    return push_folder(model_dir, repo_id, token, private)


def push_space(app_dir, repo_id: str, token: str, private: bool = True) -> str:
    """Uploads a shared demo folder (share.write_share_app) as a Gradio Space; returns its URL."""
    return push_folder(app_dir, repo_id, token, private, space=True)


def push_folder(folder, repo_id: str, token: str, private: bool = True, space: bool = False) -> str:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    from ..models.catalog import hub_reachable

    if not repo_id.strip() or "/" not in repo_id:
        raise ConfigError("Name the repository as 'your-name/model-name'.")
    if not token.strip():
        raise ConfigError("Paste a Hugging Face token with write access (huggingface.co/settings/tokens).")
    if not hub_reachable():
        raise ConfigError("The Hugging Face Hub is not reachable from this machine, so nothing was uploaded. "
                          "Download the model zip instead and upload it where you have internet.")
    api = HfApi(token=token.strip())
    try:
        kind = {"repo_type": "space", "space_sdk": "gradio"} if space else {}
        api.create_repo(repo_id.strip(), private=private, exist_ok=True, **kind)
        api.upload_folder(folder_path=str(folder), repo_id=repo_id.strip(), commit_message="Fine-Tune Studio model",
                          ignore_patterns=list(PICKLES),  # pickles (training_args.bin) run code when loaded
                          repo_type="space" if space else None)
    except (HfHubHTTPError, OSError, ValueError) as e:
        message = str(e).replace(token.strip(), "***")  # never echo the token back, nor the server's paths
        for path in {str(Path(folder).resolve()), str(folder)}:
            message = message.replace(path, "model")
        raise ConfigError(f"Upload to {repo_id} failed: {(message.splitlines() or [type(e).__name__])[0]}") from None
    except Exception as e:  # httpx's connection and timeout errors are not OSErrors
        if type(e).__module__.split(".")[0] not in ("httpx", "httpcore", "requests", "urllib3"):
            raise
        raise ConfigError(f"Upload to {repo_id} failed: the Hub could not be reached ({type(e).__name__}). "
                          "Check the connection and try again, or download the model zip instead.") from None
    return f"https://huggingface.co/{'spaces/' if space else ''}{repo_id.strip()}"
