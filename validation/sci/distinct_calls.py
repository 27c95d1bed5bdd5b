#!/usr/bin/env python3
"""Every top-level SCI call of an EzPC main with its literal arguments, and the distinct ones.

usage: distinct_calls.py EZPC_CHECKOUT/SCI/networks/main_NET.cpp > tests/fixtures/sci/cf2_mains/NET_calls.json

The mains are straight-line Athos output: after StartComputation() each statement runs once, in
the order written, with literal integer shapes. Each wrapper the mains define reduces to one
call of SCI's library_fixed_uniform.cpp (the one the per-call probe names):

  Conv2DWrapper(13 ints, ...)           -> Conv2DWrapper(the 13 ints)
  MatMul2D(s1, s2, s3, A, B, C, isA)    -> MatMul2D(s1, s2, s3, isA)
  MaxPool / AvgPool(16 ints, ...)       -> the same 16 ints
  FusedBatchNorm4411(s1..s4, ..., 0, sf, out) -> ElemWiseActModelVectorMult(s1*s2*s3*s4)
                                           (its ScaleDown only runs for a non-zero literal)
  ReluN(s1..sN, in, out, sf, doTrunc)   -> Relu(s1*...*sN, sf, doTrunc)
  ScaleDownN(s1..sN, arr, sf)           -> ScaleDown(s1*...*sN, sf)
  ArgMaxN(outs1..N, ins1..N+1, ...)     -> ArgMax(ins1*...*insN, insN+1)

Identical (call, arguments) send identical bytes (SCI's costs are a function of the arguments),
so each distinct one is run once (programs/mpclens_layer.cpp: op=CALL a=ARGS, run by
record_distinct.py). Output: "calls" (one key per network call, in order) and "distinct" (key ->
call, args, program arguments, multiplicity).
"""
import json
import re
import sys
from math import prod

SKIP = ("ClearMemSecret", "ClearMemPublic", "Arr1DIdxRowM", "Arr2DIdxRowM", "Arr3DIdxRowM", "Arr4DIdxRowM",
        "Pad", "MatAdd", "MatAddBroadCast", "ScaleUp", "Squeeze", "Concat", "StartComputation", "EndComputation",
        "Transpose", "Reshape")


def ints(args, n):
    """The first n arguments as integers (all must be literals)."""
    out = []
    for a in args[:n]:
        m = re.fullmatch(r"(?:\((?:u?int\d+_t)\))?\s*(-?\d+)", a.strip())
        if not m:
            raise ValueError(f"not a literal: {a!r}")
        out.append(int(m.group(1)))
    return out


def sci_call(name, args):
    """(SCI function, its cost-determining integer arguments) of one main statement, or None."""
    base, rank = re.fullmatch(r"(.*?)(\d*)", name).groups()
    if name == "Conv2DWrapper":
        return "Conv2DWrapper", ints(args, 13)
    if name == "MatMul2D":
        return "MatMul2D", ints(args, 3) + ints(args[6:], 1)
    if name in ("MaxPool", "AvgPool"):
        return name, ints(args, 16)
    if base == "FusedBatchNorm":
        if ints(args[7:], 1)[0] != 0:
            raise ValueError("FusedBatchNorm with a ScaleDown of its product: not in these mains")
        return "ElemWiseActModelVectorMult", [prod(ints(args, 4))]
    if base == "Relu" and rank:
        r = int(rank)
        return "Relu", [prod(ints(args, r))] + ints(args[r + 2:], 2)
    if base == "ScaleDown" and rank:
        r = int(rank)
        return "ScaleDown", [prod(ints(args, r))] + ints(args[r + 1:], 1)
    if base == "ArgMax" and rank:
        r = int(rank)
        ins = ints(args[r:], r + 1)
        return "ArgMax", [prod(ins[:-1]), ins[-1]]
    if name.startswith(SKIP) or base in SKIP:
        return None
    raise ValueError(f"unknown call {name}")


def calls(path):
    src = open(path).read()
    body = src[src.index("StartComputation();"):]
    out = []
    for stmt in body.split(";"):
        stmt = re.sub(r"\s+", " ", stmt).strip()
        m = re.match(r"([A-Za-z0-9_]+)\((.*)\)$", stmt)
        if not m or "=" in stmt.split("(")[0]:
            continue
        c = sci_call(m.group(1), [a for a in m.group(2).split(",")])
        if c:
            out.append(c)
    return out


def key(call, args):
    return f"{call}({','.join(map(str, args))})"


def main():
    seq = calls(sys.argv[1])
    distinct = {}
    for c, a in seq:
        k = key(c, a)
        d = distinct.setdefault(k, dict(call=c, args=a, multiplicity=0,
                                        program=f"op={c} a={','.join(map(str, a))}"
                                        + (" pre=1" if (c == "Relu" and a[2]) or c == "ScaleDown" else "")))
        d["multiplicity"] += 1
    json.dump(dict(main=sys.argv[1].split("SCI/")[-1], calls=[key(c, a) for c, a in seq], distinct=distinct),
              sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
