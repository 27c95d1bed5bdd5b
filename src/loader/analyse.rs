//! Parse the weight-free protobuf with tract and read back concrete shapes.

use super::dims::{self, patch_int};
use super::wire::Stripped;
use super::{attrs, guard, rebatch, validate, LoadError, LoadOptions};
use crate::graph::{Graph, Node, Origin, Problem, Tensor, MAX_ELEMENTS};
use crate::scope::scope_of;
use prost::Message;
use std::collections::{HashMap, HashSet};
use tract_onnx::pb;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::{Factoid, InferenceFact, InferenceModelExt};

/// ONNX float element types: initializers of these types are model weights.
const FLOAT_TYPES: [i32; 4] = [1, 10, 11, 16];

pub(super) struct Parsed {
    pub(super) model: InferenceModel,
    pub(super) outlets: HashMap<String, OutletId>,
    first_error: Option<String>,
    /// pb node index → why the parser could not build it.
    unbuildable: HashMap<usize, String>,
}

/// The weights a weight-free structure file (`weight_free`) carries as typed graph inputs, named in
/// its [`super::weight_free::WEIGHTS_KEY`] metadata: counted as initializers, as the original's were.
/// A listed name that is no input with a fixed shape is ignored.
fn structure_weights(meta: &[pb::StringStringEntryProto], graph: &pb::GraphProto) -> Vec<(String, Vec<i64>, i32)> {
    let Some(listed) = meta.iter().find(|e| e.key == super::weight_free::WEIGHTS_KEY) else { return Vec::new() };
    let listed: HashSet<&str> = listed.value.lines().collect();
    let fixed = |vi: &pb::ValueInfoProto| -> Option<(String, Vec<i64>, i32)> {
        let Some(pb::type_proto::Value::TensorType(t)) = vi.r#type.as_ref()?.value.as_ref() else { return None };
        let dims = t.shape.as_ref()?.dim.iter().map(|d| match d.value {
            Some(pb::tensor_shape_proto::dimension::Value::DimValue(v)) => Some(v),
            _ => None,
        });
        Some((vi.name.clone(), dims.collect::<Option<Vec<i64>>>()?, t.elem_type))
    };
    graph.input.iter().filter(|vi| listed.contains(vi.name.as_str())).filter_map(fixed).collect()
}

pub fn build_graph(stripped: Stripped, opts: &LoadOptions, allow_zero: &[String]) -> Result<Graph, LoadError> {
    let Stripped { model: small, weights: _, initializers, bad_data } = stripped;
    for (name, d, _) in &initializers {
        if let Some((axis, v)) = d.iter().enumerate().find(|(_, &v)| v < 0 || v as u64 > dims::MAX_DIM) {
            return Err(LoadError::BadDim(format!(
                "Initializer '{name}' has size {v} on axis {axis}; sizes must be between 0 and 2^40 ({}).",
                dims::MAX_DIM
            )));
        }
    }
    let mut proto = pb::ModelProto::decode(&small[..]).map_err(decode_error)?;
    let mut meta_scopes = super::meta::node_scopes(&small);
    drop(small);
    if proto.ir_version == 0 && proto.opset_import.is_empty() {
        return Err(LoadError::NotOnnx("it declares neither an IR version nor an operator set".into()));
    }
    let opset = proto
        .opset_import
        .iter()
        .find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
        .map(|o| o.version)
        .unwrap_or(0);
    let graph = proto.graph.as_mut().ok_or_else(|| LoadError::NotOnnx("it has no graph".into()))?;
    if graph.node.is_empty() {
        return Err(LoadError::EmptyGraph);
    }
    let mut initializers = initializers;
    initializers.extend(structure_weights(&proto.metadata_props, graph));
    let mut init_names: HashSet<String> = initializers.iter().map(|(n, _, _)| n.clone()).collect();
    // A float initializer of one element is a constant (a dynamo export's attention scale,
    // epsilon or exponent), public; every larger one is a weight.
    let is_weight = |(_, d, t): &&(String, Vec<i64>, i32)| FLOAT_TYPES.contains(t) && d.iter().any(|&x| x != 1);
    let weight_names: HashSet<String> = initializers.iter().filter(is_weight).map(|(n, _, _)| n.clone()).collect();
    let mut parameters: u64 = initializers
        .iter()
        .filter(is_weight)
        .map(|(_, d, _)| {
            d.iter().try_fold(1u64, |a, &x| u64::try_from(x).ok().and_then(|x| a.checked_mul(x))).unwrap_or(0)
        })
        .fold(0u64, u64::saturating_add);
    let pinned = dims::pin(graph, opts, &init_names, allow_zero)?;
    let mut notes = bad_data;
    // A graph output that nothing produces would crash the parser: drop it, say so.
    let defined: HashSet<&str> = graph
        .node
        .iter()
        .flat_map(|n| n.output.iter())
        .chain(graph.input.iter().map(|i| &i.name))
        .map(String::as_str)
        .chain(init_names.iter().map(String::as_str))
        .filter(|s| !s.is_empty()) // an empty name is "no tensor": it defines nothing
        .collect();
    let (kept, dangling): (Vec<_>, Vec<_>) =
        std::mem::take(&mut graph.output).into_iter().partition(|o| defined.contains(o.name.as_str()));
    graph.output = kept;
    if !dangling.is_empty() {
        let names: Vec<String> = dangling.iter().map(|o| format!("'{}'", o.name)).collect();
        notes.push(format!("Graph output {} is produced by no node and was ignored.", names.join(", ")));
    }

    let mut parsed = parse_and_analyse(&mut proto)?;
    if let (Some(old), Some(new)) = (pinned.old_batch, opts.batch) {
        let unpatched = proto.clone();
        notes.push(format!("Re-batched from {old} to {new}."));
        // A patched Reshape can give a later one the shape its own patch needs: repeat a few times.
        let (mut all_patched, mut done) = (Vec::new(), Vec::new());
        let mut broadcasts = Vec::new();
        let mut widened = 0u64;
        for _ in 0..8 {
            let patched = patch_batch_reshapes(&mut proto, &parsed, old, new, &done);
            let fixed = if patched.is_empty() {
                rebatch::patch_batch_broadcasts(
                    &mut proto,
                    &parsed,
                    old,
                    new,
                    &mut init_names,
                    &mut meta_scopes,
                    &mut widened,
                )
            } else {
                Vec::new()
            };
            if patched.is_empty() && fixed.is_empty() {
                break;
            }
            all_patched.extend(patched.iter().step_by(2).cloned());
            done.extend(patched);
            broadcasts.extend(fixed);
            parsed = parse_and_analyse(&mut proto)?;
        }
        parameters = parameters.saturating_add(widened);
        if !broadcasts.is_empty() {
            notes.push(format!(
                "Broadcasts with the batch baked in (a class token, pooling indices) were re-batched to {new}: {}.",
                broadcasts.join(", ")
            ));
        }
        if !all_patched.is_empty() {
            notes.push(format!(
                "Reshape targets with the batch baked in were changed to {new}: {}.",
                all_patched.join(", ")
            ));
        }
        if let Some(why) = rebatch_failure(&proto, &parsed, unpatched, &init_names, old, new)? {
            return Err(LoadError::BadDim(why));
        }
    }
    let graph = proto.graph.as_ref().expect("checked above");
    let mut seen = HashSet::new();
    let dup_inits: HashSet<String> =
        initializers.iter().filter(|(n, _, _)| !seen.insert(n.as_str())).map(|(n, _, _)| n.clone()).collect();
    Ok(convert(
        graph,
        &parsed,
        opts,
        opset,
        &proto.producer_name,
        &init_names,
        &weight_names,
        parameters,
        notes,
        &dup_inits,
        &meta_scopes,
    ))
}

/// A protobuf decoding error, made readable: the decoder names the whole path
/// of nested messages (hundreds of levels for a nesting bomb).
fn decode_error(e: prost::DecodeError) -> LoadError {
    let text = e.to_string();
    if text.contains("recursion limit reached") {
        return LoadError::TooComplex("its subgraphs (If / Loop / Scan bodies inside each other) are nested too deeply; the decoder stops at 100 levels of nested messages, about 33 levels of subgraphs".into());
    }
    // "failed to decode Protobuf message: A.b: C.d: …: reason": keep the reason
    // and the innermost field.
    let parts: Vec<&str> = text.split(": ").collect();
    let what = match parts.as_slice() {
        [_, .., field, _, reason] if parts.len() > 4 => format!("{reason}, in {field} …"),
        _ => text.clone(),
    };
    LoadError::Corrupt { offset: None, what }
}

/// tract parse (retrying past nodes it cannot build) and obstinate shape analysis,
/// with our fallback shape rules for ops tract does not implement.
fn parse_and_analyse(proto: &mut pb::ModelProto) -> Result<Parsed, LoadError> {
    let onnx = tract_onnx::onnx();
    let mut unbuildable = HashMap::new();
    let mut hidden_inputs: HashMap<usize, Vec<String>> = HashMap::new();
    let nodes = proto.graph.as_ref().map_or(0, |g| g.node.len());
    // Attribute values the parser would crash on: keep those nodes out of it.
    if let Some(graph) = proto.graph.as_mut() {
        for (i, n) in graph.node.iter_mut().enumerate() {
            if let Some(why) = validate::node_problem(n) {
                unbuildable.insert(i, format!("invalid {} node: {why}", n.op_type));
                n.op_type = format!("mpclens:{}", n.op_type);
                // Shape analysis re-examines a node each time one of its inputs
                // changes: a node with 10^5 inputs is quadratic even when unknown.
                if n.input.len() > validate::MAX_NODE_ARITY {
                    hidden_inputs.insert(i, std::mem::take(&mut n.input));
                }
            }
        }
    }
    let mut checked_all = false;
    let parsed = loop {
        match onnx.parse(proto, None) {
            Ok(p) => break p,
            Err(e) if !checked_all && e.to_string().starts_with("Building node") => {
                // Each failed parse costs a full parse: find every node the parser
                // cannot build in one pass rather than one per retry.
                checked_all = true;
                for (i, why) in unbuildable_nodes(&onnx, proto) {
                    let n = &mut proto.graph.as_mut().expect("has graph").node[i];
                    unbuildable.insert(i, format!("the parser cannot build this {} node: {why}", n.op_type));
                    n.op_type = format!("mpclens:{}", n.op_type);
                }
            }
            Err(e) => {
                let text = format!("{e:#}");
                let graph = proto.graph.as_mut().expect("has graph");
                // "Building node NAME (OP)": disable that node and try again.
                let culprit = graph.node.iter().position(|n| {
                    !n.op_type.starts_with("mpclens:")
                        && text.contains(&format!("Building node {} ({})", n.name, n.op_type))
                });
                match culprit {
                    Some(i) if unbuildable.len() < nodes => {
                        let reason = format!("{:#}", e.root_cause());
                        let n = &mut graph.node[i];
                        unbuildable.insert(i, format!("the parser cannot build this {} node: {reason}", n.op_type));
                        n.op_type = format!("mpclens:{}", n.op_type);
                    }
                    _ => return Err(LoadError::NotOnnx(format!("the graph cannot be parsed: {text}"))),
                }
            }
        }
    };
    // Restore the op names we disabled, for the report.
    if let Some(g) = proto.graph.as_mut() {
        for n in &mut g.node {
            if let Some(orig) = n.op_type.strip_prefix("mpclens:") {
                n.op_type = orig.to_string();
            }
        }
        for (i, inputs) in hidden_inputs {
            g.node[i].input = inputs;
        }
    }
    let mut model = parsed.model;
    let axes = proto
        .graph
        .iter()
        .flat_map(|g| &g.node)
        .filter_map(|n| {
            let axis = n.attribute.iter().find(|a| a.name == "axis").map(|a| a.i);
            let axes = n.attribute.iter().find(|a| a.name == "axes").map_or(&[][..], |a| &a.ints[..]);
            let check = guard::AxisCheck::for_node(&n.op_type, axis)
                .or_else(|| guard::AxisCheck::for_axes(&n.op_type, axes))
                .or_else(|| guard::AxisCheck::for_window(validate::window_entries(n)));
            Some((n.name.clone(), check?))
        })
        .collect();
    guard::install(&mut model, &axes);
    let outlets = parsed.outlets_by_name;
    let mut first_error = model.analyse(true).err().map(|e| format!("{e:#}"));
    // Fallback shapes for unimplemented ops, then re-analyse; a few passes suffice
    // since each pass unlocks the next unknown op downstream.
    let graph = proto.graph.as_ref().expect("has graph");
    for _ in 0..4 {
        let mut progressed = false;
        for n in graph.node.iter().filter(|n| !onnx.op_register.0.contains_key(&n.op_type)) {
            let Some(out) = n.output.first().and_then(|o| outlets.get(o)) else { continue };
            if model.outlet_fact(*out).map(|f| f.shape.is_concrete()).unwrap_or(true) {
                continue;
            }
            if let Some(fact) = fallback_fact(n, &model, &outlets) {
                progressed |= model.set_outlet_fact(*out, fact).is_ok();
            }
        }
        if !progressed {
            break;
        }
        first_error = model.analyse(true).err().map(|e| format!("{e:#}"));
    }
    Ok(Parsed { model, outlets, first_error, unbuildable })
}

/// Every top-level node whose op builder fails, with the parser's reason.
fn unbuildable_nodes(onnx: &tract_onnx::model::Onnx, proto: &pb::ModelProto) -> Vec<(usize, String)> {
    let Some(graph) = proto.graph.as_ref() else { return Vec::new() };
    let ctx = tract_onnx::model::ParsingContext {
        onnx_operator_set_version: proto
            .opset_import
            .iter()
            .find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
            .map_or(0, |o| o.version),
        framework: onnx,
        model: proto,
        parent_graphs: vec![graph],
        model_dir: None,
        template: InferenceModel::default(),
    };
    let mut bad = Vec::new();
    for (i, n) in graph.node.iter().enumerate() {
        if let Some(builder) = onnx.op_register.0.get(&n.op_type) {
            if let Err(e) = builder(&ctx, n) {
                bad.push((i, format!("{:#}", e.root_cause())));
            }
        }
    }
    bad
}

/// Shape rules of our own for ops the parser leaves unknown: the registry's
/// [`ShapeRule::SameAsInput`](crate::ops::ShapeRule) ops, and the [`ShapeRule::Loader`](crate::ops::ShapeRule) ones written here.
fn fallback_fact(
    n: &pb::NodeProto,
    model: &InferenceModel,
    outlets: &HashMap<String, OutletId>,
) -> Option<InferenceFact> {
    let fact_of = |name: &str| outlets.get(name).and_then(|o| model.outlet_fact(*o).ok());
    let x = fact_of(n.input.first()?)?;
    let shape: Vec<usize> = x.shape.as_concrete_finite().ok()??.to_vec();
    let dt = x.datum_type.concretize().unwrap_or(DatumType::F32);
    let out: Vec<usize> = match n.op_type.as_str() {
        op if crate::ops::shape_rule(op) == crate::ops::ShapeRule::SameAsInput => shape,
        // com.microsoft Attention: [B, S, hidden] with hidden = weight cols / 3.
        "Attention" if n.domain == "com.microsoft" => {
            let w = fact_of(n.input.get(1)?)?.shape.as_concrete_finite().ok()??;
            let mut s = shape;
            *s.last_mut()? = *w.last()? / 3;
            s
        }
        // ONNX Attention (opset 23): output 0 has Q's shape with V's head size; for
        // the usual equal head sizes, Q's shape.
        "Attention" => shape,
        // Upsample (deprecated): scales from the attribute (opset 7) or input 1.
        "Upsample" => {
            let scales: Vec<f64> = match n.attribute.iter().find(|a| a.name == "scales") {
                Some(a) => a.floats.iter().map(|&f| f64::from(f)).collect(),
                None => {
                    let t = fact_of(n.input.get(1)?)?.value.concretize()?;
                    let t = t.cast_to::<f64>().ok()?;
                    t.to_plain_array_view::<f64>().ok()?.iter().copied().collect()
                }
            };
            if scales.len() != shape.len() {
                return None;
            }
            shape.iter().zip(&scales).map(|(&d, &s)| (d as f64 * s).floor() as usize).collect()
        }
        _ => return None,
    };
    Some(InferenceFact::dt_shape(dt, out))
}

/// Nodes whose outputs the analysis left without a concrete shape, in file order.
fn unshaped_nodes(proto: &pb::ModelProto, parsed: &Parsed) -> Vec<usize> {
    let known = |o: &String| {
        parsed
            .outlets
            .get(o)
            .and_then(|id| parsed.model.outlet_fact(*id).ok())
            .is_some_and(|f| f.shape.as_concrete_finite().ok().flatten().is_some())
    };
    let nodes = proto.graph.as_ref().map_or(&[][..], |g| &g.node[..]);
    (0..nodes.len()).filter(|&i| nodes[i].output.iter().filter(|o| !o.is_empty()).any(|o| !known(o))).collect()
}

/// A re-batch that leaves a node unshaped which was shaped at the file's own batch (a class
/// token Concat, a Reshape or Expand with the batch baked into a computed target, a pooling
/// Gather) is refused, naming that node: silently unshaped nodes would make the totals a
/// fraction of the truth. Costs a second analysis only when some node is unshaped.
/// `unpatched` is the model before Reshape targets were re-batched; `weights` the initializers.
fn rebatch_failure(
    proto: &pb::ModelProto,
    parsed: &Parsed,
    unpatched: pb::ModelProto,
    weights: &HashSet<String>,
    old: u64,
    new: u64,
) -> Result<Option<String>, LoadError> {
    let unshaped = unshaped_nodes(proto, parsed);
    if unshaped.is_empty() {
        return Ok(None);
    }
    let mut at_old = unpatched;
    if let Some(g) = at_old.graph.as_mut() {
        // Weights are shape-only graph inputs by now (`wire`): only the private inputs go back.
        for vi in g.input.iter_mut().filter(|vi| !weights.contains(&vi.name)) {
            if let Some(pb::type_proto::Value::TensorType(tt)) = vi.r#type.as_mut().and_then(|t| t.value.as_mut()) {
                if let Some(shape) = tt.shape.as_mut().filter(|s| s.dim.len() >= 2) {
                    shape.dim[0].value = Some(pb::tensor_shape_proto::dimension::Value::DimValue(old as i64));
                }
            }
        }
    }
    let parsed_old = parse_and_analyse(&mut at_old)?;
    // By output name: re-batching may have inserted nodes, so indices differ.
    let old_nodes = at_old.graph.as_ref().map_or(&[][..], |g| &g.node[..]);
    let before: HashSet<&String> =
        unshaped_nodes(&at_old, &parsed_old).into_iter().filter_map(|i| old_nodes[i].output.first()).collect();
    let nodes = &proto.graph.as_ref().expect("has graph").node;
    let Some(&i) = unshaped.iter().find(|&&i| nodes[i].output.first().is_none_or(|o| !before.contains(o))) else {
        return Ok(None);
    };
    let n = &nodes[i];
    let name = if n.name.is_empty() { n.output.first().cloned().unwrap_or_default() } else { n.name.clone() };
    Ok(Some(format!(
        "Cannot re-batch this model from {old} to {new}: node '{name}' ({}) has no shape at batch {new} though it has \
         one at batch {old}; the export fixed the batch inside the graph (a class-token Concat, a Reshape or Expand \
         target, a Gather index). Export it with a dynamic batch axis, or at batch {new}.",
        n.op_type
    )))
}

/// After re-batching, Reshape targets that still say the old batch (a torch export's `[1, -1]`),
/// or the old batch times the sequence (`[128, 768]` for a `[1, 128, 12, 64]` input: batch ×
/// sequence folded; likewise batch × heads) are changed to the new batch. Returns pairs (node,
/// target tensor) flattened, for `done`: nodes and targets an earlier pass patched are left alone.
fn patch_batch_reshapes(
    proto: &mut pb::ModelProto,
    parsed: &Parsed,
    old: u64,
    new: u64,
    done: &[String],
) -> Vec<String> {
    let graph = proto.graph.as_mut().expect("has graph");
    // Tensors computed from the private inputs carry the batch.
    let mut from_input: HashSet<String> = graph.input.iter().map(|i| i.name.clone()).collect();
    let inits: HashSet<String> = graph.initializer.iter().map(|t| t.name.clone()).collect();
    from_input.retain(|n| !inits.contains(n));
    let mut targets: Vec<(String, String, i64)> = Vec::new();
    for n in &graph.node {
        let carries = n.input.iter().any(|i| from_input.contains(i)) && n.op_type != "Shape";
        if carries {
            from_input.extend(n.output.iter().cloned());
        }
        if n.op_type == "Reshape" && n.input.first().is_some_and(|i| from_input.contains(i)) && !done.contains(&n.name)
        {
            // A target shared by several Reshapes is patched once, in the first pass that can.
            let fresh = |s: &&String| !done.contains(s) && !targets.iter().any(|(_, t, _)| t == *s);
            if let Some(shape_name) = n.input.get(1).filter(fresh) {
                let dim0 = parsed
                    .outlets
                    .get(shape_name)
                    .and_then(|o| parsed.model.outlet_fact(*o).ok())
                    .and_then(|f| f.value.concretize())
                    .and_then(|t| {
                        t.cast_to::<i64>()
                            .ok()
                            .and_then(|t| t.to_plain_array_view::<i64>().ok().and_then(|a| a.iter().next().copied()))
                    });
                // The input as analysed at the new batch: a target [old·S, …] folds batch × sequence.
                let input = n.input.first().and_then(|i| parsed.outlets.get(i)).and_then(|o| {
                    parsed.model.outlet_fact(*o).ok().and_then(|f| f.shape.as_concrete_finite().ok().flatten())
                });
                // Leading axes folded into one: old · s1 · … · sk (sequence; GQA's kv × group heads).
                let folded = input.as_deref().filter(|s| s.len() >= 2 && s[0] as u64 == new).and_then(|s| {
                    let mut inner = 1i64;
                    s[1..].iter().find_map(|&d| {
                        inner = inner.checked_mul(d as i64)?;
                        (dim0 == Some((old as i64).checked_mul(inner)?)).then_some(inner)
                    })
                });
                // Already folded upstream (Swin's windows: the input is [new·k, …] after an
                // earlier patch, the target still [old·k, …]).
                let refolded = input.as_deref().and_then(|s| s.first()).and_then(|&d0| {
                    let d0 = d0 as u64;
                    let k = d0.is_multiple_of(new).then(|| d0 / new).filter(|&k| k > 1)?;
                    (dim0 == Some((old * k) as i64)).then_some(k as i64)
                });
                if dim0 == Some(old as i64) {
                    targets.push((n.name.clone(), shape_name.clone(), new as i64));
                } else if let Some(seq) = folded.or(refolded) {
                    targets.push((n.name.clone(), shape_name.clone(), new as i64 * seq));
                }
            }
        }
    }
    let mut patched = Vec::new();
    for (node, mut shape_name, value) in targets {
        // A target assembled by `Concat(axis 0)` from a constant batch and computed sizes (Swin's
        // patch merging, legacy: `Concat([1], H/2, 2, W/2, 2, C)`): patch that leading constant
        // when nothing else reads it.
        if let Some(first) = concat_head(graph, &shape_name) {
            shape_name = first;
        }
        let ok = if let Some(t) = graph.initializer.iter_mut().find(|t| t.name == shape_name) {
            patch_int(t, 0, value)
        } else if let Some(c) =
            graph.node.iter_mut().find(|c| c.op_type == "Constant" && c.output.first() == Some(&shape_name))
        {
            c.attribute
                .iter_mut()
                .find(|a| a.name == "value")
                .and_then(|a| a.t.as_mut())
                .is_some_and(|t| patch_int(t, 0, value))
        } else {
            false
        };
        if ok {
            patched.push(node);
            patched.push(shape_name);
        }
    }
    patched
}

/// The first input of the `Concat` on axis 0 that produces `target`, when it is a one-element
/// constant (a Constant node's output or an initializer) read by that Concat only.
fn concat_head(graph: &pb::GraphProto, target: &str) -> Option<String> {
    let concat = graph.node.iter().find(|n| n.output.first().is_some_and(|o| o == target))?;
    let axis0 = concat.attribute.iter().find(|a| a.name == "axis").is_none_or(|a| a.i == 0);
    if concat.op_type != "Concat" || !axis0 {
        return None;
    }
    let first = concat.input.first()?;
    let readers = graph.node.iter().flat_map(|n| &n.input).filter(|i| *i == first).count();
    let one = |t: &pb::TensorProto| t.dims.iter().product::<i64>() == 1;
    let constant = graph.initializer.iter().find(|t| &t.name == first).is_some_and(one)
        || graph.node.iter().any(|c| {
            c.op_type == "Constant"
                && c.output.first() == Some(first)
                && c.attribute.iter().find(|a| a.name == "value").and_then(|a| a.t.as_ref()).is_some_and(one)
        });
    (readers == 1 && constant).then(|| first.clone())
}

fn dtype_name(dt: Option<DatumType>) -> String {
    let Some(dt) = dt else { return "unknown".into() };
    match dt {
        DatumType::F32 => "float",
        DatumType::F16 => "float16",
        DatumType::F64 => "double",
        DatumType::I64 | DatumType::TDim => "int64",
        DatumType::I32 => "int32",
        DatumType::I16 => "int16",
        DatumType::I8 => "int8",
        DatumType::U8 => "uint8",
        DatumType::U16 => "uint16",
        DatumType::U32 => "uint32",
        DatumType::U64 => "uint64",
        DatumType::Bool => "bool",
        DatumType::String => "string",
        _ => return format!("{dt:?}").to_lowercase(),
    }
    .into()
}

#[allow(clippy::too_many_arguments)]
fn convert(
    graph: &pb::GraphProto,
    parsed: &Parsed,
    opts: &LoadOptions,
    opset: i64,
    producer: &str,
    init_names: &HashSet<String>,
    weight_names: &HashSet<String>,
    parameters: u64,
    notes: Vec<String>,
    dup_inits: &HashSet<String>,
    meta_scopes: &[Vec<String>],
) -> Graph {
    let mut public: HashSet<String> = init_names.difference(weight_names).cloned().collect();
    let tensor = |name: &str, origin: Origin| -> Tensor {
        let fact = parsed.outlets.get(name).and_then(|o| parsed.model.outlet_fact(*o).ok());
        let shape = fact
            .and_then(|f| f.shape.as_concrete_finite().ok().flatten())
            .map(|s| s.iter().map(|&d| d as u64).collect::<Vec<u64>>())
            .filter(|s| crate::graph::numel(s).is_some_and(|n| n <= MAX_ELEMENTS));
        let dtype = dtype_name(fact.and_then(|f| f.datum_type.concretize()));
        let value = fact.and_then(|f| f.value.concretize()).filter(|t| t.len() <= 4096).and_then(|t| {
            let t = t.cast_to::<f64>().ok()?;
            let v: Vec<f64> = t.to_plain_array_view::<f64>().ok()?.iter().copied().collect();
            Some(v)
        });
        Tensor { name: name.to_string(), shape, dtype, origin, value }
    };
    // A shape the analysis found but that is too large to price.
    let too_big = |name: &str| {
        let fact = parsed.outlets.get(name).and_then(|o| parsed.model.outlet_fact(*o).ok());
        fact.and_then(|f| f.shape.as_concrete_finite().ok().flatten()).is_some_and(|s| {
            s.iter().try_fold(1u128, |a, &d| a.checked_mul(d as u128)).is_none_or(|n| n > u128::from(MAX_ELEMENTS))
        })
    };
    let inputs: Vec<Tensor> =
        graph.input.iter().filter(|i| !init_names.contains(&i.name)).map(|i| tensor(&i.name, Origin::Input)).collect();
    let input_names: HashSet<&str> = inputs.iter().map(|t| t.name.as_str()).collect();
    // Who defines each tensor name: graph inputs, initializers, node outputs.
    let mut declared: HashMap<&str, usize> = HashMap::new();
    for i in &graph.input {
        *declared.entry(i.name.as_str()).or_default() += 1;
    }
    let mut producers: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, n) in graph.node.iter().enumerate() {
        for o in n.output.iter().filter(|o| !o.is_empty()) {
            producers.entry(o.as_str()).or_default().push(i);
        }
    }
    let node_label = |i: usize| {
        let n = &graph.node[i];
        if n.name.is_empty() {
            n.output.first().cloned().unwrap_or_else(|| format!("{}-{}", i, n.op_type))
        } else {
            n.name.clone()
        }
    };
    let wiring_problem = |i: usize, n: &pb::NodeProto| -> Option<String> {
        for s in n.input.iter().filter(|s| !s.is_empty()) {
            let from_graph = declared.contains_key(s.as_str()) || init_names.contains(s);
            let by = producers.get(s.as_str());
            if dup_inits.contains(s) {
                return Some(format!("tensor '{s}' is defined by more than one initializer"));
            }
            if declared.get(s.as_str()).is_some_and(|&c| c > 1) {
                return Some(format!("tensor '{s}' is declared more than once as a graph input"));
            }
            match by {
                None if !from_graph => return Some(format!("input '{s}' is not produced by any node, nor a graph input or initializer")),
                Some(p) if !from_graph && p.iter().all(|&j| j >= i) => {
                    return Some(format!(
                        "input '{s}' is produced by node '{}', which comes later: the graph has a cycle or is not in topological order",
                        node_label(p[0])
                    ))
                }
                Some(p) if p.len() > 1 => {
                    return Some(format!("tensor '{s}' is written by {} nodes ({})", p.len(), p.iter().map(|&j| format!("'{}'", node_label(j))).collect::<Vec<_>>().join(", ")))
                }
                _ => {}
            }
        }
        for o in n.output.iter().filter(|o| !o.is_empty()) {
            if let Some(&first) = producers.get(o.as_str()).and_then(|p| p.first()).filter(|&&j| j != i) {
                return Some(format!("output '{o}' is also written by node '{}'", node_label(first)));
            }
        }
        None
    };
    let mut nodes = Vec::with_capacity(graph.node.len());
    let mut unsupported = Vec::new();
    let mut first_unknown: Option<String> = None;
    let known_ops = tract_onnx::onnx().op_register;
    for (i, n) in graph.node.iter().enumerate() {
        let name = if !n.name.is_empty() {
            n.name.clone()
        } else if n.output.first().is_some_and(|o| !o.is_empty()) {
            n.output[0].clone()
        } else {
            format!("{}-{}", i, n.op_type)
        };
        let origin_of = |t: &str| {
            if weight_names.contains(t) {
                Origin::Weight
            } else if public.contains(t) || init_names.contains(t) {
                Origin::Constant
            } else if input_names.contains(t) {
                Origin::Input
            } else {
                Origin::Activation
            }
        };
        let ins: Vec<Tensor> = n.input.iter().filter(|s| !s.is_empty()).map(|s| tensor(s, origin_of(s))).collect();
        // Outputs are public when computed from public data only (Constant,
        // Shape of anything, arithmetic on shapes).
        let out_public = n.op_type == "Constant"
            || crate::ops::reads_shapes_only(&n.op_type)
            || (!ins.is_empty() && ins.iter().all(|t| t.origin == Origin::Constant));
        if out_public {
            public.extend(n.output.iter().cloned());
        }
        let out_origin = if out_public { Origin::Constant } else { Origin::Activation };
        let outs: Vec<Tensor> = n.output.iter().filter(|s| !s.is_empty()).map(|s| tensor(s, out_origin)).collect();
        // Scopes from the name (`/layer1/conv1/Conv`), else from the exporter's metadata (dynamo).
        let scope = match scope_of(&name) {
            s if s.is_empty() => meta_scopes.get(i).cloned().unwrap_or_default(),
            s => s,
        };
        let mut node = Node {
            scope,
            name: name.clone(),
            op: n.op_type.clone(),
            domain: if n.domain == "ai.onnx" { String::new() } else { n.domain.clone() },
            inputs: ins,
            outputs: outs,
            attrs: attrs::convert(n),
        };
        let overflow = n.input.iter().chain(&n.output).any(|t| !t.is_empty() && too_big(t));
        // Problems found by the loader itself: the node's shapes and attributes
        // cannot be trusted, so cost models see none (they skip such a node).
        let rejected = if let Some(r) = parsed.unbuildable.get(&i) {
            Some(r.clone())
        } else if let Some(r) = wiring_problem(i, n) {
            Some(r)
        } else if overflow {
            Some(format!("a tensor of this node has more than 2^40 ({MAX_ELEMENTS}) elements, too large to price"))
        } else {
            None
        };
        if rejected.is_some() {
            for t in node.inputs.iter_mut().chain(node.outputs.iter_mut()) {
                t.shape = None;
                t.value = None;
            }
            node.attrs.clear();
        }
        let reason = if rejected.is_some() {
            rejected
        } else if !known_ops.0.contains_key(&n.op_type) && !node.shapes_known() {
            Some(format!(
                "operator {}{} is not supported by the ONNX parser; its output shape is unknown",
                if n.domain.is_empty() { String::new() } else { format!("{}.", n.domain) },
                n.op_type
            ))
        } else if !known_ops.0.contains_key(&n.op_type) {
            Some(format!(
                "operator {} is not known to the ONNX parser; shapes were taken from a fallback rule",
                n.op_type
            ))
        } else if !node.shapes_known() {
            let why = match (&first_unknown, &parsed.first_error) {
                (Some(up), _) => format!("shape unknown because an earlier node's shape is unknown ({up})"),
                (None, Some(e)) => format!("shape inference failed: {}", e.lines().last().unwrap_or(e)),
                (None, None) => "shape inference could not determine the shape".to_string(),
            };
            Some(why)
        } else {
            None
        };
        if let Some(reason) = reason {
            if !node.shapes_known() && first_unknown.is_none() {
                first_unknown = Some(name.clone());
            }
            unsupported.push(Problem { node: name, op: n.op_type.clone(), reason });
        }
        nodes.push(node);
    }
    let outputs = graph.output.iter().map(|o| tensor(&o.name, Origin::Activation)).collect();
    Graph {
        file: opts.file_name.clone(),
        opset,
        producer: producer.to_string(),
        inputs,
        outputs,
        nodes,
        unsupported,
        parameters,
        notes,
    }
}
