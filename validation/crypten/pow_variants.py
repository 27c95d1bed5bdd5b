"""train_log and train_reciprocal (validation/samples/train_ops.py: Gemm → a·a + 1 → op → Gemm)
with a·a written as Pow(a, 2): CrypTen 0.4.1's nn.Graph.forward marks an input available by
`value_list.index(name)`, only the first of Mul(a, a)'s two equal inputs, so that node never runs
("nn.Graph.forward() failed. Is graph unconnected?"). Same weights; writes
tests/fixtures/crypten/models/train_<op>_pow.onnx for train.py. Reproduce:

    validation/.venv-torch/bin/python validation/crypten/pow_variants.py
"""
import os

import onnx
from onnx import helper as h, TensorProto as T

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

for op in ["log", "reciprocal"]:
    m = onnx.load(os.path.join(ROOT, "tests", "fixtures", "spu", "models", f"train_{op}.onnx"))
    nodes = []
    for n in m.graph.node:
        if n.op_type == "Mul" and n.input[0] == n.input[1]:
            nodes.append(h.make_node("Constant", [], ["two"], value=h.make_tensor("two", T.FLOAT, [], [2.0])))
            nodes.append(h.make_node("Pow", [n.input[0], "two"], list(n.output), name=n.name or "pow"))
        else:
            nodes.append(n)
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    m.graph.name = f"train_{op}_pow"
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(ROOT, "tests", "fixtures", "crypten", "models", f"train_{op}_pow.onnx"))
