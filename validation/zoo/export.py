"""Model zoo: today's transformer and CNN exports, built from configs with random weights.

Every member is exported twice: with torch's default exporter (dynamo, at its default
opset; weights go to a separate `.onnx.data` file) and with the legacy TorchScript
exporter at opset 17. Nothing is downloaded: transformers and timm build each model
from its config (HF_HUB_OFFLINE=1, pretrained=False).

Run from the repository root (venv with validation/zoo/requirements.txt):
    HF_HUB_OFFLINE=1 python validation/zoo/export.py --out target/zoo          # full-size zoo
    HF_HUB_OFFLINE=1 python validation/zoo/export.py --tiny --out tests/fixtures/zoo
    ... --only gpt2,vit_b16                                                   # a subset
    ... --tiny --batch 2 --out DIR    # exported at batch 2 (what `--batch 2` re-batching must equal)

Writes NAME.dynamo.onnx (+ .onnx.data) and NAME.legacy17.onnx per member, and
manifest.json: for each file, onnx's own node count, opset and output shapes (after
onnx.shape_inference), which tests/zoo.rs compares the Rust loader against. With
--tiny the dynamo `.onnx.data` is deleted: the fixture is the graph alone, exactly
what a user drops when they leave the weights behind.
"""
import argparse, json, os, sys, time, warnings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch, torch.nn as nn
import onnx

warnings.filterwarnings("ignore")
torch.manual_seed(0)


def hf(name):
    import transformers
    return getattr(transformers, name)


BATCH = 1  # --batch: the batch the export bakes in (tests compare a re-batched batch-1 export with it)


def text_inputs(vocab, seq, mask=True):
    ids = torch.randint(0, vocab, (BATCH, seq), dtype=torch.long)
    return (ids, torch.ones(BATCH, seq, dtype=torch.long)) if mask else (ids,)


class Wrap(nn.Module):
    """Returns the first output tensor of a HF model (last hidden state or logits)."""
    def __init__(s, m, keys):
        super().__init__()
        s.m, s.keys = m, keys
    def forward(s, *args):
        out = s.m(**dict(zip(s.keys, args)), return_dict=True)
        return out["logits"] if "logits" in out else out["last_hidden_state"]


def bert(tiny):
    c = hf("BertConfig")(**(dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                 intermediate_size=64, vocab_size=100, max_position_embeddings=64) if tiny else {}))
    seq = 16 if tiny else 128
    return Wrap(hf("BertModel")(c), ["input_ids", "attention_mask"]), text_inputs(c.vocab_size, seq), \
        ["input_ids", "attention_mask"], None


def distilbert(tiny):
    c = hf("DistilBertConfig")(**(dict(dim=32, n_layers=2, n_heads=2, hidden_dim=64, vocab_size=100,
                                       max_position_embeddings=64) if tiny else {}))
    seq = 16 if tiny else 128
    return Wrap(hf("DistilBertModel")(c), ["input_ids", "attention_mask"]), text_inputs(c.vocab_size, seq), \
        ["input_ids", "attention_mask"], None


def gpt2(tiny):
    c = hf("GPT2Config")(**(dict(n_embd=32, n_layer=2, n_head=2, vocab_size=100, n_positions=64) if tiny else {}),
                         use_cache=False)
    seq = 16 if tiny else 128
    return Wrap(hf("GPT2LMHeadModel")(c), ["input_ids", "attention_mask"]), text_inputs(c.vocab_size, seq), \
        ["input_ids", "attention_mask"], None


def llama(tiny):
    """LLaMA/Qwen-style decoder: RMSNorm, SwiGLU MLP, RoPE, grouped-query attention (4 q heads per kv head)."""
    kw = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, vocab_size=100, max_position_embeddings=64) if tiny else \
        dict(hidden_size=1024, intermediate_size=2816, num_hidden_layers=8, num_attention_heads=16,
             num_key_value_heads=4, vocab_size=32000, max_position_embeddings=2048)
    c = hf("LlamaConfig")(**kw, use_cache=False)
    seq = 16 if tiny else 128
    return Wrap(hf("LlamaForCausalLM")(c), ["input_ids", "attention_mask"]), text_inputs(c.vocab_size, seq), \
        ["input_ids", "attention_mask"], None


def whisper_enc(tiny):
    kw = dict(d_model=32, encoder_layers=2, encoder_attention_heads=2, encoder_ffn_dim=64, num_mel_bins=16,
              decoder_layers=1, decoder_attention_heads=2, decoder_ffn_dim=64,
              max_source_positions=32) if tiny else \
        dict(d_model=384, encoder_layers=4, encoder_attention_heads=6, encoder_ffn_dim=1536, num_mel_bins=80,
             max_source_positions=1500)
    c = hf("WhisperConfig")(**kw)
    enc = hf("WhisperModel")(c).get_encoder()
    frames = 2 * c.max_source_positions
    return Wrap(enc, ["input_features"]), (torch.randn(BATCH, c.num_mel_bins, frames),), ["input_features"], None


def t5_enc(tiny):
    kw = dict(d_model=32, d_ff=64, num_layers=2, num_heads=2, d_kv=16, vocab_size=100) if tiny else \
        dict(d_model=512, d_ff=2048, num_layers=6, num_heads=8, d_kv=64, vocab_size=32128)
    c = hf("T5Config")(**kw)
    seq = 16 if tiny else 128
    return Wrap(hf("T5EncoderModel")(c), ["input_ids", "attention_mask"]), text_inputs(c.vocab_size, seq), \
        ["input_ids", "attention_mask"], None


def timm_model(arch, tiny_kw, size=224, tiny_size=32):
    def build(tiny):
        import timm
        m = timm.create_model(arch, pretrained=False, **(tiny_kw if tiny else {}))
        s = tiny_size if tiny else size
        return m, (torch.randn(BATCH, 3, s, s),), ["pixel_values"], None
    return build


def gpt2_dynamic(tiny):
    """GPT-2 (2 layers) with symbolic `batch` and `sequence` axes: the user must give them."""
    m, args, names, _ = gpt2(True)
    dyn = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}}
    return m, args, names, dyn


def gpt2_base_dynamic(tiny):
    """GPT-2 base (12×768, no KV cache) with symbolic `batch` and `sequence` axes: PUMA's
    "32 input tokens, 1 generated" is this graph at sequence 32 (validation/spu/README.md)."""
    m, args, names, _ = gpt2(tiny)
    dyn = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}}
    return m, args, names, dyn


class WithCache(nn.Module):
    """A decode step with a KV cache, as optimum exports it: inputs input_ids [b, seq],
    attention_mask [b, past + seq] and past_key_values.{i}.key/.value [b, kv_heads, past, head_dim];
    outputs the logits and present.{i}.key/.value (the cache after this step)."""
    def __init__(s, m, layers):
        super().__init__()
        s.m, s.layers = m, layers
    def forward(s, input_ids, attention_mask, *past):
        DynamicCache = hf("DynamicCache")
        cache = DynamicCache(config=s.m.config)
        for i in range(s.layers):
            cache.update(past[2 * i], past[2 * i + 1], i)
        out = s.m(input_ids=input_ids, attention_mask=attention_mask, past_key_values=cache, use_cache=True,
                  return_dict=True)
        present = [t for layer in out.past_key_values.layers for t in (layer.keys, layer.values)]
        return (out.logits, *present)


def with_cache(arch):
    """A tiny decoder (2 layers) exported WITH a KV cache: symbolic `sequence`, `past_sequence`
    and `total_sequence` (= past + sequence, the mask's length). Example: 8 cached tokens, 3 new (not
    1: torch.export specialises an axis whose example size is 0 or 1)."""
    def build(tiny):
        c = {"gpt2": lambda: hf("GPT2Config")(n_embd=32, n_layer=2, n_head=2, vocab_size=100, n_positions=64,
                                              attn_implementation="eager"),
             "llama": lambda: hf("LlamaConfig")(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                                num_attention_heads=4, num_key_value_heads=2, vocab_size=100,
                                                max_position_embeddings=64, attn_implementation="eager")}[arch]()
        m = hf({"gpt2": "GPT2LMHeadModel", "llama": "LlamaForCausalLM"}[arch])(c)
        layers = c.num_hidden_layers
        kv_heads = getattr(c, "num_key_value_heads", None) or c.num_attention_heads
        head_dim = c.hidden_size // c.num_attention_heads
        past, seq = 8, 3
        ids = torch.randint(0, c.vocab_size, (1, seq), dtype=torch.long)
        mask = torch.ones(1, past + seq, dtype=torch.long)
        kv = [torch.randn(1, kv_heads, past, head_dim) for _ in range(2 * layers)]
        names = ["input_ids", "attention_mask"] + [f"past_key_values.{i}.{k}" for i in range(layers)
                                                   for k in ("key", "value")]
        outs = ["logits"] + [f"present.{i}.{k}" for i in range(layers) for k in ("key", "value")]
        dyn = {"input_ids": {1: "sequence"}, "attention_mask": {1: "total_sequence"}}
        dyn.update({n: {2: "past_sequence"} for n in names[2:]})
        dyn.update({n: {2: "total_sequence"} for n in outs[1:]})
        return WithCache(m, layers), (ids, mask, *kv), names, {"dynamic_axes": dyn, "outputs": outs}
    return build


VIT_TINY = dict(img_size=32, patch_size=8, embed_dim=32, depth=2, num_heads=2, num_classes=10)
ZOO = {
    "bert_base": bert,
    "distilbert": distilbert,
    "gpt2": gpt2,
    "llama_gqa": llama,
    "vit_b16": timm_model("vit_base_patch16_224", VIT_TINY),
    "deit_tiny": timm_model("deit_tiny_patch16_224", VIT_TINY),
    "swin_t": timm_model("swin_tiny_patch4_window7_224",
                         dict(img_size=32, patch_size=2, window_size=4, embed_dim=16, depths=(1, 1), num_heads=(1, 2),
                              num_classes=10)),
    "convnext_t": timm_model("convnext_tiny", dict(depths=(1, 1, 1, 1), dims=(8, 16, 24, 32), num_classes=10)),
    "whisper_tiny_enc": whisper_enc,
    "t5_small_enc": t5_enc,
    "efficientnet_b0": timm_model("efficientnet_b0", dict(num_classes=10)),
    "mobilenetv3": timm_model("mobilenetv3_large_100", dict(num_classes=10)),
    "resnet50": timm_model("resnet50", dict(num_classes=10)),
    "gpt2_dynamic": gpt2_dynamic,
    "gpt2_base_dynamic": gpt2_base_dynamic,
    "gpt2_kv": with_cache("gpt2"),
    "llama_kv": with_cache("llama"),
}


def shapes_of(model):
    inferred = onnx.shape_inference.infer_shapes(model)
    out = []
    for o in inferred.graph.output:
        dims = [d.dim_value if d.HasField("dim_value") else d.dim_param for d in o.type.tensor_type.shape.dim]
        out.append({"name": o.name, "shape": dims})
    return out


def describe(path):
    m = onnx.load(path, load_external_data=False)
    opset = next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
    ops = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    weights, scalars = 0, 0
    for t in m.graph.initializer:
        n = 1
        for d in t.dims:
            n *= d
        if t.data_type in (1, 10, 11, 16):
            weights, scalars = (weights + n, scalars) if n > 1 else (weights, scalars + 1)
    inputs = [{"name": i.name, "elem_type": i.type.tensor_type.elem_type} for i in m.graph.input
              if i.name not in {t.name for t in m.graph.initializer}]
    return {"nodes": len(m.graph.node), "opset": opset, "outputs": shapes_of(m), "ops": ops,
            "bytes": os.path.getsize(path), "float_weight_elements": weights, "scalar_float_constants": scalars,
            "inputs": inputs}


KEEP_META = ("pkg.torch.onnx.name_scopes",)


def graph_only(path, strip_meta=True):
    """Fixture form: float weights over 64 elements become external data that is not written
    (the loader needs only their dims), and node metadata keeps only the module path
    (stack traces are most of a dynamo file's size)."""
    m = onnx.load(path, load_external_data=os.path.exists(path + ".data"))
    for t in m.graph.initializer:
        n = 1
        for d in t.dims:
            n *= d
        if t.data_type in (1, 10, 11, 16) and n > 64:
            for f in ("raw_data", "float_data", "external_data"):
                t.ClearField(f)
            t.data_location = onnx.TensorProto.EXTERNAL
            for k, v in (("location", os.path.basename(path) + ".data"), ("offset", "0"), ("length", str(4 * n))):
                e = t.external_data.add()
                e.key, e.value = k, v
    for node in m.graph.node if strip_meta else []:
        keep = [(p.key, p.value) for p in node.metadata_props if p.key in KEEP_META]
        del node.metadata_props[:]
        for k, v in keep:
            e = node.metadata_props.add()
            e.key, e.value = k, v
    onnx.save(m, path)
    if os.path.exists(path + ".data"):
        os.remove(path + ".data")  # graph-only: the loader must not need the weights


def export(name, build, out, tiny, exporters, keep_graph_only=False):
    entries = {}
    for exporter in exporters:
        torch.manual_seed(0)
        model, args, names, dyn = build(tiny)
        outs = ["output"]
        if isinstance(dyn, dict) and "outputs" in dyn:  # a KV-cache member: named outputs, its own axes
            outs, dyn = dyn["outputs"], dyn["dynamic_axes"]
        model.eval()
        path = os.path.join(out, f"{name}.{exporter}.onnx")
        t0 = time.time()
        with torch.no_grad():
            if exporter == "dynamo":
                dyn_shapes = None
                if dyn and len(outs) > 1:  # KV cache: sequence, past and total axes
                    A = torch.export.Dim.AUTO  # the mask's length is past + sequence: let export derive it
                    dyn_shapes = ({1: A}, {1: A}, tuple({2: A} for _ in names[2:]))  # (ids, mask, *past)
                elif dyn:
                    B, S = torch.export.Dim("batch", min=1, max=64), torch.export.Dim("sequence", min=2, max=64)
                    dyn_shapes = (tuple({0: B, 1: S} for _ in names),)  # forward(*args): one parameter
                torch.onnx.export(model, args, path, input_names=names, output_names=outs,
                                  dynamo=True, external_data=True, dynamic_shapes=dyn_shapes)
            else:
                torch.onnx.export(model, args, path, input_names=names, output_names=outs,
                                  dynamo=False, opset_version=17, dynamic_axes=dyn)
        secs = time.time() - t0
        if tiny or keep_graph_only:
            graph_only(path, strip_meta=tiny)
        d = describe(path)
        d["export_seconds"] = round(secs, 1)
        d["graph_only"] = tiny or keep_graph_only
        entries[os.path.basename(path)] = d
        print(f"{name:18s} {exporter:8s} nodes={d['nodes']:5d} opset={d['opset']} {d['bytes']/1e6:8.2f} MB "
              f"{secs:6.1f}s", flush=True)
    return entries


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--tiny", action="store_true", help="tiny configs, graph-only dynamo files (test fixtures)")
    ap.add_argument("--only", default="", help="comma-separated member names")
    ap.add_argument("--exporters", default="dynamo,legacy17")
    ap.add_argument("--graph-only", action="store_true",
                    help="drop the weights after export (a few MB for the whole zoo instead of ~7 GB)")
    ap.add_argument("--batch", type=int, default=1, help="batch of the example inputs (baked into the export)")
    a = ap.parse_args()
    global BATCH
    BATCH = a.batch
    os.makedirs(a.out, exist_ok=True)
    names = [n for n in a.only.split(",") if n] or list(ZOO)
    man_path = os.path.join(a.out, "manifest.json")
    manifest = json.load(open(man_path)) if os.path.exists(man_path) else {}
    manifest["_env"] = {"torch": torch.__version__, "onnx": onnx.__version__,
                        "transformers": __import__("transformers").__version__,
                        "timm": __import__("timm").__version__}
    for n in names:
        try:
            manifest.update(export(n, ZOO[n], a.out, a.tiny, a.exporters.split(","), a.graph_only))
        except Exception as e:  # one failing member must not lose the others
            print(f"{n}: FAILED {type(e).__name__}: {str(e)[-1500:]}", file=sys.stderr, flush=True)
        with open(man_path, "w") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
