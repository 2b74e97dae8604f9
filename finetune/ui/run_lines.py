"""A followed run in words: the status line while it trains, the line when it ends, the progress bar and
its health warnings (what the Train tab shows on each timer tick)."""
from __future__ import annotations

from ..runs.events import pace
from ..runs.records import RunStatus
from ..services.verdict import run_verdict
from .followed_run import FollowedRun
from .messages import as_text, error_box


def health_lines(run: FollowedRun) -> str:
    return "\n".join(f"**Warning:** {as_text(e['message'])}  " for e in run.health)


def status_line(run: FollowedRun) -> str:
    estimated = f" · estimated {duration(run.estimate_s)} for the whole run" if run.estimate_s else ""
    if not run.logs:
        return f"{as_text(run.stage or 'Starting')}…{estimated}"
    last, eta = run.logs[-1], pace(run.first_log, run.logs[-1])
    shown = ""
    if eta:
        samples = f" · {eta[1] * run.samples_per_step:.1f} samples/s" if run.samples_per_step else ""
        shown = f" · about {duration(eta[0])} left · {eta[1]:.2f} steps/s{samples}"  # the live pace replaces the estimate
    else:
        shown = estimated
    stage = run.stage if run.stage.startswith("Training") else f"Training ({run.stage})"  # not "Training: Training on"
    return f"{as_text(stage)} · step {last['step']}/{last['max_steps']} · loss {last['loss']:.4f}{shown}"


def final_line(run: FollowedRun, status: RunStatus) -> str:
    if status.status == "failed":
        return error_box("Training failed: " + (run.error or status.error))
    verdict = run_verdict(run.run_dir) if status.results else None
    judged = f" **{as_text(verdict.line)}**" if verdict else ""
    if status.status == "stopped":
        return (f"**{as_text(verdict.line)}** {as_text(verdict.next_step)}" if verdict else
                "Stopped early. The model reached so far is saved and usable in the Playground; Resume continues it.")
    return f"Finished.{judged} Try the model in the Playground tab."


def progress_bar(run: FollowedRun, done: bool = False) -> str:
    last = run.logs[-1] if run.logs else None
    share = 1.0 if done and run.status == "finished" else (last["step"] / last["max_steps"] if last else 0.0)
    return (f'<div class="ft-progress"><div style="width:{share * 100:.1f}%"></div></div>'
            f'<span>{share * 100:.0f}%</span>')


def duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


PROGRESS_CSS = """
.ft-progress { display:inline-block; width:85%; height:12px; background:#eee; border-radius:6px; overflow:hidden;
               vertical-align:middle; margin-right:8px; }
.ft-progress > div { height:100%; background:#2b7bd6; transition: width .5s; }
"""
