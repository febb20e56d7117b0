"""Reads the verify stage's outputs (rl_prompts.jsonl, trajectories.jsonl) and turns them into the two
training sets: SFT examples with a policy-token mask, and GRPO prompts with their reference calls."""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Callable, Iterator

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


def sample_lines(path: str | Path, what: str, cap: int, seed: int, keep: Callable[[dict[str, Any]], bool]) -> tuple[list[int], int]:
    """Line numbers of at most `cap` rows that pass `keep`, drawn uniformly (reservoir sampling, seeded) in one
    pass and returned in file order, with the number of rows that passed. Only line numbers are held, so a file of
    a million rows costs `cap` integers; a file with at most `cap` such rows gives all of them, in order."""
    rng = random.Random(seed)
    chosen: list[int] = []
    seen = 0
    for lineno, obj in read_jsonl(path, what):
        if not keep(obj):
            continue
        seen += 1
        if len(chosen) < cap:
            chosen.append(lineno)
        else:
            j = rng.randrange(seen)
            if j < cap:
                chosen[j] = lineno
    return sorted(chosen), seen


def read_lines(path: str | Path, what: str, linenos: list[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows at the given (sorted) line numbers, read in a second pass."""
    want = set(linenos)
    for lineno, obj in read_jsonl(path, what):
        if lineno in want:
            yield lineno, obj


def _require(obj: dict, fields: tuple[str, ...], where: str) -> None:
    missing = [f for f in fields if f not in obj]
    if missing:
        raise BadJob(f"{where}: missing field(s) {', '.join(missing)}")


def load_rl_prompts(path: str | Path, fmt: ChatFormat = HERMES, cap: int | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """Train-split RL prompts as GRPO rows: prompt text plus the columns the reward reads. With `cap`, at most that
    many, a seeded uniform sample in file order (a GRPO run consumes steps x prompts per step of them)."""
    is_train = lambda obj: obj.get("split", "train") == "train"  # noqa: E731
    if cap is None:
        lines = ((n, o) for n, o in read_jsonl(path, "RL prompts") if is_train(o))
    else:
        picked, _ = sample_lines(path, "RL prompts", cap, seed, is_train)
        lines = read_lines(path, "RL prompts", picked)
    rows = []
    for lineno, obj in lines:
        _require(obj, ("id", "category", "messages", "tools", "reference"), f"RL prompts file {path}, line {lineno}")
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


def _accepted(obj: dict[str, Any]) -> bool:
    return obj.get("accepted") is not False and not obj.get("failure")  # only verified trajectories teach the cold start


def iter_sft_examples(path: str | Path, tokenizer, max_length: int, fmt: ChatFormat = HERMES, cap: int | None = None, seed: int = 0) -> Iterator[dict[str, list[int]]]:
    """Tokenized SFT examples, one at a time. With `cap`, at most that many trajectories (a seeded uniform sample in
    file order: SFT consumes steps x batch size of them), so nothing here grows with the file."""
    if cap is None:
        lines = read_jsonl(path, "trajectories")
    else:
        picked, _ = sample_lines(path, "trajectories", cap, seed, _accepted)
        lines = read_lines(path, "trajectories", picked)
    for lineno, obj in lines:
        _require(obj, ("messages", "tools"), f"trajectories file {path}, line {lineno}")
        if not _accepted(obj):
            continue
        ex = tokenize_conversation(tokenizer, obj["messages"], obj["tools"], max_length, fmt)
        if 1 in ex["assistant_masks"]:
            yield ex


def load_sft_examples(path: str | Path, tokenizer, max_length: int, fmt: ChatFormat = HERMES, cap: int | None = None, seed: int = 0) -> list[dict[str, list[int]]]:
    examples = list(iter_sft_examples(path, tokenizer, max_length, fmt, cap, seed))
    if not examples:
        raise BadJob(f"trajectories file {path} has no accepted trajectory with an assistant turn within {max_length} tokens")
    return examples
