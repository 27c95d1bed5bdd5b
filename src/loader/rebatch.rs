//! Re-batching broadcasts the export baked the batch into: a class token concatenated to the
//! patch sequence, and a pooling `Gather` over a flattened tensor. Reshape targets are patched in
//! `analyse::patch_batch_reshapes`; what cannot be re-batched either way is refused there, naming
//! the node.

use super::analyse::Parsed;
use std::collections::HashSet;
use tract_onnx::pb;
use tract_onnx::tract_hir::infer::Factoid;

/// Tensors computed from the private inputs (they carry the batch). `Shape` ends the chain.
/// `initializers` names every initializer, including the weights `wire` turned into shape-only
/// graph inputs.
fn batch_carrying(graph: &pb::GraphProto, initializers: &HashSet<String>) -> HashSet<String> {
    let inits: HashSet<&str> = graph.initializer.iter().map(|t| t.name.as_str()).collect();
    let mut from_input: HashSet<String> = graph
        .input
        .iter()
        .map(|i| i.name.clone())
        .filter(|n| !inits.contains(n.as_str()) && !initializers.contains(n))
        .collect();
    for n in &graph.node {
        if n.op_type != "Shape" && n.input.iter().any(|i| from_input.contains(i)) {
            from_input.extend(n.output.iter().cloned());
        }
    }
    from_input
}

fn shape_of(parsed: &Parsed, name: &str) -> Option<Vec<usize>> {
    let f = parsed.model.outlet_fact(*parsed.outlets.get(name)?).ok()?;
    f.shape.as_concrete_finite().ok().flatten().map(|s| s.to_vec())
}

fn int_value(parsed: &Parsed, name: &str) -> Option<Vec<i64>> {
    let f = parsed.model.outlet_fact(*parsed.outlets.get(name)?).ok()?;
    let t = f.value.concretize()?.cast_to::<i64>().ok()?.into_owned();
    Some(t.to_plain_array_view::<i64>().ok()?.iter().copied().collect())
}

/// What one pass changes.
enum Fix {
    /// Give node `node`'s input `input` a new int64 constant (an Expand target, Gather indices).
    Replace { node: usize, input: usize, dims: Vec<i64>, values: Vec<i64> },
    /// Broadcast node `node`'s input `input` to `target` with an Expand inserted before it.
    Expand { node: usize, input: usize, target: Vec<i64> },
    /// Give the weight `name` (read by this node only) axis 0 = `new`, its rows repeated.
    Widen { name: String },
}

/// Finds and fixes, at batch `new` after a batch-`old` export:
/// - a `Concat` (not on axis 0) of a batch-carrying tensor with a constant whose axis 0 is
///   still `old`: the class token of ViT/DeiT. The legacy exporter writes
///   `Expand(cls_token, target)` with `target` computed from constants: its target gets axis 0 =
///   `new`. Dynamo drops the no-op Expand at batch 1 (`Concat(cls_token, x)`): an Expand to the
///   new batch is inserted, which is what either exporter writes at batch `new`.
/// - a `Gather` on axis 0 of a flattened batch-carrying tensor with constant indices whose
///   axis 0 is `old`: dynamo's `as_strided` (ConvNeXt's head after the spatial mean). The
///   indices of batch element k are batch element (k mod old)'s plus (k − k mod old)·(elements
///   per batch element).
///
/// A class token that is a weight read only by the Concat is widened to `[new, …]` (its rows
/// repeated): what dynamo writes at batch `new`, where it constant-folds the Expand into the
/// weight; `added` grows by the new weight elements.
///
/// Returns the fixed nodes' names; new constants are initializers named `mpclens_rebatch_*`,
/// added to `constants` (the initializer names), and an inserted node gets the scope of the node
/// it feeds.
pub(super) fn patch_batch_broadcasts(
    proto: &mut pb::ModelProto,
    parsed: &Parsed,
    old: u64,
    new: u64,
    constants: &mut HashSet<String>,
    scopes: &mut Vec<Vec<String>>,
    added: &mut u64,
) -> Vec<String> {
    let graph = proto.graph.as_mut().expect("has graph");
    let carrying = batch_carrying(graph, constants);
    let producer = |name: &str| graph.node.iter().position(|n| n.output.iter().any(|o| o == name));
    let (old_i, new_i) = (old as i64, new as i64);
    let mut fixes = Vec::new();
    for (i, n) in graph.node.iter().enumerate() {
        match n.op_type.as_str() {
            "Concat" => {
                let shapes: Vec<Option<Vec<usize>>> = n.input.iter().map(|s| shape_of(parsed, s)).collect();
                let rank = shapes.iter().flatten().map(Vec::len).max().unwrap_or(0) as i64;
                let axis = n.attribute.iter().find(|a| a.name == "axis").map_or(0, |a| a.i);
                let axis = if axis < 0 { axis + rank } else { axis };
                let batched = n.input.iter().zip(&shapes).any(|(s, sh)| {
                    carrying.contains(s) && sh.as_ref().is_some_and(|sh| sh.first() == Some(&(new as usize)))
                });
                if axis == 0 || !batched {
                    continue;
                }
                for (j, (s, sh)) in n.input.iter().zip(&shapes).enumerate() {
                    let Some(sh) = sh.as_ref().filter(|sh| sh.len() as i64 == rank && sh[0] as u64 == old) else {
                        continue;
                    };
                    if carrying.contains(s) {
                        continue;
                    }
                    let mut target: Vec<i64> = sh.iter().map(|&d| d as i64).collect();
                    target[0] = new_i;
                    // The legacy exporter's own Expand: re-target it rather than expand twice.
                    let expand =
                        producer(s).filter(|&p| graph.node[p].op_type == "Expand" && graph.node[p].input.len() == 2);
                    // Dynamo constant-folds `cls_token.expand(B, -1, -1)` into a [B, 1, D]
                    // weight: a weight read only here is widened the same way.
                    let readers = graph.node.iter().flat_map(|n| &n.input).filter(|x| *x == s).count();
                    let weight = producer(s).is_none()
                        && (graph.initializer.iter().any(|t| &t.name == s) || graph.input.iter().any(|v| &v.name == s));
                    fixes.push(match expand {
                        Some(p) => Fix::Replace { node: p, input: 1, dims: vec![target.len() as i64], values: target },
                        None if weight && readers == 1 => Fix::Widen { name: s.clone() },
                        None => Fix::Expand { node: i, input: j, target },
                    });
                }
            }
            "Gather" => {
                let axis = n.attribute.iter().find(|a| a.name == "axis").map_or(0, |a| a.i);
                let (Some(data), Some(idx)) = (n.input.first(), n.input.get(1)) else { continue };
                if axis != 0 || !carrying.contains(data) || carrying.contains(idx) {
                    continue;
                }
                let (Some(len), Some(ishape), Some(values)) =
                    (shape_of(parsed, data), shape_of(parsed, idx), int_value(parsed, idx))
                else {
                    continue;
                };
                if len.len() != 1
                    || ishape.first().map(|&d| d as u64) != Some(old)
                    || !(len[0] as u64).is_multiple_of(new)
                {
                    continue;
                }
                let per = (len[0] as u64 / new) as i64;
                let block = values.len() / old as usize;
                let values: Vec<i64> = (0..new_i)
                    .flat_map(|k| {
                        let base = (k - k % old_i) * per;
                        values[(k % old_i) as usize * block..][..block].iter().map(move |&v| v + base)
                    })
                    .collect();
                let mut dims: Vec<i64> = ishape.iter().map(|&d| d as i64).collect();
                dims[0] = new_i;
                fixes.push(Fix::Replace { node: i, input: 1, dims, values });
            }
            _ => {}
        }
    }
    let mut fixed = Vec::new();
    let mut fresh = {
        let taken: HashSet<String> = graph
            .initializer
            .iter()
            .map(|t| t.name.clone())
            .chain(graph.node.iter().flat_map(|n| n.output.iter().cloned()))
            .collect();
        let mut k = 0;
        move || loop {
            k += 1;
            let name = format!("mpclens_rebatch_{k}");
            if !taken.contains(&name) {
                return name;
            }
        }
    };
    let int64 = |name: String, dims: Vec<i64>, values: Vec<i64>| pb::TensorProto {
        name,
        dims,
        data_type: 7,
        int64_data: values,
        ..Default::default()
    };
    // Insertions last to first, so earlier indices stay valid.
    fixes.sort_by_key(|f| {
        std::cmp::Reverse(match f {
            Fix::Replace { node, .. } | Fix::Expand { node, .. } => *node,
            Fix::Widen { .. } => 0,
        })
    });
    for fix in fixes {
        match fix {
            Fix::Replace { node, input, dims, values } => {
                let name = fresh();
                graph.initializer.push(int64(name.clone(), dims, values));
                constants.insert(name.clone());
                graph.node[node].input[input] = name;
                fixed.push(label(&graph.node[node]));
            }
            Fix::Widen { name } => {
                *added += widen(graph, &name, old, new);
                fixed.push(format!("{name} (the class token, widened to the batch as dynamo folds it)"));
            }
            Fix::Expand { node, input, target } => {
                let (shape, out) = (fresh(), fresh());
                graph.initializer.push(int64(shape.clone(), vec![target.len() as i64], target));
                constants.insert(shape.clone());
                let data = std::mem::replace(&mut graph.node[node].input[input], out.clone());
                let expand = pb::NodeProto {
                    name: format!("{out}_Expand"),
                    op_type: "Expand".into(),
                    input: vec![data, shape],
                    output: vec![out],
                    ..Default::default()
                };
                fixed.push(format!("{} (an Expand to the batch inserted before it)", label(&graph.node[node])));
                if node < scopes.len() {
                    scopes.insert(node, scopes[node].clone());
                }
                graph.node.insert(node, expand);
            }
        }
    }
    fixed.reverse();
    fixed
}

fn label(n: &pb::NodeProto) -> String {
    if n.name.is_empty() {
        n.output.first().cloned().unwrap_or_default()
    } else {
        n.name.clone()
    }
}

/// Sets axis 0 of the weight `name` (an initializer with data, or a shape-only input for a
/// stripped one) from `old` to `new`, row k repeating row k mod old. Returns the elements added.
fn widen(graph: &mut pb::GraphProto, name: &str, old: u64, new: u64) -> u64 {
    if let Some(t) = graph.initializer.iter_mut().find(|t| t.name == name) {
        let total: u64 = t.dims.iter().map(|&d| d.max(0) as u64).product();
        let row = (total / old.max(1)) as usize;
        let rows = |v: &mut Vec<u8>, width: usize| {
            let src = std::mem::take(v);
            *v = (0..new as usize)
                .flat_map(|k| src[(k % old as usize) * row * width..][..row * width].to_vec())
                .collect();
        };
        if t.raw_data.len() == total as usize * 4 {
            rows(&mut t.raw_data, 4);
        } else if t.float_data.len() == total as usize {
            let src = std::mem::take(&mut t.float_data);
            t.float_data = (0..new as usize).flat_map(|k| src[(k % old as usize) * row..][..row].to_vec()).collect();
        }
        t.dims[0] = new as i64;
        return (new - old) * row as u64;
    }
    let Some(vi) = graph.input.iter_mut().find(|v| v.name == name) else { return 0 };
    let Some(pb::type_proto::Value::TensorType(tt)) = vi.r#type.as_mut().and_then(|t| t.value.as_mut()) else {
        return 0;
    };
    let Some(shape) = tt.shape.as_mut() else { return 0 };
    let row: u64 = shape.dim[1..]
        .iter()
        .map(|d| match d.value {
            Some(pb::tensor_shape_proto::dimension::Value::DimValue(v)) => v.max(0) as u64,
            _ => 1,
        })
        .product();
    shape.dim[0].value = Some(pb::tensor_shape_proto::dimension::Value::DimValue(new as i64));
    (new - old) * row
}
