"""Runs real CrypTen 0.4.1 on ONNX models and records what its own counters say.

For each (model, parties, provider) it loads the model with crypten.nn.from_onnx,
encrypts it, runs one private forward pass under crypten.mpc.run_multiprocess and
records, for EVERY party, get_communication_stats() (cfg.communicator.verbose=True)
in total and per ONNX node (each crypten.nn module is wrapped to diff the counters).
Output: tests/fixtures/crypten/<name>.json. Reproduce (from the repository root):

    validation/.venv-torch/bin/python validation/crypten/measure.py
"""
import json, os, sys, glob, warnings
warnings.filterwarnings("ignore")
import torch
import crypten
import crypten.communicator as comm
from crypten.config import cfg

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fixtures", "crypten")
OPS = os.path.join(OUT, "models")


def stats():
    s = comm.get().get_communication_stats()
    return int(s["bytes"]), int(s["rounds"])


def forward_once(path, shapes, seed):
    try:
        return _forward_once(path, shapes, seed)
    except Exception as e:  # returned, so the fixture records CrypTen's own message
        return {"error": f"{type(e).__name__}: {e}"[:300]}


def _forward_once(path, shapes, seed):
    import signal
    signal.alarm(int(os.environ.get("PARTY_TIMEOUT", "240")))  # a party that fails leaves the others waiting forever
    crypten.init()
    torch.manual_seed(seed)
    if PORTS:  # ops from_onnx has no module for run as the port a user would write (ports.py)
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import ports
        ports.install_all()
    with open(path, "rb") as f:
        model = crypten.nn.from_onnx(f)
    model.encrypt()
    model.eval()
    per_node, names = {}, {}
    for name, m in (model._modules.items() if hasattr(model, "_modules") else []):
        names[id(m)] = name
    orig_call = crypten.nn.Module.__call__

    def call(self, *a, **k):
        name = names.get(id(self))
        b0, r0 = stats()
        out = orig_call(self, *a, **k)
        b1, r1 = stats()
        if name is not None and (b1 - b0 or r1 - r0):
            per_node[name] = [b1 - b0, r1 - r0]
        return out

    crypten.nn.Module.__call__ = call
    # Public inputs (hf.py: the token ids) go in as plain torch tensors, the others encrypted.
    xs = [torch.from_numpy(PUBLIC_VALUES[i]) if i in PUBLIC_VALUES else crypten.cryptensor(torch.randn(*s) * 0.5, src=0)
          for i, s in enumerate(shapes)]
    comm.get().reset_communication_stats()
    try:
        model(*xs)
    except Exception as e:  # CrypTen itself cannot run it: say why, not "a party failed"
        return {"error": f"{type(e).__name__}: {e}"[:300]}
    b, r = stats()
    return {"bytes": b, "rounds": r, "nodes": per_node}


def fold_identities(path):
    """CrypTen cannot load `Identity` (torch writes it for de-duplicated
    initializers). Give each Identity's output its own copy of the initializer,
    the workaround mpclens's report suggests; Identity costs nothing, so the
    counters are those of the original graph. Returns (path, folded count)."""
    import onnx, tempfile
    m = onnx.load(path)
    inits = {i.name: i for i in m.graph.initializer}
    keep, folded = [], 0
    for n in m.graph.node:
        if n.op_type == "Identity" and n.input[0] in inits:
            t = onnx.TensorProto(); t.CopyFrom(inits[n.input[0]]); t.name = n.output[0]
            m.graph.initializer.append(t); folded += 1
        else:
            keep.append(n)
    if not folded:
        return path, 0
    del m.graph.node[:]
    m.graph.node.extend(keep)
    out = os.path.join(tempfile.mkdtemp(), os.path.basename(path))
    onnx.save(m, out)
    return out, folded


def measure(path, shapes, parties, provider, max_method="log_reduction"):
    cfg.communicator.verbose = True
    cfg.mpc.provider = provider
    cfg.functions.max_method = max_method
    from crypten.mpc import run_multiprocess

    @run_multiprocess(world_size=parties)
    def job():
        return forward_once(path, shapes, 0)

    # The parent joins the parties before it reads their queue, and a party or the TTP server
    # can wait forever on a peer that failed: bound the whole run, then end what is left.
    import multiprocessing, signal

    def expired(*_):
        raise TimeoutError(f"no result in {limit} s")

    limit = int(os.environ.get("PARTY_TIMEOUT", "240")) + 30
    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(limit)
    try:
        res = job()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        for p in multiprocessing.active_children():
            p.kill()
    errors = [r["error"] for r in (res or []) if "error" in r]
    if errors:
        raise (TimeoutError if errors[0].startswith("TimeoutError") else RuntimeError)(errors[0])
    return res


def input_shapes(path):
    import onnx
    m = onnx.load(path, load_external_data=False)
    init = {i.name for i in m.graph.initializer}
    return [[d.dim_value for d in i.type.tensor_type.shape.dim] for i in m.graph.input if i.name not in init]


def record(path, shapes, parties, provider, max_method):
    """{"per_party": [...]} or {"error": why}; a run that hangs (not a CrypTen error) is tried again."""
    err = ""
    for _ in range(3):
        try:
            res = measure(path, shapes, parties, provider, max_method)
            if res is None or len(res) != parties:
                raise TimeoutError("a party failed or timed out")
            return {"per_party": res}
        except TimeoutError as e:
            err = f"{type(e).__name__}: {e}"
        except Exception as e:  # recorded: CrypTen itself cannot run it
            return {"error": f"{type(e).__name__}: {e}"[:300]}
    return {"error": err[:300]}


PORTS = False  # --transformer: install validation/crypten/ports.py
PUBLIC_VALUES = {}  # input index → numpy value of a public input (hf.py)


def main(argv):
    global OUT, PORTS
    """measure.py [--configs 2:tfp,2:ttp,3:tfp] [--max-method pairwise] [--suffix S] [MODEL.onnx ...]

    --transformer: validation/samples/transformer_ops.py's models (tests/fixtures/transformer/)
    into transformer/, with ports.py installed;
    --configs: the (parties, provider) runs; --max-method: functions.max_method
    (recorded in each run when not the default); --suffix: appended to the
    fixture name, so runs of other settings sit beside the default ones.
    A party's time limit is PARTY_TIMEOUT seconds (default 240)."""
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", default="2:tfp,2:ttp,3:tfp")
    ap.add_argument("--max-method", default="log_reduction", choices=["log_reduction", "pairwise"])
    ap.add_argument("--suffix", default="")
    ap.add_argument("--transformer", action="store_true")
    ap.add_argument("--ports", action="store_true", help="install ports.py (implied by --transformer)")
    ap.add_argument("models", nargs="*")
    a = ap.parse_args(argv)
    configs = [(int(c.split(":")[0]), c.split(":")[1].upper()) for c in a.configs.split(",")]
    argv = a.models
    PORTS = a.ports
    if a.transformer:  # validation/samples/transformer_ops.py's models, ports installed
        OUT = os.path.join(OUT, "transformer")
        PORTS = True
        argv = argv or sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "transformer", "*.onnx")))
    os.makedirs(OUT, exist_ok=True)
    models = argv or sorted(glob.glob(os.path.join(OPS, "*.onnx"))) + [
        os.path.join(ROOT, "static", "samples", n + ".onnx") for n in ("mlp", "lenet", "minionn", "resnet20", "transformer_block")
    ]
    for path in models:
        name = os.path.basename(path)[:-5]
        shapes = input_shapes(path)
        run_path, folded = fold_identities(path)
        runs = []
        extra = {} if a.max_method == "log_reduction" else {"max_method": a.max_method}
        for parties, provider in configs:
            run = {"parties": parties, "provider": provider.lower(), **extra}
            runs.append({**run, **record(run_path, shapes, parties, provider, a.max_method)})
        rel = os.path.relpath(path, ROOT)
        with open(os.path.join(OUT, name + a.suffix + ".json"), "w") as f:
            rec = {"model": rel, "inputs": shapes, "crypten": "0.4.1", "identity_nodes_folded": folded, "runs": runs}
            if PORTS:
                sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
                import ports
                rec["ports"] = ports.ported_ops(path)
            json.dump(rec, f, indent=1)
        tot = [r.get("per_party", [{}])[0].get("bytes") if "per_party" in r else r["error"][:60] for r in runs]
        print(f"{name:28s} {tot}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
