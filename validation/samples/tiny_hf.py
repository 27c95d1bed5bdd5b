"""Tiny real HuggingFace transformers (2 layers, hidden 16, random weights, built
from configs: no hub access), exported to ONNX for the CrypTen and SPU harnesses:
tests/fixtures/transformer/hf_<model>_<exporter>.onnx, graph-only (weights dropped).

The token ids are public: they are baked into the graph as a Constant (the
embedding lookup then gathers a secret table by public indices, the form both
SPU and CrypTen run), and the graph input is the hidden-state-sized secret
graph has no secret input besides its weights (the harnesses secret-share them).

    /path/to/venv-with-torch-transformers/bin/python validation/samples/tiny_hf.py

Legacy exporter (`dynamo=False`) at opset 17; the dynamo exporter at its
default opset where `--dynamo` is given.
"""
import os
import sys

import numpy as np
import onnx
import torch
from onnx import helper as h, numpy_helper as nh

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "transformer")
SEQ = 8
IDS = [[5, 17, 3, 42, 9, 28, 1, 60]]


def models():
    from transformers import BertConfig, BertModel, GPT2Config, GPT2Model, LlamaConfig, LlamaModel
    torch.manual_seed(0)
    common = dict(vocab_size=64, attn_implementation="eager")
    yield "bert", BertModel(BertConfig(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
                                       max_position_embeddings=32, type_vocab_size=1, add_pooling_layer=False, **common), add_pooling_layer=False)
    yield "gpt2", GPT2Model(GPT2Config(n_embd=16, n_layer=2, n_head=2, n_positions=32, **common))
    yield "llama", LlamaModel(LlamaConfig(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
                                          intermediate_size=32, max_position_embeddings=32, **common))


class LastHidden(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state


def bake_ids(path):
    """Replace the `input_ids` and `attention_mask` graph inputs by Constants:
    public token ids and an all-ones mask (one unpadded prompt)."""
    m = onnx.load(path)
    g = m.graph
    values = {"input_ids": np.array(IDS, np.int64), "attention_mask": np.ones_like(np.array(IDS, np.int64))}
    for inp in [i for i in g.input if i.name in values]:
        g.input.remove(inp)
        v = values[inp.name]
        g.node.insert(0, h.make_node("Constant", [], [inp.name], name="/" + inp.name, value=nh.from_array(v, inp.name + "_v")))
    onnx.save(m, path)


def graph_only(path):
    """Keep the graph, drop the float weights: each float initializer points at
    an external file that is not written (as a model copied without its
    `.onnx.data`). Costs do not depend on weight values; the SPU harness draws
    random ones. Integer initializers (shapes, indices) stay inline."""
    m = onnx.load(path)
    for t in m.graph.initializer:
        if t.data_type == onnx.TensorProto.FLOAT and int(np.prod(t.dims)) > 1:
            n = 4 * int(np.prod(t.dims))
            t.ClearField("raw_data")
            t.ClearField("float_data")
            t.data_location = onnx.TensorProto.EXTERNAL
            for k, v in (("location", os.path.basename(path) + ".data"), ("offset", "0"), ("length", str(n))):
                e = t.external_data.add()
                e.key, e.value = k, v
    onnx.save(m, path)


def main(argv):
    os.makedirs(OUT, exist_ok=True)
    ids = torch.tensor(IDS)
    args = (ids, torch.ones_like(ids))
    names = ["input_ids", "attention_mask"]
    for name, model in models():
        model.eval()
        wrapped = LastHidden(model)
        path = os.path.join(OUT, f"hf_{name}_legacy.onnx")
        torch.onnx.export(wrapped, args, path, opset_version=17, dynamo=False, input_names=names,
                          output_names=["last_hidden_state"], do_constant_folding=True)
        bake_ids(path)
        graph_only(path)
        ops = sorted({n.op_type for n in onnx.load(path, load_external_data=False).graph.node})
        print(f"{path}: {os.path.getsize(path)} B, ops {ops}")
        if "--dynamo" in argv:
            path = os.path.join(OUT, f"hf_{name}_dynamo.onnx")
            torch.onnx.export(wrapped, args, path, dynamo=True, input_names=names, output_names=["last_hidden_state"],
                              external_data=False)
            bake_ids(path)
            graph_only(path)
            ops = sorted({n.op_type for n in onnx.load(path, load_external_data=False).graph.node})
            print(f"{path}: {os.path.getsize(path)} B, ops {ops}")


if __name__ == "__main__":
    main(sys.argv[1:])
