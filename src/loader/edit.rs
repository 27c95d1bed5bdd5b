//! Edits of an ONNX file's bytes, for the what-if download: the main graph's node list with
//! some nodes replaced by new ones (given as [`Node`]s of our graph). Only the node list and the
//! `value_info` of tensors that no longer exist change; every other field, the weights
//! included, is copied byte for byte.

use super::attrs;
use super::walk::{put_bytes, Reader, WireError};
use crate::graph::{Graph, Node, Tensor};
use prost::Message;
use std::collections::{HashMap, HashSet};
use tract_onnx::pb;

/// One change to the main graph's node list: the nodes at `remove` (indices into the loaded
/// graph's nodes, which are the file's nodes in file order; ascending) go, and `nodes` are
/// written where the last of them stood. A new node that keeps the name of a node it replaces
/// starts from that node's proto (doc string, attributes it keeps unchanged).
pub struct Replace<'a> {
    pub remove: &'a [usize],
    pub nodes: &'a [Node],
}

fn not_valid(e: &WireError) -> String {
    format!("not a valid ONNX file: {} (at byte {})", e.what, e.offset)
}

/// Applies `edits` to the ONNX file `bytes` that `g` was loaded from (at any batch size).
/// Refuses a file whose nodes are not those of `g`.
pub fn replace_nodes(bytes: &[u8], g: &Graph, edits: &[Replace]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(bytes.len() + 4096);
    let mut graphs = 0;
    let mut model = Reader::new(bytes, 0);
    model.whole_file = true;
    for f in model.fields().map_err(|e| not_valid(&e))? {
        match (f.number, f.payload) {
            (7, Some(gb)) => {
                graphs += 1;
                let base = gb.as_ptr() as usize - bytes.as_ptr() as usize;
                put_bytes(&mut out, 7, &rewrite_graph(gb, base, g, edits)?);
            }
            _ => out.extend_from_slice(f.raw),
        }
    }
    if graphs != 1 {
        return Err("not an ONNX model (no single graph)".into());
    }
    Ok(out)
}

/// The graph name the loader gives a node (`NodeProto.name`, else its first output).
fn node_name(p: &pb::NodeProto, i: usize) -> String {
    if !p.name.is_empty() {
        p.name.clone()
    } else if p.output.first().is_some_and(|o| !o.is_empty()) {
        p.output[0].clone()
    } else {
        format!("{}-{}", i, p.op_type)
    }
}

/// `Constant`'s `value` tensor for a new node's output.
fn constant_tensor(t: &Tensor) -> Result<pb::TensorProto, String> {
    let shape = t.shape.clone().unwrap_or_default();
    let v = t.value.clone().unwrap_or_default();
    let mut p = pb::TensorProto { dims: shape.iter().map(|&d| d as i64).collect(), ..Default::default() };
    match t.dtype.as_str() {
        "float" => (p.data_type, p.float_data) = (1, v.iter().map(|&x| x as f32).collect()),
        "double" => (p.data_type, p.double_data) = (11, v),
        "int64" => (p.data_type, p.int64_data) = (7, v.iter().map(|&x| x as i64).collect()),
        other => return Err(format!("cannot write a {other} constant")),
    }
    Ok(p)
}

/// A new node as a NodeProto. A node that keeps the name of a node it replaces
/// starts from that node's proto (doc string, attributes it keeps unchanged).
fn node_proto(n: &Node, originals: &[(String, pb::NodeProto)]) -> Result<pb::NodeProto, String> {
    let mut p = originals.iter().find(|(name, _)| *name == n.name).map(|(_, p)| p.clone()).unwrap_or_default();
    p.name = n.name.clone();
    p.op_type = n.op.clone();
    if !(p.domain == "ai.onnx" && n.domain.is_empty()) {
        p.domain = n.domain.clone();
    }
    p.input = n.inputs.iter().map(|t| t.name.clone()).collect();
    p.output = n.outputs.iter().map(|t| t.name.clone()).collect();
    p.attribute.retain(|a| attrs::of(a).is_some_and(|v| n.attrs.get(&a.name) == Some(&v)));
    for (k, v) in &n.attrs {
        if !p.attribute.iter().any(|a| &a.name == k) {
            p.attribute.push(attrs::to_proto(k, v));
        }
    }
    if n.op == "Constant" {
        let t = n.outputs.first().ok_or("a Constant node without output")?;
        p.attribute = vec![pb::AttributeProto {
            name: "value".into(),
            r#type: 4,
            t: Some(constant_tensor(t)?),
            ..Default::default()
        }];
    }
    Ok(p)
}

fn rewrite_graph(buf: &[u8], base: usize, g: &Graph, edits: &[Replace]) -> Result<Vec<u8>, String> {
    let fs = Reader::new(buf, base).fields().map_err(|e| not_valid(&e))?;
    let raw_nodes: Vec<&[u8]> = fs.iter().filter(|f| f.number == 1).filter_map(|f| f.payload).collect();
    if raw_nodes.len() != g.nodes.len() {
        return Err(format!(
            "the file has {} nodes, the loaded model {}: reload the file and try again",
            raw_nodes.len(),
            g.nodes.len()
        ));
    }
    let protos: Vec<pb::NodeProto> =
        raw_nodes.iter().map(|b| pb::NodeProto::decode(*b).map_err(|e| e.to_string())).collect::<Result<_, _>>()?;
    for (p, n) in protos.iter().zip(&g.nodes) {
        if p.op_type != n.op {
            return Err(format!("node {} is {} in the file but {} in the loaded model", n.name, p.op_type, n.op));
        }
    }
    let mut at: HashMap<usize, &Replace> = HashMap::new();
    let mut removed = HashSet::new();
    for e in edits {
        removed.extend(e.remove.iter().copied());
        at.insert(*e.remove.last().ok_or("empty edit")?, e);
    }
    // Tensors that no longer exist lose their value_info.
    let mut gone: HashSet<&str> = edits
        .iter()
        .flat_map(|e| e.remove.iter().flat_map(|&i| g.nodes[i].outputs.iter().map(|t| t.name.as_str())))
        .collect();
    for e in edits {
        for n in e.nodes {
            for t in &n.outputs {
                gone.remove(t.name.as_str());
            }
        }
    }
    let mut nodes_out = Vec::new();
    for (i, raw) in raw_nodes.iter().enumerate() {
        if let Some(e) = at.get(&i) {
            let originals: Vec<(String, pb::NodeProto)> =
                e.remove.iter().map(|&k| (node_name(&protos[k], k), protos[k].clone())).collect();
            for n in e.nodes {
                put_bytes(&mut nodes_out, 1, &node_proto(n, &originals)?.encode_to_vec());
            }
        } else if !removed.contains(&i) {
            put_bytes(&mut nodes_out, 1, raw);
        }
    }
    let mut out = Vec::with_capacity(buf.len() + nodes_out.len());
    let mut nodes_written = false;
    for f in &fs {
        match (f.number, f.payload) {
            (1, Some(_)) => {
                if !nodes_written {
                    out.extend_from_slice(&nodes_out);
                    nodes_written = true;
                }
            }
            (13, Some(vi)) => {
                let name = pb::ValueInfoProto::decode(vi).map(|v| v.name).unwrap_or_default();
                if !gone.contains(name.as_str()) {
                    out.extend_from_slice(f.raw);
                }
            }
            _ => out.extend_from_slice(f.raw),
        }
    }
    Ok(out)
}
