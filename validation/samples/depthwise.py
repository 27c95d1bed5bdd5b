"""A tiny CNN with a depthwise convolution (group = channels, as MobileNet/EfficientNet/ConvNeXt
write it), for the SEMI2K training step of validation/spu/train.py:
tests/fixtures/spu/models/depthwise_cnn.onnx.

    python validation/samples/depthwise.py        (needs only onnx and numpy)

Conv 4→8 3×3 pad 1, Relu, depthwise Conv 8 (group 8) 3×3 pad 1, Relu, GlobalAveragePool,
Flatten, Gemm 8→4. Input 2×4×8×8.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto as T, helper as h, numpy_helper as nh

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "spu", "models")


def main():
    rng = np.random.default_rng(0)
    w = lambda name, *s: nh.from_array((rng.standard_normal(s) * 0.2).astype(np.float32), name)
    nodes = [
        h.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        h.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        h.make_node("Conv", ["r1", "wd", "bd"], ["c2"], name="depthwise", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                    group=8),
        h.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        h.make_node("GlobalAveragePool", ["r2"], ["p"], name="pool"),
        h.make_node("Flatten", ["p"], ["f"], name="flatten", axis=1),
        h.make_node("Gemm", ["f", "w3", "b3"], ["y"], name="fc", transB=1),
    ]
    inits = [w("w1", 8, 4, 3, 3), w("b1", 8), w("wd", 8, 1, 3, 3), w("bd", 8), w("w3", 4, 8), w("b3", 4)]
    g = h.make_graph(nodes, "depthwise_cnn", [h.make_tensor_value_info("x", T.FLOAT, [2, 4, 8, 8])],
                     [h.make_tensor_value_info("y", T.FLOAT, [2, 4])], inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)])
    onnx.checker.check_model(m)
    os.makedirs(OUT, exist_ok=True)
    onnx.save(m, os.path.join(OUT, "depthwise_cnn.onnx"))


if __name__ == "__main__":
    main()
