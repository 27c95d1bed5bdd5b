//! ONNX bytes → [`Graph`]. The only module that knows the parser (tract) and the
//! protobuf; everything downstream sees the plain graph.
//!
//! Steps: strip weights at the wire level ([`wire`]) → decode the now-small
//! protobuf → pin symbolic dims and the batch → tract parse + shape analysis
//! ([`analyse`]) → our own graph with concrete shapes, scopes and origins.
//! One bad node never fails the model: it is listed in `Graph::unsupported`.

mod analyse;
mod attrs;
mod dims;
mod guard;
mod meta;
pub mod sparse;
mod validate;
pub mod wire;

use crate::graph::Graph;
use std::collections::BTreeMap;
use std::fmt;

/// How to load a model.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Shown in reports; no path is ever read from it.
    pub file_name: String,
    /// Batch size: fills a symbolic batch dim, or re-batches a fixed one.
    pub batch: Option<u64>,
    /// Values for named symbolic dims (`--dim seq=128`).
    pub dims: BTreeMap<String, u64>,
    /// Refuse files larger than this many bytes (0 = no limit).
    pub max_bytes: u64,
}

/// A symbolic dimension that needs a value from the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymbolicDim {
    pub name: String,
    pub input: String,
    pub axis: usize,
}

/// Why a model could not be loaded at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    Empty,
    TooLarge {
        bytes: u64,
        limit: u64,
    },
    /// The bytes are not a well-formed ONNX protobuf.
    Corrupt {
        offset: Option<usize>,
        what: String,
    },
    /// A protobuf, but not an ONNX model (no graph, no opset).
    NotOnnx(String),
    EmptyGraph,
    /// Symbolic dims with no value: ask the user for them.
    MissingDims(Vec<SymbolicDim>),
    /// A dim value that cannot be used (negative, zero, too large).
    BadDim(String),
    /// Valid ONNX beyond this tool's explicit limits (nesting depth).
    TooComplex(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Empty => write!(f, "The file is empty (0 bytes): not an ONNX model."),
            LoadError::TooLarge { bytes, limit } => write!(
                f,
                "The file is {:.1} MB, more than this tool can hold ({:.1} MB). Export the model graph-only (weights as external data) and load the .onnx alone.",
                *bytes as f64 / 1e6,
                *limit as f64 / 1e6
            ),
            LoadError::Corrupt { offset: Some(o), what } => write!(
                f,
                "Not a valid ONNX file: the protobuf is damaged at byte {o} ({what}). Is the file truncated, or not an .onnx model?"
            ),
            LoadError::Corrupt { offset: None, what } => {
                write!(f, "Not a valid ONNX file: the protobuf could not be decoded ({what}). Is the file truncated, or not an .onnx model?")
            }
            LoadError::NotOnnx(why) => write!(f, "Not an ONNX model: {why}."),
            LoadError::EmptyGraph => write!(f, "The ONNX model's graph has no nodes: nothing to profile."),
            LoadError::MissingDims(d) => {
                let list: Vec<String> = d.iter().map(|s| format!("'{}' (input {}, axis {})", s.name, s.input, s.axis)).collect();
                write!(f, "The model has symbolic dimensions with no value: {}. Give each a value (CLI: --dim NAME=VALUE, or --batch N for the batch).", list.join(", "))
            }
            LoadError::BadDim(m) => write!(f, "{m}"),
            LoadError::TooComplex(m) => write!(f, "The model is too complex for this tool: {m}."),
        }
    }
}

impl std::error::Error for LoadError {}

/// `ModelProto.metadata_props` key of a weight-free structure file (`share::structure`): the
/// names, one a line, of the graph inputs that stand for weights (their data left out).
pub const STRUCTURE_WEIGHTS: &str = "mpclens.weights";

/// Largest batch or named dimension a user may ask for: a size past this is a typo, and
/// element counts built from it would overflow.
pub const MAX_USER_DIM: u64 = dims::MAX_DIM;

/// The batch and every named dim must lie in `1..=MAX_USER_DIM`, whatever the file says;
/// the same rule and message for the CLI, the page and share links.
pub fn check_sizes(opts: &LoadOptions) -> Result<(), LoadError> {
    let named =
        opts.batch.map(|b| ("batch".to_string(), b)).into_iter().chain(opts.dims.iter().map(|(k, v)| (k.clone(), *v)));
    for (name, v) in named {
        if v == 0 || v > MAX_USER_DIM {
            return Err(LoadError::BadDim(size_message(&name, &v.to_string())));
        }
    }
    Ok(())
}

/// The one parser of a batch size (`name` = "batch") or a named dimension's value, for every
/// front end (CLI, page, share links), with [`check_sizes`]'s message.
pub fn parse_size(name: &str, text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(v) if (1..=MAX_USER_DIM).contains(&v) => Ok(v),
        _ => Err(size_message(name, text.trim())),
    }
}

fn size_message(name: &str, value: &str) -> String {
    let what = if name == "batch" { "Batch".to_string() } else { format!("Dimension '{name}' =") };
    let problem = if value.parse::<u64>().is_ok() {
        format!("{value} is out of range")
    } else {
        format!("'{value}' is not a whole number")
    };
    format!("{what} {problem}: it must be between 1 and 2^40 ({MAX_USER_DIM}).")
}

/// Loads an ONNX model from its bytes.
pub fn load(bytes: &[u8], opts: &LoadOptions) -> Result<Graph, LoadError> {
    if bytes.is_empty() {
        return Err(LoadError::Empty);
    }
    check_sizes(opts)?;
    if opts.max_bytes > 0 && bytes.len() as u64 > opts.max_bytes {
        return Err(LoadError::TooLarge { bytes: bytes.len() as u64, limit: opts.max_bytes });
    }
    let stripped = wire::strip_weights(bytes, wire::KEEP_MAX_ELEMENTS)
        .map_err(|e| {
            if e.what == wire::NO_GRAPH {
                LoadError::NotOnnx("the file is a valid protobuf but has no graph (is it an ONNX model, or another protobuf such as a single tensor?)".into())
            } else {
                LoadError::Corrupt { offset: Some(e.offset), what: e.what }
            }
        })?;
    analyse::build_graph(stripped, opts)
}

/// Convenience for native callers: reads a file and loads it.
pub fn load_file(path: &std::path::Path, opts: &LoadOptions) -> Result<Graph, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut o = opts.clone();
    if o.file_name.is_empty() {
        o.file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    }
    load(&bytes, &o).map_err(|e| e.to_string())
}
