"""Speed ratios on the same file: mpclens's full profile (every framework) vs
just reading the file, and vs the Python peer (onnx.load + infer_shapes).

    cargo build --release && validation/.venv-torch/bin/python benches/ratios.py [MODEL.onnx ...]

Without arguments it exports ResNet-50 with its weights (102 MB) to target/bench/.
Prints the median of 5 runs of each, the ratios against the targets
(profile ≤ 2× read-and-decode; ≥ 5× faster than the peer), and the CLI's peak
resident memory against the file size (target < 1.5×).
"""
import os, statistics, subprocess, sys, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CLI = os.path.join(ROOT, "target", "release", "mpclens")


def median_time(fn, runs=5):
    ts = []
    for _ in range(runs):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def peak_rss_mb(path):
    """Peak resident memory of one `mpclens profile` run, from GNU time's %M (KiB)."""
    args = [CLI, "profile", path, "--format", "json"] if path else [CLI, "frameworks"]
    if path and "llm" in os.path.basename(path):
        args += ["--dim", "seq=128"]
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    return int(r.stderr.decode().strip().splitlines()[-1]) * 1024 / 1e6


def default_model():
    out = os.path.join(ROOT, "target", "bench", "resnet50_full.onnx")
    if not os.path.exists(out):
        import torch, torchvision
        os.makedirs(os.path.dirname(out), exist_ok=True)
        torch.onnx.export(torchvision.models.resnet50(), torch.randn(1, 3, 224, 224), out, opset_version=14)
    return out


def main(paths):
    import onnx
    for path in paths or [default_model()]:
        read = median_time(lambda: open(path, "rb").read())
        decode = median_time(lambda: onnx.load(path, load_external_data=False))
        extra = ["--dim", "seq=128"] if "llm" in os.path.basename(path) else []
        ours = median_time(lambda: subprocess.run([CLI, "profile", path, "--format", "json"] + extra, stdout=subprocess.DEVNULL, check=True))
        peer = median_time(lambda: onnx.shape_inference.infer_shapes(onnx.load(path, load_external_data=False)))
        mb = os.path.getsize(path) / 1e6
        rss = peak_rss_mb(path)
        print(f"{os.path.basename(path)} ({mb:.1f} MB)")
        print(f"  peak RSS of mpclens profile: {rss:.1f} MB = {rss/mb:.2f} × the file (baseline, empty model: {peak_rss_mb(None):.1f} MB)")
        print(f"  read {read*1e3:.1f} ms, read+decode (onnx) {decode*1e3:.1f} ms, mpclens profile {ours*1e3:.1f} ms, peer {peer*1e3:.1f} ms")
        print(f"  profile / read-and-decode = {ours/decode:.2f}  (target ≤ 2)")
        print(f"  peer / profile            = {peer/ours:.2f}  (target ≥ 5)")


if __name__ == "__main__":
    main(sys.argv[1:])
