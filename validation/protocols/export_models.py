"""Graph-only ONNX exports used by the protocol tests (deterministic; weights random).

Reproduce: validation/.venv-torch/bin/python validation/protocols/export_models.py
"""
import os, sys
import torch, torch.nn as nn
import onnx

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "models")


class DelphiLeNet(nn.Module):
    """Architecture of the Delphi LeNet run in tests/fixtures/delphi/lenet.txt:
    conv 1->16 5x5, ReLU, AvgPool2, conv 16->16 5x5, ReLU, AvgPool2, FC 256->100, ReLU, FC 100->10."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 16, 5)
        self.c2 = nn.Conv2d(16, 16, 5)
        self.f1 = nn.Linear(256, 100)
        self.f2 = nn.Linear(100, 10)

    def forward(self, x):
        x = nn.functional.avg_pool2d(torch.relu(self.c1(x)), 2)
        x = nn.functional.avg_pool2d(torch.relu(self.c2(x)), 2)
        x = torch.flatten(x, 1)
        return self.f2(torch.relu(self.f1(x)))


class Block(nn.Module):
    def __init__(self, cin, cout, stride, plain=False):
        super().__init__()
        self.plain = plain
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False); self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False); self.b2 = nn.BatchNorm2d(cout)
        self.sc = None
        if stride != 1 or cin != cout:
            self.sc = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        if self.plain:
            return torch.relu(y)
        return torch.relu(y + (x if self.sc is None else self.sc(x)))


class ResNet32(nn.Module):
    """CIFAR ResNet-32 (He et al.; 3 stages × 5 basic blocks, 16/32/64 channels), 100 classes as Delphi."""

    def __init__(self, classes=100, plain=False):
        super().__init__()
        self.c = nn.Conv2d(3, 16, 3, 1, 1, bias=False); self.b = nn.BatchNorm2d(16)
        layers, cin = [], 16
        for cout, st in [(16, 1), (32, 2), (64, 2)]:
            for i in range(5):
                layers.append(Block(cin, cout, st if i == 0 else 1, plain)); cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.layers(torch.relu(self.b(self.c(x))))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class MiniONN(nn.Module):
    """MiniONN CIFAR-10 network as Delphi's experiments build it (ReLU everywhere, AvgPool)."""

    def __init__(self):
        super().__init__()
        ch = [(3, 64), (64, 64), None, (64, 64), (64, 64), None, (64, 64), (64, 64, 1), (64, 16, 1)]
        mods = []
        for c in ch:
            if c is None:
                mods.append(nn.AvgPool2d(2))
            else:
                k = 1 if len(c) == 3 else 3
                mods += [nn.Conv2d(c[0], c[1], k, 1, 1 if k == 3 else 0), nn.ReLU()]
        self.f = nn.Sequential(*mods)
        self.fc = nn.Linear(16 * 8 * 8, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.f(x), 1))


def save(model, shape, name, strip=True):
    torch.manual_seed(0)
    path = os.path.join(OUT, name)
    torch.onnx.export(model.eval(), torch.zeros(*shape), path, opset_version=13,
                      input_names=["input"], output_names=["output"], do_constant_folding=True)
    if strip:
        m = onnx.load(path)
        for init in m.graph.initializer:  # graph-only: keep dims, drop weight bytes
            if len(init.dims) > 1 or (len(init.dims) == 1 and init.dims[0] > 64):
                init.ClearField("raw_data"); init.ClearField("float_data")
                init.data_location = onnx.TensorProto.EXTERNAL  # weights file deliberately absent
                e = init.external_data.add(); e.key = "location"; e.value = "weights.bin"
        onnx.save(m, path)
    print(name, os.path.getsize(path))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    save(DelphiLeNet(), (1, 1, 28, 28), "delphi_lenet.onnx", strip=False)
    if len(sys.argv) > 1 and sys.argv[1] == "all":
        import torchvision.models as tv
        save(tv.squeezenet1_1(), (1, 3, 224, 224), "squeezenet1_1.onnx")
        save(tv.densenet121(), (1, 3, 224, 224), "densenet121.onnx")
        save(tv.squeezenet1_0(), (1, 3, 224, 224), "squeezenet1_0.onnx")
        save(tv.resnet50(), (1, 3, 224, 224), "resnet50.onnx")
        save(ResNet32(), (1, 3, 32, 32), "resnet32_cifar.onnx")
        # Delphi's experiments ResNet-32 is a sequential layer list: no shortcut branches
        save(ResNet32(plain=True), (1, 3, 32, 32), "resnet32_plain.onnx")
        save(MiniONN(), (1, 3, 32, 32), "minionn.onnx")
