"""The GGUF export of a LoRA policy: merged into a GGUF of its own (config.mergeAdapter, the default) the
policy is served without a LoRA file, computes what base + adapter computes and keeps the base's tokenizer;
unmerged it stays a LoRA GGUF over the base. Real llama.cpp converters on a tiny quantized Llama GGUF with
a SentencePiece tokenizer trained on the spot (the converters refuse a byte-level BPE vocabulary they do not
know, like tiny_fixture's, and a real one costs seconds to parse at every load)."""
import io
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory) -> Path:
    """A random 2-layer Llama (hidden 32) as a Q8_0 GGUF: a quantized base, like the bundled SmolLM2."""
    import sentencepiece as spm
    from transformers import LlamaConfig, LlamaForCausalLM, LlamaTokenizer

    from inftool_trainer import tiny_fixture
    from inftool_trainer.chat_format import render_prompt
    from inftool_trainer.export import _convert

    hf = tmp_path_factory.mktemp("tiny-gguf") / "hf"
    hf.mkdir()
    sp = io.BytesIO()
    corpus = [render_prompt(p["messages"], p["tools"]) for p in tiny_fixture.RL_PROMPTS]
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus), model_writer=sp, vocab_size=400, model_type="bpe", byte_fallback=True,
        hard_vocab_limit=False, unk_id=0, bos_id=1, eos_id=2, pad_id=-1, minloglevel=2,
    )
    (hf / "tokenizer.model").write_bytes(sp.getvalue())
    tok = LlamaTokenizer.from_pretrained(str(hf))
    tok.save_pretrained(str(hf))
    torch.manual_seed(0)
    cfg = LlamaConfig(
        vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=512, bos_token_id=1, eos_token_id=2, tie_word_embeddings=True,
    )
    LlamaForCausalLM(cfg).save_pretrained(str(hf))
    gguf_path = hf.parent / "tiny.Q8_0.gguf"
    _convert("convert_hf_to_gguf.py", [str(hf), "--outfile", str(gguf_path), "--outtype", "q8_0"])
    return gguf_path


def _job(tiny_world, tiny_gguf, out: Path, **config):
    from inftool_trainer import tiny_fixture
    from inftool_trainer.job import load_job

    job = tiny_fixture.tiny_job(tiny_world, out, exportGguf=True, **config)
    job["baseModel"] = {"kind": "gguf", "path": str(tiny_gguf)}
    return load_job(job)


IDS = torch.tensor([[1, 57, 300, 120, 20]])


@pytest.fixture(scope="session")
def tiny_q4_gguf(tiny_gguf) -> Path:
    """The same tiny Llama as a Q4_1 GGUF (every matrix Q4_1, norms float32): the bundled SmolLM2's type. The
    converter writes no 4-bit types, so gguf-py quantizes its float32 output."""
    import gguf

    from inftool_trainer.export import _convert

    f32 = tiny_gguf.parent / "tiny.F32.gguf"
    _convert("convert_hf_to_gguf.py", [str(tiny_gguf.parent / "hf"), "--outfile", str(f32), "--outtype", "f32"])
    src = gguf.GGUFReader(str(f32))
    out = tiny_gguf.parent / "tiny.Q4_1.gguf"
    writer = gguf.GGUFWriter(str(out), arch=src.get_field(gguf.Keys.General.ARCHITECTURE).contents())
    for field in src.fields.values():
        if field.name in (gguf.Keys.General.ARCHITECTURE, gguf.Keys.General.FILE_TYPE) or field.name.startswith("GGUF."):
            continue
        kind = field.types[0]
        writer.add_key_value(field.name, field.contents(), kind, sub_type=field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q4_1)
    for t in src.tensors:
        data = np.asarray(t.data, dtype=np.float32)
        if data.ndim == 2:
            q = gguf.quants.quantize(data, gguf.GGMLQuantizationType.Q4_1)
            writer.add_tensor(t.name, q, raw_shape=q.shape, raw_dtype=gguf.GGMLQuantizationType.Q4_1)
        else:
            writer.add_tensor(t.name, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


def _make_adapter(job, folder: Path):
    from inftool_trainer.model_io import load_base_model, wrap_for_training

    torch.manual_seed(1)
    model = wrap_for_training(load_base_model(job, dtype=torch.float32), job, None)
    for name, p in model.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.05)
    model.save_pretrained(str(folder))
    model.eval()  # no dropout in the comparison
    with torch.no_grad():
        with_adapter = model(IDS).logits
        with model.disable_adapter():
            without = model(IDS).logits
    v_base = model.get_base_model().model.layers[0].self_attn.v_proj.base_layer.weight.detach().clone()
    return {"folder": folder, "with": with_adapter, "without": without, "v_base": v_base}


@pytest.fixture(scope="session")
def adapter(tiny_world, tiny_gguf, tmp_path_factory):
    """A LoRA adapter on the dequantized base, as training leaves one but with B nonzero (as after some
    steps), and what the model computes with it and without it."""
    job = _job(tiny_world, tiny_gguf, tmp_path_factory.mktemp("adapter"))
    return _make_adapter(job, tmp_path_factory.mktemp("adapter-folder"))


@pytest.fixture(scope="session")
def adapter_q4(tiny_world, tiny_q4_gguf, tmp_path_factory):
    job = _job(tiny_world, tiny_q4_gguf, tmp_path_factory.mktemp("adapter-q4"))
    return _make_adapter(job, tmp_path_factory.mktemp("adapter-q4-folder"))


def _final(adapter, out: Path) -> Path:
    final = out / "final"
    shutil.copytree(adapter["folder"], final)
    return final


def test_merged_export_serves_one_gguf_that_computes_base_plus_adapter(tiny_world, tiny_gguf, adapter, tmp_path, monkeypatch):
    import gguf

    from inftool_trainer import export

    job = _job(tiny_world, tiny_gguf, tmp_path / "out")
    final = _final(adapter, tmp_path / "out")
    merged = []
    real = export.merged_model
    monkeypatch.setattr(export, "merged_model", lambda *a: merged.append(real(*a)) or merged[-1])
    model_ref, policy = export.export_policy(job, final)

    assert model_ref == {"kind": "gguf", "path": str(final / "model.gguf")}  # no loraPath: nothing applied at run time
    # Training goes on from the adapter, not from the merged weights.
    assert policy == {"kind": "gguf", "path": str(tiny_gguf), "adapterPath": str(final)}
    assert not (final / "adapter.gguf").exists() and not list((tmp_path / "out").glob("merged-*"))
    # Before conversion: the merged model computes what base + adapter computes.
    assert (adapter["with"] - adapter["without"]).abs().max() > 1e-2, "the adapter should change the logits, or the comparison proves nothing"
    with torch.no_grad():
        torch.testing.assert_close(merged[0](IDS).logits, adapter["with"], atol=1e-5, rtol=1e-5)

    served, base = gguf.GGUFReader(model_ref["path"]), gguf.GGUFReader(str(tiny_gguf))
    assert served.get_field("general.file_type").contents() == gguf.LlamaFileType.MOSTLY_Q8_0  # the base's speed class
    assert [t.name for t in served.tensors] == [t.name for t in base.tensors]
    assert served.get_field("general.name").contents() == "tiny.Q8_0-merged"
    tokenizer_keys = sorted(k for k in base.fields if k.startswith("tokenizer."))
    assert tokenizer_keys == sorted(k for k in served.fields if k.startswith("tokenizer."))
    for key in tokenizer_keys:
        assert served.get_field(key).contents() == base.get_field(key).contents(), key
    # The merged delta survived quantization (attn_v: the converter permutes q and k, not v).
    tensor = next(t for t in served.tensors if t.name == "blk.0.attn_v.weight")
    v_served = torch.from_numpy(np.asarray(gguf.quants.dequantize(tensor.data, tensor.tensor_type), dtype=np.float32))
    v_merged = merged[0].model.layers[0].self_attn.v_proj.weight.detach()
    assert (v_served - v_merged).abs().max() < 0.1 * (v_merged - adapter["v_base"]).abs().max()


def test_merged_export_is_the_same_bytes_whatever_the_folder_and_however_often(tiny_world, tiny_gguf, adapter, tmp_path, monkeypatch):
    """The merged GGUF is a function of the adapter and the base alone: artifacts are stored under keys derived from
    their inputs, and a rerun (a retried training activity) must not make a different policy file. The converter
    names a model after its folder where it can (general.basename, general.finetune): the temporary folder's random
    name (`merged-_l25de5w` made finetune `_l25de5w`) once made exports differ. The random part is fixed here to two
    names of that kind, so the test does not depend on which names tempfile draws."""
    import tempfile

    import gguf

    from inftool_trainer.export import export_policy

    files = []
    for name in ("_l25de5w", "_9q0xk2a"):
        monkeypatch.setattr(tempfile, "_get_candidate_names", lambda name=name: iter([name] * 4))
        out = tmp_path / name / "out"
        model_ref, _ = export_policy(_job(tiny_world, tiny_gguf, out), _final(adapter, out))
        files.append(Path(model_ref["path"]))
    assert files[0].read_bytes() == files[1].read_bytes()
    fields = gguf.GGUFReader(str(files[0])).fields
    assert "general.finetune" not in fields and "general.basename" not in fields


def test_unmerged_export_serves_the_base_with_a_lora_gguf(tiny_world, tiny_gguf, adapter, tmp_path):
    from inftool_trainer.export import export_policy

    job = _job(tiny_world, tiny_gguf, tmp_path / "out", mergeAdapter=False)
    final = _final(adapter, tmp_path / "out")
    model_ref, policy = export_policy(job, final)
    assert model_ref == {"kind": "gguf", "path": str(tiny_gguf), "loraPath": str(final / "adapter.gguf")}
    assert Path(model_ref["loraPath"]).stat().st_size > 0 and not (final / "model.gguf").exists()
    assert policy["adapterPath"] == str(final)


def test_dequantized_cache_loads_what_the_gguf_holds(tiny_world, tiny_gguf, tmp_path, monkeypatch):
    """The float32 folder a GGUF base is dequantized into once (model_io.dequantized_cache) loads the same
    weights and the same tokenizer as reading the GGUF itself; a changed file is dequantized again."""
    from inftool_trainer.model_io import dequantized_cache, load_base_model, load_tokenizer

    gguf = tmp_path / tiny_gguf.name
    shutil.copy(tiny_gguf, gguf)
    job = _job(tiny_world, gguf, tmp_path / "out")
    monkeypatch.setenv("INFTOOL_GGUF_CACHE", "0")
    direct_model, direct_tok = load_base_model(job, dtype=torch.float32), load_tokenizer(job)
    assert not (tmp_path / f"{gguf.name}.hf").exists(), "INFTOOL_GGUF_CACHE=0 writes no cache"
    monkeypatch.delenv("INFTOOL_GGUF_CACHE")
    cache = dequantized_cache(gguf)
    assert cache == tmp_path / f"{gguf.name}.hf" and (cache / "config.json").exists()
    cached_model, cached_tok = load_base_model(job, dtype=torch.float32), load_tokenizer(job)
    direct, cached = direct_model.state_dict(), cached_model.state_dict()
    assert direct.keys() == cached.keys()
    for k in direct:
        assert torch.equal(direct[k], cached[k]), k
    text = "<s>[TOOLS] get_weather(city='Paris') 12.5 °C</s>"
    assert direct_tok(text).input_ids == cached_tok(text).input_ids
    assert direct_tok.chat_template == cached_tok.chat_template

    before = (cache / "INFTOOL_SOURCE").read_text()
    with gguf.open("ab") as f:
        f.write(b"\0" * 32)  # another file under the same name (trailing padding: still a valid GGUF)
    assert dequantized_cache(gguf) == cache
    assert (cache / "INFTOOL_SOURCE").read_text() != before, "a changed file is dequantized again"


def _served_logits(path: Path, tmp_path: Path):
    """What transformers computes with the weights of a GGUF (dequantized), read from a folder of its own: final/
    holds the adapter's config, which transformers would follow back to the base."""
    from transformers import AutoModelForCausalLM

    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(path, alone / path.name)
    model = AutoModelForCausalLM.from_pretrained(str(alone), gguf_file=path.name, dtype=torch.float32, local_files_only=True)
    with torch.no_grad():
        return model.eval()(IDS).logits


def test_merged_export_of_a_4bit_base_keeps_its_quantization_and_the_adapter(tiny_world, tiny_q4_gguf, adapter_q4, tmp_path):
    """With mergedQuantization: base, a Q4_1 base gives a Q4_1 merged policy, tensor for tensor and byte for byte
    in size (so it decodes as fast), the base's own bytes where the adapter changed nothing (the embedding), and
    logits near base + adapter's. By default the same base gives a Q8_0 file."""
    import gguf

    from inftool_trainer.export import export_policy

    job = _job(tiny_world, tiny_q4_gguf, tmp_path / "out", mergedQuantization="base")
    model_ref, _ = export_policy(job, _final(adapter_q4, tmp_path / "out"))
    served_path = Path(model_ref["path"])
    served, base = gguf.GGUFReader(str(served_path)), gguf.GGUFReader(str(tiny_q4_gguf))
    assert served.get_field("general.file_type").contents() == gguf.LlamaFileType.MOSTLY_Q4_1
    assert [(t.name, t.tensor_type) for t in served.tensors] == [(t.name, t.tensor_type) for t in base.tensors]
    assert served_path.stat().st_size == pytest.approx(tiny_q4_gguf.stat().st_size, abs=256)  # metadata may differ a little
    embd = {r: next(t for t in r.tensors if t.name == "token_embd.weight") for r in (served, base)}
    assert np.array_equal(np.asarray(embd[served].data), np.asarray(embd[base].data))
    moved = next(t for t in served.tensors if t.name == "blk.0.attn_v.weight")
    assert not np.array_equal(np.asarray(moved.data), np.asarray(next(t for t in base.tensors if t.name == moved.name).data))

    change = (adapter_q4["with"] - adapter_q4["without"]).abs().mean()
    assert change > 1e-2, "the adapter should change the logits, or the comparison proves nothing"
    err = (_served_logits(served_path, tmp_path) - adapter_q4["with"]).abs().mean()
    assert err < 0.25 * change

    default_ref, _ = export_policy(_job(tiny_world, tiny_q4_gguf, tmp_path / "out"), _final(adapter_q4, tmp_path / "default"))
    default = gguf.GGUFReader(default_ref["path"])
    assert default.get_field("general.file_type").contents() == gguf.LlamaFileType.MOSTLY_Q8_0
    assert {t.tensor_type for t in default.tensors if t.name != "token_embd.weight" and len(t.shape) == 2} == {gguf.GGMLQuantizationType.Q8_0}


@pytest.mark.parametrize("qtype", ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"])
def test_requantize_on_grid_moves_weights_by_their_deltas_on_average_and_no_others(qtype):
    """On the base's grid: untouched blocks keep their bytes, deltas of a fraction of a step survive on average
    (nearest rounding would drop every one of them), and a block pushed past its grid's end is quantized afresh."""
    from gguf import GGMLQuantizationType, quants

    from inftool_trainer.export import requantize_on_grid

    t = GGMLQuantizationType[qtype]
    rng = np.random.default_rng(0)
    w = rng.normal(0, 0.02, (64, 256)).astype(np.float32)
    raw = quants.quantize(w, t)
    base = quants.dequantize(raw, t).reshape(64, 256)
    d = raw.reshape(64 * 8, -1)[:, :2].copy().view(np.float16).astype(np.float32)  # negative in Q4_0 and Q5_0 at times
    step = np.repeat(np.abs(d), 32, axis=1).reshape(64, 256)
    # The lower half moves by 0.3 of a step, towards its block's mean so that nothing leaves the grid.
    toward = -np.sign(base - np.repeat(base.reshape(-1, 32).mean(axis=1), 32).reshape(64, 256))
    delta = np.where(np.arange(64)[:, None] >= 32, 0.3 * step * toward, 0).astype(np.float32)
    out, moved, fresh = requantize_on_grid(raw, base + delta, qtype, np.random.default_rng(1))
    assert out.shape == raw.shape and out.dtype == raw.dtype and fresh == 0
    assert np.array_equal(out[:32], raw[:32]), "rows the adapter did not move keep the base's bytes"
    got = quants.dequantize(out, t).reshape(64, 256)
    assert np.abs(got - (base + delta)).max() <= step.max() * 1.001
    kept = ((got - base) * toward)[32:].sum() / ((delta) * toward)[32:].sum()
    assert 0.9 < kept < 1.1, kept
    assert 0.25 < moved / delta[32:].size < 0.35

    past = base.copy()
    past[40, 3] = 1.5 * np.abs(base[40, :32]).max()  # beyond the block's grid, whichever side its largest weight is on
    out, _, fresh = requantize_on_grid(raw, past, qtype, np.random.default_rng(1))
    assert fresh == 1
    assert abs(quants.dequantize(out, t).reshape(64, 256)[40, 3] - past[40, 3]) < 0.2 * abs(past[40, 3] - base[40, 3])
