//! `maxpool-avg`: `MaxPool` → `AveragePool` with the same window, strides and pads.

use super::site::Wiring;
use super::{one, Edit};
use crate::graph::Node;

/// AveragePool has no dilations before opset 19 and no Indices output: a MaxPool that uses
/// either is left alone.
pub(super) fn max_to_avg(i: usize, n: &Node, wiring: &Wiring) -> Option<Edit> {
    let dilated = n.attr_ints("dilations").is_some_and(|d| d.iter().any(|&v| v != 1));
    let indices_used = n
        .outputs
        .get(1)
        .is_some_and(|t| wiring.consumers.contains_key(t.name.as_str()) || wiring.outputs.contains(t.name.as_str()));
    if dilated || indices_used {
        return None;
    }
    let mut m = n.clone();
    m.op = "AveragePool".into();
    m.attrs.remove("dilations");
    m.attrs.remove("storage_order");
    m.outputs.truncate(1);
    Some(one(i, m, "maxpool-avg"))
}
