//! Bounded constant folding during shape analysis.
//!
//! The parser's shape analysis evaluates any node whose inputs are all known
//! constants, and only afterwards checks whether the result was worth keeping.
//! A hostile file can therefore ask it to materialise `ConstantOfShape([2^20,
//! 2^20])`, `Expand`, `Tile` or `Range(0, 2^50)` — terabytes — from a few
//! bytes of input. [`Guard`] wraps every node's op: it runs the op's shape
//! rules first and lets the evaluation happen only when the outputs' shapes are
//! known and their size is within the same budget the parser applies after the
//! fact. Shapes are still inferred either way; only the value is not computed.

use tract_onnx::tract_hir::infer::{Factoid, InferenceOp};
use tract_onnx::tract_hir::internal::*;
use tract_onnx::tract_hir::ops::source::Source;

/// The parser's own budget for a folded constant (tract's `CONST_FOLD_MEM_BUDGET`).
const FOLD_BUDGET: u64 = 4 << 20;

/// Ops whose output size is bounded by their inputs' even when the output
/// shape is only known after evaluation (a data-dependent length).
const BOUNDED_BY_INPUT: &[&str] = &["NonZero", "Compress", "Unique"];

#[derive(Debug, Clone)]
pub struct Guard(Box<dyn InferenceOp>, Option<AxisCheck>);

/// The node's ONNX `axis` attribute, checked against its first input's rank
/// before the parser's rules index a shape with it (they slice without
/// checking: `Flatten` with axis 65 on a rank-4 input panics).
#[derive(Debug, Clone, Copy)]
pub struct AxisCheck {
    pub axis: i64,
    /// Flatten accepts axis = rank; the others want axis < rank.
    pub inclusive: bool,
    /// The attribute checked: `axis`, or a reduction's `axes` (then `axis` is its
    /// entry furthest out of range, each side: `lo` the smallest).
    pub attr: &'static str,
    pub lo: i64,
    /// A windowed op's spatial attributes (`kernel_shape`, `strides`, `dilations`, `pads`) give
    /// this many entries at the least: an input of higher rank makes the parser's padding rule
    /// index past them (MaxPool with one kernel entry on a rank-4 input panicked in the soak).
    pub spatial: Option<i64>,
}

impl AxisCheck {
    /// The check for an ONNX node, when its op takes an `axis` over input 0.
    pub fn for_node(op: &str, axis: Option<i64>) -> Option<AxisCheck> {
        const AXIS_OPS: &[&str] = &[
            "Flatten",
            "Softmax",
            "LogSoftmax",
            "Hardmax",
            "Concat",
            "Split",
            "Gather",
            "GatherElements",
            "ArgMax",
            "ArgMin",
            "CumSum",
            "LpNormalization",
            "OneHot",
            "Compress",
        ];
        AXIS_OPS.contains(&op).then(|| {
            let axis = axis.unwrap_or(if op == "Flatten" { 1 } else { 0 });
            AxisCheck { axis, inclusive: op == "Flatten", attr: "axis", lo: axis, spatial: None }
        })
    }

    /// The check for a reduction's `axes` attribute (the parser unwraps its rank check:
    /// ReduceSum with axes [-257] on a rank-3 input panicked in the fuzzer).
    pub fn for_axes(op: &str, axes: &[i64]) -> Option<AxisCheck> {
        let reduce = op.starts_with("Reduce") || op == "Squeeze" || op == "Unsqueeze";
        if !reduce || axes.is_empty() || op == "Unsqueeze" {
            return None;
        }
        let (lo, hi) = (*axes.iter().min()?, *axes.iter().max()?);
        Some(AxisCheck { axis: hi, inclusive: false, attr: "axes", lo, spatial: None })
    }
}

impl AxisCheck {
    /// The check for a windowed op (Conv, pools): the fewest entries among its spatial
    /// attributes bounds the input's rank at that + 2.
    pub fn for_window(spatial: Option<usize>) -> Option<AxisCheck> {
        let k = i64::try_from(spatial?).ok()?;
        Some(AxisCheck { axis: 0, inclusive: false, attr: "kernel_shape", lo: 0, spatial: Some(k) })
    }
}

impl PartialEq for Guard {
    fn eq(&self, _: &Self) -> bool {
        false
    }
}
impl Eq for Guard {}

/// Wraps every non-source node of `model`; `axes` maps node names to their axis check.
pub fn install(model: &mut InferenceModel, axes: &std::collections::HashMap<String, AxisCheck>) {
    for node in model.nodes_mut() {
        if node.op_is::<Source>() {
            continue;
        }
        let op = std::mem::replace(&mut node.op, Box::new(tract_onnx::tract_hir::ops::dummy::Dummy::new()));
        node.op = Box::new(Guard(op, axes.get(&node.name).copied()));
    }
}

fn mem(t: &Tensor) -> u64 {
    (t.volume() as u64).saturating_mul(t.datum_type().size_of() as u64)
}

/// Bytes the outputs will take, when every output shape is known (u128: dims
/// of 2^62 must not wrap).
fn output_bytes(outputs: &[InferenceFact]) -> Option<u128> {
    let mut total: u128 = 0;
    for f in outputs {
        let shape = f.shape.as_concrete_finite().ok()??;
        let n = shape.iter().try_fold(1u128, |a, &d| a.checked_mul(d as u128))?;
        let size = f.datum_type.concretize().map_or(8, |dt| dt.size_of().max(1)) as u128;
        total = total.checked_add(n.checked_mul(size)?)?;
    }
    Some(total)
}

/// Largest [`expression_cost`] of an input dimension a node may see. A node's output forms cost
/// many times its inputs', and which candidate forms tract-data ranks depends on hash order: on
/// the fuzzed conv chain (tests/fuzz_soak.rs) inputs bounded by 2^60 overflowed every time, and
/// inputs bounded by 2^54 in about one replay in twelve (the final soak of 2026-12-07,
/// tests/corpus/requests/tdim_cost_overflow_by_hash_order.bin, a Conv's output shape). 2^32
/// leaves 2^32 of headroom for the output forms; a real model's dims cost under a thousand.
const MAX_DIM_EXPRESSION_COST: u64 = 1 << 32;

/// The cost tract-data gives a symbolic dimension expression (`TDim::cost`, private there) when
/// it picks the simplest of equivalent forms: ×2 to ×5 per nesting level. A chain of convs over
/// symbolic dims (fuzzing found one whose producers were unwired) nests deep enough that the
/// cost overflows `usize`: a panic in builds with overflow checks (tests, fuzzing), a wrapped
/// ranking in release builds. Computed here with saturation: a node whose input is nested that
/// deep is left unshaped (listed unsupported) instead.
fn expression_cost(d: &TDim) -> u64 {
    let sum = |terms: &[TDim]| terms.iter().map(expression_cost).fold(0u64, u64::saturating_add);
    match d {
        TDim::Sym(_) | TDim::Val(_) => 1,
        TDim::Add(t) => sum(t).saturating_mul(2),
        TDim::Mul(t) => sum(t).saturating_mul(3),
        TDim::Broadcast(t) => sum(t).saturating_mul(4),
        TDim::Min(t) | TDim::Max(t) => sum(t).saturating_mul(5),
        TDim::Div(a, _) => expression_cost(a).saturating_mul(3),
        TDim::MulInt(_, a) => expression_cost(a).saturating_mul(2),
        TDim::Ge(a, b) | TDim::Eq(a, b) => expression_cost(a).saturating_add(expression_cost(b)).saturating_mul(5),
    }
}

/// Refuses a `Range` whose step the parser's shape rule would divide by zero. tract-hir's rule
/// sizes the output as `(limit − start).divceil(delta)` with the step cast to an integer, and
/// tract-data's symbolic-dimension arithmetic then divides by it unchecked (`dim/tree.rs`
/// `maybe_eval_to_i64`): a step of 0, or a float step below 1 in magnitude (cast to 0), panics
/// there, in release builds too (soak finding tests/corpus/requests/range_step_zero_divides_tdim.bin).
/// Such a range has no length to profile, so the node is refused with this message before the
/// rule runs.
fn check_range_step(name: &str, inputs: &[&InferenceFact]) -> TractResult<()> {
    if name != "Range" {
        return Ok(());
    }
    let Some(step) = inputs.get(2).and_then(|f| f.value.concretize()) else { return Ok(()) };
    let first = |dt: DatumType| -> Option<f64> {
        let t = step.cast_to_dt(dt).ok()?;
        let t = t.cast_to::<f64>().ok()?;
        t.to_plain_array_view::<f64>().ok()?.iter().next().copied()
    };
    if first(i64::datum_type()) == Some(0.0) {
        let shown = first(f64::datum_type()).map_or("0".to_string(), |v| v.to_string());
        bail!(
            "Range has a step (delta) of {shown}: a step of 0, or a fractional step the parser truncates to 0, gives a range without a length"
        );
    }
    Ok(())
}

/// Length of `Range(start, limit, delta)`, from the scalar input values.
fn range_len(values: &[TValue]) -> Option<u128> {
    let scalar = |i: usize| -> Option<f64> {
        let t = values.get(i)?.cast_to::<f64>().ok()?;
        t.to_plain_array_view::<f64>().ok()?.iter().next().copied()
    };
    let (start, limit, delta) = (scalar(0)?, scalar(1)?, scalar(2)?);
    let n = ((limit - start) / delta).ceil();
    if !n.is_finite() {
        return None;
    }
    Some(n.max(0.0) as u128)
}

impl Op for Guard {
    fn name(&self) -> StaticName {
        self.0.name()
    }
    fn info(&self) -> TractResult<Vec<String>> {
        self.0.info()
    }
    fn validation(&self) -> Validation {
        self.0.validation()
    }
    fn as_typed(&self) -> Option<&dyn TypedOp> {
        self.0.as_typed()
    }
}

impl EvalOp for Guard {
    fn eval(&self, ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        self.0.eval(ctx, inputs)
    }
    fn eval_out_of_plan(&self, inputs: TVec<TValue>) -> TractResult<Option<TVec<TValue>>> {
        self.0.eval_out_of_plan(inputs)
    }
    fn state(&self, ctx: &EvalContext) -> TractResult<Option<Box<dyn OpState>>> {
        self.0.state(ctx)
    }
}

impl InferenceOp for Guard {
    /// The parser's default `infer` (rules, then eager evaluation when every
    /// input is a known constant), with the size check moved before the
    /// evaluation.
    fn infer(
        &mut self,
        inputs: TVec<&InferenceFact>,
        outputs: TVec<&InferenceFact>,
        observed: TVec<&InferenceFact>,
    ) -> TractResult<(TVec<InferenceFact>, TVec<InferenceFact>, TVec<InferenceFact>)> {
        if let (Some(c), Some(rank)) = (self.1, inputs.first().and_then(|f| f.shape.rank().concretize())) {
            let r = rank;
            let hi = if c.inclusive { r } else { r - 1 };
            if c.lo < -r || c.axis > hi {
                let bad = if c.lo < -r { c.lo } else { c.axis };
                let verb = if c.attr == "axis" { "is" } else { "holds" };
                bail!("attribute '{}' {verb} {bad} but the input has rank {r}", c.attr);
            }
            if let Some(k) = c.spatial.filter(|&k| r > k + 2) {
                bail!(
                    "its window attributes give {k} spatial entries, but the input has rank {r} ({} spatial dims)",
                    r - 2
                );
            }
        }
        check_range_step(&self.0.name(), &inputs)?;
        let deepest = inputs
            .iter()
            .flat_map(|f| f.shape.dims())
            .filter_map(|d| d.concretize())
            .map(|d| expression_cost(&d))
            .max()
            .unwrap_or(0);
        if deepest > MAX_DIM_EXPRESSION_COST {
            bail!("an input dimension is a symbolic expression nested too deeply to simplify");
        }
        let (ins, mut outs, obs) = self.0.infer_facts(inputs, outputs, observed).context("Infering facts")?;
        if ins.is_empty() {
            return Ok((ins, outs, obs));
        }
        let values: Option<TVec<TValue>> = ins
            .iter()
            .map(|i| {
                i.value.concretize().filter(|t| t.is_plain_ram() && mem(t) <= FOLD_BUDGET).map(|t| t.into_tvalue())
            })
            .collect();
        let Some(values) = values else { return Ok((ins, outs, obs)) };
        let input_mem: u64 = values.iter().map(|t| mem(t)).fold(0, u64::saturating_add);
        let budget = u128::from(input_mem.max(FOLD_BUDGET));
        let name = self.0.name();
        // The parser's Range rule gives length 0 for ranges of 2^32 elements or
        // more: count the elements from the values themselves.
        let range_len = if name == "Range" { range_len(&values) } else { None };
        if let (Some(n), Some(out)) = (range_len, outs.first_mut()) {
            if let Ok(n) = usize::try_from(n) {
                out.shape = std::iter::once(n).collect();
            }
        }
        let fits = match output_bytes(&outs) {
            Some(_) if name == "Range" => range_len.is_some_and(|n| n.saturating_mul(8) <= budget),
            // An empty Tile still loops over every multiplier (2^30 × 0 hung the soak): its
            // shape says all there is to know.
            Some(0) if name == "Tile" => false,
            Some(b) => b <= budget,
            None => BOUNDED_BY_INPUT.contains(&&*name),
        };
        if !fits {
            return Ok((ins, outs, obs));
        }
        match self.0.eval_out_of_plan(values) {
            Ok(Some(values))
                if values.iter().map(|t| mem(t)).fold(0, u64::saturating_add) <= input_mem.max(FOLD_BUDGET) =>
            {
                let values = values
                    .into_iter()
                    .map(|t| t.into_arc_tensor().try_into())
                    .collect::<TractResult<TVec<InferenceFact>>>()?;
                Ok((ins, values, obs))
            }
            Ok(_) => Ok((ins, outs, obs)),
            Err(e) if e.root_cause().downcast_ref::<tract_onnx::tract_core::tract_data::TooEarly>().is_some() => {
                Ok((ins, outs, obs))
            }
            Err(e) => Err(e).context("Eager eval during inference"),
        }
    }

    fn infer_facts(
        &mut self,
        inputs: TVec<&InferenceFact>,
        outputs: TVec<&InferenceFact>,
        observed: TVec<&InferenceFact>,
    ) -> TractResult<(TVec<InferenceFact>, TVec<InferenceFact>, TVec<InferenceFact>)> {
        check_range_step(&self.0.name(), &inputs)?;
        self.0.infer_facts(inputs, outputs, observed)
    }

    fn incorporate(&self, model: &InferenceModel, node: &InferenceNode) -> TractResult<Option<InferenceModelPatch>> {
        self.0.incorporate(model, node)
    }

    fn observe_outlets(&self, model: &InferenceModel, node: &InferenceNode) -> TractResult<Vec<OutletId>> {
        self.0.observe_outlets(model, node)
    }

    fn nboutputs(&self) -> TractResult<usize> {
        self.0.nboutputs()
    }

    fn as_op(&self) -> &dyn Op {
        self.0.as_op()
    }

    fn as_op_mut(&mut self) -> &mut dyn Op {
        self.0.as_op_mut()
    }

    fn to_typed(
        &self,
        source: &InferenceModel,
        node: &InferenceNode,
        target: &mut TypedModel,
        mapping: &HashMap<OutletId, OutletId>,
    ) -> TractResult<TVec<OutletId>> {
        self.0.to_typed(source, node, target, mapping)
    }
}
