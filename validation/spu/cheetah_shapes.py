"""Writes the HE-product grid measured under SPU CHEETAH (MatMul and Conv shapes) to
tests/fixtures/spu/cheetah/shapes/*.onnx: X secret input, W a secret float initializer.
Run: /work/venvs/spu/bin/python validation/spu/cheetah_shapes.py, then
measure.py --protocol cheetah --repeat 3 --no-options --fields FM64 tests/fixtures/spu/cheetah/shapes/*.onnx"""
import os
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "spu", "cheetah", "shapes")
MATMULS = [(1, 64, 10), (4, 100, 50), (16, 256, 64), (64, 64, 64), (128, 768, 64), (1, 784, 128), (32, 512, 512)]
CONVS = [((1, 16, 16, 16), (32, 16, 3, 3)), ((1, 3, 32, 32), (16, 3, 3, 3))]


def save(name, node, x_shape, w, y_shape):
    rng = np.random.default_rng(0)
    g = helper.make_graph([node], name,
                          [helper.make_tensor_value_info("X", TensorProto.FLOAT, list(x_shape))],
                          [helper.make_tensor_value_info("Y", TensorProto.FLOAT, list(y_shape))],
                          [numpy_helper.from_array(rng.standard_normal(w).astype(np.float32) * 0.1, "W")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(m, os.path.join(OUT, name + ".onnx"))


os.makedirs(OUT, exist_ok=True)
for m, k, n in MATMULS:
    save(f"matmul_{m}x{k}x{n}", helper.make_node("MatMul", ["X", "W"], ["Y"]), (m, k), (k, n), (m, n))
for x, w in CONVS:
    y = (x[0], w[0], x[2] - 2, x[3] - 2)
    save(f"conv_{x[1]}x{x[2]}_{w[0]}k{w[2]}", helper.make_node("Conv", ["X", "W"], ["Y"], kernel_shape=[3, 3]), x, w, y)
