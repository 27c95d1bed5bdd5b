//! ONNX attributes → [`Attr`], read once here so cost models never touch the protobuf.

use crate::graph::Attr;
use std::collections::BTreeMap;
use tract_onnx::pb;

/// Converts a node's attributes. Graph, tensor and sparse attributes are dropped
/// (no cost model reads them), except a tensor attribute's dims and small values
/// which `Constant` needs: those become `Floats` under the same name.
pub fn convert(node: &pb::NodeProto) -> BTreeMap<String, Attr> {
    let mut out = BTreeMap::new();
    for a in &node.attribute {
        let ty = if a.r#type != 0 { a.r#type } else { guess_type(a) };
        let v = match ty {
            1 => Attr::Float(f64::from(a.f)),
            2 => Attr::Int(a.i),
            3 => Attr::Str(String::from_utf8_lossy(&a.s).into_owned()),
            6 => Attr::Floats(a.floats.iter().map(|&x| f64::from(x)).collect()),
            7 => Attr::Ints(a.ints.clone()),
            8 => Attr::Str(
                a.strings.iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect::<Vec<_>>().join(","),
            ),
            _ => continue,
        };
        out.insert(a.name.clone(), v);
    }
    out
}

fn guess_type(a: &pb::AttributeProto) -> i32 {
    if !a.ints.is_empty() {
        7
    } else if !a.floats.is_empty() {
        6
    } else if !a.strings.is_empty() {
        8
    } else if !a.s.is_empty() {
        3
    } else if a.t.is_some() {
        4
    } else if a.g.is_some() {
        5
    } else if a.f != 0.0 {
        1
    } else {
        2
    }
}

/// An attribute of a declared scalar or list type (what-if: which of a replaced node's
/// attributes a new node keeps unchanged).
pub fn of(a: &pb::AttributeProto) -> Option<Attr> {
    Some(match a.r#type {
        1 => Attr::Float(f64::from(a.f)),
        2 => Attr::Int(a.i),
        3 => Attr::Str(String::from_utf8_lossy(&a.s).into_owned()),
        6 => Attr::Floats(a.floats.iter().map(|&x| f64::from(x)).collect()),
        7 => Attr::Ints(a.ints.clone()),
        _ => return None,
    })
}

pub fn to_proto(name: &str, v: &Attr) -> pb::AttributeProto {
    let mut a = pb::AttributeProto { name: name.into(), ..Default::default() };
    match v {
        Attr::Float(f) => (a.r#type, a.f) = (1, *f as f32),
        Attr::Int(i) => (a.r#type, a.i) = (2, *i),
        Attr::Str(s) => (a.r#type, a.s) = (3, s.as_bytes().to_vec()),
        Attr::Floats(f) => (a.r#type, a.floats) = (6, f.iter().map(|&x| x as f32).collect()),
        Attr::Ints(i) => (a.r#type, a.ints) = (7, i.clone()),
    }
    a
}
