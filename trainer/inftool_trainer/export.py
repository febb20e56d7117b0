"""Makes a trained policy servable by the embedded runtime (node-llama-cpp): a LoRA adapter is merged into
the base and written as a GGUF of its own (`config.mergeAdapter`, the default; a quantized base's in Q8_0 or, with
`config.mergedQuantization: base`, in the base's own types on its grid), or becomes a LoRA GGUF
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


def merged_outtype(base, quantization: str = "q8_0") -> str:
    """convert_hf_to_gguf's --outtype for a merged policy. A float GGUF base keeps its type. A quantized one gets
    q8_0 (`config.mergedQuantization`, the default), the finest quantization the converter writes, which keeps
    the adapter's deltas but decodes slower than a 4-bit base where decoding is bound by memory; or, with
    `base`, f32, then written in its base's own quantization tensor by tensor (`requantize_like_base`). A
    Hugging Face base gets f16, the type its LoRA path serves the base in."""
    if not isinstance(base, GgufBase):
        return "f16"
    return _FLOAT_FILE_TYPES.get(gguf_file_type(Path(base.path)), "f32" if quantization == "base" else "q8_0")


_FLOAT_FILE_TYPES = {"ALL_F32": "f32", "MOSTLY_F16": "f16", "MOSTLY_BF16": "bf16"}


def gguf_file_type(path: Path) -> str:
    """The GGUF's `general.file_type` by name (MOSTLY_Q4_1...), or "unknown" where it has none."""
    import gguf

    field = gguf.GGUFReader(str(path)).get_field("general.file_type")
    return gguf.LlamaFileType(int(field.contents())).name if field is not None else "unknown"


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
    outtype = merged_outtype(job.base_model, job.config.merged_quantization)
    # The merged folder is float32 (4 bytes a weight): a sibling of final/, gone once converted.
    with tempfile.TemporaryDirectory(prefix="merged-", dir=final_dir.parent) as tmp:
        merged_dir = Path(tmp) / "hf"
        merged_model(job, final_dir).save_pretrained(str(merged_dir))
        # The base's own tokenizer and chat template (no pad token added), so the runtime renders prompts as for the base.
        load_tokenizer(job, fill_pad=False).save_pretrained(str(merged_dir))
        name = Path(job.base_model.path).name.removesuffix(".gguf") + "-merged"  # not the temporary folder's
        converted = Path(tmp) / "merged.gguf"
        _convert("convert_hf_to_gguf.py", [str(merged_dir), "--outfile", str(converted), "--outtype", outtype, "--model-name", name])
        if not isinstance(job.base_model, GgufBase):
            os.replace(converted, model_gguf)
        else:
            base = Path(job.base_model.path)
            on_grid = job.config.merged_quantization == "base" and gguf_file_type(base) not in _FLOAT_FILE_TYPES
            _rewrite_with_base(converted, base, model_gguf, requantize_like_base(converted, base, job.config.seed) if on_grid else None)
    return model_gguf


# Quantizations whose blocks of 32 weights are a plain grid, value = d * (q - zero) + m: d (and m) in float16 at
# the block's start, q stored in `bits` bits (Q5's fifth bit in a 32-bit field before the low nibbles).
_GRIDS = {"Q4_0": (False, 4), "Q4_1": (True, 4), "Q5_0": (False, 5), "Q5_1": (True, 5), "Q8_0": (False, 8)}


def requantize_on_grid(base_raw, merged, qtype_name: str, rng):
    """`merged` (float32, the base's weights plus the adapter's delta) quantized on the base tensor's own grid:
    each block keeps the base's d and m, and each weight moves from its base level by the delta in steps of d,
    rounded stochastically (up with probability the fraction of a step), so no delta is lost on average however
    small. A weight the adapter did not move keeps its base value exactly; a block whose deltas would leave its
    grid is quantized afresh. A fresh quantization of all the merged weights would put a new rounding error on
    every one of them: on a 4-bit SmolLM2 policy that kept a third of what training changed, this keeps 99%
    (README, "Benchmarks"). Returns (raw blocks, weights moved, blocks quantized afresh)."""
    import numpy as np
    from gguf import GGMLQuantizationType, quants

    qtype = GGMLQuantizationType[qtype_name]
    has_min, bits = _GRIDS[qtype_name]
    blocks = np.asarray(base_raw).reshape(-1, quants.GGML_QUANT_SIZES[qtype][1])
    n = blocks.shape[0]
    d = blocks[:, 0:2].copy().view(np.float16).astype(np.float32)
    m = blocks[:, 2:4].copy().view(np.float16).astype(np.float32) if has_min else np.float32(0)
    base_vals = quants.dequantize(blocks, qtype).reshape(n, 32)
    lo, hi = (-128, 127) if bits == 8 else (0, (1 << bits) - 1)
    zero = 0 if has_min or bits == 8 else 1 << (bits - 1)
    live = d[:, 0] != 0  # a block with d == 0 holds one value whatever q says: kept as it is
    with np.errstate(divide="ignore", invalid="ignore"):
        q0 = np.where(live[:, None], np.rint((base_vals - m) / d), 0) + zero
        steps = np.where(live[:, None], (merged.reshape(n, 32) - base_vals) / d, 0)
    steps[np.abs(steps) < 1e-4] = 0  # float noise of the dequantize-and-add round trip, not a delta
    q = q0 + np.floor(steps + rng.random(steps.shape, dtype=np.float32))
    # A block the delta takes past its grid's ends is quantized afresh (its own new d and m) rather than clamped:
    # the largest deltas are the ones that matter most.
    fresh = ((q < lo) | (q > hi)).any(axis=1) & live
    q = np.clip(q, lo, hi)
    moved = int((q != q0)[~fresh].sum()) + int(fresh.sum()) * 32
    header = blocks[:, : 4 if has_min else 2]
    if bits == 8:
        body = [q.astype(np.int8).view(np.uint8)]
    else:
        qi = q.astype(np.uint8)
        low = (qi[:, :16] & 0x0F) | ((qi[:, 16:] & 0x0F) << 4)
        body = [np.packbits((qi >> 4).reshape(n, 1, 32), axis=-1, bitorder="little").reshape(n, 4), low] if bits == 5 else [low]
    out = np.concatenate([header, *body], axis=1)
    out[~live] = blocks[~live]
    if fresh.any():
        out[fresh] = quants.quantize(merged.reshape(n, 32)[fresh], qtype)
    return out.reshape(np.asarray(base_raw).shape), moved, int(fresh.sum())


def requantize_like_base(merged_gguf: Path, base_gguf: Path, seed: int):
    """Each tensor of the float32 merged GGUF in the type its base tensor has (`config.mergedQuantization: base`),
    so the merged policy decodes as fast as its base (a q8_0 merge of the 4-bit SmolLM2 decoded at 0.72x;
    bench/lora-speed.ts): the base's bytes where the weights are the base's, its own grid where the adapter moved
    them (`requantize_on_grid`), floats as floats. A tensor in a quantization with no grid written here (K-quants,
    i-quants) falls back to q8_0, and one the base lacks stays float32; both are said on stderr."""
    import numpy as np
    from gguf import GGMLQuantizationType as T
    from gguf import GGUFReader, quants

    base = {t.name: t for t in GGUFReader(str(base_gguf)).tensors}
    moved = fresh = total = 0
    fallback: dict[str, int] = {}
    for i, t in enumerate(GGUFReader(str(merged_gguf)).tensors):
        data = np.asarray(t.data, dtype=np.float32)
        b = base.get(t.name)
        if b is None or [int(x) for x in b.shape] != [int(x) for x in t.shape]:
            kind = "not in the base" if b is None else "shaped unlike the base"
            fallback[kind] = fallback.get(kind, 0) + 1
            yield t.name, data, None
            continue
        btype = b.tensor_type
        if btype in (T.F32, T.F16):
            yield t.name, data.astype(np.float16 if btype == T.F16 else np.float32), None
            continue
        if btype == T.BF16:
            q = quants.quantize(data, T.BF16)
            yield t.name, q, T.BF16
            continue
        if btype.name in _GRIDS:
            raw, n_moved, n_fresh = requantize_on_grid(b.data, data, btype.name, np.random.default_rng([seed, i]))
            moved, fresh, total = moved + n_moved, fresh + n_fresh, total + data.size
            yield t.name, raw, btype
            continue
        fallback[btype.name] = fallback.get(btype.name, 0) + 1
        yield t.name, quants.quantize(data, T.Q8_0), T.Q8_0
    print(
        f"merged export: {total:,} quantized weights on their base's grid, {moved:,} moved by the adapter, {fresh:,} blocks of 32 quantized afresh"
        + (f"; q8_0 or float for {sum(fallback.values())} tensors ({', '.join(f'{k}: {v}' for k, v in fallback.items())})" if fallback else ""),
        file=sys.stderr,
    )


def _rewrite_with_base(converted: Path, base_gguf: Path, dest: Path, tensors=None) -> None:
    """Writes `dest`: the converted GGUF's metadata and tensors (or `tensors`, (name, array, raw type) in the
    converted file's order), with the base GGUF's tokenizer metadata (`tokenizer.*`: vocabulary, scores, token
    types, special ids, chat template), so the runtime tokenizes and renders prompts exactly as it does for the
    base, which the trainer's chat format is held to. The converter rebuilds them from transformers' reading
    of the GGUF: identical for a BPE vocabulary like SmolLM2's, not for a SentencePiece one (scores, types).
    Tensors written on the base's grid take the base's file type too."""
    import gguf

    merged, base = gguf.GGUFReader(str(converted)), gguf.GGUFReader(str(base_gguf))
    arch = merged.get_field(gguf.Keys.General.ARCHITECTURE).contents()
    tmp = dest.with_suffix(".tmp.gguf")
    writer = gguf.GGUFWriter(str(tmp), arch=arch, endianess=merged.endianess)
    ours = [f for f in merged.fields.values() if not f.name.startswith("tokenizer.")]
    theirs = [f for f in base.fields.values() if f.name.startswith("tokenizer.")]
    for field in ours + theirs:
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue  # written by GGUFWriter itself
        if tensors is not None and field.name == gguf.Keys.General.FILE_TYPE and base.get_field(field.name) is not None:
            field = base.get_field(field.name)
        kind = field.types[0]
        writer.add_key_value(field.name, field.contents(), kind, sub_type=field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None)
    # The header lists every tensor before any is written, so requantized ones are made first; the converter's own
    # are streamed from its file as they are.
    items = [(t.name, t.data, t.tensor_type) for t in merged.tensors] if tensors is None else list(tensors)
    for name, data, raw_type in items:
        writer.add_tensor_info(name, data.shape, data.dtype, data.nbytes, raw_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for _, data, _ in items:
        writer.write_tensor_data(data, tensor_endianess=merged.endianess)
    writer.close()
    os.replace(tmp, dest)


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
