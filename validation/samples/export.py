"""Exports the sample models to static/samples/ and their onnx shape-inference
results to tests/fixtures/shapes/ (the reference the Rust shape tests compare to).

Run from the repository root:
    validation/.venv-torch/bin/python validation/samples/export.py
Deterministic: fixed seeds, torch 2.1.2 / torchvision 0.16.2 / onnx 1.16.2 (validation/requirements-torch.txt).
"""
import json, os, sys, tempfile
import torch, torch.nn as nn, torch.nn.functional as F
import torchvision
import onnx

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLES = os.path.join(ROOT, "static", "samples")
SHAPES = os.path.join(ROOT, "tests", "fixtures", "shapes")
MODELS = os.path.join(ROOT, "tests", "fixtures", "models")
OPSET = 14  # CrypTen-loadable; LayerNorm exports decomposed (ReduceMean/Sub/Pow/Sqrt/Div)


class SecureMLMLP(nn.Module):
    """SecureML (Mohassel & Zhang, S&P 2017) MNIST network: 784-128-128-10, ReLU."""
    def __init__(s):
        super().__init__()
        s.fc1, s.fc2, s.fc3 = nn.Linear(784, 128), nn.Linear(128, 128), nn.Linear(128, 10)
    def forward(s, x):
        return s.fc3(F.relu(s.fc2(F.relu(s.fc1(x)))))


class LeNet5(nn.Module):
    """LeNet-5 on MNIST 1x28x28: conv5x5(6, pad 2)-ReLU-maxpool2-conv5x5(16)-ReLU-maxpool2-120-84-10."""
    def __init__(s):
        super().__init__()
        s.conv1, s.conv2 = nn.Conv2d(1, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
        s.fc1, s.fc2, s.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)
    def forward(s, x):
        x = F.max_pool2d(F.relu(s.conv1(x)), 2)
        x = F.max_pool2d(F.relu(s.conv2(x)), 2)
        x = x.flatten(1)
        return s.fc3(F.relu(s.fc2(F.relu(s.fc1(x)))))


class MiniONN(nn.Module):
    """MiniONN (Liu et al., CCS 2017, Fig. 13) CIFAR-10 network: 3x3 convs with padding 1,
    two 2x2 mean pools, 1x1 convs, one FC 1024->10. Same net Delphi and HawkEye evaluate."""
    def __init__(s):
        super().__init__()
        c = lambda i, o, k: nn.Conv2d(i, o, k, padding=k // 2)
        s.conv1, s.conv2 = c(3, 64, 3), c(64, 64, 3)
        s.conv3, s.conv4 = c(64, 64, 3), c(64, 64, 3)
        s.conv5, s.conv6, s.conv7 = c(64, 64, 3), c(64, 64, 1), c(64, 16, 1)
        s.fc = nn.Linear(1024, 10)
    def forward(s, x):
        x = F.relu(s.conv2(F.relu(s.conv1(x))))
        x = F.avg_pool2d(x, 2)
        x = F.relu(s.conv4(F.relu(s.conv3(x))))
        x = F.avg_pool2d(x, 2)
        x = F.relu(s.conv7(F.relu(s.conv6(F.relu(s.conv5(x))))))
        return s.fc(x.flatten(1))


class BasicBlock(nn.Module):
    def __init__(s, i, o, stride):
        super().__init__()
        s.conv1, s.bn1 = nn.Conv2d(i, o, 3, stride, 1, bias=False), nn.BatchNorm2d(o)
        s.conv2, s.bn2 = nn.Conv2d(o, o, 3, 1, 1, bias=False), nn.BatchNorm2d(o)
        s.shortcut = nn.Sequential()
        if stride != 1 or i != o:  # option B: 1x1 projection shortcut
            s.shortcut = nn.Sequential(nn.Conv2d(i, o, 1, stride, bias=False), nn.BatchNorm2d(o))
    def forward(s, x):
        y = F.relu(s.bn1(s.conv1(x)))
        return F.relu(s.bn2(s.conv2(y)) + s.shortcut(x))


class ResNet20(nn.Module):
    """ResNet-20 for CIFAR-10 (He et al. 2016, Sec. 4.2): 3 stages x 3 basic blocks, 16/32/64 channels."""
    def __init__(s):
        super().__init__()
        s.conv1, s.bn1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16)
        layers, i = [], 16
        for o, stride in [(16, 1), (32, 2), (64, 2)]:
            blocks = [BasicBlock(i, o, stride), BasicBlock(o, o, 1), BasicBlock(o, o, 1)]
            layers.append(nn.Sequential(*blocks)); i = o
        s.layer1, s.layer2, s.layer3 = layers
        s.fc = nn.Linear(64, 10)
    def forward(s, x):
        x = F.relu(s.bn1(s.conv1(x)))
        x = s.layer3(s.layer2(s.layer1(x)))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return s.fc(x)


class SelfAttention(nn.Module):
    def __init__(s, d, heads):
        super().__init__()
        s.h, s.dk = heads, d // heads
        s.query, s.key, s.value, s.out = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
    def forward(s, x):
        b, t, d = x.shape
        split = lambda y: y.reshape(b, t, s.h, s.dk).transpose(1, 2)
        q, k, v = split(s.query(x)), split(s.key(x)), split(s.value(x))
        a = torch.softmax(q @ k.transpose(-1, -2) / (s.dk ** 0.5), dim=-1)
        return s.out((a @ v).transpose(1, 2).reshape(b, t, d))


class EncoderBlock(nn.Module):
    """Post-LN Transformer encoder block (Vaswani et al. 2017; BERT's layout): MHA, GELU FFN."""
    def __init__(s, d, heads, ffn):
        super().__init__()
        s.attention, s.ln1 = SelfAttention(d, heads), nn.LayerNorm(d)
        s.intermediate, s.output, s.ln2 = nn.Linear(d, ffn), nn.Linear(ffn, d), nn.LayerNorm(d)
    def forward(s, x):
        x = s.ln1(x + s.attention(x))
        return s.ln2(x + s.output(F.gelu(s.intermediate(x))))


class Bert(nn.Module):
    """BERT-base encoder (Devlin et al. 2019): 12 layers, hidden 768, 12 heads, FFN 3072, with the
    embedding LayerNorm, pooler (first token, Linear+Tanh) and a 2-way classifier. The input is the
    summed token+position embeddings (float), since MPC frameworks take private float inputs."""
    def __init__(s, layers=12, d=768, heads=12, ffn=3072):
        super().__init__()
        s.embeddings_ln = nn.LayerNorm(d)
        s.encoder = nn.Sequential(*[EncoderBlock(d, heads, ffn) for _ in range(layers)])
        s.pooler, s.classifier = nn.Linear(d, d), nn.Linear(d, 2)
    def forward(s, x):
        x = s.encoder(s.embeddings_ln(x))
        return s.classifier(torch.tanh(s.pooler(x[:, 0])))


def export(model, shape, name, graph_only=False, dynamic=False, opset=OPSET, out_dir=SAMPLES):
    model.eval()
    torch.manual_seed(0)
    x = torch.randn(*shape)
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "m.onnx")
        kw = {}
        if dynamic:
            kw["dynamic_axes"] = {"input": {0: "N"}, "output": {0: "N"}}
        torch.onnx.export(model, x, raw, opset_version=opset, input_names=["input"], output_names=["output"], **kw)
        m = onnx.load(raw)
        record_shapes(m, name)
        path = os.path.join(out_dir, name + ".onnx")
        if graph_only:
            data = name + ".weights"
            onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True, location=data, size_threshold=1024)
            os.remove(os.path.join(out_dir, data))  # ship the graph alone, as large models are shipped
        else:
            onnx.save_model(m, path)
    print(f"{name:24s} {os.path.getsize(path):>9d} B  {len(m.graph.node):4d} nodes")


def dims(t):
    return [d.dim_value if d.HasField("dim_value") else d.dim_param for d in t.type.tensor_type.shape.dim]


def record_shapes(m, name, out_dir=SHAPES):
    inferred = onnx.shape_inference.infer_shapes(m, strict_mode=True)
    g = inferred.graph
    known = {v.name: dims(v) for v in list(g.value_info) + list(g.output) + list(g.input)}
    init = {i.name for i in g.initializer}
    out = {
        "inputs": {i.name: dims(i) for i in g.input if i.name not in init},
        "nodes": [{"name": n.name, "op": n.op_type, "outputs": [known.get(o) for o in n.output]} for n in g.node],
    }
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(out, f, indent=1)


def main():
    torch.manual_seed(0)
    os.makedirs(SAMPLES, exist_ok=True); os.makedirs(MODELS, exist_ok=True)
    export(SecureMLMLP(), (1, 784), "mlp")
    export(LeNet5(), (1, 1, 28, 28), "lenet")
    export(MiniONN(), (1, 3, 32, 32), "minionn")
    export(ResNet20(), (1, 3, 32, 32), "resnet20")
    export(EncoderBlock(128, 4, 512), (1, 64, 128), "transformer_block")
    export(torchvision.models.resnet18(), (1, 3, 224, 224), "resnet18", graph_only=True)
    export(torchvision.models.resnet50(), (1, 3, 224, 224), "resnet50", graph_only=True)
    export(torchvision.models.mobilenet_v2(), (1, 3, 224, 224), "mobilenetv2", graph_only=True)
    export(Bert(), (1, 128, 768), "bert_base", graph_only=True)
    # Test-only variants.
    export(SecureMLMLP(), (1, 784), "mlp_dynamic", dynamic=True, out_dir=MODELS)
    export(EncoderBlock(128, 4, 512), (1, 64, 128), "transformer_block_opset17", opset=17, out_dir=MODELS)
    manifest = sorted(f[:-5] for f in os.listdir(SAMPLES) if f.endswith(".onnx"))
    with open(os.path.join(SAMPLES, "index.json"), "w") as f:
        json.dump(manifest, f)


if __name__ == "__main__":
    sys.exit(main())
