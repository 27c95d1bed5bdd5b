"""Real CrypTen 0.4.1 runs of the tiny HuggingFace exports (tests/fixtures/transformer/hf_*.onnx,
made by validation/samples/tiny_hf.py: BERT, GPT-2, LLaMA, legacy and dynamo), as a CrypTen user
gets them to run. Output: tests/fixtures/crypten/transformer/hf_<model>_<exporter>.json (the
format of measure.py; tests/crypten.rs compares every run, per party and per node).

`crypten.nn.from_onnx` cannot run these files as exported, so the harness does what a user does:
- public values are computed in the clear and handed to CrypTen as `Constant` nodes: the mask
  arithmetic (Cast, GatherND, And, Where, comparisons, Trilu of the causal mask), the token ids,
  and the scalar constants, by mpclens's rule (src/public.rs: integer initializers, one-element
  float initializers and `Constant` nodes are public; a node on public values only is public).
  From an initializer, from_onnx would make each of them an encrypted parameter;
- the float weights (absent from the graph-only fixtures) are drawn at random: CrypTen's traffic
  does not depend on values;
- Dropout (the identity in inference) is dropped: from_onnx's Dropout wants opset 11's `ratio`;
- ops without a CrypTen module run as the ports of ports.py (LayerNormalization, Gelu, Tanh,
  Reciprocal, Neg, Split, ReduceMean/ReduceSum with axes as an input), and so do forms CrypTen's
  module gets wrong (`DivPort`: a public numerator over an encrypted divisor; `GatherPort`: a
  Gather without an `axis` attribute).
The fixture lists those ops under "ports" and the folded public nodes under "public_folded".

    /work/venvs/crypten/bin/python validation/crypten/hf.py [--configs 2:tfp,2:ttp,3:tfp] [FILE ...]
"""
import glob
import json
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402
import ports  # noqa: E402

def _gather_elements():
    from onnx.reference.op_run import OpRun

    class GatherElements(OpRun):
        """onnx 1.16's reference GatherElements fails past 32 indices (np.choose); same maths."""
        op_domain = ""

        def _run(self, data, indices, axis=None):
            return (np.take_along_axis(data, indices, axis=axis or 0),)

    return GatherElements


GatherElements = _gather_elements()


def prepare(path):
    """The file as a user hands it to from_onnx: (path of the prepared copy, ports, folded count)."""
    from onnx.reference import ReferenceEvaluator
    m = onnx.load(path, load_external_data=False)
    g = m.graph
    rng = np.random.default_rng(0)
    for t in g.initializer:
        if t.data_location == onnx.TensorProto.EXTERNAL:
            v = (rng.standard_normal(list(t.dims)) * 0.1).astype(np.float32)
            t.CopyFrom(numpy_helper.from_array(v, t.name))
    public, pub_nodes = ports.public_tensors(m)
    secret_nodes = [n for k, n in enumerate(g.node) if k not in set(pub_nodes)]
    needed = sorted({i for n in secret_nodes for i in n.input if i in public})
    # Evaluate the public part in the clear.
    pub_inits = [t for t in g.initializer if t.name in public]
    sub = helper.make_graph([g.node[k] for k in pub_nodes], "public", [],
                            [helper.make_tensor_value_info(n, 0, None) for n in needed], pub_inits)
    sub_model = helper.make_model(sub, opset_imports=m.opset_import)
    values = dict(zip(needed, ReferenceEvaluator(sub_model, new_ops=[GatherElements]).run(None, {}))) if needed else {}
    # from_onnx needs at least one graph input: the token ids (the indices of the embedding's
    # Gather) are one, fed as a public torch tensor (a user's plain tensor); every other public
    # value is a Constant.
    index = next((n.input[1] for n in secret_nodes if n.op_type == "Gather" and n.input[1] in values), None)
    ids = values.pop(index, None) if index else None
    consts = [helper.make_node("Constant", [], [name], name="public/" + name,
                               value=numpy_helper.from_array(np.asarray(v), name + "_value"))
              for name, v in values.items()]
    inputs = [i for i in g.input if i.name not in public]
    if ids is not None:
        inputs.insert(0, helper.make_tensor_value_info(index, onnx.TensorProto.INT64, list(ids.shape)))
        measure.PUBLIC_VALUES[0] = np.asarray(ids)
    # Dropout is the identity in inference, and from_onnx's Dropout wants the opset-11 `ratio`
    # attribute: a user drops the node.
    alias = {}
    for n in secret_nodes:
        n.input[:] = [alias.get(i, i) for i in n.input]
        if n.op_type == "Dropout":
            alias[n.output[0]] = n.input[0]
    secret_nodes = [n for n in secret_nodes if n.op_type != "Dropout"]
    weights = [t for t in g.initializer if t.name not in public]
    new = helper.make_graph(consts + secret_nodes, g.name, inputs,
                            list(g.output), weights)
    out = helper.make_model(new, opset_imports=m.opset_import)
    out.ir_version = m.ir_version
    ported = ports.ported_ops(m, values)
    dest = os.path.join(tempfile.mkdtemp(), os.path.basename(path))
    onnx.save(out, dest)
    return dest, ported, len(pub_nodes)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", default="2:tfp,2:ttp,3:tfp")
    ap.add_argument("models", nargs="*")
    a = ap.parse_args(argv)
    configs = [(int(c.split(":")[0]), c.split(":")[1].upper()) for c in a.configs.split(",")]
    models = a.models or sorted(glob.glob(os.path.join(measure.ROOT, "tests", "fixtures", "transformer", "hf_*.onnx")))
    out_dir = os.path.join(measure.OUT, "transformer")
    measure.PORTS = True
    for path in models:
        name = os.path.basename(path)[:-5]
        run_path, ported, folded = prepare(path)
        run_path, identities = measure.fold_identities(run_path)
        shapes = measure.input_shapes(run_path)
        runs = []
        for parties, provider in configs:
            runs.append({"parties": parties, "provider": provider.lower(),
                         **measure.record(run_path, shapes, parties, provider, "log_reduction")})
        rec = {"model": os.path.relpath(path, measure.ROOT), "inputs": shapes, "crypten": "0.4.1",
               "identity_nodes_folded": identities, "public_folded": folded, "ports": ported, "runs": runs}
        with open(os.path.join(out_dir, name + ".json"), "w") as f:
            json.dump(rec, f, indent=1)
        tot = [r["per_party"][0]["bytes"] if "per_party" in r else r["error"][:120] for r in runs]
        print(f"{name:20s} ports={ported} folded={folded} {tot}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
