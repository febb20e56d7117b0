"""How a conversation with tools becomes the text the policy reads and writes, and how a sampled
completion is parsed back into tool calls. Training and serving must agree on it, so there are two formats,
one per way a trained policy is served (TrainConfig.chat_format; "auto" picks by the base model's kind):

- ``hermes`` (Hugging Face models served by vLLM/SGLang with the hermes tool parser): ChatML, the offered
  tools as JSON inside <tools>...</tools> in the system turn, each call written
  <tool_call>{"name": ..., "arguments": {...}}</tool_call> on its own line.
- ``runtime-json`` (GGUF policies served by InfTool's embedded runtime, src/llm/local-chat-format.ts):
  ChatML as node-llama-cpp builds it (BOS, tool results folded into user turns), the tools described in the
  system turn, and every assistant turn the JSON the runtime's grammar forces:
  {"tool_calls":[{"name":...,"arguments":{...}}]} with optional arguments as null, or {"answer":"..."}.
  test/vectors/chat-format-vectors.jsonl, written by the TypeScript side, holds the two byte for byte equal.
"""
from __future__ import annotations

import json
import re
from typing import Any, Mapping, Protocol, Sequence
from urllib.parse import unquote

from .reward import Completion

IM_START, IM_END = "<|im_start|>", "<|im_end|>"
TOOL_CALL_RE = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.DOTALL)

TOOLS_PREAMBLE = (
    "You can call these tools. To call one, write <tool_call>{\"name\": <tool name>, \"arguments\": <JSON object>}</tool_call> "
    "on its own line, once per call. If no tool fits the request, answer in plain text without a call.\n<tools>\n"
)


def tools_text(tools: Sequence[Mapping[str, Any]]) -> str:
    lines = [json.dumps(t["function"], ensure_ascii=False, separators=(",", ":")) for t in tools]
    return TOOLS_PREAMBLE + "\n".join(lines) + "\n</tools>"


def assistant_text(message: Mapping[str, Any]) -> str:
    """An assistant message as the policy writes it: text, then one <tool_call> line per call."""
    parts = [message["content"]] if message.get("content") else []
    for call in message.get("tool_calls") or []:
        fn = call["function"]
        args = fn.get("arguments") or "{}"
        try:
            args_obj = json.loads(args) if isinstance(args, str) else args
        except json.JSONDecodeError:
            args_obj = args  # kept verbatim: SFT data is verified, so this only happens on bad input
        parts.append("<tool_call>" + json.dumps({"name": fn["name"], "arguments": args_obj}, ensure_ascii=False) + "</tool_call>")
    return "\n".join(parts)


def _turn(role: str, content: str) -> str:
    return f"{IM_START}{role}\n{content}{IM_END}\n"


def render_segments(messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]]) -> list[tuple[str, bool]]:
    """The conversation as (text, is_policy_output) segments. Only the assistant's own words and the
    closing <|im_end|> are policy output; the role header, user turns and tool results are context."""
    segments: list[tuple[str, bool]] = []
    system_parts = [m["content"] for m in messages if m["role"] == "system"]
    if tools:
        system_parts.append(tools_text(tools))
    if system_parts:
        segments.append((_turn("system", "\n\n".join(system_parts)), False))
    for m in messages:
        role = m["role"]
        if role == "system":
            continue
        if role == "assistant":
            segments.append((f"{IM_START}assistant\n", False))
            segments.append((assistant_text(m) + IM_END, True))
            segments.append(("\n", False))
        elif role == "tool":
            segments.append((_turn("tool", str(m["content"])), False))
        else:
            segments.append((_turn(role, str(m["content"])), False))
    return segments


def render_prompt(messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]]) -> str:
    """The prompt text GRPO samples from: the conversation so far plus the assistant header."""
    return "".join(text for text, _ in render_segments(messages, tools)) + f"{IM_START}assistant\n"


def parse_completion(text: str) -> Completion:
    """A sampled completion back to content + OpenAI-style tool calls. Unparsable call bodies are kept
    as raw argument text so the format gate, not the parser, rejects them (and the reason is logged)."""
    text = text.split(IM_END, 1)[0]
    calls: list[dict[str, Any]] = []
    for i, body in enumerate(TOOL_CALL_RE.findall(text)):
        try:
            obj = json.loads(body)
        except json.JSONDecodeError:
            calls.append({"id": f"call_{i}", "type": "function", "function": {"name": "", "arguments": body}})
            continue
        if not isinstance(obj, dict):
            calls.append({"id": f"call_{i}", "type": "function", "function": {"name": "", "arguments": body}})
            continue
        args = obj.get("arguments", {})
        calls.append({
            "id": f"call_{i}",
            "type": "function",
            "function": {"name": str(obj.get("name", "")), "arguments": args if isinstance(args, str) else json.dumps(args)},
        })
    content = TOOL_CALL_RE.sub("", text).strip()
    return Completion(content=content or None, tool_calls=calls)


class ChatFormat(Protocol):
    name: str

    def render_segments(self, messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]]) -> list[tuple[str, bool]]: ...

    def render_prompt(self, messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]]) -> str: ...

    def parse_completion(self, text: str, tools: Sequence[Mapping[str, Any]]) -> Completion: ...


class HermesFormat:
    name = "hermes"

    def render_segments(self, messages, tools):
        return render_segments(messages, tools)

    def render_prompt(self, messages, tools):
        return render_prompt(messages, tools)

    def parse_completion(self, text, tools):
        return parse_completion(text)


# --- runtime-json: the embedded runtime's format (a port of src/llm/local-chat-format.ts) ----------------

def _dumps(value: Any) -> str:
    """JSON.stringify's layout: no spaces, non-ASCII kept."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _resolve_pointer(root: Mapping[str, Any], ref: str) -> Mapping[str, Any] | None:
    if not ref.startswith("#/"):
        return None
    node: Any = root
    for raw in ref[2:].split("/"):
        key = unquote(raw).replace("~1", "/").replace("~0", "~")
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else None


def _merge_all_of(parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for part in parts:
        merged.update(part)
        if isinstance(part.get("properties"), Mapping):
            properties.update(part["properties"])
        reqs = part.get("required")
        for r in reqs if isinstance(reqs, list) else []:
            if str(r) not in required:
                required.append(str(r))
    merged.pop("allOf", None)
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = required
    return merged


def _schema_step(schema: Any, root: Mapping[str, Any], depth: int):
    """$ref and allOf resolved the way src/llm/grammar-schema.ts does before it looks at a value."""
    if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
        return _resolve_pointer(root, schema["$ref"]), depth + 1, True
    if isinstance(schema, Mapping) and isinstance(schema.get("allOf"), list):
        return _merge_all_of([schema, *[p for p in schema["allOf"] if isinstance(p, Mapping)]]), depth + 1, True
    return schema, depth, False


def _walk_objects(value: Any, schema: Any, on_object, root: Mapping[str, Any] | None = None, depth: int = 0) -> Any:
    """Follows `schema` down `value` ($ref, allOf, array items) as src/llm/grammar-schema.ts does, and hands
    each object with declared properties to on_object(value, properties, required, recurse)."""
    if not isinstance(schema, Mapping) or depth > 32:
        return value
    root = schema if root is None else root
    resolved, deeper, stepped = _schema_step(schema, root, depth)
    if stepped:
        return value if resolved is None else _walk_objects(value, resolved, on_object, root, deeper)
    if isinstance(value, list):
        items = schema.get("items")
        return [_walk_objects(v, items, on_object, root, depth + 1) for v in value] if isinstance(items, Mapping) else value
    props = schema.get("properties")
    if not isinstance(value, dict) or not isinstance(props, Mapping):
        return value
    reqs = schema.get("required")
    required = {str(r) for r in reqs} if isinstance(reqs, list) else set()
    return on_object(value, props, required, lambda v, sub: _walk_objects(v, sub, on_object, root, depth + 1))


def _fill_object(value: dict, props: Mapping[str, Any], required: set[str], recurse) -> dict:
    if not props:
        return value  # a free-form map: the grammar does not lay it out
    out: dict[str, Any] = {}
    for key, sub in props.items():
        if key in value:
            out[key] = recurse(value[key], sub)
        elif key not in required:
            out[key] = None
    for key, v in value.items():
        if key not in out:
            out[key] = v
    return out


def _drop_object(value: dict, props: Mapping[str, Any], required: set[str], recurse) -> dict:
    out: dict[str, Any] = {}
    for key, v in value.items():
        sub = props.get(key)
        t = sub.get("type") if isinstance(sub, Mapping) else None
        allows_null = isinstance(sub, Mapping) and (t == "null" or (isinstance(t, list) and "null" in t) or sub.get("nullable") is True)
        if v is None and key not in required and not allows_null:
            continue
        out[key] = recurse(v, sub)
    return out


def fill_optional_nulls(value: Any, schema: Any) -> Any:
    """src/llm/grammar-schema.ts fillOptionalNulls: every declared property in declared order, absent
    optional ones as null: the layout the runtime's grammar forces the model to write."""
    return _walk_objects(value, schema, _fill_object)


def drop_optional_nulls(value: Any, schema: Any) -> Any:
    """src/llm/grammar-schema.ts dropOptionalNulls: removes `key: null` where the key is optional and its
    schema does not itself allow null (the grammar's stand-in for "not given")."""
    return _walk_objects(value, schema, _drop_object)


def runtime_tool_instructions(tools: Sequence[Mapping[str, Any]]) -> str:
    """local-chat-format.ts toolInstructions(tools, 'auto'): the assistant role always runs in auto mode."""
    def entry(fn: Mapping[str, Any]) -> dict[str, Any]:
        e = {"name": fn["name"], "description": fn.get("description") or ""}
        if fn.get("parameters") is not None:  # JSON.stringify leaves out an undefined key
            e["parameters"] = fn["parameters"]
        return e

    listed = [_dumps(entry(t["function"])) for t in tools]
    return "\n".join([
        "You can call these tools:",
        *listed,
        'Call a tool when it helps; otherwise answer directly. To call tools reply with JSON {"tool_calls":[{"name":"<tool name>","arguments":{...}}]}; use null for optional arguments you do not need.',
        'To answer the user directly reply with JSON {"answer":"<text>"}.',
    ])


def runtime_assistant_text(message: Mapping[str, Any], tools: Sequence[Mapping[str, Any]]) -> str:
    """local-chat-format.ts renderAssistantTurn: the turn exactly as the grammar makes the model write it."""
    calls = message.get("tool_calls") or []
    if calls:
        schemas = {t["function"]["name"]: t["function"].get("parameters") for t in tools}
        out = []
        for call in calls:
            fn = call["function"]
            raw = fn.get("arguments") or "{}"
            try:
                args: Any = fill_optional_nulls(json.loads(raw) if isinstance(raw, str) else raw, schemas.get(fn["name"]))
            except json.JSONDecodeError:
                args = raw  # shown as it was, malformed or not
            out.append({"name": fn["name"], "arguments": args})
        return _dumps({"tool_calls": out})
    text = message.get("content") or ""
    return _dumps({"answer": text}) if tools else text


class RuntimeJsonFormat:
    """ChatML exactly as node-llama-cpp's ChatMLChatWrapper renders InfTool's history (see the module doc)."""

    name = "runtime-json"

    def __init__(self, bos: str | None):
        self.bos = bos or ""

    def _items(self, messages, tools) -> list[tuple[str, str]]:
        items: list[tuple[str, str]] = []
        names: dict[str, str] = {}

        def push_user(text: str) -> None:
            if items and items[-1][0] == "user":
                items[-1] = ("user", items[-1][1] + "\n\n" + text)
            else:
                items.append(("user", text))

        system = "\n\n".join(str(m["content"]) for m in messages if m["role"] == "system")
        tool_text = runtime_tool_instructions(tools) if tools else ""
        joined = "\n\n".join(t for t in (system, tool_text) if t)
        if joined:
            items.append(("system", joined))
        for m in messages:
            if m["role"] == "user":
                push_user(str(m["content"]))
            elif m["role"] == "assistant":
                for c in m.get("tool_calls") or []:
                    names[c["id"]] = c["function"]["name"]
                items.append(("assistant", runtime_assistant_text(m, tools)))
            elif m["role"] == "tool":
                push_user(f"Tool result from {names.get(m['tool_call_id'], 'a tool')} (call {m['tool_call_id']}):\n{m['content']}")
        return items

    def render_segments(self, messages, tools):
        segments: list[tuple[str, bool]] = [(self.bos, False)] if self.bos else []
        for role, text in self._items(messages, tools):
            if not text:
                continue  # the wrapper drops an empty turn
            if role == "assistant":
                segments.append((f"{IM_START}assistant\n", False))
                segments.append((text + IM_END, True))
                segments.append(("\n", False))
            else:
                segments.append((_turn(role, text), False))
        return segments

    def render_prompt(self, messages, tools):
        return "".join(text for text, _ in self.render_segments(messages, tools)) + f"{IM_START}assistant\n"

    def parse_completion(self, text: str, tools) -> Completion:
        """local-chat-format.ts fromToolEnvelope. A reply that is not the envelope becomes a call with no
        name, so the format gate gives it 0, as the runtime would record a format error for it."""
        text = text.split(IM_END, 1)[0]
        bad = Completion(content=None, tool_calls=[{"id": "call_0", "type": "function", "function": {"name": "", "arguments": text}}])
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            return bad
        if not isinstance(obj, dict):
            return bad
        if isinstance(obj.get("tool_calls"), list):
            schemas = {t["function"]["name"]: t["function"].get("parameters") for t in tools}
            calls, seen = [], set()
            for c in obj["tool_calls"]:
                call = c if isinstance(c, dict) else {}
                name = call["name"] if isinstance(call.get("name"), str) else ""
                args = _dumps(drop_optional_nulls(call["arguments"], schemas.get(name)) if "arguments" in call else {})
                if (name, args) in seen:
                    continue  # read as uniqueItems, as the runtime does: a repeated call is dropped
                seen.add((name, args))
                calls.append({"id": f"call_{len(calls)}", "type": "function", "function": {"name": name, "arguments": args}})
            return Completion(content=None, tool_calls=calls)
        if isinstance(obj.get("answer"), str):
            return Completion(content=obj["answer"], tool_calls=[])
        return bad


HERMES = HermesFormat()
CHAT_FORMATS = ("hermes", "runtime-json")


def chat_format_for(name: str, base_kind: str, bos: str | None) -> ChatFormat:
    """The job's chat format; "auto" follows how the trained policy is served: a GGUF base goes back to the
    embedded runtime (runtime-json), a Hugging Face model to vLLM/SGLang (hermes)."""
    if name == "auto":
        name = "runtime-json" if base_kind == "gguf" else "hermes"
    if name == "hermes":
        return HERMES
    if name == "runtime-json":
        return RuntimeJsonFormat(bos)
    raise ValueError(f"unknown chat format {name!r}: use one of auto, {', '.join(CHAT_FORMATS)}")
