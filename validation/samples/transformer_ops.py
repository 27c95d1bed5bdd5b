"""The operators today's transformer exports use, one tiny ONNX model each, for
the CrypTen and SPU harnesses (tests/fixtures/transformer/<name>.onnx).

Token ids, masks and gather indices are Constant nodes: public values, as the
exporters' mask arithmetic and an embedding lookup by public token ids are.
Float initializers (gamma, embedding tables, projection weights) are secret
weights under both harnesses' conventions.

    /path/to/venv-with-onnx/bin/python validation/samples/transformer_ops.py
"""
import os
import numpy as np
import onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "transformer")
F = T.FLOAT
rng = np.random.default_rng(7)


def w(name, shape):
    return nh.from_array((rng.standard_normal(shape) * 0.3).astype(np.float32), name)


def const(name, arr, dt=np.float32):
    return h.make_node("Constant", [], [name], name="/" + name, value=nh.from_array(np.array(arr, dtype=dt), name + "_v"))


def save(name, nodes, inputs, inits=(), opset=17, check=True):
    ins = [h.make_tensor_value_info(n, F, s) for n, s in inputs]
    outs = [h.make_value_info(nodes[-1].output[0], h.make_tensor_type_proto(0, None))]
    g = h.make_graph(nodes, name, ins, outs, initializer=list(inits))
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)], producer_name="mpclens-validation")
    m.ir_version = 8
    if check:
        m = onnx.shape_inference.infer_shapes(m, strict_mode=True)
        onnx.checker.check_model(m)
    onnx.save(m, os.path.join(OUT, name + ".onnx"))


def un(name, op, shape=(2, 4, 8), opset=17, **attrs):
    save(name, [h.make_node(op, ["x"], ["y"], name="/" + op, **attrs)], [("x", list(shape))], opset=opset)


def rms(x_shape, tail):
    """RMSNorm as HF LLaMA writes it: x.pow(2).mean(-1, keepdim) + eps, rsqrt, · x, · gamma."""
    return [const("two", 2.0), h.make_node("Pow", ["x", "two"], ["sq"], name="/norm/Pow"),
            h.make_node("ReduceMean", ["sq"], ["ms"], name="/norm/ReduceMean", axes=[-1], keepdims=1),
            const("eps", 1e-6), h.make_node("Add", ["ms", "eps"], ["mse"], name="/norm/Add"),
            h.make_node("Sqrt", ["mse"], ["rt"], name="/norm/Sqrt")] + tail


def main():
    os.makedirs(OUT, exist_ok=True)
    x = [("x", [2, 4, 8])]
    ln = lambda: [w("gamma", [8]), w("beta", [8])]
    save("layernorm", [h.make_node("LayerNormalization", ["x", "gamma", "beta"], ["y"], name="/ln/LayerNormalization", axis=-1, epsilon=1e-5)], x, ln())
    save("layernorm_b1", [h.make_node("LayerNormalization", ["x", "gamma", "beta"], ["y"], name="/ln/LayerNormalization", axis=-1, epsilon=1e-5)], [("x", [1, 4, 8])], ln())
    # RMSNorm: the legacy exporter writes torch.rsqrt as Div(1, Sqrt); dynamo as Reciprocal(Sqrt).
    save("rmsnorm_div", rms([2, 4, 8], [h.make_node("Div", ["x", "rt"], ["n"], name="/norm/Div"),
                                         h.make_node("Mul", ["n", "gamma"], ["y"], name="/norm/Mul")]), x, [w("gamma", [8])])
    save("rmsnorm_rsqrt", rms([2, 4, 8], [const("one", 1.0), h.make_node("Div", ["one", "rt"], ["r"], name="/norm/Div"),
                                           h.make_node("Mul", ["x", "r"], ["n"], name="/norm/Mul"),
                                           h.make_node("Mul", ["gamma", "n"], ["y"], name="/norm/Mul_1")]), x, [w("gamma", [8])])
    save("rmsnorm_reciprocal", rms([2, 4, 8], [h.make_node("Reciprocal", ["rt"], ["r"], name="/norm/Reciprocal"),
                                                h.make_node("Mul", ["x", "r"], ["n"], name="/norm/Mul"),
                                                h.make_node("Mul", ["gamma", "n"], ["y"], name="/norm/Mul_1")]), x, [w("gamma", [8])])
    # onnxruntime's fused RMSNorm (domain "", registered by onnxruntime, not in the onnx spec).
    save("simplified_layernorm", [h.make_node("SimplifiedLayerNormalization", ["x", "gamma"], ["y"], name="/norm/SimplifiedLayerNormalization", axis=-1, epsilon=1e-6)], x, [w("gamma", [8])], check=False)
    un("gelu_none", "Gelu", opset=20)
    un("gelu_tanh", "Gelu", opset=20, approximate="tanh")
    un("softmax_axis1", "Softmax", axis=1)
    un("softmax_axis0", "Softmax", axis=0)
    un("logsoftmax_axis1", "LogSoftmax", axis=1)
    un("tanh", "Tanh")
    un("exp", "Exp")
    un("reducemin", "ReduceMin", opset=13, axes=[1], keepdims=0)
    un("argmin", "ArgMin", axis=1, keepdims=0)
    save("silu", [h.make_node("Sigmoid", ["x"], ["s"], name="/act/Sigmoid"), h.make_node("Mul", ["x", "s"], ["y"], name="/act/Mul")], x)
    save("swiglu", [h.make_node("MatMul", ["x", "W1"], ["g"], name="/mlp/gate_proj/MatMul"),
                    h.make_node("MatMul", ["x", "W3"], ["u"], name="/mlp/up_proj/MatMul"),
                    h.make_node("Sigmoid", ["g"], ["s"], name="/mlp/act/Sigmoid"), h.make_node("Mul", ["g", "s"], ["a"], name="/mlp/act/Mul"),
                    h.make_node("Mul", ["a", "u"], ["p"], name="/mlp/Mul"), h.make_node("MatMul", ["p", "W2"], ["y"], name="/mlp/down_proj/MatMul")],
         [("x", [1, 4, 8])], [w("W1", [8, 16]), w("W3", [8, 16]), w("W2", [16, 8])])
    ids = np.array([[3, 1, 4, 1]], np.int64)
    save("embedding", [const("ids", ids, np.int64), h.make_node("Gather", ["table", "ids"], ["e"], name="/embed/Gather", axis=0),
                       h.make_node("Add", ["e", "x"], ["y"], name="/embed/Add")], [("x", [1, 4, 8])], [w("table", [16, 8])])
    save("gathernd", [const("idx", [[1, 2], [0, 3]], np.int64), h.make_node("GatherND", ["x", "idx"], ["y"], name="/GatherND", batch_dims=0)], x)
    save("gatherelements", [const("idx", rng.integers(0, 4, (2, 1, 8)), np.int64),
                            h.make_node("GatherElements", ["x", "idx"], ["y"], name="/GatherElements", axis=1)], x)
    # A causal mask made of public values only (ConstantOfShape, Trilu, Range, Expand), added to a secret score.
    mask = [const("shp", [4, 4], np.int64), h.make_node("ConstantOfShape", ["shp"], ["full"], name="/mask/ConstantOfShape", value=nh.from_array(np.array([-1e4], np.float32))),
            const("k1", 1, np.int64), h.make_node("Trilu", ["full", "k1"], ["tri"], name="/mask/Trilu", upper=1),
            const("r0", 0, np.int64), const("r1", 4, np.int64), const("r2", 1, np.int64), h.make_node("Range", ["r0", "r1", "r2"], ["pos"], name="/mask/Range"),
            const("eshp", [2, 4, 4], np.int64), h.make_node("Expand", ["tri", "eshp"], ["m"], name="/mask/Expand"),
            h.make_node("Add", ["x", "m"], ["y"], name="/mask/Add")]
    save("causal_mask", mask, [("x", [2, 4, 4])])
    save("trilu_secret", [const("k0", 0, np.int64), h.make_node("Trilu", ["x", "k0"], ["y"], name="/Trilu", upper=0)], [("x", [2, 4, 4])])
    keep = np.tril(np.ones((4, 4), bool))[None]
    save("where_public_mask", [const("keep", keep, np.bool_), const("neg", -1e4), h.make_node("Where", ["keep", "x", "neg"], ["y"], name="/Where")], [("x", [2, 4, 4])])
    # The dynamo exporter's scaled-dot-product attention guard: softmax rows that were all masked give NaN → 0.
    save("isnan_where", [h.make_node("IsNaN", ["x"], ["nan"], name="/IsNaN"), const("zero", 0.0),
                         h.make_node("Where", ["nan", "zero", "x"], ["y"], name="/Where")], x)
    # SPU's optimize_select turns select(p, x, 0) into mul(p, x); where does a zero in the true branch go?
    g = lambda: [const("lo", 0.0), h.make_node("Greater", ["x", "lo"], ["p"], name="/Greater"), const("zero", 0.0)]
    save("where_zero_false", g() + [h.make_node("Where", ["p", "x", "zero"], ["y"], name="/Where")], x)
    save("where_zero_true", g() + [h.make_node("Where", ["p", "zero", "x"], ["y"], name="/Where")], x)
    save("isnan", [h.make_node("IsNaN", ["x"], ["y"], name="/IsNaN")], x)
    save("and_secret", [const("lo", 0.0), const("hi", 1.0), h.make_node("Greater", ["x", "lo"], ["a"], name="/Greater"),
                        h.make_node("Less", ["x", "hi"], ["b"], name="/Less"), h.make_node("And", ["a", "b"], ["y"], name="/And")], x)
    un("reciprocal", "Reciprocal")
    # MobileNetV3's activations (opset 14 HardSwish; HardSigmoid with timm's alpha 1/6).
    un("hardsigmoid", "HardSigmoid", alpha=1 / 6, beta=0.5)
    un("hardswish", "HardSwish", opset=14)
    # RoPE's tables when inv_freq is a secret float initializer (dynamo's LLaMA export).
    un("sin", "Sin")
    un("cos", "Cos")


if __name__ == "__main__":
    main()
