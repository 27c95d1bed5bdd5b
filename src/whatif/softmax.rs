//! `softmax-2relu` and `softmax-2quad`: MPCFormer's normalisations without an exponential.

use super::site::{Group, Names};
use super::{Edit, SoftmaxSub, TWO_QUAD_C};
use crate::graph::Graph;

/// The Softmax node `i` as `num / ReduceSum(num)` over the same axes, `num` being `relu(x)`
/// (2ReLU) or `(x + c)²` (2Quad).
pub(super) fn at(g: &Graph, i: usize, sub: SoftmaxSub, names: &mut Names) -> Option<Edit> {
    let n = &g.nodes[i];
    if n.inputs.len() != 1 {
        return None;
    }
    let x = &n.inputs[0];
    let rank = x.shape.as_ref().map_or(0, Vec::len) as i64;
    // Opset < 13 normalises over all axes from `axis` on (default 1); from 13 over `axis` (default −1).
    let axis = n.attr_int("axis").unwrap_or(if g.opset < 13 { 1 } else { -1 });
    let a = if axis < 0 { axis + rank } else { axis };
    if rank == 0 || !(0..rank).contains(&a) {
        return None;
    }
    let axes: Vec<usize> = if g.opset < 13 { (a as usize..rank as usize).collect() } else { vec![a as usize] };
    let prefix = n.name.rfind('/').map_or(String::new(), |k| n.name[..=k].to_string());
    let (tag, what) = match sub {
        SoftmaxSub::TwoRelu => ("softmax_2relu", "softmax-2relu"),
        SoftmaxSub::TwoQuad => ("softmax_2quad", "softmax-2quad"),
    };
    let mut b = Group::new(names, &prefix, tag, x)?;
    let num = match sub {
        SoftmaxSub::TwoRelu => b.op("Relu", vec![x.clone()]),
        SoftmaxSub::TwoQuad => {
            let c = b.scalar(TWO_QUAD_C);
            let s = b.op("Add", vec![x.clone(), c]);
            b.op("Mul", vec![s.clone(), s])
        }
    };
    let den = b.reduce_sum(num.clone(), &axes, g.opset);
    Some(Edit { what, remove: vec![i], nodes: b.finish("Div", vec![num, den], &n.outputs[0]) })
}
