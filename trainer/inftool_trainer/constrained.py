"""Grammar-constrained sampling for GRPO rollouts: the policy is sampled the way the embedded runtime serves
it. node-llama-cpp forces every tool-calling turn into a compact JSON envelope (src/llm/grammar-schema.ts
toolEnvelopeSchema, compacted in src/llm/local-client.ts); this module ports that schema, compiles it into
the same context-free grammar node-llama-cpp's GBNF builder writes (every declared property in declared
order, optional ones as "value or null", no whitespace), and masks each sampling step to the tokens the
grammar allows, so every rollout parses in the runtime-json format and the reward sees real calls.

The parser is llama.cpp's own method: the state is a set of stacks of grammar positions; a token is allowed
when its text advances at least one stack. Token masks are cached per state (a string's body is one state,
whatever it holds), and the vocabulary is walked as a trie, so a step costs a dict lookup once warm.
Known gap: tokens that are not whole UTF-8 text on their own (byte fragments) are never offered.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Mapping, Sequence

from .chat_format import _merge_all_of, _resolve_pointer  # one $ref/allOf reading for the trainer

Json = dict[str, Any]
MAX_LOCAL_PARALLEL_CALLS = 3  # src/llm/grammar-schema.ts
_BASIC_TYPES = {"string", "number", "integer", "boolean", "null"}
_GRAMMAR_FORMATS = {"date-time", "time", "date"}
_MAX_REF_DEPTH = 6
ANY: Json = {"oneOf": [{"type": ["string", "number", "boolean", "null"]}, {"type": "object", "additionalProperties": True}]}
NULL: Json = {"type": "null"}


# --- the schema the runtime builds its grammar from (a port of src/llm/grammar-schema.ts) ----------------

def _is_obj(v: Any) -> bool:
    return isinstance(v, Mapping)


def to_grammar_schema(schema: Any, root: Mapping | None = None, depth: int = 0) -> Json:
    """grammar-schema.ts toGrammarSchema: the schema in the subset node-llama-cpp's grammar builder reads."""
    if root is None:
        root = schema if _is_obj(schema) else {}
    if schema is True or (_is_obj(schema) and len(schema) == 0) or not _is_obj(schema):
        return ANY
    if isinstance(schema.get("$ref"), str):
        target = _resolve_pointer(root, schema["$ref"]) if depth < _MAX_REF_DEPTH else None
        return to_grammar_schema(target, root, depth + 1) if target else ANY
    if isinstance(schema.get("allOf"), list):
        parts = [(_resolve_pointer(root, str(p["$ref"])) or {}) if p.get("$ref") else p for p in schema["allOf"] if _is_obj(p)]
        return to_grammar_schema(_merge_all_of([schema, *parts]), root, depth)
    alternatives = schema.get("oneOf") if schema.get("oneOf") is not None else schema.get("anyOf")
    if isinstance(alternatives, list) and alternatives:
        rest = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}
        base = rest if [k for k in rest if k not in ("description", "title", "default", "example", "examples")] else {}
        return {"oneOf": [to_grammar_schema({**base, **alt} if _is_obj(alt) else alt, root, depth) for alt in alternatives]}
    if schema.get("nullable") is True:
        rest = {k: v for k, v in schema.items() if k != "nullable"}
        return {"oneOf": [to_grammar_schema(rest, root, depth), NULL]}
    if "const" in schema:
        return {"const": schema["const"]}
    if isinstance(schema.get("enum"), list):
        values = [v for v in schema["enum"] if v is None or (isinstance(v, (str, int, float, bool)))]
        return {"enum": values} if values else ANY
    t = schema.get("type")
    if isinstance(t, list):
        if all(str(x) in _BASIC_TYPES for x in t) and "string" not in t:
            return {"type": t}
        return {"oneOf": [to_grammar_schema({**schema, "type": x}, root, depth) for x in t]}
    if t is None:
        t = "object" if _is_obj(schema.get("properties")) else "array" if "items" in schema else None
    if t == "string":
        if isinstance(schema.get("format"), str) and schema["format"] in _GRAMMAR_FORMATS:
            return {"type": "string", "format": schema["format"]}
        out: Json = {"type": "string"}
        for k in ("minLength", "maxLength"):
            if isinstance(schema.get(k), (int, float)) and not isinstance(schema.get(k), bool):
                out[k] = schema[k]
        return out
    if t in ("number", "integer", "boolean", "null"):
        return {"type": t}
    if t == "array":
        out = {"type": "array"}
        if isinstance(schema.get("items"), list):
            out["prefixItems"] = [to_grammar_schema(s, root, depth) for s in schema["items"]]
        elif isinstance(schema.get("prefixItems"), list):
            out["prefixItems"] = [to_grammar_schema(s, root, depth) for s in schema["prefixItems"]]
        else:
            out["items"] = ANY if "items" not in schema else to_grammar_schema(schema["items"], root, depth)
        for k in ("minItems", "maxItems"):
            if isinstance(schema.get(k), int) and not isinstance(schema.get(k), bool):
                out[k] = schema[k]
        return out
    if t == "object":
        props = schema["properties"] if _is_obj(schema.get("properties")) else {}
        required = {str(r) for r in schema.get("required")} if isinstance(schema.get("required"), list) else set()
        properties = {}
        for name, sub in props.items():
            converted = to_grammar_schema(sub, root, depth)
            properties[name] = converted if name in required else {"oneOf": [converted, NULL]}
        out = {"type": "object", "properties": properties}
        if not props and schema.get("additionalProperties") is not False:
            ap = schema.get("additionalProperties")
            out["additionalProperties"] = to_grammar_schema(ap, root, depth) if _is_obj(ap) else True
        return out
    return ANY


def envelope_schema(tools: Sequence[Mapping[str, Any]]) -> Json:
    """grammar-schema.ts toolEnvelopeSchema(tools, 'auto'): calls to the offered tools, or an answer."""
    if not tools:
        raise ValueError("envelope_schema: no tools offered (a prompt without tools is answered in free text)")
    calls = [{"type": "object", "properties": {"name": {"const": t["function"]["name"]}, "arguments": to_grammar_schema(t["function"].get("parameters"))}} for t in tools]
    calls_schema = {"type": "object", "properties": {"tool_calls": {
        "type": "array", "items": calls[0] if len(calls) == 1 else {"oneOf": calls}, "minItems": 1, "maxItems": MAX_LOCAL_PARALLEL_CALLS}}}
    return {"oneOf": [calls_schema, {"type": "object", "properties": {"answer": {"type": "string"}}}]}


# --- the grammar node-llama-cpp writes for that schema, as a context-free grammar ------------------------

class CharClass:
    """One character of input: a fixed set, or everything outside a set (the body of a JSON string)."""

    __slots__ = ("chars", "negated")

    def __init__(self, chars: Iterable[str], negated: bool = False):
        self.chars = frozenset(chars)
        self.negated = negated

    def match(self, ch: str) -> bool:
        return (ch in self.chars) != self.negated


DIGITS = "0123456789"
_STRING_PLAIN = CharClass(['"', "\\", "\x7f", *map(chr, range(0x20))], negated=True)


class Grammar:
    """Rules of alternatives of symbols; a symbol is a CharClass (one character) or a rule id."""

    def __init__(self):
        self.rules: list[list[tuple]] = []
        self._memo: dict[str, int] = {}

    def rule(self, alts: list[list], key: str | None = None) -> int:
        if key is not None and key in self._memo:
            return self._memo[key]
        self.rules.append([tuple(a) for a in alts])
        rid = len(self.rules) - 1
        if key is not None:
            self._memo[key] = rid
        return rid

    # sequence builders: each returns a list of symbols
    @staticmethod
    def lit(text: str) -> list:
        return [CharClass(c) for c in text]

    def star(self, seq: list) -> list:
        rid = self.rule([[]])
        self.rules[rid] = [tuple(seq + [rid]), ()]
        return [rid]

    def upto(self, seq: list, n: int) -> list:
        """seq repeated 0..n times."""
        rid = self.rule([[]])
        for _ in range(n):
            rid = self.rule([seq + [rid], []])
        return [rid]

    def repeat(self, seq: list, lo: int, hi: int | None, sep: list | None = None) -> list:
        """seq repeated lo..hi times (hi None: unbounded), `sep` between repetitions."""
        sep = sep or []
        if hi == 0:
            return []
        body = list(seq)
        for _ in range(max(lo - 1, 0)):
            body += sep + seq
        if lo >= 1:
            rest = self.star(sep + seq) if hi is None else self.upto(sep + seq, hi - lo)
            return body + rest
        more = self.star(sep + seq) if hi is None else self.upto(sep + seq, hi - 1)
        return [self.rule([seq + more, []])]

    def alt(self, seqs: list[list]) -> list:
        return [self.rule(seqs)]


def _digits_rule(g: Grammar) -> list:
    """("0" | [1-9] [0-9]{0,15}): node-llama-cpp's integer part."""
    return g.alt([g.lit("0"), [CharClass("123456789"), *g.upto([CharClass(DIGITS)], 15)]])


def _number(g: Grammar, fractional: bool) -> list:
    key = "frac" if fractional else "int"
    if key in g._memo:
        return [g._memo[key]]
    minus = g.upto(g.lit("-"), 1)
    exponent = g.upto([CharClass("eE"), *g.upto([CharClass("-+")], 1), *_digits_rule(g)], 1)
    body = minus + _digits_rule(g)
    if fractional:
        body += g.upto([CharClass("."), CharClass(DIGITS), *g.upto([CharClass(DIGITS)], 15)], 1)
    return [g.rule([body + exponent], key)]


def _string(g: Grammar, lo: int = 0, hi: int | None = None) -> list:
    key = f"str:{lo}:{hi}"
    if key in g._memo:
        return [g._memo[key]]
    hexd = CharClass("0123456789abcdefABCDEF")
    char = g.rule([[_STRING_PLAIN], [CharClass("\\"), CharClass('"\\/bfnrt')], [*g.lit("\\u"), hexd, hexd, hexd, hexd]], "strchar")
    if hi == 0:
        body = []
    elif lo == 0 and hi is None:
        body = g.star([char])
    else:
        body = g.repeat([char], lo, hi)
    return [g.rule([g.lit('"') + body + g.lit('"')], key)]


def _format_string(g: Grammar, fmt: str) -> list:
    d = lambda cs: CharClass(cs)  # noqa: E731
    date = [*[d(DIGITS)] * 4, *g.lit("-"), *g.alt([[d("0"), d("123456789")], [d("1"), d("012")]]), *g.lit("-"),
            *g.alt([[d("0"), d("123456789")], [d("12"), d(DIGITS)], [d("3"), d("01")]])]
    hour = g.alt([[d("01"), d(DIGITS)], [d("2"), d("0123")]])
    minute = [d("012345"), d(DIGITS)]
    zone = g.alt([g.lit("Z"), [d("+-"), *hour, *g.lit(":"), *minute]])
    time = [*hour, *g.lit(":"), *minute, *g.lit(":"), *minute, *g.upto([*g.lit("."), d(DIGITS), d(DIGITS), d(DIGITS)], 1), *zone]
    body = date if fmt == "date" else time if fmt == "time" else [*date, *g.lit("T"), *time]
    return g.lit('"') + body + g.lit('"')


def _literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _any_json(g: Grammar) -> list:
    if "any" in g._memo:
        return [g._memo["any"]]
    rid = g.rule([[]], "any")
    arr = [*g.lit("["), *g.repeat([rid], 0, None, g.lit(",")), *g.lit("]")]
    pair = [*_string(g), *g.lit(":"), rid]
    obj = [*g.lit("{"), *g.repeat(pair, 0, None, g.lit(",")), *g.lit("}")]
    g.rules[rid] = [tuple(_string(g)), tuple(_number(g, True)), tuple(g.lit("true")), tuple(g.lit("false")), tuple(g.lit("null")), tuple(arr), tuple(obj)]
    return [rid]


def compile_schema(g: Grammar, s: Any) -> list:
    """The symbols for one value of grammar schema `s` (the subset to_grammar_schema writes)."""
    if not _is_obj(s):
        return _any_json(g)
    if isinstance(s.get("oneOf"), list):
        return g.alt([compile_schema(g, x) for x in s["oneOf"]])
    if "const" in s:
        return g.lit(_literal(s["const"]))
    if isinstance(s.get("enum"), list):
        return g.alt([g.lit(_literal(v)) for v in s["enum"]])
    t = s.get("type")
    if isinstance(t, list):
        return g.alt([compile_schema(g, {"type": x}) for x in t])
    if t == "string":
        if s.get("format") in _GRAMMAR_FORMATS:
            return _format_string(g, s["format"])
        lo, hi = s.get("minLength"), s.get("maxLength")
        return _string(g, int(lo or 0), None if hi is None else max(int(hi), int(lo or 0)))
    if t in ("number", "integer"):
        return _number(g, t == "number")
    if t == "boolean":
        return g.alt([g.lit("true"), g.lit("false")])
    if t == "null":
        return g.lit("null")
    if t == "array":
        return _array(g, s)
    if t == "object":
        return _object(g, s)
    return _any_json(g)


def _array(g: Grammar, s: Mapping) -> list:
    items = compile_schema(g, s["items"]) if "items" in s and s["items"] is not True else _any_json(g)
    prefix = [compile_schema(g, p) for p in s.get("prefixItems") or []]
    lo, hi = int(s.get("minItems") or 0), s.get("maxItems")
    lo = max(lo, len(prefix))
    hi = None if hi is None else max(int(hi), lo)
    body: list = []
    for i, p in enumerate(prefix):
        body += (g.lit(",") if i else []) + p
    rest_lo, rest_hi = lo - len(prefix), None if hi is None else hi - len(prefix)
    if prefix and (rest_hi is None or rest_hi > 0):
        body += g.repeat(g.lit(",") + items, rest_lo, rest_hi)
    elif not prefix:
        body += g.repeat(items, lo, hi, g.lit(","))
    return [*g.lit("["), *body, *g.lit("]")]


def _object(g: Grammar, s: Mapping) -> list:
    props = s.get("properties") or {}
    if props:
        body: list = []
        for i, (key, sub) in enumerate(props.items()):
            body += (g.lit(",") if i else []) + g.lit(_literal(key) + ":") + compile_schema(g, sub)
        return [*g.lit("{"), *body, *g.lit("}")]
    ap = s.get("additionalProperties")
    if ap is None or ap is False:
        return g.lit("{}")
    value = _any_json(g) if ap is True else compile_schema(g, ap)
    pair = [*_string(g), *g.lit(":"), *value]
    return [*g.lit("{"), *g.repeat(pair, 0, None, g.lit(",")), *g.lit("}")]


class EnvelopeMatcher:
    """Incremental recogniser of the runtime's envelope for one tool set. States are interned ints; state -1
    is dead. `advance(state, text)` feeds characters; `accepts(state)` says the envelope is complete."""

    DEAD = -1

    def __init__(self, tools: Sequence[Mapping[str, Any]]):
        self.grammar = g = Grammar()
        self.root = g.rule([compile_schema(g, envelope_schema(tools))])
        self._ids: dict[frozenset, int] = {}
        self._states: list[frozenset] = []
        self._steps: list[dict[str, int]] = []
        self._expand_memo: dict[tuple, frozenset] = {}
        self.start = self._intern(frozenset().union(*(self._expand(((self.root, a, 0),)) for a in range(len(g.rules[self.root])))))

    def _intern(self, stacks: frozenset) -> int:
        if not stacks:
            return self.DEAD
        sid = self._ids.get(stacks)
        if sid is None:
            sid = self._ids[stacks] = len(self._states)
            self._states.append(stacks)
            self._steps.append({})
        return sid

    def _expand(self, stack: tuple) -> frozenset:
        """Every stack reachable from `stack` without reading input whose top is a character (or empty)."""
        memo = self._expand_memo.get(stack)
        if memo is not None:
            return memo
        if not stack:
            out = frozenset([()])
        else:
            r, a, i = stack[-1]
            alt = self.grammar.rules[r][a]
            if i >= len(alt):
                out = self._expand(stack[:-1])
            else:
                sym = alt[i]
                if isinstance(sym, CharClass):
                    out = frozenset([stack])
                else:
                    base = stack[:-1] + ((r, a, i + 1),) if i + 1 < len(alt) else stack[:-1]
                    parts = [self._expand(base + ((sym, b, 0),) if self.grammar.rules[sym][b] else base) for b in range(len(self.grammar.rules[sym]))]
                    out = frozenset().union(*parts)
        self._expand_memo[stack] = out
        return out

    def step(self, sid: int, ch: str) -> int:
        if sid < 0:
            return self.DEAD
        table = self._steps[sid]
        nxt = table.get(ch)
        if nxt is None:
            parts = []
            for stack in self._states[sid]:
                if not stack:
                    continue
                r, a, i = stack[-1]
                if self.grammar.rules[r][a][i].match(ch):
                    parts.append(self._expand(stack[:-1] + ((r, a, i + 1),) if i + 1 < len(self.grammar.rules[r][a]) else stack[:-1]))
            nxt = table[ch] = self._intern(frozenset().union(*parts)) if parts else self.DEAD
        return nxt

    def advance(self, sid: int, text: str) -> int:
        for ch in text:
            sid = self.step(sid, ch)
            if sid < 0:
                break
        return sid

    def accepts(self, sid: int) -> bool:
        return sid >= 0 and () in self._states[sid]

    def matches(self, text: str) -> bool:
        return self.accepts(self.advance(self.start, text))


# --- token masks -----------------------------------------------------------------------------------------

class TokenTrie:
    """The vocabulary's token texts as a character trie; special tokens and byte fragments left out."""

    def __init__(self, tokenizer):
        special = set(getattr(tokenizer, "all_special_ids", []) or []) | set(getattr(tokenizer, "added_tokens_decoder", {}) or {})
        n = len(tokenizer)
        texts = tokenizer.batch_decode([[i] for i in range(n)], skip_special_tokens=False, clean_up_tokenization_spaces=False)
        self.root: dict = {}
        self.size = n
        for tid, text in enumerate(texts):
            if tid in special or not text or "\ufffd" in text:
                continue
            node = self.root
            for ch in text:
                node = node.setdefault(ch, {})
            node.setdefault(None, []).append(tid)
        self.texts = texts


class GrammarSampler:
    """Allowed-token sets per matcher state, cached; one per (tokenizer, tool set)."""

    def __init__(self, trie: TokenTrie, matcher: EnvelopeMatcher, eos_ids: Sequence[int]):
        self.trie, self.matcher, self.eos_ids = trie, matcher, list(eos_ids)
        self._allowed: dict[int, list[int]] = {}
        self._tensors: dict[tuple[int, str], Any] = {}

    def allowed(self, sid: int) -> list[int]:
        hit = self._allowed.get(sid)
        if hit is not None:
            return hit
        m = self.matcher
        out: list[int] = []
        if sid >= 0:
            todo = [(self.trie.root, sid)]
            while todo:
                node, state = todo.pop()
                for ch, child in node.items():
                    if ch is None:
                        continue
                    nxt = m.step(state, ch)
                    if nxt < 0:
                        continue
                    out.extend(child.get(None, ()))
                    if len(child) > (1 if None in child else 0):
                        todo.append((child, nxt))
        if sid < 0 or m.accepts(sid) or not out:
            out.extend(self.eos_ids)  # complete (or stuck): the turn ends, as <|im_end|> ends it in training text
        self._allowed[sid] = out
        return out

    def allowed_tensor(self, sid: int, device):
        import torch

        key = (sid, str(device))
        t = self._tensors.get(key)
        if t is None:
            t = self._tensors[key] = torch.tensor(self.allowed(sid), dtype=torch.long, device=device)
        return t

    def eos_tensor(self, device):
        return self.allowed_tensor(self.matcher.DEAD, device)  # a dead state allows exactly EOS


_TRIES: dict[int, tuple[Any, TokenTrie]] = {}
_SAMPLERS: dict[tuple[int, str], GrammarSampler] = {}


def sampler_for(tokenizer, tools: Sequence[Mapping[str, Any]], eos_ids: Sequence[int]) -> GrammarSampler | None:
    """Cached per tokenizer and tool set (masks carry over from one GRPO step to the next); None without tools."""
    if not tools:
        return None
    held = _TRIES.get(id(tokenizer))
    if held is None or held[0] is not tokenizer:  # the tokenizer is kept alive with its trie, so ids stay unique
        held = _TRIES[id(tokenizer)] = (tokenizer, TokenTrie(tokenizer))
    trie = held[1]
    key = (id(tokenizer), json.dumps(tools, sort_keys=True))
    s = _SAMPLERS.get(key)
    if s is None:
        s = _SAMPLERS[key] = GrammarSampler(trie, EnvelopeMatcher(tools), eos_ids)
    return s


class EnvelopeLogitsProcessor:
    """transformers LogitsProcessor: row b of the batch may only continue its envelope for `samplers[b]`'s
    tools, and ends (EOS) once the envelope is complete; a row whose sampler is None (a prompt without tools,
    answered in free text) is left alone. Sees the whole sequence each call and tracks each row's state from
    the tokens sampled since the first call."""

    def __init__(self, samplers: Sequence[GrammarSampler | None], eos_ids: Sequence[int]):
        self.samplers = list(samplers)
        self.eos_ids = list(eos_ids)
        self.states = [s.matcher.start if s else 0 for s in self.samplers]
        self.done = [False] * len(self.samplers)
        self.prompt_len: int | None = None

    def __call__(self, input_ids, scores):
        import torch

        if self.prompt_len is None:
            self.prompt_len = input_ids.shape[1]
        elif input_ids.shape[1] > self.prompt_len:
            for b, tok in enumerate(input_ids[:, -1].tolist()):
                s = self.samplers[b]
                if self.done[b] or s is None:
                    continue
                if tok in self.eos_ids:
                    self.done[b] = True
                else:
                    self.states[b] = s.matcher.advance(self.states[b], s.trie.texts[tok])
        masked = scores.clone()
        for b, s in enumerate(self.samplers):
            if s is None:
                continue
            idx = s.eos_tensor(scores.device) if self.done[b] else s.allowed_tensor(self.states[b], scores.device)
            row = scores[b, idx]
            masked[b].fill_(float("-inf"))
            masked[b, idx] = row if torch.isfinite(row).any() else torch.zeros_like(row)
        return masked
