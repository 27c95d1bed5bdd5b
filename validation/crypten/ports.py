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
import torch
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


class Log(_Port):
    """x.log() (CrypTen: Householder iterations on exp, approximations.py `log`)."""

    def forward(self, x):
        return x.log()


class ConvTranspose(_Port):
    """x.conv_transpose2d(w, stride, padding, output_padding, groups, dilation) + b: one Beaver
    product like conv2d (beaver.py `conv_transpose2d`), then the public bias added."""

    def forward(self, inputs):
        x, w = inputs[0], inputs[1]
        a = self.attrs
        pads = a.get("pads", [0, 0, 0, 0])
        kwargs = {"stride": tuple(a.get("strides", [1, 1])), "padding": tuple(pads[:2]),
                  "output_padding": tuple(a.get("output_padding", [0, 0])), "groups": a.get("group", 1),
                  "dilation": tuple(a.get("dilations", [1, 1]))}
        y = x.conv_transpose2d(w, **kwargs)
        if len(inputs) > 2:
            y = y + inputs[2].view(1, -1, 1, 1)
        return y


PORTS = [LayerNormalization, SimplifiedLayerNormalization, Gelu, Tanh, Reciprocal, Log, ConvTranspose]


def install():
    """Make from_onnx find the ports (only for ops it has no module of its own for)."""
    for cls in PORTS:
        if not hasattr(cmod, cls.__name__):
            setattr(cmod, cls.__name__, cls)


FLOAT = (1, 10, 11, 16)


def public_tensors(m):
    """mpclens's public rule (src/public.rs) on an ONNX model: (public tensor names, indices of
    public nodes). Integer initializers, one-element float initializers, `Constant` nodes and
    integer graph inputs are public; a node on public values only (or on shapes) is public."""
    g = m.graph
    public = {t.name for t in g.initializer if t.data_type not in FLOAT or all(d == 1 for d in t.dims)}
    public |= {i.name for i in g.input if i.type.tensor_type.elem_type not in FLOAT and i.name not in public}
    nodes = []
    for k, n in enumerate(g.node):
        ins = [i for i in n.input if i]
        if n.op_type in ("Constant", "Shape", "Size") or (ins and all(i in public for i in ins)):
            public |= set(n.output)
            nodes.append(k)
    return public, nodes


def ported_ops(path_or_model, values=None):
    """The ops of a model's secret nodes that run as ports: ops from_onnx has no module for, and
    the forms CrypTen's module fails on (Div of a public numerator, Gemm without C, Gather
    without an axis, ReduceMean/ReduceSum with axes as an input, Slice past int32). `values`:
    known public values (hf.py), for the Slice bounds."""
    import numpy as np
    import onnx
    m = onnx.load(path_or_model, load_external_data=False) if isinstance(path_or_model, str) else path_or_model
    public, pub_nodes = public_tensors(m)
    nodes = [n for k, n in enumerate(m.graph.node) if k not in set(pub_nodes)]
    consts = {t.name: onnx.numpy_helper.to_array(t) for t in m.graph.initializer if t.data_type not in FLOAT}
    consts.update(values or {})
    big = lambda name: name in consts and np.abs(np.asarray(consts[name], np.int64)).max(initial=0) >= 2**31
    names = {c.__name__ for c in PORTS}
    out = {n.op_type for n in nodes if n.op_type in names}
    nan_masks = {o for n in nodes if n.op_type == "IsNaN" for o in n.output}
    for n in nodes:
        if (n.op_type == "Div" and n.input[0] in public and n.input[1] not in public) \
                or (n.op_type == "Gemm" and len(n.input) < 3) \
                or (n.op_type == "Gather" and not any(a.name == "axis" for a in n.attribute)) \
                or (n.op_type in ("ReduceMean", "ReduceSum") and len(n.input) > 1) \
                or (n.op_type == "Slice" and any(big(i) for i in n.input[1:3])) \
                or (n.op_type == "Where" and n.input[1] in public and n.input[2] not in public
                    and (n.input[0] in public or n.input[0] in nan_masks)):
            out.add(n.op_type)
    return sorted(out)


class Neg(_Port):
    """−x (`x.neg()`: local). CrypTen 0.4.1 has no Neg module (LLaMA's rotate_half writes one)."""

    def forward(self, x):
        return x.neg()


class Split(_Port):
    """x.split(sizes, axis) (local). CrypTen 0.4.1 has no Split module (GPT-2's qkv split).
    The sizes are input 1 (opset ≥ 13), the `split` attribute, or `num_outputs` equal parts."""

    def forward(self, inputs):
        x, sizes = (inputs[0], inputs[1]) if isinstance(inputs, (list, tuple)) else (inputs, None)
        axis = self.attrs.get("axis", 0)
        if sizes is not None:
            sizes = [int(s) for s in sizes.tolist()]
        else:
            sizes = self.attrs.get("split") or x.size(axis) // self.attrs["num_outputs"]
        return tuple(x.split(sizes, axis))


class DivPort(cmod.Div):
    """A public numerator over an encrypted divisor (torch's exported rsqrt, `Div(1, Sqrt)`):
    CrypTen's own Div calls `torch.Tensor.div(tensor, cryptensor)` (NotImplementedError); the
    port is `y.reciprocal() · c` (the signed Newton–Raphson reciprocal, then a public product).
    Every other division is CrypTen's own."""

    def forward(self, input):
        x, y = input
        if torch.is_tensor(x) and crypten.is_encrypted_tensor(y):
            return y.reciprocal() * x
        return super().forward(input)

    @staticmethod
    def from_onnx(attributes=None):
        return DivPort()


class _ReduceAxesInput(_Port):
    """ReduceMean/ReduceSum with the axes as an input (opset 18+ ReduceMean, 13+ ReduceSum):
    from_onnx's Mean/Sum read the opset-17 `axes` attribute (KeyError 'axes'); the port is
    `x.mean(axes, keepdim)` / `x.sum(axes, keepdim)`, CrypTen's own reduction."""
    fn = "mean"

    def forward(self, inputs):
        x, axes = (inputs[0], inputs[1]) if isinstance(inputs, (list, tuple)) else (inputs, None)
        axes = self.attrs.get("axes") or [int(a) for a in axes.tolist()]
        dim = axes[0] if len(axes) == 1 else tuple(axes)
        return getattr(x, self.fn)(dim, keepdim=bool(self.attrs.get("keepdims", 1)))


class ReduceMean(_ReduceAxesInput):
    fn = "mean"


class ReduceSum(_ReduceAxesInput):
    fn = "sum"


_GATHER, _GEMM, _SLICE = cmod.Gather, cmod.Gemm, cmod.Slice


class GatherPort(_GATHER):
    """from_onnx's Gather without an `axis` attribute (ONNX's default 0; the legacy exporter
    omits it) takes from the flattened tensor (`tensor.take(indices, None)`); the port gathers
    on axis 0, as ONNX means. Local either way."""

    @staticmethod
    def from_onnx(attributes=None):
        attributes = dict(attributes or {})
        attributes.setdefault("axis", 0)
        return _GATHER.from_onnx(attributes)


class GemmPort(cmod.Gemm):
    """A Gemm without its bias input C: CrypTen's Gemm unpacks exactly three inputs
    (`a, b, c = tuple(x)`: ValueError); the port is `a.matmul(b)·alpha`, its own maths."""

    def forward(self, x):
        if len(x) == 3:
            return super().forward(x)
        a, b = x
        a = a.t() if self.trans_a else a
        b = b.t() if self.trans_b else b
        return a.matmul(b).mul(self.alpha)

    @staticmethod
    def from_onnx(attributes=None):
        g = _GEMM.from_onnx(attributes)
        g.__class__ = GemmPort
        return g


class SlicePort(cmod.Slice):
    """CrypTen's Slice casts starts and ends to int32 (`ends.int()`): the INT64_MAX end torch
    writes for `x[..., k:]` (held as a float by CrypTen's Constant) wraps negative (narrow():
    length must be non-negative). The port clamps them to ±2^30 first; slicing stays local."""

    def forward(self, x):
        if isinstance(x, list) and len(x) >= 3:
            x = [x[0]] + [torch.clamp(v, -(2**30), 2**30) for v in x[1:3]] + list(x[3:])
        return super().forward(x)

    @staticmethod
    def from_onnx(attributes=None):
        s = _SLICE.from_onnx(attributes)
        s.__class__ = SlicePort
        return s


class IsNaN(_Port):
    """An all-false public mask: CrypTen's fixed-point values are never NaN, so the NaN guard of
    torch's scaled-dot-product attention (`Where(IsNaN(p), 0, p)`) keeps p. The Where after it
    then has a public condition (`crypten.where`: `x·c + y·(1 − c)`)."""

    def forward(self, x):
        return torch.zeros(tuple(x.size()), dtype=torch.bool)


class HardSigmoid(_Port):
    """(x·alpha + beta).hardtanh(0, 1): a public product, then CrypTen's hardtanh."""

    def forward(self, x):
        return (x * self.attrs.get("alpha", 0.2) + self.attrs.get("beta", 0.5)).hardtanh(0, 1)


class HardSwish(_Port):
    """x·(x/6 + 1/2).hardtanh(0, 1) (HardSwish = x·HardSigmoid(x) with alpha 1/6)."""

    def forward(self, x):
        return x * (x * (1 / 6) + 0.5).hardtanh(0, 1)


class WherePort(cmod.Where):
    """A public condition with a public true branch and an encrypted false branch (the NaN
    guard `Where(IsNaN(p), 0, p)` once IsNaN is a public mask): `crypten.where` computes
    `x·c + y·(1 − c)` and the torch + CrypTensor sum raises NotImplementedError. The port adds
    in the other order, `y·(1 − c) + x·c`: the same products."""

    def forward(self, input):
        c, x, y = input
        if torch.is_tensor(c) and torch.is_tensor(x) and crypten.is_encrypted_tensor(y):
            c = c.float()
            return y * (1 - c) + x * c
        return super().forward(input)

    @staticmethod
    def from_onnx(attributes=None):
        return WherePort()


PORTS += [Neg, Split, IsNaN, HardSigmoid, HardSwish]


def install_all():
    """`install()` plus the ports of ops CrypTen has a module for but cannot run in every form
    (Div of a public numerator)."""
    install()
    cmod.Div = DivPort
    cmod.Gather, cmod.Gemm, cmod.Slice, cmod.Where = GatherPort, GemmPort, SlicePort, WherePort
    # Checked first by from_onnx (`getattr(module, op)` before its ONNX_TO_CRYPTEN aliases):
    # the ports take both forms (attribute or input axes).
    cmod.ReduceMean, cmod.ReduceSum = ReduceMean, ReduceSum
