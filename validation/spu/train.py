"""One SGD training step in SPU 0.9.5 (SEMI2K, 2 parties), measured phase by phase.

The step, on the JAX program of validation/spu/onnx2jax.py (CONVENTION.md):
  logits = f(x, w)
  loss   = -(onehot * jax.nn.log_softmax(logits)).sum(-1).mean()
  g      = jax.grad(loss) with respect to every secret (float) initializer
  w'     = w - 0.01 * g            (the new weights are the outputs)
x and the one-hot labels are secret inputs too. Each phase is its own SPU
program, measured separately (one OS process per party, as in measure.py):
  forward       returns the logits
  forward_loss  returns the loss
  grad          returns jax.value_and_grad(loss): (loss, grads)
  step          returns the updated weights
Output: tests/fixtures/spu/train_<model>_b<batch>.json. Reproduce:

    validation/.venv-spu/bin/python validation/spu/train.py
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402

LR = 0.01
JOBS = [  # (sample model or repository path, batch, classes, extra compiler options to measure)
    ("mlp", 8, 10, []),
    ("lenet", 8, 10, [{"disable_maxpooling_optimization": True}]),
    # A depthwise convolution's backward (validation/samples/depthwise.py).
    ("tests/fixtures/spu/models/depthwise_cnn.onnx", 2, 4, []),
    # A tiny transformer classifier: attention, LayerNorm (opset 14, decomposed), exact GELU, a
    # mean over the sequence, a linear head (validation/crypten/models.py TinyClassifier).
    ("tests/fixtures/crypten/models/model_tiny_classifier.onnx", 2, 4, []),
    # The backward of whole LayerNormalization, exact Gelu, HardSwish and HardSigmoid (ViT, Swin,
    # ConvNeXt, MobileNetV3 in training): Gemm, the op, Gemm (validation/samples/train_ops.py).
    ("tests/fixtures/spu/models/train_layernorm.onnx", 2, 4, []),
    ("tests/fixtures/spu/models/train_gelu.onnx", 2, 4, []),
    ("tests/fixtures/spu/models/train_gelu_tanh.onnx", 2, 4, []),
    ("tests/fixtures/spu/models/train_hardswish.onnx", 2, 4, []),
    ("tests/fixtures/spu/models/train_hardsigmoid.onnx", 2, 4, []),
    # LayerNorm at batch 1 over a sequence (ViT, Swin): statistics with a unit dim.
    ("tests/fixtures/spu/models/train_layernorm_seq.onnx", 1, 4, []),
    # Elementwise ops, Max/Min/Where with a second Gemm branch, ReduceMax and LogSoftmax over
    # the last axis (validation/samples/train_ops.py EXTRA).
] + [(f"tests/fixtures/spu/models/train_{op}.onnx", 2, 4, []) for op in (
    "abs", "exp", "log", "reciprocal", "sigmoid", "tanh", "leakyrelu", "prelu", "clip", "max", "min",
    "where_greater", "where_less", "where_equal", "reducemax", "logsoftmax", "einsum", "reducesum")] + [
    # Small CNNs of the CrypTen fixtures: ReLU6 (Clip), AveragePool, GlobalAveragePool; and
    # BatchNormalization (running statistics as secret parameters) before a max pool.
    ("tests/fixtures/crypten/models/model_cnn_avgpool_relu6.onnx", 2, 4, []),
    ("tests/fixtures/crypten/models/model_cnn_batchnorm.onnx", 1, 10, []),
    # InstanceNormalization and GlobalMaxPool (validation/samples/train_ops.py cnn_instancenorm).
    ("tests/fixtures/spu/models/train_cnn_instancenorm.onnx", 2, 4, []),
    # ConvTranspose 2×2, stride 2 after a 1×1 Conv (train_ops.py cnn_convtranspose).
    ("tests/fixtures/spu/models/train_cnn_convtranspose.onnx", 2, 4, []),
]
PROGRAMS = ["forward", "forward_loss", "grad", "step"]


def programs(prog):
    import jax

    def logits(x, ws):
        return prog.fn(x, *ws)[0]

    def loss(ws, x, y):
        return -(y * jax.nn.log_softmax(logits(x, ws))).sum(-1).mean()

    def forward(x, y, *ws):
        return logits(x, ws)

    def forward_loss(x, y, *ws):
        return loss(list(ws), x, y)

    def grad(x, y, *ws):
        return jax.value_and_grad(loss)(list(ws), x, y)

    def step(x, y, *ws):
        g = jax.grad(loss)(list(ws), x, y)
        return [w - LR * gw for w, gw in zip(ws, g)]

    return {"forward": forward, "forward_loss": forward_loss, "grad": grad, "step": step}


def compile_aborts(fn, args, copts):
    """SPU's compiler can abort the whole process (an MLIR assertion on a grouped convolution's
    gradient): compile once in a forked child first. Returns the abort message, or None."""
    import multiprocessing
    import tempfile
    err = tempfile.NamedTemporaryFile(delete=False)

    def child():
        os.dup2(err.fileno(), 2)
        measure.compile_fn(fn, args, copts)

    p = multiprocessing.get_context("fork").Process(target=child)
    p.start()
    p.join()
    if p.exitcode is not None and p.exitcode < 0:
        lines = [ln for ln in open(err.name, errors="replace").read().splitlines() if ln.strip()]
        return f"compile: SPU's compiler aborted (signal {-p.exitcode}): " + (lines[-1] if lines else "")[-300:]
    return None


def train_one(name, batch, classes, extra_copts):
    import numpy as np
    from onnx2jax import Program
    path = os.path.join(measure.ROOT, name) if name.endswith(".onnx") else \
        os.path.join(measure.ROOT, "static", "samples", name + ".onnx")
    name = os.path.basename(name)[:-5] if name.endswith(".onnx") else name
    prog = Program(path, batch=batch)
    if len(prog.inputs) != 1:
        raise ValueError("training expects one model input")
    args = prog.example_args(seed=0)
    labels = np.eye(classes, dtype=np.float32)[np.arange(batch) % classes]
    args = [args[0], labels] + args[1:]
    fns = programs(prog)
    rec = {"model": os.path.relpath(path, measure.ROOT), "batch": batch, "classes": classes,
           "inputs": [s for _, s, _ in prog.inputs], "secret_initializers": len(prog.secret), "lr": LR,
           "loss": "-(onehot * log_softmax(logits)).sum(-1).mean()", **measure.VERSIONS, "runs": []}
    for copts in [{}] + extra_copts:
        for pname in PROGRAMS:
            runs = [{"program": pname, "field": "FM64", "compiler": copts}]
            if pname == "step" and not copts:
                runs.append({"program": pname, "field": "FM128", "compiler": copts})
            t0 = time.time()
            aborted = compile_aborts(fns[pname], args, copts)
            if aborted:
                res = [dict(r, error=aborted) for r in runs]
            else:
                res = measure.run_all(fns[pname], args, runs, timeout=1200, label=f"{name} {pname}")
            for r in res:
                if not r.get("compiler"):
                    r.pop("compiler", None)
            rec["runs"] += res
            print(f"{name} b{batch} {pname:13s} {copts or ''} {time.time() - t0:6.1f}s",
                  [(r["field"], r["per_party"][0]["bytes"], r["per_party"][0]["rounds"]) if "per_party" in r else r["error"][:80] for r in res], flush=True)
    out = os.path.join(measure.OUT, f"train_{name}_b{batch}.json")
    measure.dump_json(rec, out)


def main(argv):
    for name, batch, classes, extra in JOBS:
        if argv and not any(a in name for a in argv):
            continue
        train_one(name, batch, classes, extra)


if __name__ == "__main__":
    main(sys.argv[1:])
