"""The runtime-grammar sampler: the matcher accepts exactly the envelope the embedded runtime forces, and
constrained sampling from the tiny model only ever writes completions that parse in the runtime format."""
import json
from pathlib import Path

import pytest
import torch

from inftool_trainer.chat_format import RuntimeJsonFormat, runtime_assistant_text
from inftool_trainer.constrained import EnvelopeLogitsProcessor, EnvelopeMatcher, sampler_for
from inftool_trainer.reward import gated_reward
from inftool_trainer.tiny_fixture import CONVERT, RL_PROMPTS, WEATHER

VECTORS = Path(__file__).resolve().parents[2] / "test" / "vectors" / "chat-format-vectors.jsonl"


def _malformed(msg) -> bool:
    """A vector that keeps unparsable arguments verbatim: the runtime's grammar could never have written it."""
    for c in msg.get("tool_calls") or []:
        try:
            json.loads(c["function"]["arguments"])
        except json.JSONDecodeError:
            return True
    return False


def test_every_runtime_assistant_turn_of_the_vectors_is_in_the_grammar():
    """test/vectors/chat-format-vectors.jsonl is written by the TypeScript runtime; its assistant turns with
    tools are what the runtime's grammar forced, so the port must accept each of them."""
    checked = 0
    for line in VECTORS.read_text().splitlines():
        v = json.loads(line)
        if v.get("kind") != "conversation" or not v.get("tools"):
            continue
        m = EnvelopeMatcher(v["tools"])
        for msg in v["messages"]:
            if msg["role"] == "assistant" and not _malformed(msg):
                text = runtime_assistant_text(msg, v["tools"])
                assert m.matches(text), f"{v['name']}: {text}"
                checked += 1
    assert checked >= 3


@pytest.mark.parametrize("text", [
    '{"tool_calls":[]}',  # at least one call
    '{"tool_calls":[{"name":"get_weather","arguments":{"city":"Oslo"}}]}',  # optional unit must be written (null)
    '{"tool_calls":[{"name":"get_weather","arguments":{"unit":null,"city":"Oslo"}}]}',  # declared order
    '{"tool_calls":[{"name":"get_weather","arguments":{"city":"Oslo","unit":"kelvin"}}]}',  # enum
    '{"tool_calls":[{"name":"get_time","arguments":{}}]}',  # not offered
    '{"tool_calls": [{"name":"get_weather","arguments":{"city":"Oslo","unit":null}}]}',  # no whitespace
    '{"answer":"hi"} ',
    '{"tool_calls":[{"name":"convert_currency","arguments":{"amount":"10","from":"EUR","to":"USD"}}]}',  # number
])
def test_matcher_rejects_what_the_runtime_grammar_rejects(text):
    assert not EnvelopeMatcher([WEATHER, CONVERT]).matches(text)


def test_matcher_accepts_calls_answers_and_up_to_three_parallel_calls():
    m = EnvelopeMatcher([WEATHER, CONVERT])
    call = '{"name":"get_weather","arguments":{"city":"Zürich \\"Nord\\"","unit":"c"}}'
    assert m.matches('{"answer":"Sure — 10 € is about 11 $."}')
    assert m.matches('{"tool_calls":[' + ",".join([call] * 3) + "]}")
    assert not m.matches('{"tool_calls":[' + ",".join([call] * 4) + "]}")
    assert m.matches('{"tool_calls":[{"name":"convert_currency","arguments":{"amount":-1.5e3,"from":"EUR","to":"USD"}}]}')


def test_constrained_samples_from_the_tiny_model_all_parse_in_the_runtime_format(tiny_world):
    from transformers import AutoModelForCausalLM, AutoTokenizer, LogitsProcessorList

    tok = AutoTokenizer.from_pretrained(tiny_world["model"])
    model = AutoModelForCausalLM.from_pretrained(tiny_world["model"]).eval()
    fmt = RuntimeJsonFormat(tok.bos_token)
    eos = [tok.eos_token_id]
    torch.manual_seed(0)
    finished = 0
    for p in RL_PROMPTS[:3]:
        ids = tok(fmt.render_prompt(p["messages"], p["tools"]), return_tensors="pt")["input_ids"].repeat(6, 1)
        proc = EnvelopeLogitsProcessor([sampler_for(tok, p["tools"], eos)] * 6, eos)
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=True, temperature=1.0, top_k=0,
                             max_new_tokens=160, eos_token_id=eos, pad_token_id=tok.pad_token_id, logits_processor=LogitsProcessorList([proc]))
        m = EnvelopeMatcher(p["tools"])
        for row in out[:, ids.shape[1]:].tolist():
            ended = eos[0] in row
            text = tok.decode(row[: row.index(eos[0])] if ended else row, skip_special_tokens=True)
            if ended:
                finished += 1
                completion = fmt.parse_completion(text, p["tools"])
                r = gated_reward(p["tools"], p["reference"], p["category"], completion)
                assert m.matches(text) and r.gates["format"] and r.gates["schema"], text
            else:  # cut by the budget: still a prefix the grammar can complete
                assert m.advance(m.start, text) != m.DEAD, text
    assert finished >= 6, f"only {finished} of 18 constrained samples finished within 160 tokens"
