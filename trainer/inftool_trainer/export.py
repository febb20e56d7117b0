"""Makes a trained policy servable by the embedded runtime (node-llama-cpp): a LoRA adapter is merged into
the base and written as a GGUF of its own (`config.mergeAdapter`, the default), or becomes a LoRA GGUF
applied over the base GGUF at run time; a fully fine-tuned model becomes a GGUF of its own. Uses
llama.cpp's own converters, taken from node-llama-cpp's bundled llama.cpp source by trainer/setup.sh."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .job import GgufBase, LoraAdapter

TRAINER_ROOT = Path(__file__).resolve().parent.parent


def llama_cpp_dir() -> Path:
    d = Path(os.environ.get("INFTOOL_LLAMA_CPP_DIR", TRAINER_ROOT / ".venv" / "llama.cpp"))
    if not (d / "convert_lora_to_gguf.py").exists():
        raise RuntimeError(f"llama.cpp converters not found in {d}: run trainer/setup.sh (or set INFTOOL_LLAMA_CPP_DIR)")
    return d


def _convert(script: str, args: list[str]) -> None:
    cmd = [sys.executable, str(llama_cpp_dir() / script), *args]
    proc = subprocess.run(cmd, stdout=sys.stderr, stderr=sys.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"{script} failed (exit {proc.returncode}): {' '.join(cmd)}; its output is above on stderr")


def merged_outtype(base) -> str:
    """convert_hf_to_gguf's --outtype for a merged policy, meant to serve about as fast as its base. A float
    GGUF base keeps its type; a quantized one (the bundled SmolLM2 is Q4_1, its embedding Q8_0) gets q8_0,
    the finest quantization the converter writes. It keeps the adapter's small weight deltas, which a 4-bit grid
    may round away; its speed against the Q4_1 base depends on the CPU (bench/lora-speed.ts: 1.08x on 2026-12-01,
    0.76x on 2026-12-03, README "Benchmarks"). A Hugging Face
    base gets f16, the type its LoRA path serves the base in."""
    if not isinstance(base, GgufBase):
        return "f16"
    import gguf

    field = gguf.GGUFReader(base.path).get_field("general.file_type")
    file_type = gguf.LlamaFileType(int(field.contents())) if field is not None else None
    floats = {gguf.LlamaFileType.ALL_F32: "f32", gguf.LlamaFileType.MOSTLY_F16: "f16", gguf.LlamaFileType.MOSTLY_BF16: "bf16"}
    return floats.get(file_type, "q8_0")


def merged_model(job, adapter_dir: Path):
    """The base with the adapter in `adapter_dir` folded into its weights (peft `merge_and_unload`), float32
    on the CPU whatever the training device was: bf16 would round small LoRA deltas away."""
    import torch
    from peft import PeftModel

    from .model_io import load_base_model

    base = load_base_model(job, dtype=torch.float32)
    return PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()


def _export_merged(job, final_dir: Path) -> Path:
    from .model_io import load_tokenizer

    model_gguf = final_dir / "model.gguf"
    # The merged folder is float32 (4 bytes a weight): a sibling of final/, gone once converted.
    with tempfile.TemporaryDirectory(prefix="merged-", dir=final_dir.parent) as tmp:
        merged_dir = Path(tmp)
        merged_model(job, final_dir).save_pretrained(str(merged_dir))
        # The base's own tokenizer and chat template (no pad token added), so the runtime renders prompts as for the base.
        load_tokenizer(job, fill_pad=False).save_pretrained(str(merged_dir))
        name = Path(job.base_model.path).name.removesuffix(".gguf") + "-merged"  # not the temporary folder's
        _convert("convert_hf_to_gguf.py", [str(merged_dir), "--outfile", str(model_gguf), "--outtype", merged_outtype(job.base_model), "--model-name", name])
    if isinstance(job.base_model, GgufBase):
        _take_tokenizer(model_gguf, Path(job.base_model.path))
    return model_gguf


def _take_tokenizer(model_gguf: Path, base_gguf: Path) -> None:
    """Rewrites `model_gguf` with the base GGUF's tokenizer metadata (`tokenizer.*`: vocabulary, scores, token
    types, special ids, chat template), so the runtime tokenizes and renders prompts exactly as it does for the
    base, which the trainer's chat format is held to. The converter rebuilds them from transformers' reading
    of the GGUF: identical for a BPE vocabulary like SmolLM2's, not for a SentencePiece one (scores, types)."""
    import gguf

    merged, base = gguf.GGUFReader(str(model_gguf)), gguf.GGUFReader(str(base_gguf))
    arch = merged.get_field(gguf.Keys.General.ARCHITECTURE).contents()
    tmp = model_gguf.with_suffix(".tmp.gguf")
    writer = gguf.GGUFWriter(str(tmp), arch=arch, endianess=merged.endianess)
    ours = [f for f in merged.fields.values() if not f.name.startswith("tokenizer.")]
    theirs = [f for f in base.fields.values() if f.name.startswith("tokenizer.")]
    for field in ours + theirs:
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue  # written by GGUFWriter itself
        kind = field.types[0]
        writer.add_key_value(field.name, field.contents(), kind, sub_type=field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None)
    for t in merged.tensors:
        writer.add_tensor_info(t.name, t.data.shape, t.data.dtype, t.data.nbytes, t.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for t in merged.tensors:
        writer.write_tensor_data(t.data, tensor_endianess=merged.endianess)
    writer.close()
    os.replace(tmp, model_gguf)


def _export_lora(job, final_dir: Path) -> dict[str, Any]:
    base = job.base_model
    # The LoRA converter reads the base's config.json; a GGUF base has none, so write one.
    base_cfg = final_dir / "base-config"
    if isinstance(base, GgufBase):
        from transformers import AutoConfig
        from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

        cfg = AutoConfig.from_pretrained(str(Path(base.path).parent), gguf_file=Path(base.path).name, local_files_only=True)
        # A config read from GGUF metadata names no architecture; the converter picks its writer by it.
        cfg.architectures = cfg.architectures or [MODEL_FOR_CAUSAL_LM_MAPPING_NAMES[cfg.model_type]]
        cfg.save_pretrained(str(base_cfg))
    else:
        base_cfg = Path(base.path)
    lora_gguf = final_dir / "adapter.gguf"
    _convert("convert_lora_to_gguf.py", ["--base", str(base_cfg), "--outfile", str(lora_gguf), "--outtype", "f32", str(final_dir)])
    if isinstance(base, GgufBase):
        base_gguf = base.path
    else:
        base_gguf = str(final_dir / "base.gguf")
        _convert("convert_hf_to_gguf.py", [str(base.path), "--outfile", base_gguf, "--outtype", "f16"])
    return {"kind": "gguf", "path": base_gguf, "loraPath": str(lora_gguf)}


def export_policy(job, final_dir: Path) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(ModelRef for the local runtime or None when export is off, BaseModel to continue from next cycle).
    A merged LoRA policy is served as its own GGUF, but the next cycle still continues the adapter."""
    lora = isinstance(job.config.adapter, LoraAdapter)
    base = job.base_model
    policy = {"kind": base.kind, "path": base.path, "adapterPath": str(final_dir)} if lora else {"kind": "hf", "path": str(final_dir)}
    if not job.config.export_gguf:
        return None, policy
    if lora and job.config.merge_adapter:
        return {"kind": "gguf", "path": str(_export_merged(job, final_dir))}, policy
    if lora:
        return _export_lora(job, final_dir), policy
    model_gguf = final_dir / "model.gguf"
    _convert("convert_hf_to_gguf.py", [str(final_dir), "--outfile", str(model_gguf), "--outtype", "f16"])
    return {"kind": "gguf", "path": str(model_gguf)}, policy
