"""A small ONNX -> JAX interpreter: runs the exact ONNX graph node by node as a
JAX function, following the convention in validation/spu/CONVENTION.md (which
mpclens's SEMI2K cost model follows too).

    prog = Program("static/samples/mlp.onnx")
    args = prog.example_args(seed=0)      # inputs first, then secret initializers
    outs = prog.fn(*args)                 # a tuple, one entry per graph output

Every float initializer used in a compute slot is an argument of `fn` (SPU
secret-shares it like the model input). Constant nodes, integer initializers
and initializers that only feed static slots (shapes, axes, pads, indices,
Pow exponents, Clip bounds, ...) are numpy constants baked into the program.
Values computed only from constants are folded in Python (numpy).

Self-check against onnx's reference evaluator (no SPU needed):

    validation/.venv-spu/bin/python validation/spu/onnx2jax.py --check tests/fixtures/ops/*.onnx
"""
import math
import sys

import numpy as np
import onnx
from onnx import numpy_helper

import jax
import jax.numpy as jnp
from jax import lax

# (op_type, input index) whose value must be known when the program is built.
STATIC_SLOTS = {
    "Reshape": {1}, "Expand": {1}, "Tile": {1}, "Slice": {1, 2, 3, 4}, "Pad": {1, 2, 3},
    "Squeeze": {1}, "Unsqueeze": {1}, "ReduceSum": {1}, "ReduceMean": {1}, "ReduceMax": {1},
    "ReduceMin": {1}, "ReduceProd": {1}, "Split": {1}, "Gather": {1}, "Resize": {1, 2, 3},
    "Upsample": {1}, "Clip": {1, 2}, "Pow": {1}, "ConstantOfShape": {0}, "TopK": {1},
    "Range": {0, 1, 2}, "OneHot": {1, 2}, "Dropout": {1, 2},
    "GatherND": {1}, "GatherElements": {1}, "Trilu": {1},
}

NP_DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 5: np.int16, 6: np.int32, 7: np.int64,
             9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64}
# jax runs with 32-bit types (x64 disabled), as SPU's frontend expects.
JAX_DTYPES = {1: jnp.float32, 6: jnp.int32, 7: jnp.int32, 9: jnp.bool_, 10: jnp.float32, 11: jnp.float32,
              2: jnp.uint8, 3: jnp.int8, 5: jnp.int16, 12: jnp.uint32, 13: jnp.uint32}


def is_static(v):
    return v is None or isinstance(v, (np.ndarray, np.generic))


def static(v, what="value"):
    if v is None:
        return None
    if not is_static(v):
        raise ValueError(f"{what} must be a public constant, but it depends on a secret")
    return np.asarray(v)


class Unsupported(Exception):
    pass


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _s(v):
    return v.decode() if isinstance(v, bytes) else v


class Program:
    def __init__(self, path, seed=0, batch=None, dims=None, public_ints=False):
        """`dims` pins symbolic axes by name ({"seq": 1, "past": 7}); a 0 gives an empty tensor
        (a KV cache at prefill). `public_ints`: integer inputs are public constants, as mpclens's
        rule says (token ids drawn at random below 2, attention masks all ones), not arguments;
        an empty input is a (dataless) public constant too."""
        self.path = path
        dims = dims or {}
        m = onnx.load(path, load_external_data=False)
        self.model = m
        self.opset = next((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), 13)
        g = m.graph
        self.graph = g
        init_names = {i.name for i in g.initializer}
        self.inputs = []  # (name, shape, np dtype)
        self.public_inputs = {}  # name -> numpy value (public_ints, or empty)
        for i in g.input:
            if i.name in init_names:
                continue
            tt = i.type.tensor_type
            shape = [d.dim_value if d.HasField("dim_value") else dims.get(d.dim_param, -1) for d in tt.shape.dim]
            if batch is not None and shape:
                shape[0] = batch  # override the batch dimension (dim 0)
            if any(d < 0 or (d == 0 and not dims) for d in shape):
                raise ValueError(f"input {i.name} has a non-static shape {shape}")
            dt = NP_DTYPES.get(tt.elem_type, np.float32)
            if public_ints and not np.issubdtype(dt, np.floating):
                self.public_inputs[i.name] = (np.ones(shape) if "mask" in i.name else
                                              np.random.default_rng(seed).integers(0, 2, shape)).astype(np.int64)
                continue
            if 0 in shape:
                self.public_inputs[i.name] = np.zeros(shape, dt)
                continue
            self.inputs.append((i.name, shape, dt))
        # Which initializers are used in compute slots (-> secret arguments)?
        compute_use, static_use = set(), set()
        for n in g.node:
            slots = STATIC_SLOTS.get(n.op_type, set())
            for k, name in enumerate(n.input):
                (static_use if k in slots else compute_use).add(name)
        rng = np.random.default_rng(seed + 1000)
        self.const = {}  # name -> numpy value (public)
        self.secret = []  # (name, numpy value) in initializer order
        self.generated = 0  # initializers whose data was absent (external) and were drawn at random
        for t in g.initializer:
            arr = self._init_value(t, rng)
            # A one-element float initializer is a constant the model's code wrote as a number
            # (a dynamo export's attention scale or epsilon): public, as mpclens's rule says.
            weight = t.data_type in (1, 10, 11) and t.name in compute_use and arr.size != 1
            if weight:
                self.secret.append((t.name, arr.astype(np.float32)))
            if t.name in static_use or not weight:
                self.const[t.name] = arr
        self.const.update(self.public_inputs)
        self.outputs = [o.name for o in g.output]

    def _init_value(self, t, rng):
        ext = t.data_location == onnx.TensorProto.EXTERNAL
        if not ext:
            try:
                return numpy_helper.to_array(t)
            except Exception:
                ext = True
        self.generated += 1
        shape = list(t.dims)
        if t.data_type in (1, 10, 11):
            if "var" in t.name:
                return rng.uniform(0.5, 1.5, shape).astype(np.float32)
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
            return (rng.standard_normal(shape) / math.sqrt(max(fan_in, 1))).astype(np.float32)
        raise ValueError(f"initializer {t.name} (type {t.data_type}) has no data")

    # ---- arguments -------------------------------------------------------
    def arg_shapes(self):
        return [s for _, s, _ in self.inputs] + [list(v.shape) for _, v in self.secret]

    def example_args(self, seed=0, positive=False):
        rng = np.random.default_rng(seed)
        xs = []
        for _, shape, dt in self.inputs:
            if np.issubdtype(dt, np.floating):
                x = rng.uniform(0.5, 2.0, shape) if positive else rng.standard_normal(shape)
                xs.append(x.astype(np.float32))
            else:
                xs.append(rng.integers(0, 2, shape).astype(np.int32))
        return xs + [v for _, v in self.secret]

    # ---- evaluation ------------------------------------------------------
    def fn(self, *args):
        env = dict(self.const)
        names = [n for n, _, _ in self.inputs] + [n for n, _ in self.secret]
        if len(args) != len(names):
            raise TypeError(f"expected {len(names)} arguments, got {len(args)}")
        env.update(zip(names, args))
        return tuple(self.run_nodes(env)[o] for o in self.outputs)

    def run_nodes(self, env):
        for node in self.graph.node:
            if node.domain not in ("", "ai.onnx"):
                raise Unsupported(f"op {node.domain}::{node.op_type} (node {node.name}) is not supported")
            impl = OPS.get(node.op_type)
            if impl is None:
                raise Unsupported(f"op {node.op_type} (node {node.name}) is not supported by onnx2jax")
            ins = [env[n] if n else None for n in node.input]
            folded = all(is_static(v) for v in ins)
            if folded:  # only public constants in: fold it in Python, it becomes a constant
                with jax.ensure_compile_time_eval():
                    outs = impl(self, node, _attrs(node), ins)
            else:
                outs = impl(self, node, _attrs(node), ins)
            if not isinstance(outs, (tuple, list)):
                outs = (outs,)
            for name, v in zip(node.output, outs):
                if name:
                    env[name] = np.asarray(v) if folded and v is not None else v
        return env


# ---- op implementations ---------------------------------------------------

def _explicit_pads(a, sp, k, s, d):
    """ONNX `pads` (begins then ends) after resolving `auto_pad` SAME_UPPER /
    SAME_LOWER / VALID for spatial sizes `sp`."""
    nd = len(sp)
    pads = list(a.get("pads", [0] * (2 * nd)))
    auto = _s(a.get("auto_pad", "NOTSET"))
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pads = [0] * (2 * nd)
        for i in range(nd):
            out = -(-sp[i] // s[i])
            total = max(0, (out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - sp[i])
            lo = total // 2 if auto == "SAME_UPPER" else total - total // 2
            pads[i], pads[i + nd] = lo, total - lo
    elif auto == "VALID":
        pads = [0] * (2 * nd)
    return pads


def _pool_geometry(shape, a, opset):
    """Explicit (begin, end) padding per spatial axis for reduce_window, including
    the extra end padding ceil_mode needs; also returns the ONNX explicit pads."""
    sp = list(shape[2:])
    nd = len(sp)
    k = list(a["kernel_shape"])
    s = list(a.get("strides", [1] * nd))
    d = list(a.get("dilations", [1] * nd))
    pads = _explicit_pads(a, sp, k, s, d)
    ceil = a.get("ceil_mode", 0)
    cfg = []
    for i in range(nd):
        eff = (k[i] - 1) * d[i] + 1
        span = sp[i] + pads[i] + pads[i + nd] - eff
        out = (-(-span // s[i]) if ceil else span // s[i]) + 1
        if ceil and (out - 1) * s[i] >= sp[i] + pads[i]:
            out -= 1  # the last window would start in the end padding
        extra = max(0, (out - 1) * s[i] + eff - (sp[i] + pads[i] + pads[i + nd]))
        cfg.append((pads[i], pads[i + nd] + extra, extra))
    return k, s, d, cfg


def _np_window_sum(x, k, s, d, pads):
    """numpy sum over each (dilated) window of a zero-padded array: the public divisor."""
    x = np.pad(x, pads)
    nd = x.ndim
    out_shape = [(x.shape[i] - ((k[i] - 1) * d[i] + 1)) // s[i] + 1 for i in range(nd)]
    out = np.zeros(out_shape, np.float64)
    for off in np.ndindex(*k):
        sl = tuple(slice(off[i] * d[i], off[i] * d[i] + (out_shape[i] - 1) * s[i] + 1, s[i]) for i in range(nd))
        out += x[sl]
    return out


def op_maxpool(p, n, a, ins):
    x = ins[0]
    if len(n.output) > 1 and n.output[1]:
        raise Unsupported("MaxPool with an Indices output")
    k, s, d, cfg = _pool_geometry(x.shape, a, p.opset)
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, *k), (1, 1, *s),
                             ((0, 0), (0, 0), *[(b, e) for b, e, _ in cfg]), window_dilation=(1, 1, *d))


def op_avgpool(p, n, a, ins):
    x = ins[0]
    k, s, d, cfg = _pool_geometry(x.shape, a, p.opset)
    padding = ((0, 0), (0, 0), *[(b, e) for b, e, _ in cfg])
    total = lax.reduce_window(x, 0.0, lax.add, (1, 1, *k), (1, 1, *s), padding, window_dilation=(1, 1, *d))
    # The divisor is public: count the cells each window covers (explicit pads count
    # when count_include_pad=1, the extra ceil_mode padding never does).
    ones = np.ones(x.shape[2:], np.float32)
    if a.get("count_include_pad", 0):
        ones = np.pad(ones, [(b, e - ex) for b, e, ex in cfg], constant_values=1.0)
        pad2 = [(0, ex) for _, _, ex in cfg]
    else:
        pad2 = [(b, e) for b, e, _ in cfg]
    cnt = _np_window_sum(ones, k, s, d, pad2)
    if np.all(cnt == cnt.flat[0]):
        return total / float(cnt.flat[0])
    return total / cnt.astype(np.float32)


def op_global_avgpool(p, n, a, ins):
    x = ins[0]
    sp = x.shape[2:]
    total = lax.reduce_window(x, 0.0, lax.add, (1, 1, *sp), (1, 1, *sp), "VALID")
    return total / float(np.prod(sp))


def op_global_maxpool(p, n, a, ins):
    x = ins[0]
    sp = x.shape[2:]
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, *sp), (1, 1, *sp), "VALID")


def _conv_pads(x, w, a):
    nd = x.ndim - 2
    k = list(a.get("kernel_shape", w.shape[2:]))
    s = list(a.get("strides", [1] * nd))
    d = list(a.get("dilations", [1] * nd))
    pads = _explicit_pads(a, list(x.shape[2:]), k, s, d)
    return s, d, [(pads[i], pads[i + nd]) for i in range(nd)]


def op_conv(p, n, a, ins):
    x, w = ins[0], ins[1]
    b = ins[2] if len(ins) > 2 else None
    s, d, pad = _conv_pads(x, w, a)
    nd = x.ndim - 2
    dn = {1: ("NCH", "OIH", "NCH"), 2: ("NCHW", "OIHW", "NCHW"), 3: ("NCDHW", "OIDHW", "NCDHW")}[nd]
    y = lax.conv_general_dilated(x, w, tuple(s), pad, rhs_dilation=tuple(d), dimension_numbers=dn,
                                 feature_group_count=a.get("group", 1))
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * nd)
    return y


def op_conv_transpose(p, n, a, ins):
    x, w = ins[0], ins[1]
    b = ins[2] if len(ins) > 2 else None
    if a.get("group", 1) != 1 or x.ndim != 4:
        raise Unsupported("ConvTranspose: only 2-D, group 1")
    k = list(w.shape[2:])
    s = list(a.get("strides", [1, 1]))
    d = list(a.get("dilations", [1, 1]))
    pads = list(a.get("pads", [0, 0, 0, 0]))
    op = list(a.get("output_padding", [0, 0]))
    # Gradient-of-conv form: dilate the input by the stride, pad by d(k-1)-p, flip the kernel.
    wt = jnp.flip(jnp.swapaxes(w, 0, 1), (2, 3)) if not is_static(w) else np.flip(np.swapaxes(w, 0, 1), (2, 3))
    pad = [(d[i] * (k[i] - 1) - pads[i], d[i] * (k[i] - 1) - pads[i + 2] + op[i]) for i in range(2)]
    y = lax.conv_general_dilated(x, wt, (1, 1), pad, lhs_dilation=tuple(s), rhs_dilation=tuple(d),
                                 dimension_numbers=("NCHW", "OIHW", "NCHW"))
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return y


def op_gemm(p, n, a, ins):
    A, B = ins[0], ins[1]
    C = ins[2] if len(ins) > 2 else None
    if a.get("transA", 0):
        A = A.T
    if a.get("transB", 0):
        B = B.T
    y = jnp.dot(A, B)
    alpha, beta = a.get("alpha", 1.0), a.get("beta", 1.0)
    if alpha != 1.0:
        y = alpha * y
    if C is not None:
        if beta != 1.0:
            C = beta * C
        y = y + C
    return y


def op_batchnorm(p, n, a, ins):
    x, scale, bias, mean, var = ins[:5]
    if a.get("training_mode", 0):
        raise Unsupported("BatchNormalization in training mode")
    eps = a.get("epsilon", 1e-5)
    shp = (1, -1) + (1,) * (x.ndim - 2)
    r = lambda t: t.reshape(shp)
    return (x - r(mean)) / jnp.sqrt(r(var) + eps) * r(scale) + r(bias)


def op_instancenorm(p, n, a, ins):
    x, scale, bias = ins
    eps = a.get("epsilon", 1e-5)
    axes = tuple(range(2, x.ndim))
    mu = jnp.mean(x, axis=axes, keepdims=True)
    var = jnp.mean(lax.integer_pow(x - mu, 2), axis=axes, keepdims=True)
    shp = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mu) / jnp.sqrt(var + eps) * scale.reshape(shp) + bias.reshape(shp)


def op_layernorm(p, n, a, ins):
    x, g = ins[0], ins[1]
    b = ins[2] if len(ins) > 2 else None
    if len(n.output) > 1 and any(n.output[1:]):
        raise Unsupported("LayerNormalization with Mean/InvStdDev outputs")
    axis = a.get("axis", -1)
    axis = axis % x.ndim
    eps = a.get("epsilon", 1e-5)
    axes = tuple(range(axis, x.ndim))
    mu = jnp.mean(x, axis=axes, keepdims=True)
    var = jnp.mean(lax.integer_pow(x - mu, 2), axis=axes, keepdims=True)
    y = (x - mu) / jnp.sqrt(var + eps) * g
    if b is not None:
        y = y + b
    return y


def _softmax_like(f):
    def impl(p, n, a, ins):
        x = ins[0]
        if p.opset >= 13:
            return f(x, axis=a.get("axis", -1))
        axis = a.get("axis", 1) % x.ndim  # opset < 13: coerced to 2-D at axis
        shp = x.shape
        y = f(x.reshape(int(np.prod(shp[:axis])), -1), axis=-1)
        return y.reshape(shp)
    return impl


def op_pow(p, n, a, ins):
    x, e = ins
    if is_static(e):
        e = np.asarray(e)
        if e.size == 1 and float(e) == int(float(e)):
            return lax.integer_pow(x, int(float(e))) if not is_static(x) else np.power(x, int(float(e)))
        return jnp.power(x, e.astype(np.float32))
    return jnp.power(x, e)


def _axes(p, n, a, ins, since):
    """Reduction axes: attribute before opset `since`, input 1 after."""
    if p.opset >= since and len(ins) > 1 and ins[1] is not None:
        return tuple(int(v) for v in static(ins[1], "axes"))
    if "axes" in a:
        return tuple(a["axes"])
    return None


def _reduce(f, since):
    def impl(p, n, a, ins):
        x = ins[0]
        axes = _axes(p, n, a, ins, since)
        if axes is None:
            if a.get("noop_with_empty_axes", 0):
                return x
            axes = tuple(range(x.ndim))
        axes = tuple(ax % x.ndim for ax in axes)
        return f(x, axis=axes, keepdims=bool(a.get("keepdims", 1)))
    return impl


def op_reshape(p, n, a, ins):
    x = ins[0]
    shape = [int(v) for v in static(ins[1], "Reshape shape")]
    if not a.get("allowzero", 0):
        shape = [x.shape[i] if v == 0 else v for i, v in enumerate(shape)]
    return x.reshape(shape)


def op_flatten(p, n, a, ins):
    x = ins[0]
    axis = a.get("axis", 1) % (x.ndim + 1) if x.ndim else 0
    return x.reshape(int(np.prod(x.shape[:axis])), -1)


def op_transpose(p, n, a, ins):
    x = ins[0]
    perm = a.get("perm", list(range(x.ndim))[::-1])
    return jnp.transpose(x, perm) if not is_static(x) else np.transpose(x, perm)


def op_concat(p, n, a, ins):
    xs = [v for v in ins if v is not None]
    if all(is_static(v) for v in xs):
        return np.concatenate(xs, axis=a["axis"])
    return jnp.concatenate(xs, axis=a["axis"])


def op_squeeze(p, n, a, ins):
    x = ins[0]
    axes = _axes(p, n, a, ins, 13)
    if axes is None:
        axes = tuple(i for i, d in enumerate(x.shape) if d == 1)
    axes = tuple(ax % x.ndim for ax in axes)
    return jnp.squeeze(x, axes) if not is_static(x) else np.squeeze(x, axes)


def op_unsqueeze(p, n, a, ins):
    x = ins[0]
    axes = _axes(p, n, a, ins, 13)
    nd = x.ndim + len(axes)
    for ax in sorted(ax % nd for ax in axes):
        x = jnp.expand_dims(x, ax) if not is_static(x) else np.expand_dims(x, ax)
    return x


def op_slice(p, n, a, ins):
    x = ins[0]
    if p.opset >= 10:
        starts = static(ins[1], "Slice starts")
        ends = static(ins[2], "Slice ends")
        axes = static(ins[3]) if len(ins) > 3 and ins[3] is not None else range(len(starts))
        steps = static(ins[4]) if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
    else:
        starts, ends = a["starts"], a["ends"]
        axes = a.get("axes", range(len(starts)))
        steps = [1] * len(starts)
    idx = [slice(None)] * x.ndim
    for st, en, ax, sp in zip(starts, ends, axes, steps):
        ax = int(ax) % x.ndim
        dim = x.shape[ax]
        st, en, sp = int(st), int(en), int(sp)
        st = max(min(st, dim), -dim - 1) if sp < 0 else max(min(st, dim), -dim)
        en = max(min(en, dim), -dim - 1)
        if sp < 0 and en < -dim:
            en = None
        idx[ax] = slice(st, en, sp)
    return x[tuple(idx)]


def op_gather(p, n, a, ins):
    x = ins[0]
    idx = static(ins[1], "Gather indices").astype(np.int64)
    axis = a.get("axis", 0) % x.ndim
    idx = np.where(idx < 0, idx + x.shape[axis], idx)
    if is_static(x):
        return np.take(x, idx, axis=axis)
    return jnp.take(x, idx, axis=axis)


def op_shape(p, n, a, ins):
    shp = np.array(ins[0].shape, dtype=np.int64)
    st, en = a.get("start", 0), a.get("end", None)
    return shp[st:en]


def op_constant(p, n, a, ins):
    if "value" in a:
        return numpy_helper.to_array(a["value"])
    for k, dt in (("value_float", np.float32), ("value_int", np.int64)):
        if k in a:
            return np.array(a[k], dtype=dt)
    for k, dt in (("value_floats", np.float32), ("value_ints", np.int64)):
        if k in a:
            return np.array(a[k], dtype=dt)
    raise Unsupported(f"Constant with attributes {list(a)}")


def op_constant_of_shape(p, n, a, ins):
    shape = [int(v) for v in static(ins[0], "ConstantOfShape shape")]
    val = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
    return np.full(shape, val.reshape(-1)[0], dtype=val.dtype)


def op_cast(p, n, a, ins):
    x = ins[0]
    to = a["to"]
    if is_static(x):
        return x.astype(NP_DTYPES[to])
    return x.astype(JAX_DTYPES[to])


def op_clip(p, n, a, ins):
    x = ins[0]
    if p.opset >= 11:
        lo = static(ins[1], "Clip min") if len(ins) > 1 and ins[1] is not None else None
        hi = static(ins[2], "Clip max") if len(ins) > 2 and ins[2] is not None else None
    else:
        lo, hi = a.get("min"), a.get("max")
    lo = None if lo is None else float(lo)
    hi = None if hi is None else float(hi)
    return jnp.clip(x, lo, hi)


def op_variadic(f):
    def impl(p, n, a, ins):
        xs = [v for v in ins if v is not None]
        y = xs[0]
        for v in xs[1:]:
            y = f(y, v)
        return y
    return impl


def op_split(p, n, a, ins):
    x = ins[0]
    axis = a.get("axis", 0) % x.ndim
    if p.opset >= 13 and len(ins) > 1 and ins[1] is not None:
        sizes = [int(v) for v in static(ins[1], "Split sizes")]
    elif "split" in a:
        sizes = list(a["split"])
    else:
        k = len(n.output)
        sizes = [x.shape[axis] // k] * k
    cuts = np.cumsum(sizes)[:-1].tolist()
    return tuple(jnp.split(x, cuts, axis=axis))


def op_expand(p, n, a, ins):
    x = ins[0]
    shape = [int(v) for v in static(ins[1], "Expand shape")]
    out = np.broadcast_shapes(tuple(x.shape), tuple(shape))
    return jnp.broadcast_to(x, out) if not is_static(x) else np.broadcast_to(x, out)


def op_pad(p, n, a, ins):
    x = ins[0]
    mode = _s(a.get("mode", "constant"))
    if p.opset >= 11:
        pads = [int(v) for v in static(ins[1], "Pad pads")]
        cval = float(static(ins[2])) if len(ins) > 2 and ins[2] is not None else 0.0
        if len(ins) > 3 and ins[3] is not None:
            raise Unsupported("Pad with axes")
    else:
        pads, cval = list(a["pads"]), a.get("value", 0.0)
    nd = x.ndim
    width = [(pads[i], pads[i + nd]) for i in range(nd)]
    if mode == "constant":
        return jnp.pad(x, width, constant_values=cval)
    return jnp.pad(x, width, mode={"reflect": "reflect", "edge": "edge"}[mode])


def op_resize(p, n, a, ins):
    x = ins[0]
    if _s(a.get("mode", "nearest")) != "nearest":
        raise Unsupported("Resize: only mode=nearest")
    scales = static(ins[2]) if len(ins) > 2 and ins[2] is not None and ins[2].size else None
    sizes = static(ins[3]) if len(ins) > 3 and ins[3] is not None else None
    if sizes is None:
        sizes = [int(math.floor(d * s)) for d, s in zip(x.shape, scales)]
    y = x
    for ax, (din, dout) in enumerate(zip(x.shape, sizes)):
        if din == dout:
            continue
        # asymmetric coordinates, round_prefer_floor (the ONNX defaults) for integer upscales
        src = np.minimum(np.floor(np.arange(dout) * din / dout), din - 1).astype(np.int64)
        y = jnp.take(y, src, axis=ax)
    return y


def op_argmax(p, n, a, ins):
    if a.get("select_last_index", 0):
        raise Unsupported("ArgMax with select_last_index")
    x = ins[0]
    axis = a.get("axis", 0) % x.ndim
    return jnp.argmax(x, axis=axis, keepdims=bool(a.get("keepdims", 1)))


def op_argmin(p, n, a, ins):
    if a.get("select_last_index", 0):
        raise Unsupported("ArgMin with select_last_index")
    x = ins[0]
    axis = a.get("axis", 0) % x.ndim
    return jnp.argmin(x, axis=axis, keepdims=bool(a.get("keepdims", 1)))


def op_simplified_layernorm(p, n, a, ins):
    """onnxruntime's fused RMSNorm: x / sqrt(mean(x², axes) + eps) * g."""
    x, g = ins[0], ins[1]
    axes = tuple(range(a.get("axis", -1) % x.ndim, x.ndim))
    ms = jnp.mean(lax.integer_pow(x, 2), axis=axes, keepdims=True)
    return x / jnp.sqrt(ms + a.get("epsilon", 1e-5)) * g


def op_gathernd(p, n, a, ins):
    x = ins[0]
    idx = static(ins[1], "GatherND indices").astype(np.int64)
    if a.get("batch_dims", 0):
        raise Unsupported("GatherND with batch_dims")
    return x[tuple(np.moveaxis(idx, -1, 0))]


def op_gather_elements(p, n, a, ins):
    x = ins[0]
    idx = static(ins[1], "GatherElements indices").astype(np.int64)
    axis = a.get("axis", 0) % x.ndim
    idx = np.where(idx < 0, idx + x.shape[axis], idx)
    if is_static(x):
        return np.take_along_axis(x, idx, axis=axis)
    return jnp.take_along_axis(x, idx, axis=axis)


def op_trilu(p, n, a, ins):
    x = ins[0]
    k = int(static(ins[1], "Trilu k")) if len(ins) > 1 and ins[1] is not None else 0
    lib = np if is_static(x) else jnp
    return lib.triu(x, k) if a.get("upper", 1) else lib.tril(x, k)


def op_range(p, n, a, ins):
    st, en, dl = (static(v, "Range input") for v in ins)
    return np.arange(st, en, dl).astype(st.dtype)


def op_where(p, n, a, ins):
    return jnp.where(ins[0], ins[1], ins[2])


def op_einsum(p, n, a, ins):
    return jnp.einsum(_s(a["equation"]), *ins)


def _unary(f):
    return lambda p, n, a, ins: f(ins[0])


def _binary(f):
    return lambda p, n, a, ins: f(ins[0], ins[1])


OPS = {
    "Relu": _unary(jax.nn.relu),
    "MaxPool": op_maxpool,
    "AveragePool": op_avgpool,
    "GlobalAveragePool": op_global_avgpool,
    "GlobalMaxPool": op_global_maxpool,
    "Conv": op_conv,
    "ConvTranspose": op_conv_transpose,
    "Gemm": op_gemm,
    "MatMul": _binary(jnp.matmul),
    "Einsum": op_einsum,
    "BatchNormalization": op_batchnorm,
    "InstanceNormalization": op_instancenorm,
    "LayerNormalization": op_layernorm,
    "Softmax": _softmax_like(jax.nn.softmax),
    "LogSoftmax": _softmax_like(jax.nn.log_softmax),
    "Erf": _unary(lax.erf),
    "Gelu": lambda p, n, a, ins: jax.nn.gelu(ins[0], approximate=_s(a.get("approximate", "none")) == "tanh"),
    "Tanh": _unary(jnp.tanh),
    "Sigmoid": _unary(jax.nn.sigmoid),
    "Exp": _unary(jnp.exp),
    "Log": _unary(jnp.log),
    "Sqrt": _unary(jnp.sqrt),
    "Reciprocal": _unary(lambda x: 1.0 / x),
    "Abs": _unary(jnp.abs),
    "Neg": _unary(lambda x: -x),
    "Pow": op_pow,
    "Div": _binary(lambda x, y: x / y),
    "Mul": _binary(lambda x, y: x * y),
    "Add": _binary(lambda x, y: x + y),
    "Sub": _binary(lambda x, y: x - y),
    "Max": op_variadic(jnp.maximum),
    "Min": op_variadic(jnp.minimum),
    "Sum": op_variadic(lambda x, y: x + y),
    "Clip": op_clip,
    "Less": _binary(lambda x, y: x < y),
    "Greater": _binary(lambda x, y: x > y),
    "Equal": _binary(lambda x, y: x == y),
    "LessOrEqual": _binary(lambda x, y: x <= y),
    "GreaterOrEqual": _binary(lambda x, y: x >= y),
    "Where": op_where,
    "IsNaN": _unary(jnp.isnan),
    "Sin": _unary(jnp.sin),
    "Cos": _unary(jnp.cos),
    "And": _binary(jnp.logical_and),
    "Or": _binary(jnp.logical_or),
    "Not": _unary(jnp.logical_not),
    "ArgMin": op_argmin,
    "SimplifiedLayerNormalization": op_simplified_layernorm,
    "GatherND": op_gathernd,
    "GatherElements": op_gather_elements,
    "Trilu": op_trilu,
    "Range": op_range,
    "LeakyRelu": lambda p, n, a, ins: jax.nn.leaky_relu(ins[0], a.get("alpha", 0.01)),
    "PRelu": lambda p, n, a, ins: jnp.where(ins[0] >= 0, ins[0], ins[1] * ins[0]),
    "HardSigmoid": lambda p, n, a, ins: jnp.clip(a.get("alpha", 0.2) * ins[0] + a.get("beta", 0.5), 0.0, 1.0),
    "HardSwish": lambda p, n, a, ins: ins[0] * jnp.clip(ins[0] * (1.0 / 6.0) + 0.5, 0.0, 1.0),
    "ReduceMean": _reduce(jnp.mean, 18),
    "ReduceSum": _reduce(jnp.sum, 13),
    "ReduceMax": _reduce(jnp.max, 18),
    "ReduceMin": _reduce(jnp.min, 18),
    "ArgMax": op_argmax,
    "Reshape": op_reshape,
    "Flatten": op_flatten,
    "Transpose": op_transpose,
    "Concat": op_concat,
    "Squeeze": op_squeeze,
    "Unsqueeze": op_unsqueeze,
    "Slice": op_slice,
    "Gather": op_gather,
    "Shape": op_shape,
    "Constant": op_constant,
    "ConstantOfShape": op_constant_of_shape,
    "Cast": op_cast,
    "Identity": _unary(lambda x: x),
    "Dropout": lambda p, n, a, ins: (ins[0],) + ((None,) if len(n.output) > 1 else ()),
    "Split": op_split,
    "Expand": op_expand,
    "Pad": op_pad,
    "Resize": op_resize,
}


def _np_reference_bn(prog, args):
    """numpy evaluation of a graph, with the onnx.reference kernels except for
    BatchNormalization, which uses the inference formula y = (x-m)/sqrt(v+eps)*s+b."""
    from onnx.reference import ReferenceEvaluator
    env = dict(prog.const)
    env.update({nm: v for (nm, _, _), v in zip(prog.inputs, args)})
    env.update({nm: v for nm, v in prog.secret})
    for nd in prog.graph.node:
        ins = [env[i] if i else None for i in nd.input]
        if nd.op_type == "BatchNormalization":
            x, sc, b, m, v = ins[:5]
            eps = _attrs(nd).get("epsilon", 1e-5)
            shp = (1, -1) + (1,) * (x.ndim - 2)
            outs = [(x - m.reshape(shp)) / np.sqrt(v.reshape(shp) + eps) * sc.reshape(shp) + b.reshape(shp)]
        else:
            g = onnx.helper.make_graph([nd], "one", [onnx.helper.make_tensor_value_info(i, 1, None) for i in nd.input if i],
                                       [onnx.helper.make_tensor_value_info(o, 1, None) for o in nd.output if o])
            one = onnx.helper.make_model(g, opset_imports=prog.model.opset_import)
            outs = ReferenceEvaluator(one).run(None, {i: env[i] for i in nd.input if i})
        env.update(zip(nd.output, outs))
    return env[prog.outputs[0]]


def check(paths, tol=1e-3):
    """Compare the interpreter (jax on CPU) with onnx.reference on each model."""
    from onnx.reference import ReferenceEvaluator
    bad = 0
    for path in paths:
        try:
            prog = Program(path)
            args = prog.example_args(seed=0, positive=True)
            got = jax.jit(prog.fn)(*args)
            if prog.generated:
                print(f"{path}: external data absent, checked the interpreter runs only", flush=True)
                continue
            feeds = {nm: v for (nm, _, _), v in zip(prog.inputs, args)}
            if any(nd.op_type == "BatchNormalization" for nd in prog.graph.node):
                # onnx 1.16's reference BatchNormalization (opset < 14) uses batch statistics;
                # compare with the inference formula instead.
                ref = [_np_reference_bn(prog, args)]
            else:
                ref = ReferenceEvaluator(prog.model).run(None, feeds)
            errs = [float(np.max(np.abs(np.asarray(g, np.float64) - np.asarray(r, np.float64)))) if np.size(r) else 0.0
                    for g, r in zip(got, ref)]
            ok = all(e <= tol * max(1.0, float(np.max(np.abs(r))) if np.size(r) else 1.0) for e, r in zip(errs, ref))
            bad += not ok
            print(f"{'ok ' if ok else 'BAD'} {path}: max abs err {max(errs):.3g}", flush=True)
        except Unsupported as e:
            print(f"--- {path}: unsupported: {e}", flush=True)
        except Exception as e:
            bad += 1
            print(f"ERR {path}: {type(e).__name__}: {e}", flush=True)
    return bad


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--check":
        sys.exit(1 if check(sys.argv[2:]) else 0)
    print(__doc__)
