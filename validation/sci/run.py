#!/usr/bin/env python3
"""Run one SCI program with both parties as local processes on 127.0.0.1 and record a fixture.

usage:
  run.py BIN_DIR PROGRAM OUT.json [--variant ot|he] [--ell 37] [--nt 4] [--scale S] [--args "k=v ..."]
         [--input random|zeros] [--port P] [--label NAME] [--log PREFIX]
  PROGRAM: a binary name in BIN_DIR without the -OT/-HE suffix (sqnet, resnet50, mpclens_layer ...)

What it records, per party (server = r=1 = ALICE, client = r=2 = BOB):
  * setup: bytes each party sent per thread before StartComputation's snapshot ("Thread i = t,
    total data sent till now" at start: base OTs, and in SCI_HE the key exchange for N = 8192/65536);
  * total: bytes sent after it (sum over threads of the end - start lines: io + io_rev + io_GC,
    EndComputation's "Total data sent") and "Number of rounds";
  * calls: one entry per top-level SCI call from the build-time probe (instrument.py): bytes this
    party sent on all channels of all threads during the call, and thread 0's rounds in it.
    These are NOT SCI's per-category lines (which skip io_rev and so under-count); they add up
    to the total minus the start-up sync ("unattributed").
Programs read their inputs from stdin; --input zeros gives an empty stdin (cin yields 0),
random gives uniform non-zero 12-bit fixed-point values (bytes must not depend on values: check both).
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("bin_dir")
ap.add_argument("program")
ap.add_argument("out")
ap.add_argument("--variant", default="ot", choices=["ot", "he", "cheetah"],
                help="ot/he: EzPC's <program>-OT/-HE; cheetah: OpenCheetah's <program>-cheetah")
ap.add_argument("--ell", type=int, default=37)
ap.add_argument("--nt", type=int, default=4)
ap.add_argument("--scale", type=int, default=12, help="recorded in the fixture; the mains hard-code theirs")
ap.add_argument("--args", default="")
ap.add_argument("--input", default="zeros", choices=["zeros", "random"])
ap.add_argument("--values", type=int, default=30_000_000, help="random values written to each stdin")
ap.add_argument("--port", type=int, default=int(os.environ.get("SCI_PORT", "42000")))
ap.add_argument("--label", default=None)
ap.add_argument("--layer", default=None, help="a layers.py entry: sets --args and records model/node/steps")
ap.add_argument("--log", default=None,
                help="also write each party's output as it runs to LOG.server / LOG.client (progress of long runs)")
a = ap.parse_args()
layer = None
if a.layer:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from layers import LAYERS
    layer = LAYERS[a.layer]
    a.args = f"{layer['args']} sf={a.scale}"
    a.label = a.label or a.layer

suffix = "cheetah" if a.variant == "cheetah" else a.variant.upper()
exe = os.path.abspath(os.path.join(a.bin_dir, f"{a.program}-{suffix}"))
# EzPC's ResNet-50 and DenseNet-121 mains name the port argument `port`, every other main `p`
# (an unknown name makes a main print its usage and exit)
port_arg = "port" if a.variant != "cheetah" and a.program in ("resnet50", "densenet121") else "p"
common = [f"{port_arg}={a.port}", f"nt={a.nt}", f"ell={a.ell}"] + a.args.split()


def stdin_file():
    if a.input == "zeros":
        return open(os.devnull)
    f = tempfile.TemporaryFile("w+")
    rng = random.Random(1)
    # never 0: OpenCheetah's mains fold BN scales into the filters, and a zero scale makes an
    # all-zero filter, which HomConv2DSS refuses
    f.write("\n".join(str(rng.randrange(1, 1 << 12) * rng.choice((-1, 1))) for _ in range(a.values)))
    f.seek(0)
    return f


# Each party runs in a fresh directory with an empty data/: OpenCheetah's Ferret writes its pre-OT
# state to ./data/ when the network mains delete their OT packs (and fails without the directory);
# a file left from an earlier run would be read at the next setup and change its traffic.
work = [tempfile.mkdtemp(prefix="sci_run_") for _ in range(2)]
for w in work:
    os.makedirs(os.path.join(w, "data"))
t0 = time.time()
# each party's output goes to a file (LOG.server / LOG.client, or a temporary one): a long run's
# calls so far can be read while it runs, and a pipe left unread cannot stall a party
logs = [open(f"{a.log}.{who}", "w+") if a.log else tempfile.TemporaryFile("w+") for who in ("server", "client")]
srv = subprocess.Popen([exe, "r=1"] + common, stdin=stdin_file(), stdout=logs[0], stderr=subprocess.STDOUT,
                       text=True, cwd=work[0])
time.sleep(0.5)
cli = subprocess.Popen([exe, "r=2", "ip=127.0.0.1"] + common, stdin=stdin_file(), stdout=logs[1],
                       stderr=subprocess.STDOUT, text=True, cwd=work[1])
for p in (srv, cli):
    p.wait()
outs = []
for f in logs:
    f.seek(0)
    outs.append(f.read())
for w in work:
    shutil.rmtree(w, ignore_errors=True)
secs = time.time() - t0
for p, o, who in zip((srv, cli), outs, ("server", "client")):
    if p.returncode != 0:
        sys.exit(f"{who} exited {p.returncode}:\n{o[-3000:]}")


def parse(text):
    thr = [(int(m[0]), int(m[1])) for m in re.findall(r"Thread i = (\d+), total data sent till now = (\d+)", text)]
    nt = a.nt
    start, end = [v for _, v in thr[:nt]], [v for _, v in thr[-nt:]]
    rounds = int(re.search(r"Number of rounds = (\d+)", text).group(1))
    calls = [dict(call=m[0], arg=int(m[3]), bytes=int(m[1]), rounds=int(m[2]))
             for m in re.findall(r"^MPCLENS_CALL (\S+) (\d+) (\d+) (-?\d+)$", text, re.M)]
    total = sum(e - s for s, e in zip(start, end))
    return dict(setup_bytes=sum(start), setup_per_thread=start, total_bytes=total, rounds=rounds, calls=calls,
                unattributed=total - sum(c["bytes"] for c in calls))


srv_r, cli_r = parse(outs[0]), parse(outs[1])
assert len(srv_r["calls"]) == len(cli_r["calls"]), "parties saw different call lists"
calls = [dict(call=s["call"], arg=s["arg"], server=dict(bytes=s["bytes"], rounds=s["rounds"]),
              client=dict(bytes=c["bytes"], rounds=c["rounds"])) for s, c in zip(srv_r["calls"], cli_r["calls"])]
fix = dict(
    framework="cheetah" if a.variant == "cheetah" else "cryptflow2",
    source=("Alibaba-Gemini-Lab/OpenCheetah" if a.variant == "cheetah" else "mpc-msri/EzPC SCI")
    + " (commit in validation/sci/README.md), run by validation/sci/run.py",
    program=a.label or a.program,
    variant=a.variant,
    settings=dict(linear=None if a.variant == "cheetah" else a.variant, ell=a.ell, scale=a.scale, threads=a.nt, args=a.args, input=a.input),
    setup=dict(server=srv_r["setup_bytes"], client=cli_r["setup_bytes"]),
    total=dict(server=dict(bytes=srv_r["total_bytes"], rounds=srv_r["rounds"]),
               client=dict(bytes=cli_r["total_bytes"], rounds=cli_r["rounds"])),
    unattributed=dict(server=srv_r["unattributed"], client=cli_r["unattributed"]),
    calls=calls,
    model=(f"tests/fixtures/sci/models/{a.layer}.onnx" if layer else None),
    node=(layer["node"] if layer else None),
    steps=(layer["steps"] if layer else None),
    wall_seconds=round(secs, 1),
)
os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
with open(a.out, "w") as f:
    json.dump(fix, f, indent=1)
print(f"{a.out}: server {fix['total']['server']} client {fix['total']['client']} setup {fix['setup']} "
      f"{len(calls)} calls, {secs:.1f}s")
