"""The gated reward GRPO trains on: 0 unless the completion's tool calls pass the format and schema gates,
then graded credit for matching the reference under BFCL's checker rules. A port of src/eval/reward.ts
(gatedReward; its header is the exact specification); test/vectors/reward-vectors.jsonl keeps the two identical.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from jsonschema import Draft7Validator
from jsonschema.exceptions import SchemaError

from .bfcl_checker import simple_function_checker, tool_to_function_doc
from .job import RewardConfig


def r6(x: float) -> float:
    return math.floor(x * 1e6 + 0.5) / 1e6


@dataclass(frozen=True)
class Completion:
    """What the policy produced: free text and OpenAI-style tool calls (arguments as JSON text)."""

    content: str | None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)

    @staticmethod
    def from_json(obj: Mapping[str, Any]) -> "Completion":
        return Completion(content=obj.get("content"), tool_calls=list(obj.get("tool_calls") or []))


@dataclass(frozen=True)
class RewardResult:
    reward: float
    gates: dict[str, bool]
    components: dict[str, float]
    reason: str = ""


def _normalise_reference(v: Any) -> Any:
    """A float with an integral value -> int (JSON.parse on the TS side cannot tell 2.0 from 2)."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, list):
        return [_normalise_reference(x) for x in v]
    if isinstance(v, dict):
        return {k: _normalise_reference(x) for k, x in v.items()}
    return v


def _parse_call(call: Mapping[str, Any], offered: Mapping[str, Any]) -> tuple[str, dict | None, str | None]:
    fn = call.get("function") or {}
    name = str(fn.get("name", ""))
    if name not in offered:
        return name, None, f"call to {json.dumps(name)}, which is not an offered tool"
    raw = fn.get("arguments")
    try:
        args = json.loads(raw) if isinstance(raw, str) else raw
    except (json.JSONDecodeError, TypeError) as e:
        return name, None, f"arguments of {name} are not JSON: {e}"
    if not isinstance(args, dict):
        return name, None, f"arguments of {name} are not a JSON object"
    return name, args, None


def gated_reward(
    tools: Sequence[Mapping[str, Any]],
    reference: Sequence[Mapping[str, Mapping[str, Sequence[Any]]]],
    category: str,
    completion: Completion,
    config: RewardConfig | None = None,
) -> RewardResult:
    cfg = config or RewardConfig()
    calls = completion.tool_calls or []
    ref = [_normalise_reference(dict(r)) for r in reference]
    n, m = len(calls), len(ref)
    if category == "irrelevance" and m > 0:
        raise ValueError(f"gated_reward: category irrelevance needs reference [], got {m} call(s)")
    offered = {t["function"]["name"]: t for t in tools}
    parsed = [_parse_call(c, offered) for c in calls]
    format_problem = next((p for _, _, p in parsed if p), None)
    schema_problem = format_problem
    if schema_problem is None:
        for name, args, _ in parsed:
            try:
                errors = list(Draft7Validator(offered[name]["function"].get("parameters") or {}).iter_errors(args))
            except (SchemaError, re.error, TypeError) as e:
                # As src/eval/reward.ts: a schema that does not compile admits nothing, so the gate fails (no crash).
                schema_problem = f"the schema of {name} does not compile: {e}"
                break
            if errors:
                err = errors[0]
                schema_problem = f"arguments of {name} fail its schema at /{'/'.join(map(str, err.absolute_path))}: {err.message}"
                break
    gates = {"format": format_problem is None, "schema": schema_problem is None}

    acted = 1 if n > 0 else 0
    call_count_ok = 1 if (m == 0 and n == 0) or (m > 0 and 1 <= n <= m) else 0
    if m == 0:
        function_match = argument_match = 1.0 if n == 0 else 0.0
    else:
        ref_names = [next(iter(r)) for r in ref]
        counts: dict[str, int] = {}
        for name, _, _ in parsed:
            counts[name] = counts.get(name, 0) + 1
        ref_counts: dict[str, int] = {}
        for name in ref_names:
            ref_counts[name] = ref_counts.get(name, 0) + 1
        function_match = sum(min(k, counts.get(name, 0)) for name, k in ref_counts.items()) / m
        argument_match = _matched_count(ref, ref_names, parsed, offered) / m if gates["format"] else 0.0
    components = {"acted": acted, "call_count_ok": call_count_ok, "function_match": r6(function_match), "argument_match": r6(argument_match)}

    failed = next((g for g in cfg.gates if not gates[g]), None)
    if failed:
        return RewardResult(0, gates, components, f"{failed} gate: {format_problem if failed == 'format' else schema_problem}")
    if m == 0:
        if n == 0:
            return RewardResult(r6(cfg.irrelevance_reward), gates, components, "no call, as the reference wants")
        return RewardResult(0, gates, components, "called a tool on a prompt that needs no call")
    if n == 0:
        return RewardResult(0, gates, components, "no tool call on a prompt that needs one (text-only answer)")
    if n > m:
        return RewardResult(0, gates, components, f"{n} calls for {m} expected: padded or repeated calls")
    w = cfg.weights
    reward = r6((w.function_match * function_match + w.argument_match * argument_match) / (w.function_match + w.argument_match))
    return RewardResult(reward, gates, components, f"functions {r6(function_match)}, arguments {r6(argument_match)}")


def _matched_count(ref, ref_names, parsed, offered) -> int:
    """Greedy one-to-one: each reference call in order takes the first unused call BFCL's checker accepts."""
    used: set[int] = set()
    matched = 0
    for i, r in enumerate(ref):
        tool = offered.get(ref_names[i])
        if tool is None:
            continue
        doc = tool_to_function_doc(tool)
        for j, (name, args, _) in enumerate(parsed):
            if j in used:
                continue
            try:
                ok = simple_function_checker(doc, {name: args}, r)
            except (KeyError, IndexError, TypeError, AttributeError):
                ok = False  # the original raises here; a crash counts as no match
            if ok:
                used.add(j)
                matched += 1
                break
    return matched


def call_rate(completions: Iterable[Completion]) -> float:
    """Share of completions that make at least one call: watched to catch a policy collapsing to silence."""
    items = list(completions)
    return sum(1 for c in items if c.tool_calls) / len(items) if items else 0.0
