"""The `temporal` train backend's GPU side: a Temporal worker that polls a training task queue and runs
the activity `trainPolicy` (one TrainJob in, {model, steps, curve, policy} out), heartbeating each step
and every few seconds in between. It fails the way the local backend does: `BadInput` (non-retryable) for
a job or inputs no retry can fix, `TrainingError` (retried) for anything else. The curve is thinned here,
before it enters workflow history, exactly as src/train/curve.ts thins the local one.

It finds Temporal like every other InfTool process, through Temporal's environment configuration
(TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE and the config file):

    TEMPORAL_ADDRESS=host:7233 TEMPORAL_NAMESPACE=default python -m inftool_trainer.worker --task-queue inftool-train
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import sys
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

TRAINER_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TASK_QUEUE = "inftool-train"
DEFAULT_ADDRESS = "127.0.0.1:7233"
# src/train/curve.ts curveForHistory's bound: a few thousand steps would otherwise near the 2 MB payload limit.
HISTORY_CURVE_POINTS = 200
# Between steps (model loading, a slow step) the activity still beats this often, so a dead worker is
# noticed within the heartbeat timeout, not after the first step (the SDK throttles what it sends).
HEARTBEAT_EVERY_S = 2.0


def thin_curve(points: list[dict], max_points: int = HISTORY_CURVE_POINTS) -> list[dict]:
    """At most `max_points`, picked evenly exactly as curveForHistory picks them; each kept point carries
    `index`, its position in the full curve, so the workflow numbers it as the local backend would."""
    if len(points) <= max_points:
        return points
    every = len(points) / max_points
    picked = [math.floor(i * every) for i in range(max_points)]
    return [{**points[i], "index": i} for i in picked]


def _resume_point(details: list[Any]) -> str | None:
    """The checkpoint named by the last heartbeat of a previous attempt, if any."""
    if not details:
        return None
    last = details[-1]
    if isinstance(last, dict) and isinstance(last.get("checkpoint"), str):
        return last["checkpoint"]
    return None


def _trainer_command(job_file: Path, resume: str | None) -> list[str]:
    args = [sys.executable, "-m", "inftool_trainer.train", "--job", str(job_file)]
    return args + ["--resume-from", resume] if resume else args


async def _beat_periodically(details: dict) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_EVERY_S)
        activity.heartbeat(dict(details))


@activity.defn(name="trainPolicy")
async def train_policy(job: dict) -> dict:
    from .job import BAD_INPUT, TRAINING_ERROR, BadJob, load_job

    try:
        parsed = load_job(job)
    except BadJob as e:
        raise ApplicationError(f"trainPolicy: {e}", type=BAD_INPUT, non_retryable=True) from None
    out = Path(parsed.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    job_file = out / "train-job.json"
    job_file.write_text(json.dumps(job))
    info = activity.info()
    resume = _resume_point(list(info.heartbeat_details or []))
    last_checkpoint = resume
    if resume:
        activity.logger.info("attempt %s resumes from %s", info.attempt, resume)
    proc = await asyncio.create_subprocess_exec(
        *_trainer_command(job_file, resume), cwd=str(TRAINER_ROOT), stdout=asyncio.subprocess.PIPE, stderr=None,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"},
    )
    curve: list[dict] = []
    done: dict | None = None
    error: str | None = None
    latest: dict = {"checkpoint": last_checkpoint}
    beating = asyncio.create_task(_beat_periodically(latest))
    try:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            line = raw.decode().strip()
            if not line:
                continue
            event = json.loads(line)
            kind = event.get("event")
            if kind == "step":
                point = {k: v for k, v in event.items() if k != "event"}
                curve.append(point)
                last_checkpoint = point.get("checkpoint") or last_checkpoint
                # The heartbeat carries the resume point: a retried attempt reads it from heartbeat_details.
                _beat(latest, {"phase": point["phase"], "step": point["step"], "reward": point.get("reward"),
                               "loss": point.get("loss"), "checkpoint": last_checkpoint})
            elif kind == "info":
                _beat(latest, {"message": event["message"], "checkpoint": last_checkpoint})
            elif kind == "done":
                done = event
            elif kind == "error":
                error = event["message"]
        code = await proc.wait()
    except asyncio.CancelledError:
        _kill(proc)
        await proc.wait()
        raise
    finally:
        beating.cancel()
    # Exit code 2 is the trainer's "bad job" (train.py raises BadJob only for the job and its inputs).
    if code == 2:
        raise ApplicationError(f"trainPolicy: trainer refused the job: {error}", type=BAD_INPUT, non_retryable=True)
    if error is not None:
        raise ApplicationError(f"trainer failed: {error}", type=TRAINING_ERROR)
    if code != 0 or done is None:
        raise ApplicationError(f"trainer exited with code {code} before reporting done (see the worker's stderr)", type=TRAINING_ERROR)
    return {"model": done["model"], "steps": done["steps"], "curve": thin_curve(curve), "policy": done.get("policy")}


def _beat(latest: dict, details: dict) -> None:
    """Heartbeats now, and makes `details` what the periodic beat repeats."""
    latest.clear()
    latest.update(details)
    activity.heartbeat(dict(details))


def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        try:
            proc.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass


def connect_config(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Client.connect's arguments from Temporal's environment configuration (temporalio.envconfig): the
    profile TEMPORAL_PROFILE names (default "default") in TEMPORAL_CONFIG_FILE or the default config file,
    overridden by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, as
    temporal/connection.ts resolves it for the TypeScript processes; no address at all = the local dev server."""
    from temporalio.envconfig import ClientConfigProfile

    profile = ClientConfigProfile.load(override_env_vars=env)
    config = dict(profile.to_client_connect_config())
    config.setdefault("target_host", DEFAULT_ADDRESS)
    config.setdefault("namespace", "default")
    return config


async def run_worker(task_queue: str) -> None:
    from temporalio.client import Client
    from temporalio.worker import Worker

    config = connect_config()
    client = await Client.connect(**config)
    # One training job per GPU machine at a time.
    worker = Worker(client, task_queue=task_queue, activities=[train_policy], max_concurrent_activities=1)
    where = f"{config['target_host']} (namespace {config['namespace']}{', TLS' if config.get('tls') else ''})"
    print(f"inftool trainer worker: polling task queue '{task_queue}' on {where}", file=sys.stderr)
    await worker.run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inftool_trainer.worker", description=__doc__)
    parser.add_argument("--task-queue", default=os.environ.get("INFTOOL_TRAIN_TASK_QUEUE", DEFAULT_TASK_QUEUE))
    ns = parser.parse_args(argv)
    asyncio.run(run_worker(ns.task_queue))
    return 0


if __name__ == "__main__":
    sys.exit(main())
