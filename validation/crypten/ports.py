"""Ports: ONNX ops CrypTen 0.4.1's `crypten.nn.from_onnx` cannot load, written
as a CrypTen user would write them with CrypTen's own tensor functions
(CrypTen 0.4.1 has no LayerNorm, GELU, RMSNorm, Tanh or Reciprocal module).

`install()` registers each port as a `crypten.nn.module` class of the ONNX op's
name, which is where from_onnx looks first (`onnx_converter.py`
`_get_operator_class`), so a graph with these ops loads and every other node
runs CrypTen's own module. measure.py installs them and records which ops of a
model ran as ports (fixture field "ports"); mpclens prices each port exactly
and notes it as one (`src/frameworks/crypten/ops.rs` `PORTS`).
"""
import math

import crypten
import crypten.nn.module as cmod


class _Port(cmod.Module):
    def __init__(self, attributes):
        super().__init__()
        self.attrs = attributes or {}

    @classmethod
    def from_onnx(cls, attributes=None):
        return cls(attributes)


class LayerNormalization(_Port):
    """c = x − x.mean(-1, keepdim=True); c·(c.square().mean(-1, keepdim=True) + ε).inv_sqrt()·γ + β.
    The population variance as a mean of squares: CrypTen 0.4.1's
    x.var(unbiased=False) divides by D − 1 (regular.py `var` subtracts 1 when
    *not* unbiased). Normalises the last axis (what exporters write)."""

    def forward(self, inputs):
        x, gamma = inputs[0], inputs[1]
        c = x - x.mean(-1, keepdim=True)
        y = c * (c.square().mean(-1, keepdim=True) + self.attrs.get("epsilon", 1e-5)).inv_sqrt() * gamma
        return y + inputs[2] if len(inputs) > 2 else y


class SimplifiedLayerNormalization(_Port):
    """x·(x.pow(2).mean(-1, keepdim=True) + ε).inv_sqrt()·γ (RMSNorm)."""

    def forward(self, inputs):
        x, gamma = inputs[0], inputs[1]
        return x * (x.pow(2).mean(-1, keepdim=True) + self.attrs.get("epsilon", 1e-5)).inv_sqrt() * gamma


class Gelu(_Port):
    """none: x·((x/√2).erf() + 1)·0.5; tanh: x·(((x + 0.044715·x.pow(3))·√(2/π)).tanh() + 1)·0.5."""

    def forward(self, x):
        if self.attrs.get("approximate", b"none") in (b"tanh", "tanh"):
            inner = (x + x.pow(3) * 0.044715) * math.sqrt(2 / math.pi)
            return x * (inner.tanh() + 1) * 0.5
        return x * ((x / math.sqrt(2)).erf() + 1) * 0.5


class Tanh(_Port):
    """x.tanh() (CrypTen: 2·sigmoid(2x) − 1)."""

    def forward(self, x):
        return x.tanh()


class Reciprocal(_Port):
    """x.reciprocal() (Newton–Raphson, sign-corrected)."""

    def forward(self, x):
        return x.reciprocal()


PORTS = [LayerNormalization, SimplifiedLayerNormalization, Gelu, Tanh, Reciprocal]


def install():
    """Make from_onnx find the ports (only for ops it has no module of its own for)."""
    for cls in PORTS:
        if not hasattr(cmod, cls.__name__):
            setattr(cmod, cls.__name__, cls)


def ported_ops(path):
    """The ops of a model that run as ports."""
    import onnx
    names = {c.__name__ for c in PORTS}
    return sorted({n.op_type for n in onnx.load(path, load_external_data=False).graph.node if n.op_type in names})
