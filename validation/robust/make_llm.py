"""Graph-only ONNX exports of large models, generated from a config (no hub
download, no weights written): every weight is an initializer whose data lives
in an external file that does not exist, as `onnx.save(...,
save_as_external_data=True)` leaves a model when only the .onnx is copied.

    validation/.venv-torch/bin/python validation/robust/make_llm.py

Writes tests/fixtures/models/llm_1b_graph_only.onnx: a decoder-only LLM with the
TinyLlama-1.1B shape (22 layers, hidden 2048, 32 heads, MLP 5632, vocab 32000;
multi-head attention, so 1.26 B parameters), batch 1 and a symbolic sequence
length `seq` that the user must give. Per layer: RMSNorm, q/k/v projections,
causal attention (scores/√d + mask, Softmax), output projection, SwiGLU MLP.
"""
import os
import numpy as np
import onnx
from onnx import TensorProto, helper

CFG = dict(layers=22, hidden=2048, heads=32, mlp=5632, vocab=32000)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "models", "llm_1b_graph_only.onnx")


def external(name, dims, location="llm_1b.weights"):
    """A float weight of `dims` held as external data at `location`, a file that is never written."""
    t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=dims)
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", str(4 * int(np.prod(dims))))):
        e = t.external_data.add()
        e.key, e.value = k, v
    return t


def build(layers, hidden, heads, mlp, vocab):
    d = hidden // heads
    nodes, inits, params = [], [], 0

    def w(name, dims):
        nonlocal params
        inits.append(external(name, dims))
        params += int(np.prod(dims))
        return name

    def const(name, values, dtype=TensorProto.INT64):
        inits.append(helper.make_tensor(name, dtype, [len(values)] if isinstance(values, list) else [], values if isinstance(values, list) else [values]))
        return name

    def node(op, ins, name, **attrs):
        out = name + "_out"
        nodes.append(helper.make_node(op, ins, [out], name=name, **attrs))
        return out

    const("two", 2.0, TensorProto.FLOAT)
    const("eps", 1e-5, TensorProto.FLOAT)
    const("scale", float(np.sqrt(d)), TensorProto.FLOAT)
    const("heads_shape", [1, -1, heads, d])
    const("merge_shape", [1, -1, hidden])

    def rmsnorm(x, p, g):
        sq = node("Pow", [x, "two"], f"{p}/pow")
        ms = node("ReduceMean", [sq], f"{p}/mean", axes=[-1], keepdims=1)
        r = node("Sqrt", [node("Add", [ms, "eps"], f"{p}/add_eps")], f"{p}/sqrt")
        return node("Mul", [node("Div", [x, r], f"{p}/div"), g], f"{p}/scale")

    x = node("Gather", [w("model.embed_tokens.weight", [vocab, hidden]), "input_ids"], "/model/embed_tokens/Gather")
    for i in range(layers):
        p = f"/model/layers.{i}"
        h = rmsnorm(x, f"{p}/input_layernorm", w(f"model.layers.{i}.input_layernorm.weight", [hidden]))
        proj = {}
        for k in "qkv":
            y = node("MatMul", [h, w(f"model.layers.{i}.self_attn.{k}_proj.weight", [hidden, hidden])], f"{p}/self_attn/{k}_proj/MatMul")
            y = node("Reshape", [y, "heads_shape"], f"{p}/self_attn/{k}_reshape")
            proj[k] = node("Transpose", [y], f"{p}/self_attn/{k}_transpose", perm=[0, 2, 3, 1] if k == "k" else [0, 2, 1, 3])
        s = node("MatMul", [proj["q"], proj["k"]], f"{p}/self_attn/scores")
        s = node("Add", [node("Div", [s, "scale"], f"{p}/self_attn/div_scale"), "attention_mask"], f"{p}/self_attn/mask")
        a = node("Softmax", [s], f"{p}/self_attn/Softmax", axis=-1)
        o = node("MatMul", [a, proj["v"]], f"{p}/self_attn/context")
        o = node("Reshape", [node("Transpose", [o], f"{p}/self_attn/merge_transpose", perm=[0, 2, 1, 3]), "merge_shape"], f"{p}/self_attn/merge")
        o = node("MatMul", [o, w(f"model.layers.{i}.self_attn.o_proj.weight", [hidden, hidden])], f"{p}/self_attn/o_proj/MatMul")
        x = node("Add", [x, o], f"{p}/attn_residual")
        h = rmsnorm(x, f"{p}/post_attention_layernorm", w(f"model.layers.{i}.post_attention_layernorm.weight", [hidden]))
        g = node("MatMul", [h, w(f"model.layers.{i}.mlp.gate_proj.weight", [hidden, mlp])], f"{p}/mlp/gate_proj/MatMul")
        g = node("Mul", [g, node("Sigmoid", [g], f"{p}/mlp/act_fn/Sigmoid")], f"{p}/mlp/act_fn/Mul")
        u = node("MatMul", [h, w(f"model.layers.{i}.mlp.up_proj.weight", [hidden, mlp])], f"{p}/mlp/up_proj/MatMul")
        m = node("MatMul", [node("Mul", [g, u], f"{p}/mlp/Mul"), w(f"model.layers.{i}.mlp.down_proj.weight", [mlp, hidden])], f"{p}/mlp/down_proj/MatMul")
        x = node("Add", [x, m], f"{p}/mlp_residual")
    x = rmsnorm(x, "/model/norm", w("model.norm.weight", [hidden]))
    logits = node("MatMul", [x, w("lm_head.weight", [hidden, vocab])], "/lm_head/MatMul")
    nodes.append(helper.make_node("Identity", [logits], ["logits"], name="/output"))
    graph = helper.make_graph(
        nodes, "llm_1b",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.FLOAT, [1, 1, "seq", "seq"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, "seq", vocab])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="mpclens validation/robust/make_llm.py")
    return model, params


if __name__ == "__main__":
    model, params = build(**CFG)
    # No onnx.checker: it insists that the (deliberately absent) external data exist.
    onnx.save(model, OUT)
    print(f"{OUT}: {os.path.getsize(OUT)} bytes, {params:,} parameters, {len(model.graph.node)} nodes")
