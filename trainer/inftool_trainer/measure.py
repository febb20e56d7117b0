"""Measures what GRPO would see from a policy: for each RL prompt, `--n` sampled completions, free-running and
under the runtime grammar, scored with the gated reward. Prints one JSON line per mode: format-gate pass
rate, call rate, reward mean/std, share of groups whose rewards differ, seconds per completion.

    python -m inftool_trainer.measure --job job.json [--adapter DIR] [--n 4] [--prompts 8] [--tokens 96]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time


def _sample(model, tok, prompts, rows, n, tokens, temperature, constrained):
    import torch
    from transformers import LogitsProcessorList

    from .constrained import EnvelopeLogitsProcessor, sampler_for

    eos = [tok.eos_token_id]
    outs = []
    for prompt, row in zip(prompts, rows, strict=False):
        ids = tok(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"].repeat(n, 1)
        kw = {}
        if constrained:
            s = sampler_for(tok, json.loads(row["tools_json"]), eos)
            kw["logits_processor"] = LogitsProcessorList([EnvelopeLogitsProcessor([s] * n, eos)])
        with torch.no_grad():
            gen = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=True, temperature=temperature, top_k=0, top_p=1.0,
                                 max_new_tokens=tokens, eos_token_id=eos, pad_token_id=tok.pad_token_id, **kw)
        outs.append(tok.batch_decode(gen[:, ids.shape[1]:], skip_special_tokens=True))
    return outs


def measure(job, adapter: str | None, n: int, limit: int, tokens: int, temperature: float, modes=("free", "constrained")):
    import torch

    from .chat_format import chat_format_for
    from .data import load_rl_prompts
    from .model_io import load_base_model, load_tokenizer
    from .reward import gated_reward

    torch.manual_seed(job.config.seed)
    torch.set_num_threads(job.config.threads or 2)
    tok = load_tokenizer(job)
    fmt = chat_format_for(job.config.chat_format, job.base_model.kind, tok.bos_token)
    model = load_base_model(job)
    if adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter).merge_and_unload()  # merged: sampling at base speed
    model.eval()
    rows = load_rl_prompts(job.rl_prompts_path, fmt)[:limit]
    for mode in modes:
        constrained = mode == "constrained"
        t0 = time.time()
        texts = _sample(model, tok, [r["prompt"] for r in rows], rows, n, tokens, temperature, constrained)
        secs = time.time() - t0
        rewards, gates, calls, varied = [], [], [], 0
        for row, group in zip(rows, texts, strict=False):
            tools = json.loads(row["tools_json"])
            rs = []
            for text in group:
                c = fmt.parse_completion(text, tools)
                r = gated_reward(tools, json.loads(row["reference_json"]), row["category"], c, job.config.reward)
                rs.append(r.reward)
                gates.append(r.gates["format"])
                calls.append(bool(c.tool_calls) and r.gates["format"])
            rewards += rs
            varied += max(rs) - min(rs) > 1e-9
        yield {
            "mode": "constrained" if constrained else "free", "adapter": adapter, "prompts": len(rows), "n": n,
            "format_pass": sum(gates) / len(gates), "call_rate": sum(calls) / len(calls),
            "reward_mean": statistics.fmean(rewards), "reward_std": statistics.pstdev(rewards), "groups_varied": varied / len(rows),
            "seconds_per_completion": secs / (n * len(rows)), "example": texts[0][0][:200],
        }


def main(argv: list[str] | None = None) -> int:
    from .job import load_job

    p = argparse.ArgumentParser(prog="python -m inftool_trainer.measure", description=__doc__)
    p.add_argument("--job", required=True)
    p.add_argument("--adapter", default=None, help="PEFT adapter folder (e.g. OUT/sft/final)")
    p.add_argument("--n", type=int, default=4)
    p.add_argument("--prompts", type=int, default=8)
    p.add_argument("--tokens", type=int, default=96)
    p.add_argument("--temperature", type=float, default=0.9)
    p.add_argument("--modes", default="free,constrained")
    ns = p.parse_args(argv)
    for line in measure(load_job(ns.job), ns.adapter, ns.n, ns.prompts, ns.tokens, ns.temperature, ns.modes.split(",")):
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
