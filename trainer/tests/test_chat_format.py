"""Policy-token masks and completion parsing: tool results and user turns never count as policy tokens."""
from inftool_trainer.chat_format import parse_completion, render_prompt
from inftool_trainer.data import tokenize_conversation
from inftool_trainer.tiny_fixture import TRAJECTORIES


def test_only_assistant_tokens_are_masked_in(tiny_world):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_world["model"])
    traj = TRAJECTORIES[0]
    ex = tokenize_conversation(tok, traj["messages"], traj["tools"], 4096)
    assert len(ex["input_ids"]) == len(ex["assistant_masks"])
    policy_text = tok.decode([i for i, m in zip(ex["input_ids"], ex["assistant_masks"], strict=False) if m])
    context_text = tok.decode([i for i, m in zip(ex["input_ids"], ex["assistant_masks"], strict=False) if not m])
    assert '<tool_call>{"name": "get_weather"' in policy_text and "It is 3 degrees" in policy_text
    # The tool's result and the user's words are context only.
    assert '"sky": "snow"' not in policy_text and '"sky": "snow"' in context_text
    assert "Weather in Oslo please" not in policy_text and "Weather in Oslo please" in context_text
    assert "<|im_start|>assistant" not in policy_text  # the role header is the prompt's, not the policy's


def test_prompt_ends_with_assistant_header_and_lists_tools():
    p = render_prompt([{"role": "user", "content": "hi"}], [{"type": "function", "function": {"name": "f", "parameters": {}}}])
    assert p.endswith("<|im_start|>assistant\n") and '"name":"f"' in p


def test_parse_completion_round_trips_calls_and_keeps_bad_ones_for_the_gate():
    c = parse_completion('Sure.\n<tool_call>{"name": "f", "arguments": {"x": 1}}</tool_call>\n<tool_call>{oops}</tool_call><|im_end|>junk')
    assert c.content == "Sure."
    assert c.tool_calls[0]["function"] == {"name": "f", "arguments": '{"x": 1}'}
    assert c.tool_calls[1]["function"]["name"] == ""  # unparsable: the format gate will reject it


# --- runtime-json: shared vectors written by the TypeScript runtime (test/vectors/generate-chat-format.ts) ---

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from inftool_trainer.chat_format import IM_END, RuntimeJsonFormat, chat_format_for  # noqa: E402
from inftool_trainer.reward import gated_reward  # noqa: E402

VECTORS = Path(__file__).resolve().parents[2] / "test" / "vectors" / "chat-format-vectors.jsonl"


def _vectors(kind):
    lines = [json.loads(line) for line in VECTORS.read_text().splitlines() if line.strip()]
    picked = [v for v in lines if v["kind"] == kind]
    assert picked, f"no {kind} vectors in {VECTORS}"
    return picked


@pytest.mark.parametrize("v", _vectors("conversation"), ids=lambda v: v["name"])
def test_runtime_json_renders_what_the_runtime_shows_the_model(v):
    fmt = RuntimeJsonFormat(v["bos"])
    last = max(i for i, m in enumerate(v["messages"]) if m["role"] == "assistant")
    # GRPO samples from exactly the text the runtime would feed the model before its last turn ...
    assert fmt.render_prompt(v["messages"][:last], v["tools"]) == v["prompt"]
    # ... and SFT trains on the whole conversation as the runtime renders it, turns as the grammar forces them.
    segments = fmt.render_segments(v["messages"], v["tools"])
    assert "".join(t for t, _ in segments) + "<|im_start|>assistant\n" == v["context"]
    assert [t[: -len(IM_END)] for t, policy in segments if policy] == [t for t in v["turns"] if t]


@pytest.mark.parametrize("v", _vectors("completion"), ids=lambda v: v["name"])
def test_runtime_json_parses_replies_as_the_runtime_does(v):
    c = RuntimeJsonFormat("<|im_start|>").parse_completion(v["text"], v["tools"])
    want = v["expected"]
    if want["format_ok"]:
        assert c.content == want["content"]
        assert [{"name": t["function"]["name"], "arguments": json.loads(t["function"]["arguments"])} for t in c.tool_calls] == want["tool_calls"]
    else:
        # The runtime records a format error; the trainer's reward must give such a reply nothing.
        ref = [{"get_weather": {"city": ["Rome"]}}]
        r = gated_reward(v["tools"], ref, "simple", c)
        assert r.reward == 0 and r.gates["format"] is False


def test_auto_follows_how_the_policy_is_served():
    assert chat_format_for("auto", "gguf", "<s>").name == "runtime-json"
    assert chat_format_for("auto", "hf", "<s>").name == "hermes"
    assert chat_format_for("hermes", "gguf", None).name == "hermes"
    with pytest.raises(ValueError, match="unknown chat format 'chatml'"):
        chat_format_for("chatml", "gguf", None)


def test_runtime_json_tokens_equal_the_runtime_tokens_for_the_bundled_model():
    """Same text is not enough: the trainer's tokenizer (transformers reading the GGUF) must turn it into the
    token ids node-llama-cpp feeds the model, for the whole prompt and segment by segment as SFT does."""
    from transformers import AutoTokenizer

    gguf = Path(__file__).resolve().parents[2] / ".cache" / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert gguf.exists(), f"{gguf} is missing: run `npm run setup` (it installs the embedded model)"
    tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name, local_files_only=True)
    fmt = RuntimeJsonFormat(tok.bos_token)
    for v in _vectors("conversation"):
        assert tok(v["context"], add_special_tokens=False)["input_ids"] == v["context_tokens"], v["name"]
        ids = []
        for text, _ in fmt.render_segments(v["messages"], v["tools"]):
            ids += tok(text, add_special_tokens=False)["input_ids"]
        ids += tok("<|im_start|>assistant\n", add_special_tokens=False)["input_ids"]
        assert ids == v["context_tokens"], v["name"]


def test_grpo_reward_reads_completions_in_the_jobs_format():
    """The reward function parses with the job's format: a runtime-json call earns credit there, and the
    same call in the other format's spelling is a format failure, not a silent text answer."""
    from inftool_trainer.job import RewardConfig
    from inftool_trainer.train import GatedRewardFunc

    v = next(v for v in _vectors("completion") if v["name"] == "call_with_optional_nulls")
    tools_json, ref = json.dumps(v["tools"]), json.dumps([{"get_weather": {"city": ["Rome"], "days": [""], "units": [""]}}])
    runtime = GatedRewardFunc(RewardConfig(), chat_format_for("runtime-json", "gguf", "<|im_start|>"))
    hermes = GatedRewardFunc(RewardConfig(), chat_format_for("hermes", "hf", None))
    hermes_text = '<tool_call>{"name": "get_weather", "arguments": {"city": "Rome"}}</tool_call>'
    assert runtime([""], [v["text"]], [tools_json], [ref], ["simple"]) == [1.0]
    assert hermes([""], [hermes_text], [tools_json], [ref], ["simple"]) == [1.0]
    assert runtime([""], [hermes_text], [tools_json], [ref], ["simple"]) == [0.0]
