"""The JSON-lines progress protocol (src/train/job.ts TrainerEventSchema): the only thing the trainer
writes to stdout. Everything else (library prints, warnings) is moved to stderr at start-up."""
from __future__ import annotations

import json
import math
import os
import sys
from typing import Any, TextIO

from transformers import TrainerCallback

_proto: TextIO | None = None


def claim_stdout() -> None:
    """Keep fd 1 for protocol lines and point everything else that writes to stdout at stderr."""
    global _proto
    if _proto is not None:
        return
    _proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr


def emit(event: dict[str, Any]) -> None:
    out = _proto or sys.stdout
    out.write(json.dumps(event, allow_nan=False) + "\n")
    out.flush()


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


# TRL's per-step numbers carried in `components` beside the reward's own: the spread of the rewards (a
# GRPO step learns only from groups whose rewards differ), the completions' mean length and the share cut
# by maxCompletionLength (a cut call never parses), and the wall time of the step.
_STEP_STATS = {"reward_std": "reward_std", "completions/mean_length": "completion_tokens", "completions/clipped_ratio": "clipped",
               "step_time": "step_seconds"}


class ProgressCallback(TrainerCallback):
    """One `step` event per optimizer step; held back until the checkpoint of that step (if any) is on disk,
    so a heartbeat never names a checkpoint that does not exist yet."""

    def __init__(self, phase: str):
        self.phase = phase
        self.pending: dict[str, Any] | None = None
        self.curve: list[dict[str, Any]] = []

    def _event(self, state, logs: dict[str, Any]) -> dict[str, Any]:
        components = {k.split("/", 1)[1]: float(v) for k, v in logs.items() if k.startswith(("components/", "rollouts/")) and _num(v) is not None}
        for key, name in _STEP_STATS.items():
            if _num(logs.get(key)) is not None:
                components[name] = float(logs[key])
        return {
            "event": "step", "phase": self.phase, "step": int(state.global_step),
            "reward": _num(logs.get("reward")), "loss": _num(logs.get("loss")),
            "components": components, "call_rate": _num(logs.get("components/call_rate")), "checkpoint": None,
        }

    def _flush(self) -> None:
        if self.pending is not None:
            emit(self.pending)
            self.curve.append({k: v for k, v in self.pending.items() if k != "event"})
            self.pending = None

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not logs or ("loss" not in logs and "reward" not in logs):
            return  # the end-of-training summary (train_runtime...) is not a step
        self._flush()
        self.pending = self._event(state, logs)
        if not control.should_save:
            self._flush()

    def on_save(self, args, state, control, **kwargs):
        if self.pending is not None:
            self.pending["checkpoint"] = os.path.join(args.output_dir, f"checkpoint-{state.global_step}")
        self._flush()

    def on_train_end(self, args, state, control, **kwargs):
        self._flush()
