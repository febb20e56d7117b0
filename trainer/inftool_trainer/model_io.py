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
        cached = dequantized_cache(path)
        if cached is not None:
            return str(cached), {}
        return str(path.parent), {"gguf_file": path.name}
    if not (path / "config.json").exists():
        raise BadJob(f"base model folder {path} has no config.json (baseModel.kind is 'hf'): give a Hugging Face model folder")
    return str(path), {}


GGUF_CACHE_MAX_BYTES = 4 << 30


def dequantized_cache(gguf_path: Path) -> Path | None:
    """The GGUF base dequantized once into a float32 Hugging Face folder beside it (`<file>.hf/`, model and
    tokenizer), which loads in a fraction of a second: transformers' GGUF reading took 14 s for the model and
    5 s for the tokenizer of the bundled SmolLM2-135M, and a cycle loads its base three times and its tokenizer
    twice (SFT, GRPO, the merged export). Keyed by the file's size and mtime; built by the first trainer that
    needs it (atomically: a folder renamed into place). None, and the GGUF is read directly, for a GGUF over
    4 GB (its float32 copy would be 8x larger) or with INFTOOL_GGUF_CACHE=0."""
    if os.environ.get("INFTOOL_GGUF_CACHE") == "0":
        return None
    st = gguf_path.stat()
    if st.st_size > GGUF_CACHE_MAX_BYTES:
        return None
    stamp = f"{st.st_size}:{st.st_mtime_ns}"
    cache = gguf_path.with_name(gguf_path.name + ".hf")
    stamp_file = cache / "INFTOOL_SOURCE"

    def fresh() -> bool:
        return stamp_file.exists() and stamp_file.read_text() == stamp

    if fresh():
        return cache
    import shutil
    import tempfile

    where, extra = str(gguf_path.parent), {"gguf_file": gguf_path.name}
    tmp = Path(tempfile.mkdtemp(prefix=f".{gguf_path.name}.", dir=gguf_path.parent))
    try:
        AutoTokenizer.from_pretrained(where, local_files_only=True, **extra).save_pretrained(str(tmp))
        model = AutoModelForCausalLM.from_pretrained(where, local_files_only=True, dtype=torch.float32, **extra)
        _forget_gguf_quantization(model)
        model.save_pretrained(str(tmp))
        (tmp / "INFTOOL_SOURCE").write_text(stamp)
        os.chmod(tmp, 0o755)  # mkdtemp's 0700 would hide it from other users of the same model cache
        if not fresh():  # a fresh copy another trainer built meanwhile (and may be reading) is left alone
            shutil.rmtree(cache, ignore_errors=True)  # stale: made from another file under the same name
            try:
                os.rename(tmp, cache)
            except OSError:
                pass  # another trainer renamed its copy first: use that one
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return cache if fresh() else None


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
