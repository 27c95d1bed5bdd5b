//! The same rewrite on the ONNX file, for the download: the planned edits go to the loader's
//! file editor ([`crate::loader::replace_nodes`]), which alone knows the protobuf.

use super::{plan, WhatIf};
use crate::graph::Graph;
use crate::loader::{replace_nodes, Replace};

/// Applies the substitutions to the ONNX file `bytes` that `g` was loaded from
/// (at any batch size): returns the new file and how many sites changed.
/// Only the graph's node list (and the value_info of removed tensors) changes;
/// every other field, the weights included, is copied byte for byte.
pub fn apply_onnx(bytes: &[u8], g: &Graph, w: WhatIf) -> Result<(Vec<u8>, usize), String> {
    let edits = plan(g, w);
    let replace: Vec<Replace> = edits.iter().map(|e| Replace { remove: &e.remove, nodes: &e.nodes }).collect();
    Ok((replace_nodes(bytes, g, &replace)?, edits.len()))
}
