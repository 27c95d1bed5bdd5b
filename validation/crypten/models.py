"""Small extra models for the CrypTen fixtures (torch export, weights included),
written to tests/fixtures/crypten/models/model_*.onnx.

    validation/.venv-torch/bin/python validation/crypten/models.py
"""
import os, sys
import torch, torch.nn as nn, torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "samples"))
from export import SecureMLMLP, LeNet5, EncoderBlock  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "crypten", "models")


class MLPSigmoid(nn.Module):
    def __init__(s):
        super().__init__()
        s.fc1, s.fc2 = nn.Linear(784, 64), nn.Linear(64, 10)
    def forward(s, x):
        return s.fc2(torch.sigmoid(s.fc1(x)))


class CNNBatchNorm(nn.Module):
    def __init__(s):
        super().__init__()
        s.conv, s.bn, s.fc = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.Linear(8 * 8 * 8, 10)
        with torch.no_grad():
            s.bn.weight.uniform_(0.5, 1.5); s.bn.bias.uniform_(-0.1, 0.1); s.bn.running_var.uniform_(0.5, 1.5)
    def forward(s, x):
        return s.fc(F.max_pool2d(F.relu(s.bn(s.conv(x))), 2).flatten(1))


class CryptoNets(nn.Module):
    """CryptoNets (Gilad-Bachrach et al., ICML 2016): conv 5x5/2 → x² → FC → x² → FC."""
    def __init__(s):
        super().__init__()
        s.conv, s.fc1, s.fc2 = nn.Conv2d(1, 5, 5, stride=2, padding=1), nn.Linear(5 * 13 * 13, 100), nn.Linear(100, 10)
    def forward(s, x):
        x = s.conv(x).pow(2).flatten(1)
        return s.fc2(s.fc1(x).pow(2))


class CNNAvgClip(nn.Module):
    def __init__(s):
        super().__init__()
        s.conv1, s.conv2, s.fc = nn.Conv2d(3, 6, 3, stride=2), nn.Conv2d(6, 12, 3), nn.Linear(12, 4)
    def forward(s, x):
        x = F.relu6(s.conv1(x))
        x = F.avg_pool2d(F.relu(s.conv2(x)), 2)
        return s.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


class TinyClassifier(nn.Module):
    """A one-block transformer classifier: decomposed LayerNorm, softmax
    attention and exact GELU (opset 14), mean over tokens, linear head."""
    def __init__(s):
        super().__init__()
        s.block, s.head = EncoderBlock(16, 2, 32), nn.Linear(16, 4)
        with torch.no_grad():  # distinct values: the exporter dedups equal initializers into Identity
            for p in s.block.parameters():
                p.add_(torch.randn_like(p) * 0.01)
    def forward(s, x):
        return s.head(s.block(x).mean(1))


class MLPSoftmaxGelu(nn.Module):
    """Backward rules of softmax and exact GELU (Div, Erf, Add, Mul) without
    ReduceMean, which CrypTen 0.4.1 cannot differentiate."""
    def __init__(s):
        super().__init__()
        s.fc1, s.fc2, s.fc3 = nn.Linear(32, 16), nn.Linear(16, 16), nn.Linear(16, 4)
    def forward(s, x):
        x = torch.softmax(s.fc1(x), dim=1)
        return s.fc3(F.gelu(s.fc2(x)))


def export(model, shape, name, **kw):
    torch.manual_seed(0)
    model.eval()
    torch.onnx.export(model, torch.randn(*shape), os.path.join(OUT, f"model_{name}.onnx"), opset_version=14,
                      input_names=["input"], output_names=["output"], **kw)


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    export(MLPSigmoid(), (2, 784), "mlp_sigmoid")
    export(CNNBatchNorm(), (1, 3, 16, 16), "cnn_batchnorm", training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    export(CryptoNets(), (1, 1, 28, 28), "cryptonets")
    export(CNNAvgClip(), (2, 3, 17, 17), "cnn_avgpool_relu6")
    export(EncoderBlock(16, 2, 32), (1, 8, 16), "tiny_encoder")
    export(SecureMLMLP(), (4, 784), "mlp_batch4")
    export(LeNet5(), (2, 1, 28, 28), "lenet_batch2")
    export(TinyClassifier(), (2, 8, 16), "tiny_classifier")
    export(MLPSoftmaxGelu(), (2, 32), "mlp_softmax_gelu")


if __name__ == "__main__":
    main()
