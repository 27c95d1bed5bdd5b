"""Tiny classifiers, one per activation or normalisation whose backward a training step needs
(ViT, DeiT, Swin and ConvNeXt: LayerNormalization and GELU; MobileNetV3: HardSwish and
HardSigmoid), for the training steps of validation/spu/train.py and validation/crypten/
train_ports.py: tests/fixtures/spu/models/train_<op>.onnx.

    python validation/samples/train_ops.py        (needs only onnx and numpy)

Each is Gemm 16→16, the op, Gemm 16→4 on an input 2×16 (every attribute written out, as CrypTen's from_onnx asserts; opset 20: LayerNormalization with
secret γ and β, Gelu exact and tanh, HardSwish, HardSigmoid with ONNX's default α = 0.2, β = 0.5).
"""
import os

import numpy as np
import onnx
from onnx import TensorProto as T, helper as h, numpy_helper as nh

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "spu", "models")

OPS = {
    "layernorm": lambda: (h.make_node("LayerNormalization", ["a", "gamma", "beta"], ["b"], name="ln", axis=-1,
                                      epsilon=1e-5), ["gamma", "beta"]),
    "gelu": lambda: (h.make_node("Gelu", ["a"], ["b"], name="gelu"), []),
    "gelu_tanh": lambda: (h.make_node("Gelu", ["a"], ["b"], name="gelu", approximate="tanh"), []),
    "hardswish": lambda: (h.make_node("HardSwish", ["a"], ["b"], name="hardswish"), []),
    "hardsigmoid": lambda: (h.make_node("HardSigmoid", ["a"], ["b"], name="hardsigmoid", alpha=0.2, beta=0.5), []),
}

# Elementwise ops and reductions over the last axis between the same two Gemms: (nodes from "a"
# to "b", extra initializers as (name, array); float ones are secret parameters, as everywhere).
# A second branch `c` (Gemm 16→16 of x) feeds the binary ops; Log and Reciprocal take a·a + 1,
# so their input is at least 1 (the square's backward is then part of the step).
C = h.make_node("Gemm", ["x", "w3", "b3"], ["c"], name="fc1b", alpha=1.0, beta=1.0, transA=0, transB=1)


def _finish(nodes, name, x_shape, y_shape, inits):
    """The model around `nodes`: float input x and output y of the given shapes, opset 20, IR 9,
    checked."""
    g = h.make_graph(nodes, name, [h.make_tensor_value_info("x", T.FLOAT, x_shape)],
                     [h.make_tensor_value_info("y", T.FLOAT, y_shape)], inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 20)])
    m.ir_version = 9
    onnx.checker.check_model(m)
    return m


def _one(op, ins=("a",), **attrs):
    return [h.make_node(op, list(ins), ["b"], name=op.lower(), **attrs)]


def _positive():
    """p = a·a + 1 ≥ 1 (a public Constant 1). Not exp(a): XLA folds log(exp(a)) to a and
    1/exp(a) to exp(−a), so neither op would be left to measure."""
    return [h.make_node("Mul", ["a", "a"], ["s"], name="square"),
            h.make_node("Constant", [], ["one"], name="one", value=nh.from_array(np.array(1, np.float32))),
            h.make_node("Add", ["s", "one"], ["p"], name="plus_one")]


def _cmp_where(cmp):
    return [C, h.make_node(cmp, ["a", "c"], ["m"], name=cmp.lower()),
            h.make_node("Where", ["m", "a", "c"], ["b"], name="where")]


EXTRA = {
    "abs": lambda rng: (_one("Abs"), []),
    "exp": lambda rng: (_one("Exp"), []),
    "log": lambda rng: (_positive() + [h.make_node("Log", ["p"], ["b"], name="log")], []),
    "reciprocal": lambda rng: (_positive() + [h.make_node("Reciprocal", ["p"], ["b"], name="reciprocal")], []),
    "sigmoid": lambda rng: (_one("Sigmoid"), []),
    "tanh": lambda rng: (_one("Tanh"), []),
    "leakyrelu": lambda rng: (_one("LeakyRelu", alpha=0.01), []),
    "prelu": lambda rng: (_one("PRelu", ("a", "slope")),
                          [("slope", (0.25 + rng.standard_normal(16) * 0.01).astype(np.float32))]),
    # Clip's bounds are public (onnx2jax reads them as static values, as jnp.clip takes them).
    "clip": lambda rng: (_one("Clip", ("a", "lo", "hi")),
                         [("lo", np.array(-1, np.float32)), ("hi", np.array(1, np.float32))]),
    "max": lambda rng: ([C] + _one("Max", ("a", "c")), "c"),
    "min": lambda rng: ([C] + _one("Min", ("a", "c")), "c"),
    "where_greater": lambda rng: (_cmp_where("Greater"), "c"),
    "where_less": lambda rng: (_cmp_where("Less"), "c"),
    "where_equal": lambda rng: (_cmp_where("Equal"), "c"),
    # a − max(a) over the last axis (the max kept as a 2×1 column, broadcast back).
    "reducemax": lambda rng: ([h.make_node("ReduceMax", ["a", "axes"], ["m"], name="reducemax", keepdims=1),
                               h.make_node("Sub", ["a", "m"], ["b"], name="sub")],
                              [("axes", np.array([-1], np.int64))]),
    "logsoftmax": lambda rng: (_one("LogSoftmax", axis=-1), []),
    # a − Σa over the last axis (kept as a column), as reducemax.
    "reducesum": lambda rng: ([h.make_node("ReduceSum", ["a", "axes"], ["m"], name="reducesum", keepdims=1),
                               h.make_node("Sub", ["a", "m"], ["b"], name="sub")],
                              [("axes", np.array([-1], np.int64))]),
    # a · W3 as an einsum with a secret 16×16 weight.
    "einsum": lambda rng: (_one("Einsum", ("a", "w3"), equation="bi,ij->bj"),
                           [("w3", (rng.standard_normal((16, 16)) * 0.3).astype(np.float32))]),
}


def extra_model(name):
    rng = np.random.default_rng(0)
    w = lambda n, *s: nh.from_array((rng.standard_normal(s) * 0.3).astype(np.float32), n)
    inits = [w("w1", 16, 16), w("b1", 16), w("w2", 4, 16), w("b2", 4)]
    ops, extra = EXTRA[name](rng)
    if extra == "c":
        inits += [w("w3", 16, 16), w("b3", 16)]
    else:
        inits += [nh.from_array(v, n) for n, v in extra]
    nodes = [h.make_node("Gemm", ["x", "w1", "b1"], ["a"], name="fc1", alpha=1.0, beta=1.0, transA=0, transB=1),
             *ops,
             h.make_node("Gemm", ["b", "w2", "b2"], ["y"], name="fc2", alpha=1.0, beta=1.0, transA=0, transB=1)]
    return _finish(nodes, f"train_{name}", [2, 16], [2, 4], inits)


def model(name):
    rng = np.random.default_rng(0)
    w = lambda n, *s: nh.from_array((rng.standard_normal(s) * 0.3).astype(np.float32), n)
    op, params = OPS[name]()
    nodes = [
        h.make_node("Gemm", ["x", "w1", "b1"], ["a"], name="fc1", alpha=1.0, beta=1.0, transA=0, transB=1),
        op,
        h.make_node("Gemm", ["b", "w2", "b2"], ["y"], name="fc2", alpha=1.0, beta=1.0, transA=0, transB=1),
    ]
    inits = [w("w1", 16, 16), w("b1", 16), w("w2", 4, 16), w("b2", 4)]
    inits += [nh.from_array((1 + rng.standard_normal(16) * 0.1).astype(np.float32), params[0]),
              w(params[1], 16)] if params else []
    return _finish(nodes, f"train_{name}", [2, 16], [2, 4], inits)


def layernorm_seq():
    """LayerNormalization over tokens of one sequence, as ViT, DeiT and Swin run it at batch 1:
    input 1×4×16, MatMul 16×16 (+ bias), LayerNormalization (statistics 1×4: the unit batch dim
    keeps SPU's full division), MatMul 16×16 (so the gradient reaching the LayerNorm is a full
    1×4×16 tensor, as in a transformer block), the mean over the tokens, Gemm 16→4."""
    rng = np.random.default_rng(0)
    w = lambda n, *s: nh.from_array((rng.standard_normal(s) * 0.3).astype(np.float32), n)
    nodes = [
        h.make_node("MatMul", ["x", "w1"], ["m"], name="fc1"),
        h.make_node("Add", ["m", "b1"], ["a"], name="bias1"),
        h.make_node("LayerNormalization", ["a", "gamma", "beta"], ["b"], name="ln", axis=-1, epsilon=1e-5),
        h.make_node("MatMul", ["b", "w3"], ["c"], name="fc3"),
        h.make_node("ReduceMean", ["c", "axes"], ["p"], name="pool", keepdims=0),
        h.make_node("Gemm", ["p", "w2", "b2"], ["y"], name="fc2", alpha=1.0, beta=1.0, transA=0, transB=1),
    ]
    inits = [w("w1", 16, 16), w("b1", 16), nh.from_array((1 + rng.standard_normal(16) * 0.1).astype(np.float32), "gamma"),
             w("beta", 16), w("w3", 16, 16), nh.from_array(np.array([1], dtype=np.int64), "axes"), w("w2", 4, 16),
             w("b2", 4)]
    return _finish(nodes, "train_layernorm_seq", [1, 4, 16], [1, 4], inits)


def cnn_instancenorm():
    """A small CNN for InstanceNormalization and GlobalMaxPool: input 2×3×8×8, Conv 3→4 (3×3,
    pad 1), InstanceNormalization (secret scale and bias; statistics 2×4, no unit dim),
    Relu, GlobalMaxPool, Flatten, Gemm 4→4."""
    rng = np.random.default_rng(0)
    w = lambda n, *s: nh.from_array((rng.standard_normal(s) * 0.3).astype(np.float32), n)
    nodes = [
        h.make_node("Conv", ["x", "wc", "bc"], ["c"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                    strides=[1, 1], dilations=[1, 1], group=1),
        h.make_node("InstanceNormalization", ["c", "scale", "bias"], ["n"], name="in", epsilon=1e-5),
        h.make_node("Relu", ["n"], ["r"], name="relu"),
        h.make_node("GlobalMaxPool", ["r"], ["p"], name="gmp"),
        h.make_node("Flatten", ["p"], ["f"], name="flatten", axis=1),
        h.make_node("Gemm", ["f", "w2", "b2"], ["y"], name="fc", alpha=1.0, beta=1.0, transA=0, transB=1),
    ]
    inits = [w("wc", 4, 3, 3, 3), w("bc", 4), nh.from_array((1 + rng.standard_normal(4) * 0.1).astype(np.float32), "scale"),
             w("bias", 4), w("w2", 4, 4), w("b2", 4)]
    return _finish(nodes, "train_cnn_instancenorm", [2, 3, 8, 8], [2, 4], inits)


def cnn_convtranspose():
    """ConvTranspose between two convolutions' worth of gradient: input 2×3×4×4, Conv 3→3 (1×1),
    ConvTranspose 3→2 (2×2, stride 2: 8×8 out), GlobalAveragePool, Flatten, Gemm 2→4."""
    rng = np.random.default_rng(0)
    w = lambda n, *s: nh.from_array((rng.standard_normal(s) * 0.3).astype(np.float32), n)
    nodes = [
        h.make_node("Conv", ["x", "wc", "bc"], ["c"], name="conv", kernel_shape=[1, 1], pads=[0, 0, 0, 0],
                    strides=[1, 1], dilations=[1, 1], group=1),
        h.make_node("ConvTranspose", ["c", "wt", "bt"], ["u"], name="convt", kernel_shape=[2, 2], strides=[2, 2],
                    pads=[0, 0, 0, 0], dilations=[1, 1], group=1),
        h.make_node("GlobalAveragePool", ["u"], ["p"], name="gap"),
        h.make_node("Flatten", ["p"], ["f"], name="flatten", axis=1),
        h.make_node("Gemm", ["f", "w2", "b2"], ["y"], name="fc", alpha=1.0, beta=1.0, transA=0, transB=1),
    ]
    inits = [w("wc", 3, 3, 1, 1), w("bc", 3), w("wt", 3, 2, 2, 2), w("bt", 2), w("w2", 4, 2), w("b2", 4)]
    return _finish(nodes, "train_cnn_convtranspose", [2, 3, 4, 4], [2, 4], inits)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in OPS:
        onnx.save(model(name), os.path.join(OUT, f"train_{name}.onnx"))
    onnx.save(layernorm_seq(), os.path.join(OUT, "train_layernorm_seq.onnx"))
    onnx.save(cnn_instancenorm(), os.path.join(OUT, "train_cnn_instancenorm.onnx"))
    onnx.save(cnn_convtranspose(), os.path.join(OUT, "train_cnn_convtranspose.onnx"))
    for name in EXTRA:
        onnx.save(extra_model(name), os.path.join(OUT, f"train_{name}.onnx"))


if __name__ == "__main__":
    main()
