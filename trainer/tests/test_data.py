"""The trainer's data loading reads a bounded, seeded sample of a large file and the whole of a small one."""
import json

import pytest

from inftool_trainer.data import load_rl_prompts, load_sft_examples, sample_lines
from inftool_trainer.job import BadJob


def _prompt(k: int, split: str = "train") -> dict:
    return {"id": f"p{k}", "category": "simple", "split": split, "messages": [{"role": "user", "content": f"request {k}"}],
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}],
            "reference": [{"f": {}}]}


def _write(path, rows) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def test_a_file_within_the_cap_is_read_whole_in_file_order(tmp_path):
    path = _write(tmp_path / "rl.jsonl", [_prompt(k, "train" if k % 3 else "validation") for k in range(30)])
    rows = load_rl_prompts(path, cap=1000, seed=7)
    assert [r["prompt_id"] for r in rows] == [f"p{k}" for k in range(30) if k % 3]
    assert rows == load_rl_prompts(path)  # the same rows as reading without a cap


def test_a_large_file_gives_a_seeded_uniform_sample_of_the_cap(tmp_path):
    path = _write(tmp_path / "rl.jsonl", [_prompt(k, "train" if k % 2 else "validation") for k in range(20_000)])
    rows = load_rl_prompts(path, cap=500, seed=3)
    ids = [int(r["prompt_id"][1:]) for r in rows]
    assert len(ids) == 500 and len(set(ids)) == 500
    assert all(k % 2 for k in ids)  # only train rows
    assert ids == sorted(ids)  # file order
    assert ids == [int(r["prompt_id"][1:]) for r in load_rl_prompts(path, cap=500, seed=3)]  # seeded
    assert ids != [int(r["prompt_id"][1:]) for r in load_rl_prompts(path, cap=500, seed=4)]
    # Spread over the whole file, not its head: each quarter holds about a quarter of the sample.
    quarters = [sum(1 for k in ids if q * 5000 <= k < (q + 1) * 5000) for q in range(4)]
    assert all(80 <= n <= 170 for n in quarters), quarters


def test_sampling_holds_line_numbers_only_and_counts_what_passed(tmp_path):
    path = _write(tmp_path / "t.jsonl", [{"accepted": k % 4 == 0} for k in range(4000)])
    picked, seen = sample_lines(path, "trajectories", 50, 0, lambda o: o["accepted"])
    assert seen == 1000 and len(picked) == 50
    assert all((n - 1) % 4 == 0 for n in picked)  # line n holds row n - 1


def test_sft_examples_are_capped_and_skip_rejected_rows(tmp_path, tiny_world):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_world["model"])
    conv = lambda k, ok: {"accepted": ok, "tools": [], "messages": [  # noqa: E731
        {"role": "user", "content": f"hi {k}"}, {"role": "assistant", "content": f"hello {k}"}]}
    path = _write(tmp_path / "t.jsonl", [conv(k, k % 2 == 0) for k in range(400)])
    assert len(load_sft_examples(path, tok, 256)) == 200
    assert len(load_sft_examples(path, tok, 256, cap=30, seed=1)) == 30
    with pytest.raises(BadJob, match="no accepted trajectory"):
        load_sft_examples(_write(tmp_path / "none.jsonl", [conv(0, False)]), tok, 256, cap=30)
