//! A decode sweep without reloading the model for every step.
//!
//! Between two decode steps only the past length P changes, and every dimension of a decoder's
//! tensors is affine in P (P, P + 1, heads·(P + 1), …). Two loads, at P = a and P = b, give each
//! varying dimension its slope; a step's graph is then the graph at `a` with those dims moved,
//! instead of a parse and a shape analysis. Small constant values that depend on P (a `Range`
//! over the positions, a shape) move with the same rule when their length stays, and are
//! dropped (unknown) when it changes; only public nodes read those.
//!
//! The template is trusted only after a check: the step at the middle past length is loaded for
//! real and must price identically, every node of every framework. Otherwise each step is
//! loaded. The two ends are always real loads.

use crate::graph::{Graph, Tensor};

/// How one tensor of the graph at `a` moves with P.
struct Moving {
    node: usize,
    /// `false`: input slot; `true`: output slot.
    output: bool,
    slot: usize,
    /// Per axis: the change per unit of P (0 for a fixed axis).
    dim_slope: Vec<i64>,
    /// Per element of the value: its change per unit of P; `None` drops the value.
    value_slope: Option<Vec<f64>>,
}

/// The graph at past length `a` and how it moves to any other past length.
pub struct Template {
    base: Graph,
    a: u64,
    moving: Vec<Moving>,
    /// Graph inputs: (index, slope per axis).
    inputs: Vec<(usize, Vec<i64>)>,
}

fn slopes(x: &[u64], y: &[u64], span: i64) -> Option<Vec<i64>> {
    (x.len() == y.len()).then_some(())?;
    x.iter()
        .zip(y)
        .map(|(&p, &q)| {
            let d = q as i64 - p as i64;
            (d % span == 0).then_some(d / span)
        })
        .collect()
}

/// Slopes of one tensor, `None` when it does not move; `Err` when its shape does not move
/// affinely (the template cannot be used).
/// A tensor's move: slope per axis, and per value element (`None`: the value is dropped).
type Move = (Vec<i64>, Option<Vec<f64>>);

fn tensor_move(x: &Tensor, y: &Tensor, span: i64) -> Result<Option<Move>, ()> {
    if x.name != y.name {
        return Err(());
    }
    let dims = match (&x.shape, &y.shape) {
        (Some(p), Some(q)) => slopes(p, q, span).ok_or(())?,
        (None, None) => Vec::new(),
        _ => return Err(()),
    };
    let value = match (&x.value, &y.value) {
        (Some(p), Some(q)) if p == q => None,
        (None, None) => None,
        (Some(p), Some(q)) if p.len() == q.len() => {
            Some(Some(p.iter().zip(q).map(|(u, v)| (v - u) / span as f64).collect()))
        }
        _ => Some(None),
    };
    if dims.iter().all(|&s| s == 0) && value.is_none() {
        return Ok(None);
    }
    Ok(Some((dims, value.unwrap_or_else(|| Some(vec![0.0; x.value.as_ref().map_or(0, Vec::len)])))))
}

impl Template {
    /// The template from the graphs at past lengths `a` < `b`, or `None` when they differ in more
    /// than affine shapes (other nodes, other names, a non-integer slope).
    pub fn new(ga: Graph, a: u64, gb: &Graph, b: u64) -> Option<Template> {
        let span = (b - a) as i64;
        if ga.nodes.len() != gb.nodes.len() || ga.inputs.len() != gb.inputs.len() || ga.unsupported != gb.unsupported {
            return None;
        }
        let mut moving = Vec::new();
        for (k, (x, y)) in ga.nodes.iter().zip(&gb.nodes).enumerate() {
            if x.name != y.name
                || x.op != y.op
                || x.inputs.len() != y.inputs.len()
                || x.outputs.len() != y.outputs.len()
            {
                return None;
            }
            for (output, xs, ys) in [(false, &x.inputs, &y.inputs), (true, &x.outputs, &y.outputs)] {
                for (slot, (p, q)) in xs.iter().zip(ys).enumerate() {
                    if let Some((dim_slope, value_slope)) = tensor_move(p, q, span).ok()? {
                        moving.push(Moving { node: k, output, slot, dim_slope, value_slope });
                    }
                }
            }
        }
        let mut inputs = Vec::new();
        for (k, (x, y)) in ga.inputs.iter().zip(&gb.inputs).enumerate() {
            if let Some((d, _)) = tensor_move(x, y, span).ok()? {
                inputs.push((k, d));
            }
        }
        Some(Template { base: ga, a, moving, inputs })
    }

    /// The graph at past length `p`.
    pub fn at(&self, p: u64) -> Graph {
        let mut g = self.base.clone();
        let dp = p as i64 - self.a as i64;
        let shift = |shape: &mut Option<Vec<u64>>, slope: &[i64]| {
            if let Some(s) = shape {
                for (d, k) in s.iter_mut().zip(slope) {
                    *d = (*d as i64 + k * dp) as u64;
                }
            }
        };
        for m in &self.moving {
            let n = &mut g.nodes[m.node];
            let t = if m.output { &mut n.outputs[m.slot] } else { &mut n.inputs[m.slot] };
            shift(&mut t.shape, &m.dim_slope);
            t.value = match (&m.value_slope, t.value.take()) {
                (Some(k), Some(v)) => Some(v.iter().zip(k).map(|(x, s)| x + s * dp as f64).collect()),
                _ => None,
            };
        }
        for (k, slope) in &self.inputs {
            shift(&mut g.inputs[*k].shape, slope);
        }
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::{load, LoadOptions};

    fn at(past: u64) -> Graph {
        let bytes =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/models/llm_tiny_kv_graph_only.onnx"))
                .unwrap();
        let mut o = LoadOptions::default();
        o.dims.extend([("seq".to_string(), 1), ("past".to_string(), past), ("total".to_string(), past + 1)]);
        load(&bytes, &o).unwrap()
    }

    /// The template moves every shape of the decoder exactly as a reload does; only the values
    /// whose length changes with the past (the public position ranges) are dropped.
    #[test]
    fn the_template_gives_the_reloaded_shapes() {
        let t = Template::new(at(3), 3, &at(9), 9).expect("affine in the past length");
        let (got, real) = (t.at(6), at(6));
        assert_eq!(got.inputs, real.inputs);
        for (x, y) in got.nodes.iter().zip(&real.nodes) {
            for (p, q) in x.inputs.iter().chain(&x.outputs).zip(y.inputs.iter().chain(&y.outputs)) {
                assert_eq!(p.shape, q.shape, "{}", x.name);
                assert!(p.value.is_none() || p.value == q.value, "{}: {:?} vs {:?}", x.name, p.value, q.value);
            }
        }
        assert!(t.moving.len() > 20);
    }
}
