"""The train job, as src/train/job.ts defines it (zod), mirrored field by field with pydantic so a job
file written by the TypeScript side validates here with the same defaults and the same field names."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel


class BadJob(ValueError):
    """The job or its inputs are invalid: no retry can fix it. The one error train.py exits 2 for and the
    worker reports as the non-retryable `BadInput`, the type name the TypeScript activities use (src/activities/context.ts).
    A ValueError from anywhere else (torch, transformers) is a training failure, retried like any other."""


# The failure types both training backends report (src/train/README.md): bad input is never retried.
BAD_INPUT = "BadInput"
TRAINING_ERROR = "TrainingError"


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


class GgufBase(_Model):
    kind: Literal["gguf"]
    path: str = Field(min_length=1)
    adapter_path: str | None = None


class HfBase(_Model):
    kind: Literal["hf"]
    path: str = Field(min_length=1)
    adapter_path: str | None = None


BaseModelRef = Annotated[Union[GgufBase, HfBase], Field(discriminator="kind")]


class LoraAdapter(_Model):
    kind: Literal["lora"] = "lora"
    r: int = Field(16, gt=0)
    alpha: float = Field(32, gt=0)
    dropout: float = Field(0.05, ge=0, le=1)
    # Every linear layer: measured on SmolLM2-135M (trainer/README.md, "Choosing the defaults").
    target_modules: list[str] = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


class FullAdapter(_Model):
    kind: Literal["full"]


class SftConfig(_Model):
    enabled: bool = True
    max_steps: int = Field(50, gt=0)
    learning_rate: float = Field(1e-3, gt=0)
    batch_size: int = Field(2, gt=0)
    max_length: int = Field(1024, gt=0)


class GrpoConfig(_Model):
    enabled: bool = True
    max_steps: int = Field(100, gt=0)
    learning_rate: float = Field(1e-5, gt=0)
    group_size: int = Field(4, ge=2)
    prompts_per_step: int = Field(1, gt=0)
    kl_beta: float = Field(0.04, ge=0)
    max_prompt_length: int = Field(1024, gt=0)
    max_completion_length: int = Field(128, gt=0)
    temperature: float = Field(0.9, gt=0)
    constrained: bool = True
    resample_tries: int = Field(2, ge=0)


class RewardWeights(BaseModel):
    # snake_case on the wire too: src/eval/reward.ts RewardConfigSchema spells them so.
    model_config = ConfigDict(extra="forbid", frozen=True)
    function_match: float = Field(0.3, ge=0)
    argument_match: float = Field(0.7, ge=0)

    @model_validator(mode="after")
    def _not_both_zero(self) -> "RewardWeights":
        if self.function_match + self.argument_match <= 0:
            raise ValueError("weights must not both be 0")
        return self


class RewardConfig(_Model):
    """src/eval/reward.ts RewardConfigSchema."""
    gates: list[Literal["format", "schema"]] = ["format", "schema"]
    weights: RewardWeights = RewardWeights()
    irrelevance_reward: float = Field(1.0, ge=0, le=1)


class TrainConfig(_Model):
    sft: SftConfig = SftConfig()
    grpo: GrpoConfig = GrpoConfig()
    adapter: Annotated[Union[LoraAdapter, FullAdapter], Field(discriminator="kind")] = LoraAdapter()
    reward: RewardConfig = RewardConfig()
    checkpoint_every: int = Field(10, gt=0)
    keep_checkpoints: int = Field(2, gt=0)
    seed: int = 0
    export_gguf: bool = True
    merge_adapter: bool = True  # a LoRA policy is served merged into a GGUF of its own (export.py)
    merged_quantization: Literal["q8_0", "base"] = "q8_0"  # a quantized GGUF base's merged policy (export.py)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int | None = Field(None, gt=0)
    chat_format: Literal["auto", "hermes", "runtime-json"] = "auto"


class TrainJob(_Model):
    rl_prompts_path: str = Field(min_length=1)
    trajectories_path: str | None = None
    base_model: BaseModelRef
    output_dir: str = Field(min_length=1)
    config: TrainConfig = TrainConfig()

    @model_validator(mode="after")
    def _something_to_train(self) -> "TrainJob":
        if self.config.sft.enabled and not self.trajectories_path:
            raise ValueError("SFT is enabled (config.sft.enabled) but no trajectoriesPath was given: give one or disable SFT")
        if not self.config.sft.enabled and not self.config.grpo.enabled:
            raise ValueError("both config.sft.enabled and config.grpo.enabled are false: nothing to train")
        return self


def load_job(source: str | Path | dict) -> TrainJob:
    """A TrainJob from a JSON file path or a parsed object; errors name the file and the field."""
    where = "job object"
    if isinstance(source, dict):
        data = source
    else:
        where = str(source)
        try:
            data = json.loads(Path(source).read_text())
        except FileNotFoundError:
            raise BadJob(f"train job file {where} does not exist") from None
        except json.JSONDecodeError as e:
            raise BadJob(f"train job file {where} is not JSON: line {e.lineno}: {e.msg}") from None
    try:
        return TrainJob.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(f"/{'/'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())
        raise BadJob(f"train job in {where} is invalid: {problems}") from None
