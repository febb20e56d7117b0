"""Loads the starting policy (a GGUF, dequantized, or a Hugging Face folder; optionally a previous LoRA
adapter) and its tokenizer, offline only, and wraps it for LoRA or full fine-tuning."""
from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach a model hub at run time
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

from .job import BadJob, GgufBase, LoraAdapter, TrainJob  # noqa: E402


def _from_pretrained_args(base) -> tuple[str, dict]:
    path = Path(base.path)
    if not path.exists():
        raise BadJob(f"base model {path} does not exist (job field baseModel.path)")
    if isinstance(base, GgufBase):
        if not path.is_file():
            raise BadJob(f"base model {path} should be a .gguf file (baseModel.kind is 'gguf')")
        return str(path.parent), {"gguf_file": path.name}
    if not (path / "config.json").exists():
        raise BadJob(f"base model folder {path} has no config.json (baseModel.kind is 'hf'): give a Hugging Face model folder")
    return str(path), {}


def load_tokenizer(job: TrainJob, fill_pad: bool = True):
    """`fill_pad`: batching needs a pad token; one with none gets its EOS token (not for the export, which
    writes the base's tokenizer as it is)."""
    where, extra = _from_pretrained_args(job.base_model)
    tok = AutoTokenizer.from_pretrained(where, local_files_only=True, **extra)
    if fill_pad and tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def load_base_model(job: TrainJob, from_path: str | None = None, dtype: torch.dtype | None = None):
    """The model to train. `from_path` (a full model folder from an earlier phase) overrides the base.
    `dtype` by default: float32 on CPU (bf16 matmuls are slow there); bf16 on GPUs that have it."""
    if from_path is not None:
        where, extra = from_path, {}
    else:
        where, extra = _from_pretrained_args(job.base_model)
    if dtype is None:
        dtype = torch.bfloat16 if torch.cuda.is_available() and torch.cuda.is_bf16_supported() and job.config.device != "cpu" else torch.float32
    model = AutoModelForCausalLM.from_pretrained(where, local_files_only=True, dtype=dtype, **extra)
    if "gguf_file" in extra:
        _forget_gguf_quantization(model)
    return model


def _forget_gguf_quantization(model) -> None:
    """transformers dequantizes every GGUF tensor on load but still tags the model as GGUF-quantized, which
    makes the Trainer refuse it and save_pretrained fail. The weights are plain floats: drop the tag."""
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config


def wrap_for_training(model, job: TrainJob, adapter_path: str | None):
    """LoRA (continuing `adapter_path` when given) or the bare model for full fine-tuning."""
    adapter = job.config.adapter
    if not isinstance(adapter, LoraAdapter):
        return model
    from peft import LoraConfig, PeftModel, get_peft_model

    if adapter_path:
        if not Path(adapter_path, "adapter_config.json").exists():
            raise BadJob(f"adapter {adapter_path} has no adapter_config.json: give a PEFT adapter folder (baseModel.adapterPath)")
        return PeftModel.from_pretrained(model, adapter_path, is_trainable=True)
    cfg = LoraConfig(
        r=adapter.r, lora_alpha=adapter.alpha, lora_dropout=adapter.dropout,
        target_modules=list(adapter.target_modules), task_type="CAUSAL_LM",
    )
    return get_peft_model(model, cfg)
