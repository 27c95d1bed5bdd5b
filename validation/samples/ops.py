"""One tiny ONNX model per operator the loader must shape (issue list), plus
opset variants, an unknown op and hostile dims; with onnx's own shape inference
recorded next to each (tests/fixtures/ops/<name>.onnx + .json).

    validation/.venv-torch/bin/python validation/samples/ops.py
"""
import json, os
import numpy as np
import onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "ops")
F = T.FLOAT


def c(name, arr, dt=np.float32):
    return nh.from_array(np.array(arr, dtype=dt), name)


def save(name, nodes, inputs, inits=(), opset=13, check=True, domains=()):
    ins = [h.make_tensor_value_info(n, dt, s) for n, dt, s in inputs]
    outs = [h.make_value_info(nodes[-1].output[0], h.make_tensor_type_proto(0, None))]
    g = h.make_graph(nodes, name, ins, outs, initializer=list(inits))
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)] + [h.make_opsetid(d, 1) for d in domains])
    m.ir_version = 8
    path = os.path.join(OUT, name + ".onnx")
    if check:
        m = onnx.shape_inference.infer_shapes(m, strict_mode=True)
        known = {v.name: [d.dim_value if d.HasField("dim_value") else None for d in v.type.tensor_type.shape.dim] for v in list(m.graph.value_info) + list(m.graph.output)}
        rec = {"nodes": [{"name": n.name, "op": n.op_type, "outputs": [known.get(o) for o in n.output]} for n in m.graph.node]}
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(rec, f)
    onnx.save(m, path)


def un(op, shape=(2, 3, 4, 5), opset=13, **attrs):
    save(op if not attrs.get("_n") else attrs.pop("_n"), [h.make_node(op, ["x"], ["y"], name="/" + op, **{k: v for k, v in attrs.items() if k != "_n"})], [("x", F, list(shape))], opset=opset)


def main():
    os.makedirs(OUT, exist_ok=True)
    for op in ["Sqrt", "Exp", "Log", "Erf", "Reciprocal", "Neg", "Abs", "Relu", "Sigmoid", "Tanh", "Identity", "Softmax", "LogSoftmax"]:
        un(op)
    un("LeakyRelu", alpha=0.1); un("HardSigmoid"); un("HardSwish", opset=14); un("Gelu", opset=20)
    un("Dropout"); un("GlobalAveragePool"); un("GlobalMaxPool"); un("Flatten", axis=2)
    un("MaxPool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1, shape=(1, 2, 9, 9))
    un("AveragePool", kernel_shape=[2, 2], strides=[2, 2], shape=(1, 2, 8, 8))
    un("Transpose", perm=[0, 2, 3, 1]); un("ArgMax", axis=1, keepdims=0); un("Cast", to=T.INT64)
    un("ReduceMean", axes=[2, 3], keepdims=1); un("ReduceMax", axes=[1], keepdims=0)
    save("ReduceSum", [h.make_node("ReduceSum", ["x", "ax"], ["y"], name="/ReduceSum", keepdims=0)], [("x", F, [2, 3, 4])], [c("ax", [1], np.int64)])
    save("Shape", [h.make_node("Shape", ["x"], ["y"], name="/Shape")], [("x", F, [2, 3])])
    x4 = [("x", F, [1, 3, 8, 8])]
    save("Conv", [h.make_node("Conv", ["x", "W", "b"], ["y"], name="/Conv", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], dilations=[1, 1])], x4, [c("W", np.ones((4, 3, 3, 3))), c("b", np.zeros(4))])
    save("Conv_group_dilated", [h.make_node("Conv", ["x", "W"], ["y"], name="/Conv", kernel_shape=[3, 3], dilations=[2, 2], group=3)], x4, [c("W", np.ones((6, 1, 3, 3)))])
    save("ConvTranspose", [h.make_node("ConvTranspose", ["x", "W"], ["y"], name="/ConvTranspose", kernel_shape=[2, 2], strides=[2, 2])], x4, [c("W", np.ones((3, 5, 2, 2)))])
    save("Gemm", [h.make_node("Gemm", ["x", "W", "b"], ["y"], name="/Gemm", transB=1, alpha=0.5)], [("x", F, [2, 8])], [c("W", np.ones((4, 8))), c("b", np.zeros(4))])
    save("MatMul", [h.make_node("MatMul", ["x", "W"], ["y"], name="/MatMul")], [("x", F, [2, 5, 8])], [c("W", np.ones((8, 3)))])
    save("Einsum", [h.make_node("Einsum", ["x", "z"], ["y"], name="/Einsum", equation="bij,bjk->bik")], [("x", F, [2, 3, 4]), ("z", F, [2, 4, 5])], opset=13)
    for op in ["Add", "Sub", "Mul", "Div", "Max", "Min", "Pow"]:
        save(op, [h.make_node(op, ["x", "z"], ["y"], name="/" + op)], [("x", F, [2, 3, 4]), ("z", F, [3, 1])])
    for op in ["Equal", "Greater", "Less"]:
        save(op, [h.make_node(op, ["x", "z"], ["y"], name="/" + op)], [("x", F, [2, 3]), ("z", F, [2, 3])])
    save("Where", [h.make_node("Greater", ["x", "z"], ["m"], name="/Greater"), h.make_node("Where", ["m", "x", "z"], ["y"], name="/Where")], [("x", F, [2, 3]), ("z", F, [1, 3])])
    save("PRelu", [h.make_node("PRelu", ["x", "s"], ["y"], name="/PRelu")], [("x", F, [1, 3, 4, 4])], [c("s", np.ones((3, 1, 1)))])
    save("Clip", [h.make_node("Clip", ["x", "lo", "hi"], ["y"], name="/Clip")], [("x", F, [2, 3])], [c("lo", 0.0), c("hi", 6.0)])
    bn = [c("s", np.ones(3)), c("bb", np.zeros(3)), c("m", np.zeros(3)), c("v", np.ones(3))]
    save("BatchNormalization", [h.make_node("BatchNormalization", ["x", "s", "bb", "m", "v"], ["y"], name="/BN")], x4, bn)
    save("InstanceNormalization", [h.make_node("InstanceNormalization", ["x", "s", "bb"], ["y"], name="/IN")], x4, bn[:2])
    save("LayerNormalization", [h.make_node("LayerNormalization", ["x", "g", "be"], ["y"], name="/LN", axis=-1)], [("x", F, [2, 5, 8])], [c("g", np.ones(8)), c("be", np.zeros(8))], opset=17)
    save("Reshape", [h.make_node("Reshape", ["x", "s"], ["y"], name="/Reshape")], [("x", F, [2, 3, 4])], [c("s", [2, -1], np.int64)])
    save("Squeeze", [h.make_node("Squeeze", ["x", "a"], ["y"], name="/Squeeze")], [("x", F, [2, 1, 4])], [c("a", [1], np.int64)])
    save("Unsqueeze", [h.make_node("Unsqueeze", ["x", "a"], ["y"], name="/Unsqueeze")], [("x", F, [2, 4])], [c("a", [0, 3], np.int64)])
    save("Concat", [h.make_node("Concat", ["x", "z"], ["y"], name="/Concat", axis=1)], [("x", F, [2, 3]), ("z", F, [2, 5])])
    save("Split", [h.make_node("Split", ["x", "sp"], ["y", "y2"], name="/Split", axis=1)], [("x", F, [2, 6])], [c("sp", [2, 4], np.int64)])
    save("Slice", [h.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"], name="/Slice")], [("x", F, [4, 10])], [c("st", [1], np.int64), c("en", [9], np.int64), c("ax", [1], np.int64), c("sp", [3], np.int64)])
    save("Gather", [h.make_node("Gather", ["x", "i"], ["y"], name="/Gather", axis=1)], [("x", F, [3, 5, 2])], [c("i", [0, 2, 4, 1], np.int64)])
    save("Pad", [h.make_node("Pad", ["x", "p"], ["y"], name="/Pad")], [("x", F, [1, 3, 4, 4])], [c("p", [0, 0, 1, 2, 0, 0, 1, 2], np.int64)])
    save("Resize", [h.make_node("Resize", ["x", "", "sc"], ["y"], name="/Resize", mode="nearest")], x4, [c("sc", [1, 1, 2, 2])])
    save("Expand", [h.make_node("Expand", ["x", "s"], ["y"], name="/Expand")], [("x", F, [3, 1])], [c("s", [2, 3, 4], np.int64)])
    save("Constant", [h.make_node("Constant", [], ["k"], name="/Constant", value=c("kv", np.ones((2, 3)))), h.make_node("Add", ["x", "k"], ["y"], name="/Add")], [("x", F, [2, 3])])
    save("ConstantOfShape", [h.make_node("Shape", ["x"], ["s"], name="/Shape"), h.make_node("ConstantOfShape", ["s"], ["y"], name="/ConstantOfShape", value=c("v", [0.0]))], [("x", F, [2, 3])])
    # The same small conv net at several opsets.
    for opset in [7, 9, 11, 13, 17, 21]:
        save(f"convnet_opset{opset}", [h.make_node("Conv", ["x", "W"], ["c"], name="/conv/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                                       h.make_node("Relu", ["c"], ["r"], name="/Relu"),
                                       h.make_node("MaxPool", ["r"], ["p"], name="/MaxPool", kernel_shape=[2, 2], strides=[2, 2]),
                                       h.make_node("Flatten", ["p"], ["y"], name="/Flatten")], x4, [c("W", np.ones((4, 3, 3, 3)))], opset=opset)
    # An op nobody knows, between two known ones: listed, the rest still shaped.
    save("unknown_op", [h.make_node("Relu", ["x"], ["a"], name="/Relu"), h.make_node("FancyOp", ["a"], ["b"], name="/FancyOp", domain="com.example"),
                        h.make_node("Relu", ["b"], ["y"], name="/Relu_1")], [("x", F, [2, 3])], check=False, domains=["com.example"])
    # Declared dims whose product passes 2^63.
    save("huge_dims", [h.make_node("Relu", ["x"], ["y"], name="/Relu")], [("x", F, [2**31, 2**31, 2**31])], check=False)


if __name__ == "__main__":
    main()
