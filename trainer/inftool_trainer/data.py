"""Reads the verify stage's outputs (rl_prompts.jsonl, trajectories.jsonl) and turns them into the two
training sets: SFT examples with a policy-token mask, and GRPO prompts with their reference calls."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from .chat_format import HERMES, ChatFormat
from .job import BadJob


def read_jsonl(path: str | Path, what: str) -> Iterator[tuple[int, dict[str, Any]]]:
    p = Path(path)
    if not p.exists():
        raise BadJob(f"{what} file {p} does not exist: check the job's path")
    with p.open() as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as e:
                raise BadJob(f"{what} file {p}, line {lineno}: not JSON ({e.msg})") from None


def _require(obj: dict, fields: tuple[str, ...], where: str) -> None:
    missing = [f for f in fields if f not in obj]
    if missing:
        raise BadJob(f"{where}: missing field(s) {', '.join(missing)}")


def load_rl_prompts(path: str | Path, fmt: ChatFormat = HERMES) -> list[dict[str, Any]]:
    """Train-split RL prompts as GRPO rows: prompt text plus the columns the reward reads."""
    rows = []
    for lineno, obj in read_jsonl(path, "RL prompts"):
        _require(obj, ("id", "category", "messages", "tools", "reference"), f"RL prompts file {path}, line {lineno}")
        if obj.get("split", "train") != "train":
            continue
        rows.append({
            "prompt": fmt.render_prompt(obj["messages"], obj["tools"]),
            "prompt_id": obj["id"],
            "category": obj["category"],
            # JSON text: datasets (arrow) cannot hold the ragged, mixed-type schemas and reference values.
            "tools_json": json.dumps(obj["tools"]),
            "reference_json": json.dumps(obj["reference"]),
        })
    if not rows:
        raise BadJob(f"RL prompts file {path} has no line with split=train: nothing for GRPO to train on")
    return rows


def tokenize_conversation(tokenizer, messages: list[dict], tools: list[dict], max_length: int, fmt: ChatFormat = HERMES) -> dict[str, list[int]]:
    """input_ids and assistant_masks (1 = the policy wrote this token). Segments are tokenized one by one
    so a mask boundary never falls inside a token; user turns and tool results are always 0."""
    ids: list[int] = []
    mask: list[int] = []
    for text, is_policy in fmt.render_segments(messages, tools):
        seg = tokenizer(text, add_special_tokens=False)["input_ids"]
        ids.extend(seg)
        mask.extend([1 if is_policy else 0] * len(seg))
    return {"input_ids": ids[:max_length], "assistant_masks": mask[:max_length]}


def load_sft_examples(path: str | Path, tokenizer, max_length: int, fmt: ChatFormat = HERMES) -> list[dict[str, list[int]]]:
    examples = []
    for lineno, obj in read_jsonl(path, "trajectories"):
        _require(obj, ("messages", "tools"), f"trajectories file {path}, line {lineno}")
        if obj.get("accepted") is False or obj.get("failure"):
            continue  # only verified trajectories teach the cold start
        ex = tokenize_conversation(tokenizer, obj["messages"], obj["tools"], max_length, fmt)
        if 1 in ex["assistant_masks"]:
            examples.append(ex)
    if not examples:
        raise BadJob(f"trajectories file {path} has no accepted trajectory with an assistant turn within {max_length} tokens")
    return examples
