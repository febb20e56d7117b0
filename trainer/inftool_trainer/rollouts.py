"""GRPO rollouts that can teach: sampled the way the policy is served and regrouped until they disagree.

TRL's GRPOTrainer samples with plain `generate`; a group whose completions all score alike has zero
advantage and teaches nothing. This subclass hooks TRL's one sampling step (`_generate_single_turn`):
- for the runtime-json format each completion is sampled under the runtime's grammar for the prompt's
  tools (inftool_trainer.constrained), so every rollout parses as the embedded runtime would read it;
- a group whose rewards are all equal is sampled again, up to `resample_tries` times; one that stays
  flat keeps advantage 0 (TRL then gives it no policy gradient) and is counted.
Per step it logs `rollouts/groups_with_advantage` (share of groups whose rewards differ, after resampling),
`rollouts/resampled_groups` and `rollouts/flat_first_try` (share of groups that were flat when first drawn).
"""
from __future__ import annotations

import json
from typing import Any, Callable, Sequence

import torch


def _flat(rewards: Sequence[float]) -> bool:
    return max(rewards) - min(rewards) < 1e-9


def regroup(completions: Sequence, rewards: Sequence[float], group: int, tries: int,
            resample: Callable[[list[int]], tuple[list, list[float]]]) -> tuple[list, list[float], dict[str, float]]:
    """Replaces each flat group (all rewards equal: no advantage) with a fresh draw whose rewards differ,
    trying up to `tries` times; `resample(indices)` draws len(indices) new completions for those rows.
    Returns the completions, their rewards, and the step's rollout stats."""
    completions, rewards = [list(c) for c in completions], list(rewards)
    groups = [list(range(i, i + group)) for i in range(0, len(completions), group)]
    flat = [g for g in groups if _flat([rewards[i] for i in g])]
    first_flat, redrawn = len(flat), 0
    for _ in range(tries):
        if not flat:
            break
        fresh, fresh_rewards = resample([i for g in flat for i in g])
        redrawn += len(flat)
        still = []
        for k, g in enumerate(flat):
            new = range(k * group, (k + 1) * group)
            if _flat([fresh_rewards[j] for j in new]):
                still.append(g)
                continue
            for i, j in zip(g, new, strict=False):
                completions[i], rewards[i] = list(fresh[j]), fresh_rewards[j]
        flat = still
    stats = {"groups_with_advantage": 1 - len(flat) / len(groups), "flat_first_try": first_flat / len(groups), "resampled_groups": float(redrawn)}
    return completions, rewards, stats


def make_trainer(rows: Sequence[dict[str, Any]], reward_func: Callable, constrained: bool, resample_tries: int, **kwargs):
    """A GRPOTrainer over `rows` (load_rl_prompts rows) with constrained sampling and flat-group resampling."""
    from trl import GRPOTrainer

    class RolloutGRPOTrainer(GRPOTrainer):
        def __init__(self, **kw):
            super().__init__(**kw)
            self._rows = {r["prompt"]: r for r in rows}
            self._prompts: list[str] = []

        def _generate(self, prompts):
            self._prompts = list(prompts)  # the texts behind the prompt_ids _generate_single_turn gets, in order
            return super()._generate(prompts)

        def _sample(self, prompt_ids, rows_, images, multimodal_fields, num_generations, has_tool_images):
            if not constrained or self.use_vllm or self.use_transformers_continuous_batching:
                ids, _ = super()._generate_single_turn(prompt_ids, images, multimodal_fields, num_generations, has_tool_images)
                return ids
            return constrained_generate(self, prompt_ids, [json.loads(r["tools_json"]) for r in rows_])

        def _score(self, rows_, completion_ids) -> list[float]:
            texts = self.processing_class.batch_decode(completion_ids, skip_special_tokens=True)
            cols = {k: [r[k] for r in rows_] for k in ("tools_json", "reference_json", "category")}
            return reward_func([r["prompt"] for r in rows_], texts, **cols)

        def _generate_single_turn(self, prompt_ids, images, multimodal_fields, num_generations, has_tool_images=False):
            rows_ = [self._rows.get(p) for p in self._prompts] if len(self._prompts) == len(prompt_ids) else []
            if not rows_ or any(r is None for r in rows_):  # not a batch of our rows: TRL's own sampling
                return super()._generate_single_turn(prompt_ids, images, multimodal_fields, num_generations, has_tool_images)
            completions = self._sample(prompt_ids, rows_, images, multimodal_fields, num_generations, has_tool_images)
            if not self.model.training:
                return completions, None

            def resample(idx: list[int]) -> tuple[list[list[int]], list[float]]:
                fresh = self._sample([prompt_ids[i] for i in idx], [rows_[i] for i in idx], None, {}, num_generations, False)
                return fresh, self._score([rows_[i] for i in idx], fresh)

            completions, _, stats = regroup(completions, self._score(rows_, completions), num_generations, resample_tries, resample)
            for k, v in stats.items():
                self._metrics["train"][f"rollouts/{k}"].append(v)
            return completions, None

    return RolloutGRPOTrainer(**kwargs)


def constrained_generate(trainer, prompt_ids: Sequence[Sequence[int]], tools: Sequence[Sequence[dict]]) -> list[list[int]]:
    """Samples one completion per prompt under the runtime's envelope grammar for that prompt's tools, with
    the trainer's generation config (temperature, max_completion_length); completions end at EOS."""
    from transformers import LogitsProcessorList
    from trl.models import unwrap_model_for_generation
    from trl.trainer.utils import pad

    from .constrained import EnvelopeLogitsProcessor, sampler_for

    tok = trainer._tokenizer
    eos = list(trainer.eos_token_ids)
    samplers = [sampler_for(tok, t, eos) for t in tools]  # None for a prompt without tools: free text
    tensors = [torch.tensor(list(ids)) for ids in prompt_ids]
    padded = pad(tensors, padding_value=tok.pad_token_id, padding_side="left")
    mask = pad([torch.ones_like(t) for t in tensors], padding_value=0, padding_side="left")
    device = trainer.accelerator.device
    processor = EnvelopeLogitsProcessor(samplers, eos)
    with unwrap_model_for_generation(trainer.model_wrapped, trainer.accelerator, generation_kwargs=trainer.generation_kwargs) as model, torch.no_grad():
        out = model.generate(input_ids=padded.to(device), attention_mask=mask.to(device), generation_config=trainer.generation_config,
                             logits_processor=LogitsProcessorList([processor]))
    completions = []
    for row in out[:, padded.size(1):].tolist():
        cut = next((k for k, t in enumerate(row) if t in eos), None)
        completions.append(row if cut is None else row[: cut + 1])
    return completions
