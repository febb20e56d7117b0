"""The train stage: SFT cold start on verified trajectories, then GRPO with the gated reward on the RL
prompts, checkpointing as it goes and resuming from the newest checkpoint; prints JSON-lines progress.

    python -m inftool_trainer.train --job job.json [--resume-from CHECKPOINT]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import traceback
from pathlib import Path
from typing import Any

from .job import BadJob
from .progress import ProgressCallback, claim_stdout, emit


def newest_checkpoint(phase_dir: Path) -> Path | None:
    """The highest-numbered complete checkpoint. A checkpoint is complete once trainer_state.json is
    written (the Trainer writes it last), so one cut short by a SIGKILL is skipped, not loaded."""
    best: tuple[int, Path] | None = None
    if not phase_dir.is_dir():
        return None
    for d in phase_dir.iterdir():
        m = re.fullmatch(r"checkpoint-(\d+)", d.name)
        if m and (d / "trainer_state.json").exists() and (best is None or int(m.group(1)) > best[0]):
            best = (int(m.group(1)), d)
    return best[1] if best else None


def _phase_of(checkpoint: Path) -> str | None:
    return checkpoint.parent.name if checkpoint.parent.name in ("sft", "grpo") else None


# The trainer reads a seeded sample of at most this many rows, or four times what its steps consume if more (a cycle
# of a million trajectories is never held whole); any cycle up to it is read whole, in file order, as before.
ROW_FLOOR = 1000


def rows_to_read(consumed: int) -> int:
    return max(ROW_FLOOR, 4 * consumed)


def _common_args(job, phase_dir: Path, max_steps: int, lr: float) -> dict[str, Any]:
    cfg = job.config
    return dict(
        output_dir=str(phase_dir), max_steps=max_steps, learning_rate=lr,
        logging_steps=1, save_strategy="steps", save_steps=cfg.checkpoint_every, save_total_limit=cfg.keep_checkpoints,
        report_to="none", disable_tqdm=True, seed=cfg.seed, use_cpu=(cfg.device == "cpu"),
        lr_scheduler_type="constant", warmup_steps=0, dataloader_num_workers=0,
        bf16=False, fp16=False,
        # TRL turns recomputation on to save GPU memory; on CPU memory is plenty and it costs a third of each step.
        gradient_checkpointing=cfg.device != "cpu",
    )


def _final_dir(job) -> Path:
    return Path(job.output_dir) / "final"


def run_sft(job, tokenizer, fmt, resume: Path | None) -> tuple[str, ProgressCallback]:
    """Returns the folder the GRPO phase starts from (an adapter folder for LoRA, a model folder for full)."""
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from .data import load_sft_examples
    from .model_io import load_base_model, wrap_for_training

    cfg = job.config
    phase_dir = Path(job.output_dir) / "sft"
    examples = load_sft_examples(job.trajectories_path, tokenizer, cfg.sft.max_length, fmt,
                                 cap=rows_to_read(cfg.sft.max_steps * cfg.sft.batch_size), seed=cfg.seed)
    emit({"event": "info", "message": f"sft: {len(examples)} verified trajectories from {job.trajectories_path}"})
    model = wrap_for_training(load_base_model(job), job, job.base_model.adapter_path)
    args = SFTConfig(
        **_common_args(job, phase_dir, cfg.sft.max_steps, cfg.sft.learning_rate),
        per_device_train_batch_size=cfg.sft.batch_size, max_length=cfg.sft.max_length,
        # Loss on the policy's own tokens only: labels come from our assistant_masks column.
        assistant_only_loss=False, completion_only_loss=False, packing=False,
    )
    progress = ProgressCallback("sft")
    trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(examples), processing_class=tokenizer, callbacks=[progress])
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    out = phase_dir / "final"
    trainer.save_model(str(out))
    tokenizer.save_pretrained(str(out))
    (out / "DONE").write_text(str(trainer.state.global_step))
    return str(out), progress


class GatedRewardFunc:
    """TRL reward function: parses each completion and scores it with the gated reward; logs every
    component and the call rate separately so a collapse to never calling tools is visible."""

    __name__ = "gated_reward"

    def __init__(self, reward_config, fmt=None):
        from .chat_format import HERMES

        self.reward_config = reward_config
        self.fmt = fmt or HERMES

    def __call__(self, prompts, completions, tools_json, reference_json, category, log_metric=None, **_):
        from .reward import gated_reward

        rewards: list[float] = []
        sums: dict[str, float] = {}
        gate_pass: dict[str, float] = {}
        for text, tj, rj, cat in zip(completions, tools_json, reference_json, category, strict=False):
            text = text if isinstance(text, str) else text[-1]["content"]
            tools = json.loads(tj)
            result = gated_reward(tools, json.loads(rj), cat, self.fmt.parse_completion(text, tools), self.reward_config)
            rewards.append(result.reward)
            for k, v in result.components.items():
                sums[k] = sums.get(k, 0.0) + v
            for g, ok in result.gates.items():
                gate_pass[g] = gate_pass.get(g, 0.0) + float(ok)
        n = max(len(rewards), 1)
        if log_metric is not None:
            for k, v in sums.items():
                log_metric(f"components/{k}", v / n)
            # `acted` averaged over a batch is the call rate: watched to catch a collapse to never calling.
            log_metric("components/call_rate", sums.get("acted", 0.0) / n)
            for g, v in gate_pass.items():
                log_metric(f"components/gate_{g}", v / n)
        return rewards


def run_grpo(job, tokenizer, fmt, start_from: str | None, resume: Path | None) -> ProgressCallback:
    from datasets import Dataset
    from trl import GRPOConfig

    from .data import load_rl_prompts
    from .job import LoraAdapter
    from .model_io import load_base_model, wrap_for_training
    from .rollouts import make_trainer

    cfg = job.config
    g = cfg.grpo
    phase_dir = Path(job.output_dir) / "grpo"
    rows = load_rl_prompts(job.rl_prompts_path, fmt, cap=rows_to_read(g.max_steps * g.prompts_per_step), seed=cfg.seed)
    kept = [r for r in rows if len(tokenizer(r["prompt"], add_special_tokens=False)["input_ids"]) <= g.max_prompt_length]
    emit({"event": "info", "message": f"grpo: {len(kept)} train prompts ({len(rows) - len(kept)} longer than maxPromptLength={g.max_prompt_length} skipped)"})
    if not kept:
        raise BadJob(f"every RL prompt in {job.rl_prompts_path} is longer than config.grpo.maxPromptLength={g.max_prompt_length} tokens: raise it")

    lora = isinstance(cfg.adapter, LoraAdapter)
    if start_from and not lora:
        model = wrap_for_training(load_base_model(job, from_path=start_from), job, None)
    else:
        model = wrap_for_training(load_base_model(job), job, start_from if lora and start_from else job.base_model.adapter_path)

    batch = g.group_size * g.prompts_per_step
    args = GRPOConfig(
        **_common_args(job, phase_dir, g.max_steps, g.learning_rate),
        per_device_train_batch_size=batch, num_generations=g.group_size, generation_batch_size=batch,
        beta=g.kl_beta, max_completion_length=g.max_completion_length, temperature=g.temperature,
        # Rewards are scaled per group; a group that all scores alike (e.g. all 0) has no advantage, so
        # silence earns nothing relative to acting.
        scale_rewards="group", log_completions=False,
    )
    progress = ProgressCallback("grpo")
    reward = GatedRewardFunc(cfg.reward, fmt)
    # The runtime's grammar applies only to what the embedded runtime serves (runtime-json).
    constrained = g.constrained and fmt.name == "runtime-json"
    emit({"event": "info", "message": f"grpo: rollouts {'under the runtime grammar' if constrained else 'unconstrained'}, flat groups resampled up to {g.resample_tries}x"})
    trainer = make_trainer(
        kept, reward, constrained, g.resample_tries,
        model=model, reward_funcs=[reward], args=args,
        train_dataset=Dataset.from_list(kept), processing_class=tokenizer, callbacks=[progress],
    )
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    out = phase_dir / "final"
    trainer.save_model(str(out))
    tokenizer.save_pretrained(str(out))
    (out / "DONE").write_text(str(trainer.state.global_step))
    return progress


def _steps_done(phase_dir: Path) -> int:
    done = phase_dir / "final" / "DONE"
    return int(done.read_text()) if done.exists() else 0


def train(job, resume_from: str | None = None) -> dict[str, Any]:
    cfg = job.config
    # Fail on missing inputs before paying for model loading.
    for field, value in (("rlPromptsPath", job.rl_prompts_path if cfg.grpo.enabled else None), ("trajectoriesPath", job.trajectories_path if cfg.sft.enabled else None)):
        if value is not None and not Path(value).is_file():
            raise BadJob(f"{field} {value} does not exist: check the job file")
    import torch

    from .chat_format import chat_format_for
    from .export import export_policy
    from .model_io import load_tokenizer

    torch.set_num_threads(cfg.threads or os.cpu_count() or 1)
    torch.manual_seed(cfg.seed)
    out = Path(job.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "job.json").write_text(job.model_dump_json(by_alias=True, indent=2))
    tokenizer = load_tokenizer(job)
    fmt = chat_format_for(cfg.chat_format, job.base_model.kind, tokenizer.bos_token)
    emit({"event": "info", "message": f"chat format: {fmt.name} (config.chatFormat={cfg.chat_format}, base model kind {job.base_model.kind})"})

    # Resume point: the checkpoint the caller names (from a heartbeat), else the newest on disk.
    explicit = Path(resume_from) if resume_from else None
    if explicit is not None and not (explicit / "trainer_state.json").exists():
        emit({"event": "info", "message": f"resume checkpoint {explicit} is missing or incomplete; looking for the newest one in {out}"})
        explicit = None

    sft_dir, grpo_dir = out / "sft", out / "grpo"
    start_from: str | None = None
    if cfg.sft.enabled:
        if (sft_dir / "final" / "DONE").exists():
            start_from = str(sft_dir / "final")
        elif not (cfg.grpo.enabled and newest_checkpoint(grpo_dir)):
            resume = explicit if explicit is not None and _phase_of(explicit) == "sft" else newest_checkpoint(sft_dir)
            if resume:
                emit({"event": "info", "message": f"sft: resuming from {resume}"})
            start_from, _ = run_sft(job, tokenizer, fmt, resume)
    if cfg.grpo.enabled and not (grpo_dir / "final" / "DONE").exists():
        resume = explicit if explicit is not None and _phase_of(explicit) == "grpo" else newest_checkpoint(grpo_dir)
        if resume:
            emit({"event": "info", "message": f"grpo: resuming from {resume}"})
        run_grpo(job, tokenizer, fmt, start_from, resume)

    final_phase = grpo_dir if cfg.grpo.enabled else sft_dir
    policy_dir = final_phase / "final"
    stable = _final_dir(job)
    if stable.exists():
        shutil.rmtree(stable)
    shutil.copytree(policy_dir, stable)
    model_ref, policy = export_policy(job, stable)
    steps = _steps_done(sft_dir) + _steps_done(grpo_dir)
    return {"event": "done", "model": model_ref, "steps": steps, "policy": policy}


def main(argv: list[str] | None = None) -> int:
    claim_stdout()
    parser = argparse.ArgumentParser(prog="python -m inftool_trainer.train", description=__doc__)
    parser.add_argument("--job", required=True, help="TrainJob JSON file (src/train/job.ts)")
    parser.add_argument("--resume-from", default=None, help="checkpoint folder to resume from (else the newest in outputDir)")
    ns = parser.parse_args(argv)
    try:
        from .job import load_job

        job = load_job(ns.job)
        emit(train(job, ns.resume_from))
        return 0
    except BadJob as e:  # the job or its inputs are invalid: exit 2, so callers do not retry (a ValueError elsewhere is exit 1)
        traceback.print_exc(file=sys.stderr)
        emit({"event": "error", "message": f"{type(e).__name__}: {e}"})
        return 2
    except Exception as e:  # the protocol's error line, then a non-zero exit; the trace goes to stderr
        traceback.print_exc(file=sys.stderr)
        emit({"event": "error", "message": f"{type(e).__name__}: {e}"})
        return 1


if __name__ == "__main__":
    sys.exit(main())
