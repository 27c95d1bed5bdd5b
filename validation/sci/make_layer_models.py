#!/usr/bin/env python3
"""Write the single-layer ONNX models (tests/fixtures/sci/models/<layer>.onnx) that match the
programs run by run.py (layers.py). Weights are small random initializers.
usage: python make_layer_models.py OUT_DIR      (needs onnx, numpy; see requirements.txt)"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from layers import LAYERS


def build(name, spec):
    rng = np.random.default_rng(0)
    inits, nodes = [], []
    x_shape = spec["nodes"][0][2]["x"]
    cur, shape = "x", list(x_shape)
    for op, nname, a in spec["nodes"]:
        out = nname + "_out"
        if op == "Conv":
            w = a["w"]
            wn = nname + "_w"
            inits.append(numpy_helper.from_array(rng.standard_normal(w).astype(np.float32), wn))
            p, s = a["pads"], a["strides"]
            nodes.append(helper.make_node("Conv", [cur, wn], [out], name=nname, kernel_shape=w[2:], pads=[p] * 4,
                                          strides=[s, s]))
            oh = (shape[2] + 2 * p - w[2]) // s + 1
            shape = [1, w[0], oh, oh]
        elif op == "Gemm":
            w = a["w"]
            wn = nname + "_w"
            inits.append(numpy_helper.from_array(rng.standard_normal(w).astype(np.float32), wn))
            nodes.append(helper.make_node("Gemm", [cur, wn], [out], name=nname, transB=1))
            shape = [1, w[0]]
        elif op == "Relu":
            nodes.append(helper.make_node("Relu", [cur], [out], name=nname))
        elif op in ("MaxPool", "AveragePool"):
            k, s = a["k"], a["strides"]
            nodes.append(helper.make_node(op, [cur], [out], name=nname, kernel_shape=[k, k], strides=[s, s]))
            oh = (shape[2] - k) // s + 1
            shape = [1, shape[1], oh, oh]
        elif op == "BatchNormalization":
            c = shape[1]
            ins = [cur]
            for t in ("scale", "bias", "mean", "var"):
                v = rng.random(c).astype(np.float32) + (1.0 if t == "var" else 0.0)
                inits.append(numpy_helper.from_array(v, f"{nname}_{t}"))
                ins.append(f"{nname}_{t}")
            nodes.append(helper.make_node("BatchNormalization", ins, [out], name=nname))
        cur = out
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                          [helper.make_tensor_value_info(cur, TensorProto.FLOAT, shape)], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.checker.check_model(m)
    return m


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, spec in LAYERS.items():
        onnx.save(build(name, spec), os.path.join(out, name + ".onnx"))
        print("wrote", name)
