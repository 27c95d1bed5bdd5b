"""The zoo table: per exported file, nodes and unpriced nodes per framework, and profile time.

    python validation/zoo/table.py --zoo target/zoo [--bin target/debug/mpclens]

Runs the CLI on every NAME.EXPORTER.onnx of the zoo directory (all frameworks, inference,
--format json) and prints a Markdown table. Time is the wall clock of one CLI run (load +
profile of all frameworks + JSON), best of 3; a debug binary is several times slower than a
release one.
"""
import argparse, glob, json, os, subprocess, time

FW = ["crypten", "semi2k", "cryptflow2", "cheetah", "delphi"]


def run(binary, path, extra):
    best, out = None, None
    for _ in range(3):
        t0 = time.perf_counter()
        p = subprocess.run([binary, "profile", path, "--format", "json", *extra], capture_output=True, text=True)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
        out = p
    return out, best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zoo", required=True)
    ap.add_argument("--bin", default="target/debug/mpclens")
    ap.add_argument("--batch", type=int, default=None)
    a = ap.parse_args()
    print("| model | exporter | nodes | public | " + " | ".join(f"unpriced {f}" for f in FW) + " | time |")
    print("|---|---|---|---|" + "---|" * len(FW) + "---|")
    for path in sorted(glob.glob(os.path.join(a.zoo, "*.onnx"))):
        name, exporter = os.path.basename(path)[:-5].rsplit(".", 1)
        extra = ["--dim", "sequence=128"] + ([] if a.batch else ["--batch", "1"]) if "dynamic" in name else []
        if a.batch:
            extra += ["--batch", str(a.batch)]
        p, secs = run(a.bin, path, extra)
        if p.returncode != 0:
            print(f"| {name} | {exporter} | error: {p.stderr.strip()[:160]} |")
            continue
        r = json.loads(p.stdout)
        by = {f["framework"]: f["coverage"] for f in r["frameworks"]}
        public = next(iter(by.values()))["public"]
        cells = [str(by[f]["unpriced"]) if f in by else "–" for f in FW]
        print(f"| {name} | {exporter} | {r['model']['node_count']} | {public} | " + " | ".join(cells)
              + f" | {secs * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
