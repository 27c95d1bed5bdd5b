#!/usr/bin/env python3
"""Add a per-call byte/round probe to SCI's library_fixed_uniform.cpp (EzPC or OpenCheetah checkout).

Each listed top-level function gets an RAII probe as its first statement. The outermost probe
(nested calls such as Conv2DWrapper -> MatMul2D are folded into the outer one) prints, on stdout:

    MPCLENS_CALL <name> <bytes sent by this party> <rounds> <arg0>

bytes = sum over all threads of IOPack::get_comm() (io + io_rev + io_GC: what EndComputation's
"Total data sent" counts, so the per-call lines add up to the total, unlike SCI's own per-layer
counters which skip io_rev); rounds = delta of thread 0's IOPack::get_rounds() (what SCI's
"Number of rounds" counts). Idempotent: a patched file is left alone.
usage: instrument.py path/to/library_fixed_uniform.cpp [more files]
"""
import re
import sys

FUNCS = ["MatMul2D", "Conv2DWrapper", "Conv2DGroupWrapper", "ElemWiseActModelVectorMult", "ArgMax",
         "Relu", "MaxPool", "AvgPool", "ScaleDown", "ElemWiseSecretSharedVectorMult", "BatchNorm"]

PROBE = r'''
// ---- mpclens probe (added at build time by validation/sci/instrument.py) ----
#include <cstdio>
struct MpclensProbe {
  const char *name; long long arg; uint64_t s0 = 0, r0 = 0;
  static int &depth() { static int d = 0; return d; }
  static uint64_t sent() { uint64_t t = 0; for (int i = 0; i < num_threads; i++) t += SENT(i); return t; }
  MpclensProbe(const char *n, long long a) : name(n), arg(a) {
    if (depth()++ == 0) { s0 = sent(); r0 = ROUNDS; }
  }
  ~MpclensProbe() {
    if (--depth() == 0) {
      printf("MPCLENS_CALL %s %llu %llu %lld\n", name, (unsigned long long)(sent() - s0),
             (unsigned long long)(ROUNDS - r0), arg);
      fflush(stdout);
    }
  }
};
// ---- end mpclens probe ----
'''


def patch(path):
    src = open(path).read()
    if "mpclens probe" in src:
        return
    # the probe needs the globals (num_threads, the IO arrays): put it after globals.h or
    # library_fixed_common.h (which includes it). EzPC counts through IOPack (io + io_rev + io_GC); OpenCheetah has one NetIO
    # per thread (all silent OTs share it).
    m = (re.search(r'^#include "globals\.h"$', src, re.M)
         or re.search(r'^#include "library_fixed_common\.h"$', src, re.M))
    if "iopackArr" in src:
        sent, rounds = "iopackArr[i]->get_comm()", "iopackArr[0]->get_rounds()"
    else:
        sent, rounds = "ioArr[i]->counter", "ioArr[0]->num_rounds"
    probe = PROBE.replace("SENT(i)", sent).replace("ROUNDS", rounds)
    src = src[:m.end()] + "\n" + probe + src[m.end():]
    for f in FUNCS:
        out, pos = [], 0
        for m in re.finditer(r'^void ' + f + r'\(([^)]*)\)\s*\{', src, re.M):
            first = m.group(1).split(",")[0].split()[-1].lstrip("*&")
            out.append(src[pos:m.end()])
            out.append(f'\n  MpclensProbe __mpclens_probe("{f}", (long long)({first}));')
            pos = m.end()
        out.append(src[pos:])
        src = "".join(out)
    open(path, "w").write(src)


for p in sys.argv[1:]:
    patch(p)
