//! Module scopes rebuilt from node names, so reports roll up per block.
//!
//! PyTorch's exporter names nodes after the module path: `/layer1/layer1.0/conv1/Conv`
//! is the Conv of module `layer1.0.conv1`. The last component is the op's own
//! name and is dropped. TensorFlow-style `model/dense/MatMul` works the same way.
//! Names without a separator (`Conv_12`) are top-level.

/// The scope path of a node name.
pub fn scope_of(name: &str) -> Vec<String> {
    let trimmed = name.trim_start_matches('/');
    let mut parts: Vec<&str> = trimmed.split('/').filter(|p| !p.is_empty()).collect();
    if parts.len() <= 1 {
        return Vec::new();
    }
    parts.pop();
    // Dynamo-style names repeat the full dotted path in each component
    // ("layer1/layer1.0"); keep them as they are: each level is one module.
    parts.into_iter().map(str::to_string).collect()
}

/// The scope truncated to `depth` levels (depth 0 = the whole model).
pub fn at_depth(scope: &[String], depth: usize) -> Vec<String> {
    scope.iter().take(depth).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torch_names() {
        assert_eq!(scope_of("/layer1/layer1.0/conv1/Conv"), ["layer1", "layer1.0", "conv1"]);
        assert_eq!(scope_of("/fc/Gemm"), ["fc"]);
        assert_eq!(scope_of("/Relu"), Vec::<String>::new());
        assert_eq!(scope_of("Conv_12"), Vec::<String>::new());
        assert_eq!(scope_of("model/dense/MatMul"), ["model", "dense"]);
        assert_eq!(at_depth(&scope_of("/a/b/c/Conv"), 2), ["a", "b"]);
    }
}
