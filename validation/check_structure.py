"""Runs onnx's own checker on the weight-free structure a share link carries.

For each model given (default: static/samples/*.onnx and tests/fixtures/zoo/*.onnx), asks
`mpclens link` for a link, takes its `m=` part (URL-safe base64 of raw DEFLATE,
src/share/structure.rs), inflates it and runs `onnx.checker.check_model` (full_check too).
The Rust test `loader::weight_free::tests` checks the same properties without Python.

    python validation/check_structure.py [--mpclens target/debug/mpclens] [MODEL.onnx ...]
"""

import argparse
import base64
import glob
import os
import subprocess
import sys
import tempfile
import urllib.parse
import zlib

import onnx


def structure(mpclens: str, model: str) -> bytes | None:
    run = subprocess.run([mpclens, "link", model], capture_output=True, text=True)
    if run.returncode != 0:  # a model the app cannot open gets no link (symbolic dims without values)
        print(f"skip  {model}: {run.stderr.strip().splitlines()[-1]}")
        return None
    link = run.stdout.strip()
    fragment = link.split("#", 1)[1]
    m = dict(urllib.parse.parse_qsl(fragment, keep_blank_values=True))["m"]
    packed = base64.urlsafe_b64decode(m + "=" * (-len(m) % 4))
    return zlib.decompress(packed, -15)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mpclens", default="target/debug/mpclens")
    ap.add_argument("models", nargs="*")
    a = ap.parse_args()
    models = a.models or sorted(glob.glob("static/samples/*.onnx") + glob.glob("tests/fixtures/zoo/*.onnx"))
    bad = checked = 0
    for path in models:
        data = structure(a.mpclens, path)
        if data is None:
            continue
        checked += 1
        # as a user has it: a file on disk, checked by path and opened with onnx.load
        with tempfile.TemporaryDirectory() as d:
            file = os.path.join(d, "structure.onnx")
            with open(file, "wb") as f:
                f.write(data)
            try:
                onnx.checker.check_model(file, full_check=True)
                onnx.load(file)
                ok = True
            except Exception as e:  # the checker's message is the finding
                ok, why = False, str(e).splitlines()[0]
        try:
            if not ok:
                raise RuntimeError(why)
            print(f"ok    {path}")
        except Exception as e:  # the checker's message is the finding
            bad += 1
            print(f"FAIL  {path}: {str(e).splitlines()[0]}")
    print(f"onnx {onnx.__version__}: {checked - bad} of {checked} structures pass check_model (full_check)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
