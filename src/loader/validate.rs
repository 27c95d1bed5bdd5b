//! Checks on the protobuf before the parser sees it: attribute values that the
//! parser would divide by or index with (strides of 0, a `perm` that is not a
//! permutation) and graph outputs that nothing produces. Such a node is listed
//! as unsupported with the reason; the rest of the model still loads.

use super::dims::MAX_DIM;
use tract_onnx::pb;

/// Ops with spatial `kernel_shape` / `strides` / `dilations` attributes.
const WINDOWED: &[&str] = &[
    "Conv",
    "ConvTranspose",
    "ConvInteger",
    "QLinearConv",
    "MaxPool",
    "AveragePool",
    "LpPool",
    "MaxUnpool",
    "DeformConv",
];

fn ints<'a>(n: &'a pb::NodeProto, name: &str) -> Option<&'a [i64]> {
    n.attribute.iter().find(|a| a.name == name).map(|a| a.ints.as_slice())
}

fn int(n: &pb::NodeProto, name: &str) -> Option<i64> {
    n.attribute.iter().find(|a| a.name == name).map(|a| a.i)
}

/// Most inputs or outputs one node may have. The parser's shape analysis of an
/// n-ary node (Sum, Concat) grows faster than n²: 8000 inputs already take a
/// second; real models stay far below this.
pub const MAX_NODE_ARITY: usize = 4096;

/// Fewest (non-empty) inputs an op needs. The parser's shape rules index
/// `inputs[0]`, `inputs[1]`, … without always checking the count first
/// (a Flatten with no input panicked in the fuzzer).
fn min_inputs(op: &str) -> usize {
    match op {
        // Sources, Optional (its input is optional) and Loop (trip count and condition optional).
        "Constant" | "RandomNormal" | "RandomUniform" | "SequenceEmpty" | "Optional" | "Loop" => 0,
        "BatchNormalization" => 5,
        "Where" | "Range" | "OneHot" | "ScatterElements" | "ScatterND" => 3,
        "Add" | "Sub" | "Mul" | "Div" | "Pow" | "Mod" | "MatMul" | "MatMulInteger" | "Gemm" | "Conv"
        | "ConvTranspose" | "Equal" | "Less" | "LessOrEqual" | "Greater" | "GreaterOrEqual" | "And" | "Or" | "Xor"
        | "BitShift" | "PRelu" | "Reshape" | "Expand" | "Tile" | "Gather" | "GatherElements" | "GatherND" => 2,
        _ => 1,
    }
}

/// A subgraph (If / Loop / Scan body) output that nothing inside it produces, at any depth:
/// the parser looks such a name up unchecked and panics (fuzz finding).
fn dangling_subgraph_output(n: &pb::NodeProto) -> Option<String> {
    for a in &n.attribute {
        for g in a.g.iter().chain(&a.graphs) {
            let defined = |name: &str| {
                !name.is_empty() && g.node.iter().any(|m| m.output.iter().any(|o| o == name))
                    || g.input.iter().any(|i| i.name == name)
                    || g.initializer.iter().any(|t| t.name == name)
            };
            if let Some(o) = g.output.iter().find(|o| !defined(&o.name)) {
                return Some(format!("its {} subgraph's output '{}' is produced by no node in it", a.name, o.name));
            }
            if let Some(why) = g.node.iter().find_map(dangling_subgraph_output) {
                return Some(why);
            }
        }
    }
    None
}

/// An If (at any depth) whose two branches give different numbers of outputs: the parser's
/// analysis unwraps the If's output count and panics, in release builds too (soak finding,
/// tests/corpus/requests/if_branches_output_counts_differ.bin).
fn if_branches_differ(n: &pb::NodeProto) -> Option<String> {
    if n.op_type == "If" {
        let outputs =
            |name: &str| n.attribute.iter().find(|a| a.name == name).and_then(|a| a.g.as_ref()).map(|g| g.output.len());
        if let (Some(t), Some(e)) = (outputs("then_branch"), outputs("else_branch")) {
            if t != e {
                return Some(format!("an If whose then_branch gives {t} outputs and else_branch {e}"));
            }
        }
    }
    n.attribute.iter().flat_map(|a| a.g.iter().chain(&a.graphs)).flat_map(|g| &g.node).find_map(if_branches_differ)
}

/// For a windowed op (`WINDOWED`), the fewest entries among the spatial attributes it lists
/// (`kernel_shape`, `strides`, `dilations`; `pads` counts half): the parser indexes each of them
/// by spatial dim unchecked.
pub fn window_entries(n: &pb::NodeProto) -> Option<usize> {
    if !WINDOWED.contains(&n.op_type.as_str()) {
        return None;
    }
    let lens = ["kernel_shape", "strides", "dilations"].iter().filter_map(|k| ints(n, k).map(<[i64]>::len));
    lens.chain(ints(n, "pads").map(|p| p.len() / 2)).min()
}

/// The first node inside `n`'s subgraphs, at any depth, that the parser must not see: the path
/// of subgraph attributes to it ("then_branch › else_branch"), its op and why. Each node is
/// visited once ([`own_problem`], not [`node_problem`], which would walk its subgraphs again).
fn subgraph_problem(n: &pb::NodeProto) -> Option<(String, String, String)> {
    for a in &n.attribute {
        for m in a.g.iter().chain(&a.graphs).flat_map(|g| &g.node) {
            if let Some((path, op, why)) = subgraph_problem(m) {
                return Some((format!("{} › {path}", a.name), op, why));
            }
            if let Some(why) = own_problem(m) {
                return Some((a.name.clone(), m.op_type.clone(), why));
            }
        }
    }
    None
}

/// Why the parser must not see this node, if it must not.
pub fn node_problem(n: &pb::NodeProto) -> Option<String> {
    if let Some(why) = dangling_subgraph_output(n).or_else(|| if_branches_differ(n)) {
        return Some(why);
    }
    // The parser builds subgraph nodes with the same unchecked rules: a body node it must not
    // see keeps the whole node out (soak findings: an If without its condition inside a
    // branch indexed its closures out of range, tests/corpus/requests/nested_if_*.bin).
    if let Some((path, op, why)) = subgraph_problem(n) {
        return Some(format!("its subgraph {path} has an invalid {op} node: {why}"));
    }
    own_problem(n)
}

/// What is wrong with the node itself (its inputs, outputs and attributes), its subgraphs aside.
fn own_problem(n: &pb::NodeProto) -> Option<String> {
    let op = n.op_type.as_str();
    let given = n.input.iter().take_while(|i| !i.is_empty()).count();
    // Whatever the domain says: the parser picks the op by its type alone (a fuzzed Flatten in
    // domain "/Flatten" with no input panicked in its shape rule; soak finding,
    // tests/corpus/requests/flatten_without_input.bin).
    let need = min_inputs(op);
    if given < need {
        return Some(format!("{op} needs at least {need} input(s); this node has {given}"));
    }
    if n.output.first().is_none_or(|o| o.is_empty()) {
        return Some("the node has no output".into());
    }
    if n.input.len() > MAX_NODE_ARITY || n.output.len() > MAX_NODE_ARITY {
        return Some(format!(
            "it has {} inputs and {} outputs; this tool handles at most {MAX_NODE_ARITY} per node",
            n.input.len(),
            n.output.len()
        ));
    }
    if WINDOWED.contains(&op) {
        for key in ["kernel_shape", "strides", "dilations"] {
            if let Some(v) = ints(n, key).and_then(|v| v.iter().find(|&&x| x < 1 || x as u64 > MAX_DIM)) {
                return Some(format!("attribute '{key}' contains {v}; every entry must be between 1 and 2^40"));
            }
        }
        if let Some(v) = ints(n, "pads").and_then(|v| v.iter().find(|&&x| x < 0 || x as u64 > MAX_DIM)) {
            return Some(format!("attribute 'pads' contains {v}; every entry must be between 0 and 2^40"));
        }
        if let Some(v) = ints(n, "output_padding").and_then(|v| v.iter().find(|&&x| x < 0 || x as u64 > MAX_DIM)) {
            return Some(format!("attribute 'output_padding' contains {v}; every entry must be between 0 and 2^40"));
        }
        // The parser indexes these per spatial axis: their lengths must agree.
        let rank = ints(n, "kernel_shape")
            .map(<[i64]>::len)
            .or_else(|| ints(n, "strides").map(<[i64]>::len))
            .or_else(|| ints(n, "dilations").map(<[i64]>::len));
        if let Some(r) = rank {
            for (key, want) in
                [("kernel_shape", r), ("strides", r), ("dilations", r), ("pads", 2 * r), ("output_padding", r)]
            {
                if let Some(v) = ints(n, key).filter(|v| v.len() != want || want == 0) {
                    return Some(format!(
                        "attribute '{key}' has {} entries; {want} expected for {r} spatial axes",
                        v.len()
                    ));
                }
            }
        }
        if let Some(g) = int(n, "group").filter(|&g| g < 1 || g as u64 > MAX_DIM) {
            return Some(format!("attribute 'group' is {g}; it must be at least 1"));
        }
    }
    if op == "Transpose" {
        if let Some(perm) = ints(n, "perm") {
            let mut seen = vec![false; perm.len()];
            for &p in perm {
                match usize::try_from(p).ok().filter(|&p| p < perm.len()) {
                    Some(p) if !seen[p] => seen[p] = true,
                    _ => {
                        return Some(format!(
                            "attribute 'perm' is not a permutation of 0..{} (it contains {p})",
                            perm.len()
                        ))
                    }
                }
            }
        }
    }
    None
}
