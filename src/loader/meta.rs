//! Module scopes from node metadata, for exports whose node names carry none.
//!
//! torch's dynamo exporter names nodes `node_Conv_292` and writes the module path into each
//! `NodeProto.metadata_props` (field 9, onnx IR 10) instead:
//! `pkg.torch.onnx.name_scopes = "['', 'm', 'm.encoder', 'm.encoder.layer.0', 'linear']"` (the
//! root, one entry per module, then the op's own name), and
//! `namespace = ": __main__.Wrap/m: transformers…BertModel/…/linear: aten.linear.default"`.
//! tract's protobuf types drop that field, so these messages read just it.

/// `onnx.ModelProto`, only its graph.
#[derive(Clone, PartialEq, prost::Message)]
struct ModelMeta {
    #[prost(message, optional, tag = "7")]
    graph: Option<GraphMeta>,
}

/// `onnx.GraphProto`, only its nodes.
#[derive(Clone, PartialEq, prost::Message)]
struct GraphMeta {
    #[prost(message, repeated, tag = "1")]
    node: Vec<NodeMeta>,
}

/// `onnx.NodeProto`, only its metadata.
#[derive(Clone, PartialEq, prost::Message)]
struct NodeMeta {
    #[prost(message, repeated, tag = "9")]
    metadata_props: Vec<Entry>,
}

/// `onnx.StringStringEntryProto`.
#[derive(Clone, PartialEq, prost::Message)]
struct Entry {
    #[prost(string, tag = "1")]
    key: String,
    #[prost(string, tag = "2")]
    value: String,
}

/// The scope of every node of the main graph, in file order (empty where the metadata has
/// none). `model` is the weight-stripped protobuf, so this decode is small.
pub fn node_scopes(model: &[u8]) -> Vec<Vec<String>> {
    let Ok(m) = <ModelMeta as prost::Message>::decode(model) else { return Vec::new() };
    let nodes = m.graph.map(|g| g.node).unwrap_or_default();
    nodes.iter().map(|n| scope_of_meta(&n.metadata_props)).collect()
}

fn scope_of_meta(props: &[Entry]) -> Vec<String> {
    let get = |k: &str| props.iter().find(|e| e.key == k).map(|e| e.value.as_str());
    if let Some(list) = get("pkg.torch.onnx.name_scopes") {
        let mut parts: Vec<String> = list
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(|p| p.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
            .collect();
        parts.pop(); // the op's own name
        parts.retain(|p| !p.is_empty());
        return parts;
    }
    if let Some(ns) = get("namespace") {
        let mut parts: Vec<String> =
            ns.split('/').map(|p| p.split(':').next().unwrap_or("").trim().to_string()).collect();
        parts.pop();
        parts.retain(|p| !p.is_empty());
        return parts;
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(k: &str, v: &str) -> Entry {
        Entry { key: k.into(), value: v.into() }
    }

    #[test]
    fn dynamo_layouts() {
        // As written by torch 2.15's dynamo exporter (validation/zoo, gpt2.dynamo.onnx).
        let scopes = "['', 'm', 'm.transformer', 'm.transformer.h.0', 'm.transformer.h.0.attn', 'linear']";
        assert_eq!(
            scope_of_meta(&[e("pkg.torch.onnx.name_scopes", scopes)]),
            ["m", "m.transformer", "m.transformer.h.0", "m.transformer.h.0.attn"]
        );
        let ns = ": __main__.Wrap/m: transformers.GPT2LMHeadModel/m.transformer: transformers.GPT2Model/index: \
                  aten.index.Tensor";
        assert_eq!(scope_of_meta(&[e("namespace", ns)]), ["m", "m.transformer"]);
        assert!(scope_of_meta(&[e("other", "x")]).is_empty());
        assert!(scope_of_meta(&[e("pkg.torch.onnx.name_scopes", "['', 'add']")]).is_empty());
    }
}
