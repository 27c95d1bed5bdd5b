"""Writes the single-op ONNX models that validation/crypten/measure.py runs in
CrypTen, to tests/fixtures/crypten/models/ (deterministic, tiny).

    validation/.venv-torch/bin/python validation/crypten/ops.py
"""
import os
import numpy as np
import onnx
from onnx import helper as h, TensorProto as T, numpy_helper

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "crypten", "models")
rng = np.random.default_rng(0)


def init(name, shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32) * 0.3, name)


def const(name, values):
    arr = np.array(values, dtype=np.float32)
    return h.make_node("Constant", [], [name], value=numpy_helper.from_array(arr, name + "_v"))


def model(name, inputs, nodes, out_shape, inits=(), opset=11):
    ins = [h.make_tensor_value_info(n, T.FLOAT, s) for n, s in inputs]
    out = h.make_value_info("y", h.make_tensor_type_proto(T.FLOAT, None))
    g = h.make_graph(nodes, name, ins, [out], initializer=list(inits))
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)], producer_name="mpclens-validation")
    m.ir_version = 7
    m = onnx.shape_inference.infer_shapes(m, strict_mode=True)  # fills the output's shape
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(OUT, f"op_{name}.onnx"))


def conv_attrs(k, stride=1, pad=0, group=1):
    # CrypTen's from_onnx asserts every attribute is present, as torch writes them.
    return dict(kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, dilations=[1, 1], group=group)


def pool_attrs(k, stride):
    return dict(kernel_shape=[k, k], strides=[stride, stride], pads=[0, 0, 0, 0])


def unary(name, op, shape, **attrs):
    model(name, [("x", shape)], [h.make_node(op, ["x"], ["y"], name=f"/{op}", **attrs)], None)


def main():
    os.makedirs(OUT, exist_ok=True)
    unary("relu", "Relu", [4, 16])
    unary("relu_4d", "Relu", [1, 3, 8, 8])
    unary("relu_wide", "Relu", [2, 500])
    unary("sigmoid", "Sigmoid", [4, 16])
    unary("exp", "Exp", [4, 16])
    unary("sqrt", "Sqrt", [4, 16])
    unary("erf", "Erf", [4, 16])
    unary("softmax_10", "Softmax", [8, 10], axis=-1)
    unary("softmax_4", "Softmax", [5, 4], axis=-1)
    unary("softmax_3d", "Softmax", [2, 4, 16], axis=-1)
    unary("logsoftmax", "LogSoftmax", [8, 10], axis=-1)
    unary("maxpool_2x2", "MaxPool", [1, 2, 8, 8], **pool_attrs(2, 2))
    unary("maxpool_3x3_s2", "MaxPool", [1, 2, 9, 9], **pool_attrs(3, 2))
    unary("maxpool_3x3_s1", "MaxPool", [1, 1, 6, 6], **pool_attrs(3, 1))
    unary("avgpool", "AveragePool", [1, 2, 8, 8], **pool_attrs(2, 2))
    unary("globalavgpool", "GlobalAveragePool", [1, 4, 6, 6])
    unary("flatten", "Flatten", [2, 3, 4], axis=1)
    unary("transpose", "Transpose", [2, 3, 4], perm=[0, 2, 1])
    unary("reducemean", "ReduceMean", [4, 16], axes=[-1], keepdims=1)
    unary("reducesum", "ReduceSum", [4, 16], axes=[1], keepdims=1)
    model("clip", [("x", [4, 16])], [h.make_node("Clip", ["x"], ["y"], name="/Clip", min=0.0, max=6.0)], None, opset=6)
    model("gemm", [("x", [2, 32])], [h.make_node("Gemm", ["x", "W", "b"], ["y"], name="/fc/Gemm", alpha=1.0, beta=1.0, transB=1)], None, [init("W", [16, 32]), init("b", [16])])
    model("gemm_batch5", [("x", [5, 12])], [h.make_node("Gemm", ["x", "W", "b"], ["y"], name="/fc/Gemm", alpha=1.0, beta=1.0, transB=1)], None, [init("W", [7, 12]), init("b", [7])])
    model("gemm_nobias", [("x", [3, 20])], [h.make_node("Gemm", ["x", "W"], ["y"], name="/fc/Gemm", alpha=1.0, beta=1.0, transB=0)], None, [init("W", [20, 8])])
    model("matmul_private", [("x", [4, 8]), ("w", [8, 5])], [h.make_node("MatMul", ["x", "w"], ["y"], name="/MatMul")], None)
    model("matmul_weight", [("x", [2, 4, 8])], [h.make_node("MatMul", ["x", "W"], ["y"], name="/MatMul")], None, [init("W", [8, 6])])
    model("conv", [("x", [1, 3, 8, 8])], [h.make_node("Conv", ["x", "W"], ["y"], name="/conv/Conv", **conv_attrs(3, pad=1))], None, [init("W", [4, 3, 3, 3])])
    model("conv_stride2_bias", [("x", [1, 4, 9, 9])], [h.make_node("Conv", ["x", "W", "b"], ["y"], name="/conv/Conv", **conv_attrs(3, stride=2))], None, [init("W", [8, 4, 3, 3]), init("b", [8])])
    model("conv_depthwise", [("x", [1, 4, 8, 8])], [h.make_node("Conv", ["x", "W"], ["y"], name="/conv/Conv", **conv_attrs(3, pad=1, group=4))], None, [init("W", [4, 1, 3, 3])])
    model("conv_batch2", [("x", [2, 2, 6, 6])], [h.make_node("Conv", ["x", "W"], ["y"], name="/conv/Conv", **conv_attrs(1))], None, [init("W", [3, 2, 1, 1])])
    bn = [init("s", [4]), init("bb", [4]), init("mean", [4]), numpy_helper.from_array(np.abs(rng.standard_normal(4)).astype(np.float32) + 0.5, "var")]
    model("batchnorm", [("x", [1, 4, 5, 5])], [h.make_node("BatchNormalization", ["x", "s", "bb", "mean", "var"], ["y"], name="/bn/BatchNormalization", epsilon=1e-5, momentum=0.9)], None, bn)
    model("mul_private", [("x", [4, 8]), ("z", [4, 8])], [h.make_node("Mul", ["x", "z"], ["y"], name="/Mul")], None)
    model("mul_weight_bcast", [("x", [4, 8])], [h.make_node("Mul", ["x", "g"], ["y"], name="/Mul")], None, [init("g", [8])])
    model("mul_const", [("x", [4, 8])], [const("c", 0.5), h.make_node("Mul", ["x", "c"], ["y"], name="/Mul")], None)
    model("div_private", [("x", [4, 8]), ("z", [4, 1])], [h.make_node("Div", ["x", "z"], ["y"], name="/Div")], None)
    model("div_const", [("x", [4, 8])], [const("c", 8.0), h.make_node("Div", ["x", "c"], ["y"], name="/Div")], None)
    model("pow2", [("x", [4, 8])], [const("p", 2.0), h.make_node("Pow", ["x", "p"], ["y"], name="/Pow")], None)
    model("pow3", [("x", [4, 8])], [const("p", 3.0), h.make_node("Pow", ["x", "p"], ["y"], name="/Pow")], None)
    model("add_private", [("x", [4, 8]), ("z", [4, 8])], [h.make_node("Add", ["x", "z"], ["y"], name="/Add")], None)
    model("concat", [("x", [4, 8]), ("z", [4, 8])], [h.make_node("Concat", ["x", "z"], ["y"], name="/Concat", axis=1)], None)
    # LayerNorm as torch exports it below opset 17, and GELU (erf form).
    ln = [h.make_node("ReduceMean", ["x"], ["m"], name="/ln/ReduceMean", axes=[-1]), h.make_node("Sub", ["x", "m"], ["c"], name="/ln/Sub"),
          const("two", 2.0), h.make_node("Pow", ["c", "two"], ["sq"], name="/ln/Pow"), h.make_node("ReduceMean", ["sq"], ["v"], name="/ln/ReduceMean_1", axes=[-1]),
          const("eps", 1e-5), h.make_node("Add", ["v", "eps"], ["ve"], name="/ln/Add"), h.make_node("Sqrt", ["ve"], ["sd"], name="/ln/Sqrt"),
          h.make_node("Div", ["c", "sd"], ["nrm"], name="/ln/Div"), h.make_node("Mul", ["nrm", "gamma"], ["sc"], name="/ln/Mul"),
          h.make_node("Add", ["sc", "beta"], ["y"], name="/ln/Add_1")]
    model("layernorm_decomposed", [("x", [2, 6, 16])], ln, None, [init("gamma", [16]), init("beta", [16])])
    gelu = [const("rt2", 1.4142135), h.make_node("Div", ["x", "rt2"], ["a"], name="/act/Div"), h.make_node("Erf", ["a"], ["e"], name="/act/Erf"),
            const("one", 1.0), h.make_node("Add", ["e", "one"], ["e1"], name="/act/Add"), h.make_node("Mul", ["x", "e1"], ["m"], name="/act/Mul"),
            const("half", 0.5), h.make_node("Mul", ["m", "half"], ["y"], name="/act/Mul_1")]
    model("gelu_erf", [("x", [4, 16])], gelu, None)


if __name__ == "__main__":
    main()
