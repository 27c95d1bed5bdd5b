"""Writes the hostile-input corpus tests/corpus/*.onnx from the bundled samples.

    /path/to/venv/bin/python validation/robust/make_corpus.py

Deterministic (fixed seeds, fixed offsets): running it twice gives the same
bytes. Every file is listed in tests/corpus/expected.json with the outcome
tests/robust.rs asserts; the script keeps the expectations already written
there for files it still produces and adds a placeholder ("unreviewed") for new
ones, which the test refuses until a human fills it in.

Inputs too big to commit (10^6 tiny nodes: ~20 MB) are built by the Rust test
itself, not here.
"""
import json
import os
import random
import sys

import onnx
from onnx import TensorProto, helper, numpy_helper
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLES = os.path.join(ROOT, "static", "samples")
OUT = os.path.join(ROOT, "tests", "corpus")

files = {}  # name -> (bytes, description)


def put(name, data, what):
    assert name not in files, name
    assert len(data) < 5_000_000, (name, len(data))
    files[name] = (bytes(data), what)


def sample(name):
    with open(os.path.join(SAMPLES, name + ".onnx"), "rb") as f:
        return f.read()


def model(nodes, inputs, outputs, inits=(), opset=14, value_info=(), ir=7, name="g"):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits), value_info=list(value_info))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="mpclens-corpus")
    m.ir_version = ir
    return m.SerializeToString()


def vi(name, shape, dt=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dt, shape)


def bare(name, dims, dt=TensorProto.FLOAT):
    """A TensorProto header with no data (helper.make_tensor insists on data)."""
    t = TensorProto()
    t.name, t.data_type = name, dt
    t.dims.extend(dims)
    return t


def i64(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


# --- truncations -----------------------------------------------------------
lenet, r50, mnv2, bert = sample("lenet"), sample("resnet50"), sample("mobilenetv2"), sample("bert_base")
for src, data, cuts in [
    ("resnet50", r50, [1, 2, 7, 64, 1000, len(r50) // 3, len(r50) // 2, len(r50) - 1]),
    ("mobilenetv2", mnv2, [3, 200, len(mnv2) // 2, len(mnv2) - 5]),
    ("bert_base", bert, [len(bert) // 4, len(bert) - 100]),
    ("lenet", lenet, [len(lenet) // 2]),  # inside the float weights
]:
    for c in cuts:
        put(f"trunc_{src}_{c}.onnx", data[:c], f"{src}.onnx cut after {c} of {len(data)} bytes")

# --- random byte flips (seeded) --------------------------------------------
rng = random.Random(20240607)
for src, data, count in [("resnet50", r50, 1), ("resnet50", r50, 16), ("resnet50", r50, 64), ("mobilenetv2", mnv2, 1),
                         ("mobilenetv2", mnv2, 8), ("mobilenetv2", mnv2, 40), ("bert_base", bert, 4), ("bert_base", bert, 200)]:
    b = bytearray(data)
    for _ in range(count):
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    put(f"flip_{src}_{count}.onnx", b, f"{src}.onnx with {count} random bit flips (seed 20240607)")

# --- wrong magic / not ONNX ------------------------------------------------
put("empty.onnx", b"", "0 bytes")
put("magic_png.onnx", b"\x89PNG\r\n\x1a\n" + r50[8:4096], "PNG signature in front of ONNX bytes")
put("magic_zip.onnx", b"PK\x03\x04" + b"\x14\x00" * 40, "a zip header")
put("magic_text.onnx", b"ir_version: 7\ngraph { node { op_type: \"Relu\" } }\n", "ONNX text format, not binary")
put("magic_zero_field.onnx", b"\x00" + r50[1:], "first byte zeroed: field number 0")
put("magic_group_wiretype.onnx", b"\x0b" + r50[1:], "first tag uses the deprecated group wire type")
put("not_a_model.onnx", helper.make_tensor("t", TensorProto.FLOAT, [2], [1.0, 2.0]).SerializeToString(),
    "a serialized TensorProto, not a ModelProto")
put("huge_length_prefix.onnx", b"\x3a\xff\xff\xff\xff\xff\xff\xff\xff\x7f", "graph field claims a 2^63-byte length")
put("varint_overlong.onnx", b"\x08" + b"\xff" * 11, "a varint longer than 10 bytes")

# --- structurally valid protobuf, bad model ---------------------------------
m = onnx.ModelProto(); m.ir_version = 7
put("no_graph.onnx", m.SerializeToString(), "a ModelProto with no graph")
put("no_nodes.onnx", model([], [vi("x", [1, 4])], [vi("x", [1, 4])]), "a graph with no nodes")
m = onnx.load_from_string(model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [1, 4])], [vi("y", [1, 4])]))
del m.opset_import[:]; m.ir_version = 0
put("no_opset_no_ir.onnx", m.SerializeToString(), "neither IR version nor opset")
put("opset_999.onnx", model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [1, 4])], [vi("y", [1, 4])], opset=999),
    "default-domain opset 999")

# --- dims --------------------------------------------------------------------
put("input_dim_2p62.onnx", model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [1 << 62, 4])], [vi("y", [1 << 62, 4])]),
    "input dim 2^62")
put("input_dim_negative.onnx", model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [1, -3])], [vi("y", [1, 3])]),
    "input dim -3")
put("input_dim_zero.onnx", model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [1, 0])], [vi("y", [1, 0])]),
    "input dim 0 (an empty tensor)")
w = bare("w", [1 << 31, 1 << 31])
w.data_location = TensorProto.EXTERNAL
w.external_data.add(key="location", value="w.bin")
put("weight_dims_2p62.onnx", model([helper.make_node("MatMul", ["x", "w"], ["y"])], [vi("x", [1, 1 << 31])], [vi("y", [1, 1 << 31])], inits=[w]),
    "external weight of 2^31 x 2^31 (2^62 elements), MatMul output has 2^31 columns")
w = bare("w", [4, -2])
put("weight_dim_negative.onnx", model([helper.make_node("MatMul", ["x", "w"], ["y"])], [vi("x", [1, 4])], [vi("y", [1, 2])], inits=[w]),
    "initializer with dims [4, -2] and no data")
w = bare("w", [1 << 40, 0])
put("weight_dims_zero_huge.onnx", model([helper.make_node("Add", ["x", "w"], ["y"])], [vi("x", [1, 1])], [vi("y", [1, 0])], inits=[w]),
    "initializer with dims [2^40, 0]: zero elements, huge dim")
c = bare("v", [1 << 20, 1 << 20])
put("constant_node_huge_no_data.onnx", model([helper.make_node("Constant", [], ["c"], value=c), helper.make_node("Add", ["x", "c"], ["y"])],
    [vi("x", [1, 1])], [vi("y", [1 << 20, 1 << 20])]), "Constant node claiming 2^40 floats with no data")
# Ops whose output a shape analyser may try to compute eagerly from constants.
put("bomb_constant_of_shape.onnx", model([helper.make_node("ConstantOfShape", ["s"], ["c"]), helper.make_node("Add", ["x", "c"], ["y"])],
    [vi("x", [1, 1])], [vi("y", [1 << 20, 1 << 20])], inits=[i64("s", [1 << 20, 1 << 20])]),
    "ConstantOfShape of a constant [2^20, 2^20] (4 TiB if materialised)")
put("bomb_range.onnx", model([helper.make_node("Range", ["a", "b", "d"], ["r"]), helper.make_node("Mul", ["x", "r"], ["y"])],
    [vi("x", [1], TensorProto.INT64)], [vi("y", [None], TensorProto.INT64)],
    inits=[numpy_helper.from_array(np.array(0, np.int64), "a"), numpy_helper.from_array(np.array(1 << 50, np.int64), "b"),
           numpy_helper.from_array(np.array(1, np.int64), "d")]), "Range(0, 2^50, 1) on constants")
put("bomb_expand.onnx", model([helper.make_node("Expand", ["one", "s"], ["e"]), helper.make_node("Add", ["x", "e"], ["y"])],
    [vi("x", [1, 1])], [vi("y", [1 << 20, 1 << 20])],
    inits=[numpy_helper.from_array(np.ones((1, 1), np.float32), "one"), i64("s", [1 << 20, 1 << 20])]),
    "Expand of a constant to [2^20, 2^20]")
put("bomb_tile.onnx", model([helper.make_node("Tile", ["one", "r"], ["t"]), helper.make_node("Add", ["x", "t"], ["y"])],
    [vi("x", [1, 1])], [vi("y", [1 << 30, 1 << 30])],
    inits=[numpy_helper.from_array(np.ones((1, 1), np.float32), "one"), i64("r", [1 << 30, 1 << 30])]),
    "Tile of a constant by [2^30, 2^30]")

# --- shape contradictions and bad attributes ---------------------------------
put("reshape_mismatch.onnx", model([helper.make_node("Reshape", ["x", "s"], ["r"], name="bad_reshape"), helper.make_node("Relu", ["r"], ["y"], name="after")],
    [vi("x", [1, 784])], [vi("y", [3, 7])], inits=[i64("s", [3, 7])]), "Reshape of 784 elements to [3, 7]")
put("reshape_two_minus_one.onnx", model([helper.make_node("Reshape", ["x", "s"], ["y"], name="bad_reshape")],
    [vi("x", [2, 6])], [vi("y", [None, None])], inits=[i64("s", [-1, -1])]), "Reshape target [-1, -1]")
put("conv_stride_zero.onnx", model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv0", strides=[0, 0])],
    [vi("x", [1, 3, 8, 8])], [vi("y", [1, 4, 6, 6])], inits=[numpy_helper.from_array(np.ones((4, 3, 3, 3), np.float32), "w")]),
    "Conv with strides [0, 0]")
put("conv_group_zero.onnx", model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv0", group=0)],
    [vi("x", [1, 3, 8, 8])], [vi("y", [1, 4, 6, 6])], inits=[numpy_helper.from_array(np.ones((4, 3, 3, 3), np.float32), "w")]),
    "Conv with group 0")
put("conv_dilation_zero_pads_negative.onnx", model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv0", dilations=[0, 0], pads=[-5, -5, -5, -5])],
    [vi("x", [1, 3, 8, 8])], [vi("y", [1, 4, 6, 6])], inits=[numpy_helper.from_array(np.ones((4, 3, 3, 3), np.float32), "w")]),
    "Conv with dilations 0 and pads -5")
put("maxpool_kernel_too_big.onnx", model([helper.make_node("MaxPool", ["x"], ["y"], name="pool0", kernel_shape=[100, 100])],
    [vi("x", [1, 3, 8, 8])], [vi("y", [1, 3, 1, 1])]), "MaxPool kernel 100x100 on an 8x8 image")
put("maxpool_kernel_zero.onnx", model([helper.make_node("MaxPool", ["x"], ["y"], name="pool0", kernel_shape=[0, 0], strides=[0, 0])],
    [vi("x", [1, 3, 8, 8])], [vi("y", [1, 3, 1, 1])]), "MaxPool kernel 0x0 stride 0")
put("concat_axis_out_of_range.onnx", model([helper.make_node("Concat", ["x", "x"], ["y"], name="cat", axis=100)],
    [vi("x", [1, 4])], [vi("y", [1, 8])]), "Concat along axis 100 of a rank-2 tensor")
put("transpose_bad_perm.onnx", model([helper.make_node("Transpose", ["x"], ["y"], name="tr", perm=[5, 0])],
    [vi("x", [2, 3])], [vi("y", [3, 2])]), "Transpose perm [5, 0]")
put("transpose_perm_rank_mismatch.onnx", model([helper.make_node("Transpose", ["x"], ["y"], name="tr", perm=[2, 0, 1])],
    [vi("x", [2, 3])], [vi("y", [3, 2])]), "Transpose perm of rank 3 on a rank-2 input")
put("softmax_axis_out_of_range.onnx", model([helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=-9)],
    [vi("x", [2, 3])], [vi("y", [2, 3])]), "Softmax axis -9 on rank 2")
put("gemm_mismatch.onnx", model([helper.make_node("Gemm", ["x", "w"], ["y"], name="fc")],
    [vi("x", [1, 5])], [vi("y", [1, 3])], inits=[numpy_helper.from_array(np.ones((7, 3), np.float32), "w")]), "Gemm [1,5] x [7,3]")
put("split_bad_sizes.onnx", model([helper.make_node("Split", ["x", "s"], ["a", "b"], name="split", axis=1)],
    [vi("x", [1, 10])], [vi("a", [1, 3]), vi("b", [1, 3])], inits=[i64("s", [3, 3])], opset=13), "Split 10 into [3, 3]")
put("gather_index_out_of_range.onnx", model([helper.make_node("Gather", ["x", "i"], ["y"], name="gather", axis=0)],
    [vi("x", [4, 3])], [vi("y", [1, 3])], inits=[i64("i", [1000])]), "Gather index 1000 of 4 rows")

# --- graph structure ---------------------------------------------------------
put("cycle.onnx", model([helper.make_node("Add", ["x", "b"], ["a"], name="n1"), helper.make_node("Relu", ["a"], ["b"], name="n2")],
    [vi("x", [1, 4])], [vi("b", [1, 4])]), "two nodes feeding each other")
put("self_loop.onnx", model([helper.make_node("Add", ["x", "y"], ["y"], name="n1")], [vi("x", [1, 4])], [vi("y", [1, 4])]),
    "a node reading its own output")
put("missing_input.onnx", model([helper.make_node("Relu", ["x"], ["a"], name="ok"), helper.make_node("Add", ["a", "ghost"], ["y"], name="uses_ghost")],
    [vi("x", [1, 4])], [vi("y", [1, 4])]), "a node input no one produces")
put("missing_graph_output.onnx", model([helper.make_node("Relu", ["x"], ["a"], name="r")], [vi("x", [1, 4])], [vi("nowhere", [1, 4])]),
    "a graph output no node produces")
put("duplicate_node_names.onnx", model([helper.make_node("Relu", ["x"], ["a"], name="same"), helper.make_node("Relu", ["a"], ["y"], name="same")],
    [vi("x", [1, 4])], [vi("y", [1, 4])]), "two nodes named 'same'")
put("duplicate_outputs.onnx", model([helper.make_node("Relu", ["x"], ["a"], name="first"), helper.make_node("Sigmoid", ["x"], ["a"], name="second"),
    helper.make_node("Relu", ["a"], ["y"], name="third")], [vi("x", [1, 4])], [vi("y", [1, 4])]), "two nodes writing tensor 'a'")
put("duplicate_inputs.onnx", model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [1, 4]), vi("x", [2, 8])], [vi("y", [1, 4])]),
    "graph input 'x' declared twice with different shapes")
put("duplicate_initializers.onnx", model([helper.make_node("Add", ["x", "w"], ["y"])], [vi("x", [1, 4])], [vi("y", [1, 4])],
    inits=[numpy_helper.from_array(np.ones((1, 4), np.float32), "w"), numpy_helper.from_array(np.ones((3, 3), np.float32), "w")]),
    "initializer 'w' given twice with different shapes")
put("empty_names.onnx", model([helper.make_node("Relu", ["x"], [""]), helper.make_node("Relu", [""], ["y"])], [vi("x", [1, 4])], [vi("y", [1, 4])]),
    "nodes with empty output and input names")
put("unknown_op.onnx", model([helper.make_node("Relu", ["x"], ["a"], name="r"), helper.make_node("Frobnicate", ["a"], ["b"], name="frob", domain="com.example"),
    helper.make_node("Relu", ["b"], ["y"], name="after")], [vi("x", [1, 4])], [vi("y", [1, 4])]), "an op in an unknown domain")
m = onnx.load_from_string(model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [1, 4])], [vi("y", [1, 4])]))
m.graph.input[0].type.Clear()
put("input_without_type.onnx", m.SerializeToString(), "graph input with no type")
seq_in = helper.make_tensor_sequence_value_info("x", TensorProto.FLOAT, [1, 4])
put("input_sequence_type.onnx", model([helper.make_node("SequenceLength", ["x"], ["y"])], [seq_in], [vi("y", [], TensorProto.INT64)]),
    "graph input of sequence type")
put("string_input.onnx", model([helper.make_node("Identity", ["x"], ["y"])], [vi("x", [1, 4], TensorProto.STRING)], [vi("y", [1, 4], TensorProto.STRING)]),
    "string-typed input")
w = bare("w", [64, 64])
w.data_location = TensorProto.EXTERNAL
for k, v in [("location", "/etc/passwd"), ("offset", "18446744073709551615"), ("length", "-1")]:
    w.external_data.add(key=k, value=v)
put("external_data_hostile_path.onnx", model([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], [vi("x", [1, 64])], [vi("y", [1, 64])], inits=[w]),
    "external data pointing at /etc/passwd with offset 2^64-1 (must never be read)")
w = bare("w", [2, 2])
w.raw_data = b"\x00" * 3
put("raw_data_wrong_length.onnx", model([helper.make_node("Add", ["x", "w"], ["y"], name="add")], [vi("x", [2, 2])], [vi("y", [2, 2])], inits=[w]),
    "a kept initializer whose raw_data is 3 bytes for 4 floats")


# --- nested-graph bombs --------------------------------------------------------
def _varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(num, payload):
    """A length-delimited protobuf field (python protobuf refuses nesting > 100)."""
    return _varint(num << 3 | 2) + _varint(len(payload)) + payload


def _attr_graph(name, graph_bytes):
    # NodeProto.attribute (5) = AttributeProto { name = 1, g = 6, type = 20 (GRAPH = 5) }
    return _field(5, _field(1, name.encode()) + _field(6, graph_bytes) + _varint(20 << 3) + _varint(5))


def _vi_bytes(v):
    return v.SerializeToString()


def nested_if(depth):
    """If whose then-branch holds an If whose then-branch holds ... `depth` levels."""
    leaf = helper.make_graph([helper.make_node("Identity", ["x"], ["o"])], "leaf", [], [vi("o", [1, 4])]).SerializeToString()
    inner = leaf
    for d in range(depth):
        node = _field(1, b"c") + _field(2, b"o") + _field(4, b"If") + _attr_graph("then_branch", inner) + _attr_graph("else_branch", leaf)
        inner = _field(1, node) + _field(2, f"lvl{d}".encode()) + _field(12, _vi_bytes(vi("o", [1, 4])))
    node = helper.make_node("If", ["c"], ["y"], name="top_if")
    return node.SerializeToString() + _attr_graph("then_branch", inner) + _attr_graph("else_branch", leaf)


def nested_loop(depth):
    ins = [vi("i", [], TensorProto.INT64), vi("cond_in", [], TensorProto.BOOL), vi("v_in", [1, 4])]
    outs = [vi("cond_out", [], TensorProto.BOOL), vi("v_out", [1, 4])]
    ident = helper.make_node("Identity", ["cond_in"], ["cond_out"]).SerializeToString()
    body = helper.make_graph([helper.make_node("Identity", ["cond_in"], ["cond_out"]), helper.make_node("Identity", ["v_in"], ["v_out"])],
                             "body0", ins, outs).SerializeToString()
    for d in range(depth):
        loop = _field(1, b"") + _field(1, b"cond_in") + _field(1, b"v_in") + _field(2, b"v_out") + _field(4, b"Loop") + _attr_graph("body", body)
        body = _field(1, ident) + _field(1, loop) + _field(2, f"body{d}".encode())
        body += b"".join(_field(11, _vi_bytes(v)) for v in ins) + b"".join(_field(12, _vi_bytes(v)) for v in outs)
    node = helper.make_node("Loop", ["n", "c", "x"], ["y"], name="top_loop")
    return node.SerializeToString() + _attr_graph("body", body)


def with_raw_node(first_node_bytes, rest_nodes, inputs, outputs, inits):
    """A model whose first node is given as raw NodeProto bytes."""
    m = onnx.load_from_string(model(rest_nodes, inputs, outputs, inits=inits))
    g = m.graph.SerializeToString()
    graph = _field(1, first_node_bytes) + g
    m.ClearField("graph")
    return m.SerializeToString() + _field(7, graph)


cond = numpy_helper.from_array(np.array(True), "c")
for depth in [20, 90, 1000]:
    put(f"nested_if_{depth}.onnx", with_raw_node(nested_if(depth), [helper.make_node("Relu", ["y"], ["z"], name="after_if")], [vi("x", [1, 4])],
        [vi("z", [1, 4])], [cond]), f"If nested {depth} deep in then-branches")
for depth in [30, 1000]:
    put(f"nested_loop_{depth}.onnx", with_raw_node(nested_loop(depth), [helper.make_node("Relu", ["y"], ["z"], name="after_loop")],
        [vi("x", [1, 4])], [vi("z", [1, 4])], [cond, numpy_helper.from_array(np.array(1 << 62, np.int64), "n")]),
        f"Loop with trip count 2^62, bodies nested {depth} deep")

# --- size bombs ------------------------------------------------------------------
# The multi-megabyte ones (10^6 nodes, 4 MB attribute strings, rank 200000, 20000
# inputs) are built by tests/robust.rs at test time instead of being committed.
put("chain_2k_relu.onnx", model([helper.make_node("Relu", [f"t{i}"], [f"t{i + 1}"]) for i in range(2000)], [vi("t0", [1, 4])],
    [vi("t2000", [1, 4])]), "a chain of 2000 Relu nodes")
put("attribute_string_64k.onnx", model([helper.make_node("Relu", ["x"], ["y"], name="r", comment="A" * 65536)],
    [vi("x", [1, 4])], [vi("y", [1, 4])]), "a 64 KiB string attribute")


def main():
    os.makedirs(OUT, exist_ok=True)
    exp_path = os.path.join(OUT, "expected.json")
    old = json.load(open(exp_path)) if os.path.exists(exp_path) else {}
    for f in os.listdir(OUT):
        if f.endswith(".onnx") and f not in files:
            os.remove(os.path.join(OUT, f))
    expected = {}
    for name, (data, what) in sorted(files.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        e = dict(old.get(name, {"outcome": "unreviewed"}))
        e["what"] = what
        expected[name] = e
    with open(exp_path, "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(len(d) for d, _ in files.values())
    print(f"{len(files)} files, {total / 1e6:.1f} MB in {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
