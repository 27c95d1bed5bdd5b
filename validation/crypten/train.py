"""One real CrypTen 0.4.1 training step per model, with each phase's counters.

Phases as CrypTen's own loop splits them: forward = model(x); loss = the
CrossEntropyLoss forward; backward = loss.backward(); update = optimizer.step()
(crypten.optim.SGD, lr 0.01, default grad_threshold). Per party, 2 parties TFP.
Output: tests/fixtures/crypten/train_<model>_b<batch>.json. Reproduce:

    validation/.venv-torch/bin/python validation/crypten/train.py
"""
import json, os, sys, signal, warnings
warnings.filterwarnings("ignore")
import torch
import crypten
import crypten.communicator as comm
from crypten.config import cfg

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fixtures", "crypten")


def stats():
    s = comm.get().get_communication_stats()
    return int(s["bytes"]), int(s["rounds"])


def trace_backward(calls):
    """Wraps every autograd function's backward to log its communication:
    (function, grad_output shape, bytes, rounds) — for deriving rules."""
    from crypten.gradients import FUNCTION_REGISTRY
    for name, fn in FUNCTION_REGISTRY.items():
        if getattr(fn.backward, "_traced", False):
            continue
        orig = fn.backward
        def wrapped(ctx, grad_output, _orig=orig, _name=name):
            b0 = stats()
            out = _orig(ctx, grad_output)
            b1 = stats()
            calls.append([_name, list(grad_output.size()) if hasattr(grad_output, "size") else [], b1[0] - b0[0], b1[1] - b0[1]])
            return out
        wrapped._traced = True
        fn.backward = staticmethod(wrapped)


def step(path, shape, classes, optimizer="sgd", with_ports=False):
    signal.alarm(300)
    crypten.init()
    if with_ports:  # ops from_onnx has no module for, as the user's ports (ports.py)
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import ports
        ports.install_all()
    calls = []
    trace_backward(calls)
    torch.manual_seed(0)
    with open(path, "rb") as f:
        model = crypten.nn.from_onnx(f)
    model.train()
    model.encrypt()
    x = crypten.cryptensor(torch.randn(*shape) * 0.5)
    labels = torch.arange(shape[0]) % classes
    y = crypten.cryptensor(torch.nn.functional.one_hot(labels, classes).float())
    loss_fn = crypten.nn.CrossEntropyLoss()
    opt = crypten.optim.SGD(model.parameters(), lr=0.01)
    comm.get().reset_communication_stats()
    marks = [stats()]
    out = model(x); marks.append(stats())
    loss = loss_fn(out, y); marks.append(stats())
    opt.zero_grad(); loss.backward(); marks.append(stats())
    if optimizer == "sgd":
        opt.step()
    else:  # Module.update_parameters with its default grad_threshold=100
        model.update_parameters(0.01)
    marks.append(stats())
    names = ["forward", "loss", "backward", "update"]
    res = {n: [marks[i + 1][0] - marks[i][0], marks[i + 1][1] - marks[i][1]] for i, n in enumerate(names)}
    res["backward_calls"] = calls
    return res


def main(argv):
    cfg.communicator.verbose = True
    cfg.mpc.provider = "TFP"
    from crypten.mpc import run_multiprocess
    samples = os.path.join(ROOT, "static", "samples")
    extra = os.path.join(ROOT, "tests", "fixtures", "crypten", "models")
    jobs = [("mlp", [8, 784], 10, "sgd", samples), ("lenet", [8, 1, 28, 28], 10, "sgd", samples), ("minionn", [2, 3, 32, 32], 10, "sgd", samples),
            ("mlp", [8, 784], 10, "update_parameters", samples),
            # Backward rules beyond ReLU/Conv/Gemm/MaxPool: sigmoid, ReLU6 (Clip) and
            # average pools, x², and a transformer block (LayerNorm, softmax, GELU/erf).
            ("model_mlp_sigmoid", [2, 784], 10, "sgd", extra), ("model_cnn_avgpool_relu6", [2, 3, 17, 17], 4, "sgd", extra),
            ("model_cryptonets", [1, 1, 28, 28], 10, "sgd", extra), ("model_tiny_classifier", [2, 8, 16], 4, "sgd", extra),
            ("model_mlp_softmax_gelu", [2, 32], 4, "sgd", extra), ("model_cnn_batchnorm", [1, 3, 16, 16], 10, "sgd", extra)]
    # Backward through the ports of whole LayerNormalization, Gelu, HardSwish and HardSigmoid
    # (validation/samples/train_ops.py; the same models as SPU's train.py).
    spu_models = os.path.join(ROOT, "tests", "fixtures", "spu", "models")
    jobs += [("train_" + op, [2, 16], 4, "sgd", spu_models) for op in ["layernorm", "gelu", "gelu_tanh", "hardswish", "hardsigmoid"]]
    # Backward of Exp, Log, Reciprocal, Tanh, LogSoftmax, Equal → Where between two Gemms, and of
    # a ConvTranspose after a Conv (train_ops.py; the ops from_onnx has no module for as ports).
    jobs += [("train_" + op, [2, 16], 4, "sgd", spu_models)
             for op in ["exp", "log", "reciprocal", "tanh", "logsoftmax", "where_equal"]]
    jobs += [("train_cnn_convtranspose", [2, 3, 4, 4], 4, "sgd", spu_models)]
    # Log and Reciprocal with a·a as Pow(a, 2) (pow_variants.py: CrypTen's graph cannot run Mul(a, a)).
    jobs += [(f"train_{op}_pow", [2, 16], 4, "sgd", extra) for op in ["log", "reciprocal"]]
    for name, shape, classes, optimizer, folder in jobs:
        if argv and name not in argv and optimizer not in argv:
            continue
        path = os.path.join(folder, name + ".onnx")

        @run_multiprocess(world_size=2)
        def job():
            try:
                return step(path, shape, classes, optimizer, with_ports=folder == spu_models or name.endswith("_pow"))
            except Exception as e:  # noqa: BLE001 - CrypTen's own failure is a result
                return {"error": f"{type(e).__name__}: {e}"}

        try:
            res = job()
        except Exception as e:  # noqa: BLE001 - record why CrypTen itself failed
            res = None
        err = next((r["error"] for r in (res or []) if isinstance(r, dict) and "error" in r), None if res else "a party failed")
        rec = {"model": os.path.relpath(path, ROOT), "batch": shape[0], "parties": 2, "provider": "tfp", "crypten": "0.4.1", "optimizer": optimizer,
               "per_party": None if err else res, "error": err}
        suffix = "" if optimizer == "sgd" else "_" + optimizer
        with open(os.path.join(OUT, f"train_{name}_b{shape[0]}{suffix}.json"), "w") as f:
            json.dump(rec, f, indent=1)
        print(name, res, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
