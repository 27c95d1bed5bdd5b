//! `relu-square`: `Relu(x)` → `Mul(x, x)`, the same node renamed in place.

use super::{one, Edit};
use crate::graph::Node;

pub(super) fn square(i: usize, n: &Node) -> Option<Edit> {
    if n.inputs.len() != 1 {
        return None;
    }
    let mut m = n.clone();
    m.op = "Mul".into();
    m.inputs = vec![n.inputs[0].clone(), n.inputs[0].clone()];
    Some(one(i, m, "relu-square"))
}
