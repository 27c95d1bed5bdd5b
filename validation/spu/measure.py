"""Runs ONNX models in SecretFlow SPU 0.9.5 (by default SEMI2K, 2 parties; see
`--protocol` below) and records what SPU's own profiler reports, for each party.

Each measurement compiles the JAX program of validation/spu/onnx2jax.py (all
inputs and float weights secret, see CONVENTION.md), secret-shares the
arguments, then starts ONE OS PROCESS PER PARTY. The parties talk over SPU's
real brpc link on 127.0.0.1, and each one runs `spu.Runtime` with
`enable_pphlo_profile` and `enable_hal_profile`. Each party's log is parsed for:
  * the `Link details: total send bytes …, send actions …` line, which gives
    `bytes` and `rounds` (send actions);
  * every per-op line at the pphlo (`hlo`) level, and the lines of the `hal` and
    `mpc` levels that communicate, recorded as [count, send bytes, send actions].
    SPU's pphlo profiler does not list `custom_call`s (e.g. `lax.erf`), so the
    `hlo` lines can sum to less than the total; `hal` and `mpc` always add up.
The outputs are reconstructed and compared with the same JAX program on CPU
(`max_abs_err`, a sanity check only).

Output: tests/fixtures/spu/<name>.json and tests/fixtures/spu/ops/<Op>.json.
Reproduce everything (from the repository root):

    validation/.venv-spu/bin/python validation/spu/measure.py --all

Other forms: `--ops [Op ...]`, `--models [name ...]`, `--train` (= train.py),
or a list of .onnx paths (written to tests/fixtures/spu/<stem>.json).

Protocol flags, before the form (the defaults give the SEMI2K 2-party fixtures):
  --protocol semi2k|aby3|cheetah   RuntimeConfig.protocol (default semi2k)
  --parties N                      SEMI2K only (default 2; ABY3 is 3, CHEETAH 2)
  --repeat K                       run each program K times in one runtime and
                                   record every run (`repeats`), to show what
                                   varies between runs (default 1); CHEETAH
                                   also keeps the last (steady-state) run's
                                   per-op breakdown (`last_per_party`)
  --fields FM64,FM128              restrict the field runs
  --no-options                     skip the option variants
  --cores N                        run the parties with YACL_NUM_THREADS=N (SPU's
                                   thread pool; CHEETAH splits OT kernels over
                                   min(48, N) Ferret instances) and record
                                   `cores` with each run
  --merge                          keep the existing fixture's runs that are not
                                   re-measured (e.g. add FM128 to FM64 runs)
Anything but the default protocol writes under tests/fixtures/spu/<tag>/,
tag = aby3, cheetah or semi2k_<N>pc, e.g.

    .../python validation/spu/measure.py --protocol aby3 --repeat 3 --ops
    .../python validation/spu/measure.py --protocol cheetah --repeat 3 model.onnx
"""
import json
import os
import pickle
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fixtures", "spu")
VERSIONS = {"spu": "0.9.5", "jax": "0.4.34"}
PARTIES = 2
PROTOCOL = "semi2k"
REPEAT = 1
FIELDS = None  # None: every field run; else the set of fields to keep
OPTIONS = True  # measure the option variants
MERGE = False  # keep an existing fixture's runs that this invocation does not re-measure
CORES = None  # None: the machine's threads; else YACL_NUM_THREADS of the party processes

# ---------------------------------------------------------------------------
# party side: a separate OS process per rank


def party_main(rank, jobdir):
    import spu
    import spu.libspu as libspu

    with open(os.path.join(jobdir, "job.pkl"), "rb") as f:
        job = pickle.load(f)
    desc = libspu.link.Desc()
    desc.id = "mpclens"
    desc.connect_retry_times = 120
    desc.connect_retry_interval_ms = 500
    desc.recv_timeout_ms = 3600 * 1000
    desc.http_timeout_ms = 3600 * 1000
    for r, port in enumerate(job["ports"]):
        desc.add_party(f"party{r}", f"127.0.0.1:{port}")
    lctx = libspu.link.create_brpc(desc, rank)
    for i, run in enumerate(job["runs"]):
        try:
            cfg = libspu.RuntimeConfig()
            cfg.ParseFromString(run["cfg"])
            exe = libspu.Executable()
            exe.ParseFromString(run["exe"])
            rt = spu.Runtime(lctx, cfg)
            for _ in range(run.get("repeat", 1)):  # later runs reuse the runtime (CHEETAH's OT/HE setup)
                for name, share in zip(exe.input_names, run["shares"]):
                    s = libspu.Share()
                    s.meta, s.share_chunks = share[rank]
                    rt.set_var(name, s)
                rt.run(exe)
            outs = []
            for name in exe.output_names:
                o = rt.get_var(name)
                outs.append((o.meta, list(o.share_chunks)))
            with open(os.path.join(jobdir, f"out{i}_{rank}.pkl"), "wb") as f:
                pickle.dump(outs, f)
            del rt
        except Exception as e:  # the other party is stuck now: stop, the parent restarts the rest
            with open(os.path.join(jobdir, f"err{i}_{rank}.txt"), "w") as f:
                f.write(f"{type(e).__name__}: {e}")
            sys.stdout.flush()
            os._exit(3)
    sys.stdout.flush()
    lctx.stop_link()


# ---------------------------------------------------------------------------
# log parsing

LINE = re.compile(r"- (\S+), executed (\d+) times, duration [^,]+, send bytes (\d+) recv bytes \d+, send actions (\d+), recv actions \d+")
LINK = re.compile(r"Link details: total send bytes (\d+), recv bytes \d+, send actions (\d+), recv actions \d+")
LEVELS = {"HLO profiling": "hlo", "HAL profiling": "hal", "MPC profiling": "mpc"}


def tidy(levels):
    """Sorted by name; at the hal and mpc levels only the ops that communicate."""
    return {lv: {k: v for k, v in sorted(ops.items()) if lv == "hlo" or v[1] or v[2]} for lv, ops in levels.items()}


def parse_log(text):
    """One dict per completed `Runtime.run`, in order."""
    blocks, cur, level = [], None, None
    for line in text.splitlines():
        if "[Profiling] SPU execution" in line:
            cur, level = {"hlo": {}, "hal": {}, "mpc": {}}, None
            continue
        if cur is None:
            continue
        for key, lv in LEVELS.items():
            if key in line:
                level = lv
        m = LINE.search(line)
        if m and level:
            cur[level][m.group(1)] = [int(m.group(2)), int(m.group(3)), int(m.group(4))]
        m = LINK.search(line)
        if m:
            blocks.append({"bytes": int(m.group(1)), "rounds": int(m.group(2)), **tidy(cur)})
            cur = None
    return blocks


# ---------------------------------------------------------------------------
# parent side


def dump_json(rec, path):
    """json with indent 1, but short lists of numbers kept on one line."""
    text = json.dumps(rec, indent=1)
    text = re.sub(r"\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]",
                  lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text)
    with open(path, "w") as f:
        f.write(text + "\n")


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def runtime_config(field, options):
    import spu.libspu as libspu
    kind = {"semi2k": libspu.ProtocolKind.SEMI2K, "aby3": libspu.ProtocolKind.ABY3,
            "cheetah": libspu.ProtocolKind.CHEETAH}[PROTOCOL]
    cfg = libspu.RuntimeConfig(protocol=kind, field=getattr(libspu.FieldType, field))
    cfg.enable_pphlo_profile = True
    cfg.enable_hal_profile = True
    for k, v in options.items():
        if not hasattr(cfg, k):
            raise ValueError(f"RuntimeConfig has no option {k}")
        if k == "fxp_exp_mode":  # fixtures spell the enum by name: "PADE" → ExpMode.EXP_PADE
            v = getattr(libspu.RuntimeConfig.ExpMode, "EXP_" + v)
        setattr(cfg, k, v)
    return cfg


def compiler_options(options):
    import spu.libspu as libspu
    copts = libspu.CompilerOptions()
    for k, v in options.items():
        if not hasattr(copts, k):
            raise ValueError(f"CompilerOptions has no option {k}")
        setattr(copts, k, v)
    return copts


def compile_fn(fn, args, copts):
    import spu.libspu as libspu
    from spu.utils import frontend as fe
    names = [f"in{i}" for i in range(len(args))]
    exe, _ = fe.compile(fe.Kind.JAX, fn, list(args), {}, names, [libspu.Visibility.VIS_SECRET] * len(args),
                        lambda outs: [f"out{i}" for i in range(len(outs))], copts=compiler_options(copts))
    return exe


def spawn_pair(jobs, timeout):
    """Runs `jobs` (dicts with cfg/exe/shares) on a fresh 2-process pair.
    Returns ([(per_party, outputs) | {'error'}] for the jobs that finished or failed,
    index of the first job not attempted)."""
    jobdir = tempfile.mkdtemp(prefix="mpclens-spu-")
    try:
        with open(os.path.join(jobdir, "job.pkl"), "wb") as f:
            pickle.dump({"ports": free_ports(PARTIES), "runs": jobs}, f)
        logs = [open(os.path.join(jobdir, f"log{r}.txt"), "w") for r in range(PARTIES)]
        env = dict(os.environ, YACL_NUM_THREADS=str(CORES)) if CORES else None
        procs = [subprocess.Popen([sys.executable, os.path.abspath(__file__), "--party", str(r), jobdir],
                                  stdout=logs[r], stderr=subprocess.STDOUT, start_new_session=True, env=env)
                 for r in range(PARTIES)]
        deadline = time.time() + timeout
        timed_out = False
        for p in procs:
            try:
                p.wait(timeout=max(1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                timed_out = True
        if timed_out or any(p.returncode not in (0, 3) for p in procs):
            for p in procs:  # if one failed, the other may be waiting forever
                if p.poll() is None:
                    p.kill()
                    p.wait()
        for f in logs:
            f.close()
        texts = [open(os.path.join(jobdir, f"log{r}.txt")).read() for r in range(PARTIES)]
        blocks = [parse_log(t) for t in texts]
        results = []
        first = 0  # index of job i's first profile block (a job prints `repeat` of them)
        for i in range(len(jobs)):
            outs = [os.path.join(jobdir, f"out{i}_{r}.pkl") for r in range(PARTIES)]
            k = jobs[i].get("repeat", 1)
            if all(os.path.exists(o) for o in outs) and all(len(b) >= first + k for b in blocks):
                runs = [[b[first + j] for b in blocks] for j in range(k)]
                results.append((runs, [pickle.load(open(o, "rb")) for o in outs]))
                first += k
                continue
            errs = [open(os.path.join(jobdir, f"err{i}_{r}.txt")).read()
                    for r in range(PARTIES) if os.path.exists(os.path.join(jobdir, f"err{i}_{r}.txt"))]
            if errs:
                msg = errs[0]
            elif timed_out:
                msg = f"timeout after {timeout} s"
            else:
                tails = [t.strip().splitlines()[-3:] for t in texts]
                msg = f"party exit codes {[p.returncode for p in procs]}: {tails}"
            results.append({"error": msg[:500]})
            break
        return results
    finally:
        shutil.rmtree(jobdir, ignore_errors=True)


def run_all(fn, args, runs, timeout=900, label=""):
    """Measures `fn(*args)` (all args secret) under each run spec
    {field, config, compiler, ...}. Returns the fixture run records, in order."""
    import numpy as np
    import jax
    import spu
    import spu.libspu as libspu

    try:
        expect = [np.asarray(v, np.float64) for v in jax.tree_util.tree_leaves(jax.jit(fn)(*args))]
    except Exception as e:
        return [dict(_spec(r), error=f"jax: {type(e).__name__}: {e}"[:500]) for r in runs]
    exes, jobs, records = {}, [], []
    for r in runs:
        key = json.dumps(r.get("compiler", {}), sort_keys=True)
        try:
            if key not in exes:
                exes[key] = compile_fn(fn, args, r.get("compiler", {})).SerializeToString()
            cfg = runtime_config(r["field"], r.get("config", {}))
            io = spu.Io(PARTIES, cfg)
            shares = []
            for a in args:
                sh = io.make_shares(np.asarray(a), libspu.Visibility.VIS_SECRET)
                shares.append([(s.meta, list(s.share_chunks)) for s in sh])
            jobs.append({"cfg": cfg.SerializeToString(), "exe": exes[key], "shares": shares, "spec": r, "io": io,
                         "repeat": REPEAT})
        except Exception as e:
            records.append((r, {"error": f"compile: {type(e).__name__}: {e}"[:500]}))
    pending = jobs
    results = {}
    while pending:
        t0 = time.time()
        got = spawn_pair([{k: j[k] for k in ("cfg", "exe", "shares", "repeat")} for j in pending], timeout)
        for j, res in zip(pending, got):
            results[id(j)] = res
        print(f"  {label}: {len(got)}/{len(pending)} runs in {time.time() - t0:.1f} s", flush=True)
        pending = pending[len(got):]
    out = []
    done = {id(r): rec for r, rec in records}
    for r in runs:
        if id(r) in done:
            out.append(dict(_spec(r), **done[id(r)]))
            continue
        j = next(j for j in jobs if j["spec"] is r)
        res = results[id(j)]
        if isinstance(res, dict):
            out.append(dict(_spec(r), **res))
            continue
        repeats, outs = res
        per_party = repeats[0]
        err = None
        try:
            got = []
            for k in range(len(outs[0])):
                shs = []
                for rank in range(PARTIES):
                    s = libspu.Share()
                    s.meta, s.share_chunks = outs[rank][k]
                    shs.append(s)
                got.append(np.asarray(j["io"].reconstruct(shs), np.float64))
            err = max((float(np.max(np.abs(g - e))) if g.size else 0.0) for g, e in zip(got, expect))
        except Exception as e:
            err = f"{type(e).__name__}: {e}"[:200]
        rec = dict(_spec(r), per_party=per_party, max_abs_err=err)
        if len(repeats) > 1:  # every run's Link details, per party: what varies between runs
            rec["repeats"] = [[[p["bytes"], p["rounds"]] for p in run] for run in repeats]
            if PROTOCOL == "cheetah":  # the last run is steady state (no OT/HE setup): keep its breakdown
                rec["last_per_party"] = repeats[-1]
        out.append(rec)
    return out


def _spec(r):
    d = {k: v for k, v in r.items() if k not in ("config", "compiler")}
    d["config"] = r.get("config", {})
    if r.get("compiler"):
        d["compiler"] = r["compiler"]
    return d


# ---------------------------------------------------------------------------
# what we measure

SAMPLES = ["mlp", "lenet", "minionn", "resnet20", "transformer_block"]
EXTRA_MODELS = ["minionn", "delphi_lenet", "resnet32_cifar"]  # tests/fixtures/models/, fixture models_<name>
POSITIVE = {"Log", "Sqrt", "Pow", "Div", "Reciprocal"}  # ops whose inputs we keep positive (cost is data-independent)
SKIP_OPS = {"huge_dims", "unknown_op"}
FIELD_RUNS = [{"field": "FM64"}, {"field": "FM128"}]
OPTION_RUNS = [
    {"field": "FM64", "config": {"trunc_allow_msb_error": True}},
    {"field": "FM64", "config": {"fxp_exp_iters": 6}},
    {"field": "FM64", "config": {"fxp_div_goldschmidt_iters": 3}},
    {"field": "FM64", "config": {"experimental_disable_vectorization": True}},
]
OP_OPTIONS = {
    "Relu": OPTION_RUNS, "Exp": OPTION_RUNS, "Div": OPTION_RUNS, "Sigmoid": OPTION_RUNS, "MatMul": OPTION_RUNS,
    "Reciprocal": OPTION_RUNS, "Tanh": OPTION_RUNS, "Gemm": OPTION_RUNS, "MaxPool": OPTION_RUNS,
    "Softmax": OPTION_RUNS + [{"field": "FM64", "compiler": {"enable_optimize_denominator_with_broadcast": True}},
                              {"field": "FM128", "compiler": {"enable_optimize_denominator_with_broadcast": True}}],
    "LogSoftmax": OPTION_RUNS + [{"field": "FM64", "compiler": {"enable_optimize_denominator_with_broadcast": True}}],
    "LayerNormalization": OPTION_RUNS + [{"field": "FM64", "config": {"enable_lower_accuracy_rsqrt": True}},
                                         {"field": "FM128", "config": {"enable_lower_accuracy_rsqrt": True}}],
    "BatchNormalization": OPTION_RUNS + [{"field": "FM64", "config": {"enable_lower_accuracy_rsqrt": True}}],
    "Sqrt": OPTION_RUNS + [{"field": "FM64", "config": {"enable_lower_accuracy_rsqrt": True}}],
}


def measure_model(path, out_file, runs, positive=False, timeout=900, extra=None, dims=None):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from onnx2jax import Program
    rel = os.path.relpath(os.path.abspath(path), ROOT)
    name = os.path.basename(out_file)[:-5]
    rec = {"model": rel}
    if dims is not None:
        rec["dims"] = dims
    try:
        prog = Program(path, dims=dims, public_ints=dims is not None)
        args = prog.example_args(seed=0, positive=positive)
        rec["inputs"] = [s for _, s, _ in prog.inputs]
        rec["secret_initializers"] = len(prog.secret)
        rec.update(VERSIONS)
        if extra:
            rec.update(extra)
        if prog.generated:
            rec["random_initializers"] = prog.generated
        t0 = time.time()
        rec["runs"] = run_all(prog.fn, args, runs, timeout=timeout, label=name)
        secs = time.time() - t0
    except Exception as e:
        rec.setdefault("inputs", None)
        rec.update(VERSIONS)
        rec["runs"] = [dict(_spec(r), error=f"{type(e).__name__}: {e}"[:500]) for r in runs]
        secs = 0
    os.makedirs(os.path.dirname(out_file), exist_ok=True)
    if MERGE and os.path.exists(out_file):
        rec["runs"] = merged_runs(out_file, rec["runs"])
    dump_json(rec, out_file)
    summary = [(r["field"], r.get("config") or r.get("compiler") or "",
                r["per_party"][0]["bytes"] if "per_party" in r else r["error"][:80],
                r["per_party"][0]["rounds"] if "per_party" in r else "") for r in rec["runs"]]
    print(f"{name:24s} {secs:6.1f}s {summary}", flush=True)
    return rec


def measure_ops(names=None):
    import glob
    paths = sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "ops", "*.onnx")))
    for path in paths:
        op = os.path.basename(path)[:-5]
        if op in SKIP_OPS or (names and op not in names):
            continue
        runs = select_runs(FIELD_RUNS + OP_OPTIONS.get(op, []))
        measure_model(path, os.path.join(OUT, "ops", op + ".json"), runs, positive=op in POSITIVE, timeout=600)


# tests/fixtures/transformer/ (validation/samples/transformer_ops.py) → spu/transformer/
PADE_RUNS = [{"field": "FM64", "config": {"fxp_exp_mode": "PADE"}}, {"field": "FM128", "config": {"fxp_exp_mode": "PADE"}}]
TRANSFORMER_OPTIONS = {
    "exp": PADE_RUNS, "softmax_axis1": PADE_RUNS, "silu": PADE_RUNS, "tanh": OPTION_RUNS,
    "layernorm": [{"field": "FM64", "config": {"enable_lower_accuracy_rsqrt": True}}],
    # batch 1: the statistics' unit dim blocks the x/sqrt rewrite, so the division stays and the
    # broadcast-denominator option applies to it (PUMA comparison, README).
    "layernorm_b1": [{"field": "FM64", "compiler": {"enable_optimize_denominator_with_broadcast": True}},
                     {"field": "FM128", "compiler": {"enable_optimize_denominator_with_broadcast": True}}],
    "rmsnorm_div": [{"field": "FM64", "config": {"enable_lower_accuracy_rsqrt": True}}],
    "softmax_axis0": [{"field": "FM64", "compiler": {"enable_optimize_denominator_with_broadcast": True}}],
}
POSITIVE_TX = {"rmsnorm_div", "rmsnorm_rsqrt", "rmsnorm_reciprocal", "simplified_layernorm"}


def measure_transformer(names=None):
    import glob
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "transformer", "*.onnx"))):
        name = os.path.basename(path)[:-5]
        if names and name not in names:
            continue
        runs = [dict(r) for r in FIELD_RUNS + TRANSFORMER_OPTIONS.get(name, [])]
        measure_model(path, os.path.join(OUT, "transformer", name + ".json"), runs, positive=name in POSITIVE_TX, timeout=600)


def model_list():
    import glob
    out = [(os.path.join(ROOT, "static", "samples", n + ".onnx"), n) for n in SAMPLES]
    out += [(p, os.path.basename(p)[:-5]) for p in sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "crypten", "models", "model_*.onnx")))]
    out += [(os.path.join(ROOT, "tests", "fixtures", "models", n + ".onnx"), "models_" + n) for n in EXTRA_MODELS]
    return out


def measure_models(names=None):
    for path, name in model_list():
        if names and name not in names:
            continue
        runs = list(FIELD_RUNS)
        if name in ("mlp", "lenet", "transformer_block"):
            runs += [{"field": "FM64", "config": {"trunc_allow_msb_error": True}},
                     {"field": "FM64", "config": {"experimental_disable_vectorization": True}}]
        if name == "transformer_block":
            runs += [{"field": "FM64", "compiler": {"enable_optimize_denominator_with_broadcast": True}}]
        runs = select_runs(runs)
        # skip anything slower than 10 minutes per party pair
        measure_model(path, os.path.join(OUT, name + ".json"), runs, timeout=600)


# LLM generation (src/generation.rs): the KV-cache members of the zoo, one pass each of the
# prefill (sequence N, empty cache) and of decode steps (one token, past N + i - 1), N = 8.
GENERATION_MODELS = ["gpt2_kv.legacy17", "llama_kv.legacy17", "gpt2_kv.dynamo", "llama_kv.dynamo"]
GENERATION_PROMPT = 8
GENERATION_STEPS = [1, 4]
# Exports without a KV cache: decode step i re-runs the whole graph over N + i tokens (full
# recomputation, src/generation.rs), so its pass is the graph at sequence N + i, batch 1.
RECOMPUTE_MODELS = ["gpt2_dynamic.legacy17", "gpt2_dynamic.dynamo"]
RECOMPUTE_STEPS = [2]


def generation_dims(path, seq, past):
    """The pass's value of every symbolic input axis: sequence, past, and past + sequence (the
    mask's length), read off the axis names as src/generation.rs reads them."""
    import onnx
    m = onnx.load(path, load_external_data=False)
    init = {t.name for t in m.graph.initializer}
    out = {}
    for i in m.graph.input:
        if i.name in init:
            continue
        for axis, d in enumerate(i.type.tensor_type.shape.dim):
            if not d.dim_param:
                continue
            if axis == 0 and "batch" in d.dim_param:
                out[d.dim_param] = 1
                continue
            past_axis = ("past" in i.name or "cache" in i.name) and axis == 2
            mask_len = "mask" in i.name and axis == len(i.type.tensor_type.shape.dim) - 1
            out[d.dim_param] = past if past_axis else past + seq if mask_len else seq if "input_ids" in i.name else None
    if None in out.values():
        raise SystemExit(f"{path}: unknown symbolic axes {[k for k, v in out.items() if v is None]}")
    return out


def measure_generation(names=None):
    for name in GENERATION_MODELS:
        if names and name not in names:
            continue
        path = os.path.join(ROOT, "tests", "fixtures", "zoo", name + ".onnx")
        passes = [("prefill", GENERATION_PROMPT, 0)] + [
            (f"step{i}", 1, GENERATION_PROMPT + i - 1) for i in GENERATION_STEPS]
        for label, seq, past in passes:
            measure_model(path, os.path.join(OUT, "generation", f"{name}.{label}.json"), select_runs(FIELD_RUNS),
                          timeout=900, dims=generation_dims(path, seq, past),
                          extra={"generation": {"prompt_len": GENERATION_PROMPT, "pass": label}})
    for name in RECOMPUTE_MODELS:
        if names and name not in names:
            continue
        path = os.path.join(ROOT, "tests", "fixtures", "zoo", name + ".onnx")
        passes = [("prefill", GENERATION_PROMPT)] + [(f"step{i}", GENERATION_PROMPT + i) for i in RECOMPUTE_STEPS]
        for label, seq in passes:
            measure_model(path, os.path.join(OUT, "generation", f"{name}.{label}.json"), select_runs(FIELD_RUNS),
                          timeout=900, dims=generation_dims(path, seq, 0),
                          extra={"generation": {"prompt_len": GENERATION_PROMPT, "pass": label, "decode": "recompute"}})


def merged_runs(out_file, new_runs):
    """`--merge`: the existing fixture's runs whose spec (field, config, compiler) was not
    re-measured, in their order, then the new runs."""
    with open(out_file) as f:
        old = json.load(f).get("runs", [])
    key = lambda r: json.dumps(_spec({k: r[k] for k in ("field", "config", "compiler", "cores") if k in r}),
                               sort_keys=True)
    fresh = {key(r) for r in new_runs}
    return [r for r in old if key(r) not in fresh] + list(new_runs)


def select_runs(runs):
    """The run specs kept by `--fields` and `--no-options`, copied."""
    out = [dict(r) for r in runs if FIELDS is None or r["field"] in FIELDS]
    if CORES:  # recorded with the run: CHEETAH's OT parallelism follows the thread count
        out = [dict(r, cores=CORES) for r in out]
    return [r for r in out if OPTIONS or (not r.get("config") and not r.get("compiler"))]


def set_protocol(argv):
    """Reads the protocol flags off the front of argv; returns the rest."""
    global PROTOCOL, PARTIES, REPEAT, FIELDS, OPTIONS, MERGE, CORES, OUT
    parties = None
    while argv and argv[0] in ("--protocol", "--parties", "--repeat", "--fields", "--no-options", "--merge",
                                 "--cores"):
        flag = argv.pop(0)
        if flag == "--no-options":
            OPTIONS = False
            continue
        if flag == "--merge":
            MERGE = True
            continue
        if not argv:
            raise SystemExit(f"{flag} needs a value")
        val = argv.pop(0)
        if flag == "--protocol":
            if val not in ("semi2k", "aby3", "cheetah"):
                raise SystemExit(f"--protocol {val}: expected semi2k, aby3 or cheetah")
            PROTOCOL = val
        elif flag == "--parties":
            parties = int(val)
        elif flag == "--repeat":
            REPEAT = max(1, int(val))
        elif flag == "--cores":
            CORES = max(1, int(val))
        else:
            FIELDS = set(val.split(","))
    fixed = {"aby3": 3, "cheetah": 2}.get(PROTOCOL)
    if fixed and parties not in (None, fixed):
        raise SystemExit(f"{PROTOCOL} runs with {fixed} parties, not {parties}")
    PARTIES = fixed or parties or 2
    if PARTIES < 2:
        raise SystemExit("--parties must be at least 2")
    if PROTOCOL != "semi2k" or PARTIES != 2:
        tag = PROTOCOL if PROTOCOL != "semi2k" else f"semi2k_{PARTIES}pc"
        OUT = os.path.join(OUT, tag)
    VERSIONS["protocol"] = PROTOCOL.upper()
    VERSIONS["parties"] = PARTIES
    if PROTOCOL == "semi2k" and PARTIES == 2:  # the original fixtures carry neither key
        del VERSIONS["protocol"], VERSIONS["parties"]
    return argv


def main(argv):
    if argv[:1] == ["--party"]:
        party_main(int(argv[1]), argv[2])
        return
    argv = set_protocol(list(argv))
    sys.modules["measure"] = sys.modules[__name__]  # train.py's `import measure` sees the protocol flags
    if not argv or argv[0] == "--help":
        print(__doc__)
        return
    if argv[0] == "--all":
        measure_ops()
        measure_models()
        import train
        train.main([])
    elif argv[0] == "--ops":
        measure_ops(set(argv[1:]) or None)
    elif argv[0] == "--transformer":
        measure_transformer(set(argv[1:]) or None)
    elif argv[0] == "--generation":
        measure_generation(set(argv[1:]) or None)
    elif argv[0] == "--models":
        measure_models(set(argv[1:]) or None)
    elif argv[0] == "--train":
        import train
        train.main(argv[1:])
    else:
        for p in argv:
            measure_model(p, os.path.join(OUT, os.path.basename(p)[:-5] + ".json"), select_runs(FIELD_RUNS))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main(sys.argv[1:])
