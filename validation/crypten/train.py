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


def step(path, shape, classes, optimizer="sgd"):
    signal.alarm(300)
    crypten.init()
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
    return {n: [marks[i + 1][0] - marks[i][0], marks[i + 1][1] - marks[i][1]] for i, n in enumerate(names)}


def main(argv):
    cfg.communicator.verbose = True
    cfg.mpc.provider = "TFP"
    from crypten.mpc import run_multiprocess
    jobs = [("mlp", [8, 784], 10, "sgd"), ("lenet", [8, 1, 28, 28], 10, "sgd"), ("minionn", [2, 3, 32, 32], 10, "sgd"),
            ("mlp", [8, 784], 10, "update_parameters")]
    for name, shape, classes, optimizer in jobs:
        if argv and name not in argv and optimizer not in argv:
            continue
        path = os.path.join(ROOT, "static", "samples", name + ".onnx")

        @run_multiprocess(world_size=2)
        def job():
            return step(path, shape, classes, optimizer)

        res = job()
        rec = {"model": os.path.relpath(path, ROOT), "batch": shape[0], "parties": 2, "provider": "tfp", "crypten": "0.4.1", "optimizer": optimizer,
               "per_party": res, "error": None if res else "a party failed"}
        suffix = "" if optimizer == "sgd" else "_" + optimizer
        with open(os.path.join(OUT, f"train_{name}_b{shape[0]}{suffix}.json"), "w") as f:
            json.dump(rec, f, indent=1)
        print(name, res, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
