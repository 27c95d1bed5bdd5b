"""A model `--batch 2` cannot re-batch: a Reshape of the [1, 4] input to [2, 2] (the batch mixed
into the other axes, so no batch can be read off the target). tests/zoo.rs checks the refusal
names the node:
tests/fixtures/zoo/rebatch_refused.onnx.

    python validation/samples/rebatch_refused.py        (needs only onnx)
"""
import os

import onnx
from onnx import TensorProto as T, helper as h

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "zoo", "rebatch_refused.onnx")

nodes = [
    h.make_node("Constant", [], ["target"], name="target", value=h.make_tensor("t", T.INT64, [2], [2, 2])),
    h.make_node("Reshape", ["x", "target"], ["square"], name="mix_batch"),
    h.make_node("Relu", ["square"], ["y"], name="relu"),
]
g = h.make_graph(nodes, "rebatch_refused", [h.make_tensor_value_info("x", T.FLOAT, [1, 4])],
                 [h.make_tensor_value_info("y", T.FLOAT, [2, 2])])
m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)])
onnx.checker.check_model(m)
onnx.save(m, OUT)

# A class token read twice (the Concat and an Add): re-batching cannot widen the shared weight,
# so it inserts an Expand to the batch before the Concat: tests/fixtures/zoo/cls_shared.onnx.
import numpy as np  # noqa: E402
from onnx import numpy_helper as nh  # noqa: E402

cls = nh.from_array(np.ones((1, 1, 4), np.float32), "cls")
nodes = [
    h.make_node("Concat", ["cls", "x"], ["cat"], name="cat", axis=1),
    h.make_node("Add", ["cat", "cls"], ["sum"], name="add"),
    h.make_node("Relu", ["sum"], ["y"], name="relu"),
]
g = h.make_graph(nodes, "cls_shared", [h.make_tensor_value_info("x", T.FLOAT, [1, 3, 4])],
                 [h.make_tensor_value_info("y", T.FLOAT, [1, 4, 4])], [cls])
m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)])
onnx.checker.check_model(m)
onnx.save(m, os.path.join(os.path.dirname(OUT), "cls_shared.onnx"))
