"""Who is asking: the browser keeps a server-signed visitor id (gr.BrowserState); every handler that takes
a run turns the value it is sent into a verified owner here, and a forged or missing value is nobody.

On page load the page gets its id: the one it kept when its signature checks, else a fresh one; where the
Space enables "Sign in with HF" (hf_oauth: true sets OAUTH_CLIENT_ID) the signed-in username instead.
The checks themselves are finetune/hosting/owners.py.
"""
from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import gradio as gr

from ..errors import ConfigError
from ..hosting import gate, owners
from .messages import user_error


def render() -> gr.BrowserState:
    """The id's BrowserState (top level of the Blocks), and the sign-in button where the Space offers it."""
    if oauth_enabled():
        gr.LoginButton(elem_id="hf-login")
    return gr.BrowserState("", storage_key="finetune-studio-visitor")


def oauth_enabled() -> bool:
    return bool(os.environ.get("OAUTH_CLIENT_ID") and os.environ.get("SPACE_ID"))  # a Space with hf_oauth: true


def issue(token: str | None, profile: gr.OAuthProfile | None = None, request: gr.Request = None) -> str:
    """On load: the kept id when it is signed by this server and not expired (and names the signed-in user,
    if any); else a fresh one, at most owners.ids_per_hour() an hour per client address ("" past that)."""
    owner = owners.verify(token)
    if profile is not None and getattr(profile, "username", None):
        return token if owner == f"hf:{profile.username}" else owners.issue_id(profile.username, client=client(request))
    if owner is not None and not owner.startswith("hf:"):
        return token
    return owners.issue_id(client=client(request))  # new here, forged, expired or signed out


def client(request: gr.Request | None) -> str | None:
    """The visitor's public address, None where none is known. Behind a Space's proxy request.client.host
    is the proxy's (uvicorn trusts X-Forwarded-For only from 127.0.0.1), so there the proxy's
    X-Forwarded-For counts: its last public address is the one the proxy itself saw (earlier entries are
    whatever the client sent). A private or loopback address could be every visitor's (the proxy, a test):
    it is not counted as one client."""
    if request is None:
        return None
    forwarded = (request.headers.get("x-forwarded-for") or "") if owners.hosted() else ""
    host = getattr(getattr(request, "client", None), "host", None)
    for part in [*reversed([p.strip() for p in forwarded.split(",") if p.strip()]), str(host or "")]:
        try:
            if ipaddress.ip_address(part).is_global:
                return part
        except ValueError:
            continue
    return None


def owner(token) -> str | None:
    """The verified owner of a browser-sent id, None for a missing or forged one."""
    return owners.verify(token)


def run_dir(token, name, change: bool = False) -> Path:
    """The run folder a browser-sent run name (or path) means, when this visitor may read it (change:
    also stop, delete, download it); gr.Error reading as 'no such run' otherwise."""
    try:
        return gate.run_for(owner(token), name, change=change)
    except ConfigError as e:
        raise user_error(e) from None
