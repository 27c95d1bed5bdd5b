"""Graph-only ONNX exports used by the protocol tests (deterministic; weights random).

Reproduce: /work/main/validation/.venv-torch/bin/python validation/protocols/export_models.py
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
                init.data_location = onnx.TensorProto.DEFAULT
        onnx.save(m, path)
    print(name, os.path.getsize(path))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    save(DelphiLeNet(), (1, 1, 28, 28), "delphi_lenet.onnx", strip=False)
    if len(sys.argv) > 1 and sys.argv[1] == "all":
        import torchvision.models as tv
        save(tv.squeezenet1_1(), (1, 3, 224, 224), "squeezenet1_1.onnx")
        save(tv.densenet121(), (1, 3, 224, 224), "densenet121.onnx")
