"""The gated reward: shared vectors with the TypeScript reward, and each reward-hacking pattern scores 0."""
import json
from pathlib import Path

import pytest

from inftool_trainer.job import RewardConfig
from inftool_trainer.reward import Completion, call_rate, gated_reward

VECTORS = Path(__file__).resolve().parents[2] / "test" / "vectors" / "reward-vectors.jsonl"

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}
CONVERT = {"type": "function", "function": {"name": "convert", "parameters": {
    "type": "object", "properties": {"amount": {"type": "number"}, "to": {"type": "string"}}, "required": ["amount", "to"]}}}
REF_PARIS = [{"get_weather": {"city": ["Paris"], "unit": ["", "c"]}}]


def call(name, args, raw=False):
    return {"id": "c", "type": "function", "function": {"name": name, "arguments": args if raw else json.dumps(args)}}


def score(tools, ref, calls, content=None, category="simple", config=None):
    return gated_reward(tools, ref, category, Completion(content, calls), config)


def test_exact_call_scores_one():
    r = score([WEATHER], REF_PARIS, [call("get_weather", {"city": "paris "})])
    assert r.reward == 1.0 and r.gates == {"format": True, "schema": True}
    assert r.components["function_match"] == 1.0 and r.components["argument_match"] == 1.0


def test_optional_param_given_with_acceptable_value_and_int_for_float():
    assert score([WEATHER], REF_PARIS, [call("get_weather", {"city": "Paris", "unit": "c"})]).reward == 1.0
    ref = [{"convert": {"amount": [10.0], "to": ["USD"]}}]
    assert score([CONVERT], ref, [call("convert", {"amount": 10, "to": "USD"})]).reward == 1.0


def test_right_function_wrong_argument_gets_partial_credit():
    r = score([WEATHER], REF_PARIS, [call("get_weather", {"city": "Rome"})])
    assert r.components == {**r.components, "function_match": 1.0, "argument_match": 0.0}
    assert r.reward == pytest.approx(0.3)


def test_parallel_calls_are_order_free():
    ref = [{"get_weather": {"city": ["Paris"]}}, {"get_weather": {"city": ["Rome"]}}]
    calls = [call("get_weather", {"city": "Rome"}), call("get_weather", {"city": "Paris"})]
    assert score([WEATHER], ref, calls, category="parallel").reward == 1.0


def test_weights_come_from_config():
    cfg = RewardConfig.model_validate({"weights": {"function_match": 0.0, "argument_match": 1.0}})
    assert score([WEATHER], REF_PARIS, [call("get_weather", {"city": "Rome"})], config=cfg).reward == 0.0


def test_irrelevance_rewards_no_call_and_punishes_a_call():
    assert score([WEATHER], [], [], content="I cannot help with that.", category="irrelevance").reward == 1.0
    assert score([WEATHER], [], [call("get_weather", {"city": "Paris"})], category="irrelevance").reward == 0.0


# --- reward hacking: each pattern scores exactly 0 ------------------------------------------------

def test_text_only_answer_on_tool_needing_prompt_scores_zero():
    r = score([WEATHER], REF_PARIS, [], content="It is sunny in Paris.")
    assert r.reward == 0.0 and r.components["acted"] == 0


def test_empty_rollout_gets_no_free_neutral_reward():
    assert score([WEATHER], REF_PARIS, [], content=None).reward == 0.0


def test_repeated_calls_score_zero():
    calls = [call("get_weather", {"city": "Paris"})] * 3
    assert score([WEATHER], REF_PARIS, calls).reward == 0.0


def test_padded_calls_score_zero():
    calls = [call("get_weather", {"city": "Paris"}), call("get_weather", {"city": "London"})]
    assert score([WEATHER], REF_PARIS, calls).reward == 0.0


def test_call_to_tool_not_offered_fails_format_gate():
    r = score([WEATHER], REF_PARIS, [call("delete_everything", {})])
    assert r.reward == 0.0 and r.gates["format"] is False and "not an offered tool" in r.reason


def test_unparsable_arguments_fail_format_gate():
    r = score([WEATHER], REF_PARIS, [call("get_weather", "{city: Paris", raw=True)])
    assert r.reward == 0.0 and r.gates["format"] is False


def test_schema_violation_fails_schema_gate_and_names_the_field():
    r = score([WEATHER], REF_PARIS, [call("get_weather", {"city": "Paris", "unit": "kelvin"})])
    assert r.reward == 0.0 and r.gates == {"format": True, "schema": False} and "/unit" in r.reason


def test_a_schema_that_does_not_compile_fails_the_schema_gate_instead_of_raising():
    # As src/eval/reward.ts (one policy: such a schema admits no value); here a pattern Python's re refuses.
    broken = {"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string", "pattern": "(unclosed"}}, "required": ["city"]}}}
    r = score([broken], REF_PARIS, [call("get_weather", {"city": "Paris"})])
    assert r.reward == 0.0 and r.gates == {"format": True, "schema": False} and "does not compile" in r.reason


def test_call_rate_counts_completions_that_call():
    items = [Completion(None, [call("get_weather", {"city": "x"})]), Completion("no", []), Completion("no", [])]
    assert call_rate(items) == pytest.approx(1 / 3)


# --- the shared vectors (written with src/eval/reward.ts) ------------------------------------------

def _vectors():
    if not VECTORS.exists():
        return []
    return [json.loads(line) for line in VECTORS.read_text().splitlines() if line.strip()]


@pytest.mark.skipif(not VECTORS.exists(), reason=f"{VECTORS} not committed yet (src/eval/reward.ts owner)")
@pytest.mark.parametrize("vector", _vectors(), ids=lambda v: v.get("name", "?"))
def test_shared_reward_vectors(vector):
    inp, exp = vector["input"], vector["expected"]
    got = gated_reward(inp["tools"], inp["reference"], inp["category"], Completion.from_json(inp["completion"]))
    assert got.reward == pytest.approx(exp["reward"], abs=1e-9), vector["name"]
    assert {k: got.gates.get(k) for k in exp["gates"]} == exp["gates"], vector["name"]
    for k, v in exp.get("components", {}).items():
        assert got.components.get(k) == pytest.approx(v, abs=1e-9), f"{vector['name']}: component {k}"
