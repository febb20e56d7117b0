"""The Temporal activity `trainPolicy`. In temporalio's ActivityEnvironment: it heartbeats each step with the
checkpoint, and a retried attempt resumes from the previous attempt's last heartbeat. On a real Temporal dev
server (the CLI the TypeScript side installs): the worker process connects through Temporal's environment
configuration, a bad job fails once and non-retryably as `BadInput` (the local backend's type), and a
5,000-step curve enters history thinned."""
import asyncio
import json
import os
import shutil
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowFailureError
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from inftool_trainer import tiny_fixture
from inftool_trainer import worker as worker_module
from inftool_trainer.worker import connect_config, thin_curve, train_policy

REPO_ROOT = Path(__file__).resolve().parents[2]


def _job(tiny_world, out, steps):
    return tiny_fixture.tiny_job(tiny_world, out, sft={"enabled": False}, grpo={"maxSteps": steps})


def test_train_policy_heartbeats_steps_with_checkpoints(tiny_world, tmp_path):
    env = ActivityEnvironment()
    beats = []
    env.on_heartbeat = lambda *details: beats.append(details[0])
    result = asyncio.run(env.run(train_policy, _job(tiny_world, tmp_path / "out", 2)))
    steps = [b for b in beats if "step" in b]  # periodic beats repeat the latest step: count each once
    assert sorted({b["step"] for b in steps}) == [1, 2] and all(b["checkpoint"] for b in steps)
    assert result["steps"] == 2 and len(result["curve"]) == 2 and result["model"] is None
    assert result["policy"]["adapterPath"].endswith("final")
    json.dumps(result)  # travels through workflow history as JSON


def test_retry_resumes_from_the_heartbeat_checkpoint(tiny_world, tmp_path):
    out = tmp_path / "out"
    first = ActivityEnvironment()
    asyncio.run(first.run(train_policy, _job(tiny_world, out, 2)))
    checkpoint = str(out / "grpo" / "checkpoint-2")
    # A second attempt of a longer job, as Temporal would deliver it after a crash: heartbeat details set.
    import shutil
    shutil.rmtree(out / "grpo" / "final")
    retry = ActivityEnvironment()
    retry.info = retry.info.__class__(**{**retry.info.__dict__, "attempt": 2, "heartbeat_details": [{"step": 2, "checkpoint": checkpoint}]})
    beats = []
    retry.on_heartbeat = lambda *d: beats.append(d[0])
    result = asyncio.run(retry.run(train_policy, _job(tiny_world, out, 3)))
    assert {b["step"] for b in beats if "step" in b} == {3}
    assert any("resuming from" in b.get("message", "") and "checkpoint-2" in b["message"] for b in beats)
    assert result["steps"] == 3


def test_invalid_job_is_non_retryable(tmp_path):
    with pytest.raises(ApplicationError) as e:
        asyncio.run(ActivityEnvironment().run(train_policy, {"outputDir": str(tmp_path)}))
    assert e.value.non_retryable and e.value.type == "BadInput" and "rlPromptsPath" in str(e.value)


def test_missing_input_is_bad_input_but_a_crash_is_retried(tiny_world, tmp_path, monkeypatch):
    job = _job({**tiny_world, "rlPromptsPath": str(tmp_path / "missing.jsonl")}, tmp_path / "out", 2)
    with pytest.raises(ApplicationError) as e:
        asyncio.run(ActivityEnvironment().run(train_policy, job))
    assert e.value.non_retryable and e.value.type == "BadInput" and "missing.jsonl does not exist" in str(e.value)
    # A ValueError the trainer did not raise about its job (here: from inside the "library") is retried.
    crash = "import json; print(json.dumps({'event': 'error', 'message': 'ValueError: shape mismatch'})); raise SystemExit(1)"
    monkeypatch.setattr(worker_module, "_trainer_command", lambda *_: [sys.executable, "-c", crash])
    with pytest.raises(ApplicationError) as e:
        asyncio.run(ActivityEnvironment().run(train_policy, _job(tiny_world, tmp_path / "out2", 2)))
    assert not e.value.non_retryable and e.value.type == "TrainingError" and "shape mismatch" in str(e.value)


def test_thin_curve_keeps_200_evenly_picked_points_with_their_index():
    points = [{"phase": "grpo", "step": i + 1} for i in range(5000)]
    thin = thin_curve(points)
    assert len(thin) == 200 and thin[0]["index"] == 0 and thin[1]["index"] == 25 and thin[-1]["index"] == 4975
    assert all(p["step"] == p["index"] + 1 for p in thin)
    assert thin_curve(points[:200]) == points[:200]


def test_connect_config_follows_temporal_envconfig(tmp_path):
    assert connect_config({}) == {"target_host": "127.0.0.1:7233", "namespace": "default"}
    env = {"TEMPORAL_ADDRESS": "tmprl.example:7233", "TEMPORAL_NAMESPACE": "ns1", "TEMPORAL_API_KEY": "secret"}
    assert connect_config(env) == {"target_host": "tmprl.example:7233", "namespace": "ns1", "api_key": "secret", "tls": True}
    profile = tmp_path / "temporal.toml"
    profile.write_text('[profile.gpu]\naddress = "gpu-frontend:7233"\nnamespace = "training"\n')
    cfg = connect_config({"TEMPORAL_CONFIG_FILE": str(profile), "TEMPORAL_PROFILE": "gpu"})
    assert cfg["target_host"] == "gpu-frontend:7233" and cfg["namespace"] == "training"


# --- On a real Temporal dev server ---------------------------------------------------------------------------

NAMESPACE = "inftool-trainer-test"
# src/workflows/options.ts `train`: what the cycle workflow schedules trainPolicy with.
TRAIN_RETRY = RetryPolicy(maximum_attempts=20, initial_interval=timedelta(seconds=5), backoff_coefficient=2,
                          maximum_interval=timedelta(minutes=5), non_retryable_error_types=["ConfigError", "BadInput", "NothingToTrain"])


def _temporal_cli() -> str | None:
    for candidate in (os.environ.get("INFTOOL_TEMPORAL_CLI"), str(REPO_ROOT / ".cache" / "temporal" / "1.5.1" / "temporal"), shutil.which("temporal")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@workflow.defn(name="trainOnce")
class TrainOnce:
    """Schedules trainPolicy by name on the trainer's queue, as src/workflows/cycle.ts does."""

    @workflow.run
    async def run(self, queue: str, job: dict, heartbeat_s: int = 30) -> dict:
        return await workflow.execute_activity(
            "trainPolicy", job, task_queue=queue, start_to_close_timeout=timedelta(minutes=10),
            heartbeat_timeout=timedelta(seconds=heartbeat_s), retry_policy=TRAIN_RETRY,
        )


@pytest.fixture(scope="module")
def server():
    cli = _temporal_cli()
    if cli is None:
        pytest.skip("no Temporal CLI (run the TypeScript set-up, or set INFTOOL_TEMPORAL_CLI)")

    async def start():
        return await WorkflowEnvironment.start_local(namespace=NAMESPACE, dev_server_existing_path=cli)

    loop = asyncio.new_event_loop()
    env = loop.run_until_complete(start())
    yield loop, env
    loop.run_until_complete(env.shutdown())
    loop.close()


async def _run_train_once(env, job: dict, queue: str) -> tuple[object, list]:
    """Runs TrainOnce to its end; returns (result or the failure, the workflow's history events)."""
    wf_queue = f"wf-{uuid.uuid4().hex[:8]}"
    async with Worker(env.client, task_queue=wf_queue, workflows=[TrainOnce], workflow_runner=UnsandboxedWorkflowRunner()):
        handle = await env.client.start_workflow(TrainOnce.run, args=[queue, job], id=f"train-{uuid.uuid4().hex[:8]}",
                                                 task_queue=wf_queue, execution_timeout=timedelta(minutes=5))
        try:
            outcome: object = await handle.result()
        except WorkflowFailureError as e:
            outcome = e
        history = await handle.fetch_history()
    return outcome, list(history.events)


def _attempts(events) -> list[int]:
    return [e.activity_task_started_event_attributes.attempt for e in events if e.HasField("activity_task_started_event_attributes")]


def test_remote_bad_job_fails_once_as_bad_input(server, tiny_world, tmp_path):
    """The worker as a process, pointed at the server only by TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE."""
    loop, env = server
    queue = f"train-{uuid.uuid4().hex[:8]}"
    address = env.client.service_client.config.target_host
    proc = subprocess.Popen(
        [sys.executable, "-m", "inftool_trainer.worker", "--task-queue", queue], cwd=str(REPO_ROOT / "trainer"),
        env={**os.environ, "TEMPORAL_ADDRESS": address, "TEMPORAL_NAMESPACE": NAMESPACE}, stderr=subprocess.PIPE, text=True,
    )
    try:
        banner = proc.stderr.readline()
        assert f"on {address} (namespace {NAMESPACE})" in banner, banner
        jobs = {
            "invalid job": {**_job(tiny_world, tmp_path / "a", 2), "outputDir": ""},
            "missing input": _job({**tiny_world, "rlPromptsPath": str(tmp_path / "gone.jsonl")}, tmp_path / "b", 2),
        }
        for what, job in jobs.items():
            outcome, events = loop.run_until_complete(_run_train_once(env, job, queue))
            assert isinstance(outcome, WorkflowFailureError), f"{what}: {outcome!r}"
            activity_error = outcome.cause
            assert isinstance(activity_error, ActivityError) and isinstance(activity_error.cause, ApplicationError)
            app = activity_error.cause
            assert app.type == "BadInput" and app.non_retryable, f"{what}: {app.type} {app.non_retryable}"
            assert _attempts(events) == [1], f"{what}: attempts {_attempts(events)}"
    finally:
        proc.kill()
        proc.wait()


FAKE_TRAINER = """
import json
for i in range(5000):
    print(json.dumps({"event": "step", "phase": "grpo", "step": i + 1, "reward": 0.5, "loss": 0.1,
                      "components": {"acted": 1.0, "call_count_ok": 1.0, "function_match": 1.0, "argument_match": 0.5},
                      "call_rate": 1.0, "checkpoint": None}))
print(json.dumps({"event": "done", "model": None, "steps": 5000, "policy": {"kind": "hf", "path": "m", "adapterPath": "a"}}))
"""


def test_a_5000_step_curve_crosses_history_thinned(server, tiny_world, tmp_path, monkeypatch):
    """The trainer process is the edge replaced here: it prints 5,000 protocol step lines."""
    loop, env = server
    monkeypatch.setattr(worker_module, "_trainer_command", lambda *_: [sys.executable, "-c", FAKE_TRAINER])
    queue = f"train-{uuid.uuid4().hex[:8]}"

    async def run():
        async with Worker(env.client, task_queue=queue, activities=[train_policy]):
            return await _run_train_once(env, _job(tiny_world, tmp_path / "out", 2), queue)

    result, events = loop.run_until_complete(run())
    assert isinstance(result, dict) and result["steps"] == 5000 and len(result["curve"]) == 200
    assert [p["index"] for p in result["curve"][:3]] == [0, 25, 50]
    completed = [e for e in events if e.HasField("activity_task_completed_event_attributes")]
    payload = completed[0].activity_task_completed_event_attributes.result.payloads[0].data
    assert len(payload) < 100_000, f"{len(payload)} bytes of curve in history"



def test_a_slow_model_load_stays_alive_past_the_heartbeat_timeout(server, tiny_world, tmp_path, monkeypatch):
    """A trainer that prints nothing until `hold` goes away (a long model load): the worker's periodic beats
    keep the attempt alive past its 3 s heartbeat timeout, and it completes on its first attempt."""
    loop, env = server
    hold = tmp_path / "hold"
    hold.write_text("")
    slow = (f"import json, os, time\nwhile os.path.exists({str(hold)!r}): time.sleep(0.05)\n"
            "print(json.dumps({'event': 'done', 'model': None, 'steps': 0, 'policy': None}))")
    monkeypatch.setattr(worker_module, "_trainer_command", lambda *_: [sys.executable, "-c", slow])
    queue = f"train-{uuid.uuid4().hex[:8]}"

    def secs(ts) -> float:
        return ts.seconds + ts.nanos / 1e9

    async def run():
        async with Worker(env.client, task_queue=queue, activities=[train_policy]):
            wf_queue = f"wf-{uuid.uuid4().hex[:8]}"
            async with Worker(env.client, task_queue=wf_queue, workflows=[TrainOnce], workflow_runner=UnsandboxedWorkflowRunner()):
                handle = await env.client.start_workflow(
                    TrainOnce.run, args=[queue, _job(tiny_world, tmp_path / "out", 2), 3], id=f"slow-{uuid.uuid4().hex[:8]}",
                    task_queue=wf_queue, execution_timeout=timedelta(minutes=5))
                for _ in range(600):  # until the server has seen beats for longer than the heartbeat timeout
                    pending = (await handle.describe()).raw_description.pending_activities
                    if pending and pending[0].attempt == 1 and pending[0].HasField("last_heartbeat_time") and \
                            secs(pending[0].last_heartbeat_time) - secs(pending[0].last_started_time) > 4:
                        break
                    await asyncio.sleep(0.1)
                else:
                    raise AssertionError("no heartbeats past the heartbeat timeout within 60 s")
                hold.unlink()
                result = await handle.result()
                return result, list((await handle.fetch_history()).events)

    result, events = loop.run_until_complete(run())
    assert result["steps"] == 0 and _attempts(events) == [1]
