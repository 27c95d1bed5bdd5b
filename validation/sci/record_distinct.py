#!/usr/bin/env python3
"""Run distinct SCI calls of an EzPC network in isolation and add them to its fixture.

usage: record_distinct.py BUILD_DIR NET VARIANT [--keys FILE] [--only linear|nonlinear] [--batch N] [--port P]
  NET: resnet50 | densenet121 (the mains' scale: 12 / 11); VARIANT: ot | he
  --keys: distinct call keys (as tests/fixtures/sci/cf2_mains/NET_calls.json names them), one a
  line, in the order to run them (default: every distinct call, non-linear ones first, each group
  in the main's order); keys already in the fixture are skipped

Each run (run.py: both parties as local processes, ℓ = 37, 4 threads) executes up to N keys in
programs/mpclens_layer.cpp with one setup (`calls=CALL:ARGS[:pre];...`), and is appended to
tests/fixtures/sci/cf2_VARIANT/NET_calls.json as soon as it finishes: its calls in order (the
one-element conv before a truncating call labelled "pre"), each with the bytes each party sent
and its rounds, the run's setup bytes and its wall time. tests/sci.rs prices each run's call list
and compares every call; the network's calls are then covered by their keys.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ap = argparse.ArgumentParser()
ap.add_argument("build")
ap.add_argument("net", choices=["resnet50", "densenet121"])
ap.add_argument("variant", choices=["ot", "he"])
ap.add_argument("--keys")
ap.add_argument("--only", choices=["linear", "nonlinear"])
ap.add_argument("--batch", type=int, default=1)
ap.add_argument("--port", type=int, default=44000)
a = ap.parse_args()
scale = {"resnet50": 12, "densenet121": 11}[a.net]
mains = json.load(open(f"{ROOT}/tests/fixtures/sci/cf2_mains/{a.net}_calls.json"))
out = f"{ROOT}/tests/fixtures/sci/cf2_{a.variant}/{a.net}_calls.json"
fix = json.load(open(out)) if os.path.exists(out) else dict(
    framework="cryptflow2",
    source="mpc-msri/EzPC SCI (commit in validation/sci/README.md), "
    "validation/sci/record_distinct.py: distinct calls of SCI/networks/main_" + a.net + ".cpp in isolation",
    network=a.net, variant=a.variant,
    settings=dict(linear=a.variant, ell=37, scale=scale, threads=4),
    runs=[])
done = {c["key"] for r in fix["runs"] for c in r["calls"]}
LINEAR = ("Conv2DWrapper", "MatMul2D")
if a.keys:
    keys = [k.strip() for k in open(a.keys) if k.strip()]
else:
    keys = sorted(mains["distinct"], key=lambda k: (mains["distinct"][k]["call"] in LINEAR,))
if a.only:
    keys = [k for k in keys if (mains["distinct"][k]["call"] in LINEAR) == (a.only == "linear")]
todo = [k for k in keys if k not in done]
port = a.port
for i in range(0, len(todo), a.batch):
    keys = todo[i:i + a.batch]
    spec = ";".join(f"{d['call']}:{','.join(map(str, d['args']))}" + (":pre" if "pre=1" in d["program"] else "")
                    for d in (mains["distinct"][k] for k in keys))
    labels = [x for k in keys for x in (["pre", k] if "pre=1" in mains["distinct"][k]["program"] else [k])]
    with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
        t0 = time.time()
        # A port still held by an earlier connection fails the server's bind ("Address already
        # in use"): try again further on, twice.
        for attempt in range(3):
            r = subprocess.run([sys.executable, f"{HERE}/run.py", f"{a.build}/sci/bin", "mpclens_layer", tmp.name,
                                "--variant", a.variant, "--scale", str(scale), "--port", str(port),
                                "--args", f"calls={spec}"])
            port += 10 if r.returncode == 0 else 1000
            if r.returncode == 0:
                break
        else:
            sys.exit(f"{keys}: three attempts failed")
        run = json.load(open(tmp.name))
    assert len(run["calls"]) == len(labels), (labels, run["calls"])
    for c, lab in zip(run["calls"], labels):
        c["key"] = lab
    fix["runs"].append(dict(calls=run["calls"], setup=run["setup"], unattributed=run["unattributed"],
                            total=run["total"], wall_seconds=run["wall_seconds"],
                            finished=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())))
    with open(out + ".tmp", "w") as f:
        json.dump(fix, f, indent=1)
        f.write("\n")
    os.replace(out + ".tmp", out)
    print(f"{a.net} {a.variant}: {len(keys)} keys in {run['wall_seconds']} s ({time.time() - t0:.0f} s), "
          f"{sum(len(r['calls']) for r in fix['runs'])} calls recorded", flush=True)
