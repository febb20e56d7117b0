"""How much of what training changed survives each way of storing a merged LoRA policy of a quantized GGUF base.

    trainer/.venv/bin/python bench/merge-fidelity.py ARTIFACT_OUT [--rows 24] [--work DIR]

ARTIFACT_OUT is a training job's output folder (train-job.json, final/ with the adapter), e.g. a loop-gain run's
last train artifact: bench/out/lgN/artifacts/<id>/out. The adapter is merged in float32 (the reference) and
stored as (a) the base itself (nothing kept), (b) Q8_0 (the default export, `mergedQuantization: q8_0`),
(c) the base's own types on the base's grid (`mergedQuantization: base`), (d) a plain quantization of the merge
in the base's types (what a requantizing tool would do). Each file is read back by transformers (dequantized)
and scored teacher-forced on the policy's tokens of --rows of the job's own SFT rows: KL divergence from the
float32 merge, top-1 agreement with it, the rows' NLL, and "kept" = 1 - KL / KL(base). Decoding speed of the
same files: npm run bench:lora-speed -- --base B --lora L --merged Q8 --also GRID."""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "trainer"))

import numpy as np
import torch
from gguf import GGUFReader, quants

from inftool_trainer import export
from inftool_trainer.chat_format import chat_format_for
from inftool_trainer.data import load_sft_examples
from inftool_trainer.job import GgufBase, load_job
from inftool_trainer.model_io import load_tokenizer

ap = argparse.ArgumentParser()
ap.add_argument("artifact", type=Path)
ap.add_argument("--rows", type=int, default=24)
ap.add_argument("--work", type=Path, default=Path(__file__).resolve().parent / "out" / "merge-fidelity")
args = ap.parse_args()


def plain_quantization(f32: Path, base: Path):
    """Every tensor of the float32 merge quantized afresh (gguf-py) in its base tensor's type."""
    types = {t.name: t.tensor_type for t in GGUFReader(str(base)).tensors}
    for t in GGUFReader(str(f32)).tensors:
        data, ty = np.asarray(t.data, dtype=np.float32), types[t.name]
        yield (t.name, data, None) if ty.name in ("F32", "F16") else (t.name, quants.quantize(data, ty), ty)


job = load_job(args.artifact / "train-job.json")
if not isinstance(job.base_model, GgufBase):
    sys.exit(f"{args.artifact}: the base is not a GGUF, so there is no quantization to compare")
base = Path(job.base_model.path)
args.work.mkdir(parents=True, exist_ok=True)
files = {"base": base}
with tempfile.TemporaryDirectory(dir=args.work) as tmp:
    hf = Path(tmp) / "hf"
    export.merged_model(job, args.artifact / "final").save_pretrained(str(hf))
    load_tokenizer(job, fill_pad=False).save_pretrained(str(hf))
    raw = {}
    for outtype in ("f32", "q8_0"):
        raw[outtype] = Path(tmp) / f"{outtype}.gguf"
        export._convert("convert_hf_to_gguf.py", [str(hf), "--outfile", str(raw[outtype]), "--outtype", outtype])
    for name, tensors in [
        ("f32", None),
        ("q8_0", None),
        ("grid", lambda: export.requantize_like_base(raw["f32"], base, job.config.seed)),
        ("plain", lambda: plain_quantization(raw["f32"], base)),
    ]:
        files[name] = args.work / f"{name}.gguf"
        export._rewrite_with_base(raw["q8_0" if name == "q8_0" else "f32"], base, files[name], tensors() if tensors else None)

tok = load_tokenizer(job)
fmt = chat_format_for(job.config.chat_format, job.base_model.kind, tok.bos_token)
rows = load_sft_examples(job.trajectories_path, tok, 1024, fmt, cap=args.rows, seed=1)
masks = [torch.tensor(e["assistant_masks"][1:], dtype=torch.bool) for e in rows]
targets = torch.cat([torch.tensor(e["input_ids"][1:])[m] for e, m in zip(rows, masks, strict=True)])


def log_probs(path: Path) -> torch.Tensor:
    from transformers import AutoModelForCausalLM

    with tempfile.TemporaryDirectory(dir=args.work) as alone:  # a folder of its own: no adapter config beside it
        shutil.copy(path, Path(alone) / path.name)
        model = AutoModelForCausalLM.from_pretrained(alone, gguf_file=path.name, dtype=torch.float32, local_files_only=True).eval()
    with torch.no_grad():
        return torch.cat([torch.log_softmax(model(torch.tensor([e["input_ids"]])).logits[0, :-1][m], -1) for e, m in zip(rows, masks, strict=True)])


ref = log_probs(files["f32"])
print(f"{len(rows)} rows, {int(targets.numel())} policy tokens; base {base.name}; adapter {args.artifact / 'final'}")
print(f"{'stored as':28} {'MB':>6} {'KL(ref||it)':>12} {'top-1 = ref':>12} {'NLL':>7} {'kept':>6}")
kl_base = None
for name, label in [("base", "the base (no adapter)"), ("f32", "float32 merge (reference)"), ("q8_0", "Q8_0 (default)"), ("grid", "base's types, base's grid"), ("plain", "base's types, plain")]:
    lp = ref if name == "f32" else log_probs(files[name])
    kl = float((ref.exp() * (ref - lp)).sum(-1).mean())
    kl_base = kl if name == "base" else kl_base
    top1 = float((lp.argmax(-1) == ref.argmax(-1)).float().mean())
    nll = float(-lp.gather(1, targets[:, None]).mean())
    print(f"{label:28} {files[name].stat().st_size / 2**20:6.0f} {kl:12.5f} {top1:12.4f} {nll:7.4f} {1 - kl / kl_base:6.3f}", flush=True)
