"""GRPO rollouts that can teach: flat groups (all rewards equal, no advantage) are sampled again, and a real
GRPO run on the tiny model under the runtime grammar sees varied rewards and logs the rollout metrics."""
import json
import os
import subprocess
import sys
from pathlib import Path

from inftool_trainer.rollouts import regroup

TRAINER_ROOT = Path(__file__).resolve().parent.parent


def test_regroup_replaces_a_flat_group_with_a_draw_that_varies_and_leaves_varied_groups_alone():
    asked: list[list[int]] = []

    def resample(idx):
        asked.append(idx)
        return [[9, k] for k in range(len(idx))], [0.0, 1.0][: len(idx)] + [0.0] * (len(idx) - 2)

    completions, rewards, stats = regroup([[1], [2], [3], [4]], [0.5, 1.0, 0.0, 0.0], 2, 2, resample)
    assert asked == [[2, 3]]  # only the flat second group
    assert completions == [[1], [2], [9, 0], [9, 1]] and rewards == [0.5, 1.0, 0.0, 1.0]
    assert stats == {"groups_with_advantage": 1.0, "flat_first_try": 0.5, "resampled_groups": 1.0}


def test_regroup_gives_up_on_a_group_that_stays_flat_and_counts_it():
    calls = []

    def resample(idx):
        calls.append(idx)
        return [[7]] * len(idx), [0.0] * len(idx)

    completions, rewards, stats = regroup([[1], [2]], [0.0, 0.0], 2, 3, resample)
    assert len(calls) == 3 and completions == [[1], [2]] and rewards == [0.0, 0.0]
    assert stats == {"groups_with_advantage": 0.0, "flat_first_try": 1.0, "resampled_groups": 3.0}


def _run(job_path):
    proc = subprocess.run([sys.executable, "-m", "inftool_trainer.train", "--job", str(job_path)], cwd=TRAINER_ROOT,
                          capture_output=True, text=True, timeout=600, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_grpo_under_the_runtime_grammar_sees_varied_rewards_and_logs_rollout_metrics(tiny_world, write_job):
    job, _ = write_job(tiny_world, chatFormat="runtime-json", sft={"enabled": False},
                       grpo={"maxSteps": 2, "groupSize": 4, "maxCompletionLength": 64, "resampleTries": 2})
    evs = _run(job)
    assert any(e["event"] == "info" and "under the runtime grammar" in e["message"] for e in evs)
    steps = [e for e in evs if e["event"] == "step"]
    assert [e["step"] for e in steps] == [1, 2]
    for e in steps:
        c = e["components"]
        assert {"reward_std", "groups_with_advantage", "flat_first_try", "resampled_groups", "gate_format", "call_rate", "step_seconds"} <= set(c)
        assert 0 <= c["groups_with_advantage"] <= 1 and c["step_seconds"] > 0
    varied = [e for e in steps if e["components"]["reward_std"] > 0]
    assert varied, f"no step saw varied rewards: {[e['components'] for e in steps]}"
    assert all(e["components"]["groups_with_advantage"] > 0 for e in varied)
    assert any(e["loss"] != 0 for e in varied)


def test_flat_groups_are_resampled_then_counted_as_without_advantage(tiny_world, write_job):
    # Unconstrained 4-token samples never make a call: every group scores alike (the demo's old failure).
    job, _ = write_job(tiny_world, sft={"enabled": False}, grpo={"maxSteps": 2, "groupSize": 2, "maxCompletionLength": 4, "resampleTries": 2})
    evs = _run(job)
    assert any(e["event"] == "info" and "unconstrained" in e["message"] for e in evs)
    for e in [e for e in evs if e["event"] == "step"]:
        c = e["components"]
        assert c["reward_std"] == 0 and c["flat_first_try"] == 1 and c["groups_with_advantage"] == 0
        assert c["resampled_groups"] == 2  # one group per step, drawn again twice
