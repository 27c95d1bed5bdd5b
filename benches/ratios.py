"""Speed ratios on the same file: mpclens's full profile (every framework) vs
just reading the file, and vs the Python peer (onnx.load + infer_shapes).

    cargo build --release && validation/.venv-torch/bin/python benches/ratios.py [MODEL.onnx ...]

Without arguments it exports ResNet-50 with its weights (102 MB) to target/bench/.

    benches/ratios.py --generation [--gen-tokens 33]

LLM generation: generates the LLaMA-7B-shaped KV-cache decoder (graph-only, 6.74 B parameters,
validation/robust/make_llm_kv.py) into target/bench/ and times `mpclens profile` with every
framework, an 8-token prefill and a 32-step decode sweep (--gen-tokens 33), against `onnx.load`
of the same file (target: under 1 s).
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


def child_cpu(args):
    """User + system CPU seconds of one run (the steps run on every core; on a shared machine
    this is steadier than the wall time)."""
    import resource
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, stdout=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def generation(argv):
    import onnx
    out = os.path.join(ROOT, "target", "bench", "llama7b_kv.onnx")
    if not os.path.exists(out):
        subprocess.run([sys.executable, os.path.join(ROOT, "validation", "robust", "make_llm_kv.py"), out], check=True)
    tokens = argv[argv.index("--gen-tokens") + 1] if "--gen-tokens" in argv else "33"
    args = [CLI, "profile", out, "--format", "json", "--prompt-len", "8", "--gen-tokens", tokens]
    ours = median_time(lambda: subprocess.run(args, stdout=subprocess.DEVNULL, check=True))
    cpu = statistics.median(child_cpu(args) for _ in range(5))
    decode = median_time(lambda: onnx.load(out, load_external_data=False))
    print(f"{os.path.basename(out)} ({os.path.getsize(out)/1e6:.2f} MB, graph-only LLaMA-7B with KV cache)")
    print(f"  mpclens profile, every framework, prefill 8 + {int(tokens) - 1} decode steps: {ours*1e3:.0f} ms (target < 1000 ms)")
    print(f"  CPU time of that run (user + system, all threads): {cpu*1e3:.0f} ms")
    print(f"  onnx.load {decode*1e3:.1f} ms; ratio {ours/decode:.0f} x")


if __name__ == "__main__":
    if "--generation" in sys.argv:
        generation(sys.argv[1:])
    else:
        main(sys.argv[1:])
