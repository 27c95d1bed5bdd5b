//! What the page asks its compute worker ([`crate::engine`]) and what the worker answers.
//! The store (`App`) sends a [`Job`] through [`crate::bridge`] and reduces each [`Reply`] like
//! any other message; the worker only runs the core. Messages travel as MessagePack
//! (self-describing: the report uses `flatten` and `untagged`; NaN-safe), with a model's bytes
//! or the user's `File` beside them, never inside.

use mpclens::crossover::FastestMap;
use mpclens::dataflow::{Layout, Metric};
use mpclens::generation::Generation;
use mpclens::report::{FrameworkReport, Mode, Report};
use mpclens::{Graph, ProfileRequest};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Batch sweep: (batch, [(framework, bytes, rounds)]).
pub type Sweep = Vec<(u64, Vec<(String, u64, u64)>)>;

/// What-if result per framework: (title, bytes before, bytes after, rounds before, rounds after,
/// unsupported nodes before, after).
pub type Deltas = Vec<(String, u64, u64, u64, u64, usize, usize)>;

/// How to price: mode, each framework's settings, and the network the summary's times use.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Setup {
    pub mode: Mode,
    pub settings: BTreeMap<String, BTreeMap<String, String>>,
    pub bandwidth_mbps: f64,
    pub rtt_ms: f64,
}

impl Setup {
    pub fn request(&self) -> ProfileRequest {
        ProfileRequest { mode: self.mode, settings: self.settings.clone(), ..Default::default() }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Job {
    /// Reads a large file's graph without its weights (the `File` rides beside the message),
    /// sends it to the page ([`Reply::GraphRead`]) and opens it as [`Job::Open`] would, with `link`.
    ReadGraph { batch: u64, dims: BTreeMap<String, u64>, setup: Setup },
    /// Loads and prices a model (its bytes ride beside the message); it becomes the open model.
    /// With `link`, its structure in link form follows ([`Reply::Structure`]).
    Open { name: String, batch: u64, dims: BTreeMap<String, u64>, setup: Setup, link: bool },
    /// Prices the open model again (mode, settings or network changed).
    Profile { setup: Setup },
    /// Re-prices the open model with these substitutions (`mpclens::whatif` keys).
    WhatIf { keys: Vec<String>, setup: Setup },
    /// One framework with one setting changed: `fw@key=value`.
    Compare { spec: String, setup: Setup },
    /// Batch 1…64.
    Sweep { setup: Setup },
    /// The dataflow graph laid out with these scopes open (None: the core's default opening).
    Layout { framework: Option<String>, open: Option<BTreeSet<String>>, metric: Metric, log: bool },
    /// Prefill and decode of a decoder.
    Generation { prompt_len: u64, gen_tokens: u64, setup: Setup },
    /// A download made from the open model and its last report ([`Reply::Exported`]).
    /// `whatif`: the substitutions of [`Export::WhatIfOnnx`]; the user's `File` rides beside
    /// when only a large file's graph is open.
    Export { what: Export, whatif: Vec<String> },
}

/// What a download holds. Serialising a large model's report or file takes long, so it is
/// made in the worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Export {
    /// The report in the CLI's JSON schema (with the summary's what-if savings).
    Json,
    /// The CLI's CSV.
    Csv,
    /// A speedscope profile: one per framework, bytes as weights.
    Speedscope,
    /// The model without its weights: a small ONNX anyone can drop on the page.
    Structure,
    /// The model with the what-if substitutions, weights included.
    WhatIfOnnx,
}

impl Job {
    /// Jobs of one kind replace each other: only the reply to the latest counts.
    pub fn kind(&self) -> Kind {
        match self {
            // Reading a file leads to its report: a newer report job replaces it.
            Job::ReadGraph { .. } | Job::Open { .. } | Job::Profile { .. } => Kind::Report,
            Job::WhatIf { .. } => Kind::WhatIf,
            Job::Compare { .. } => Kind::Compare,
            Job::Sweep { .. } => Kind::Sweep,
            Job::Layout { .. } => Kind::Layout,
            Job::Generation { .. } => Kind::Generation,
            // Each kind of download on its own: a CSV asked for does not drop a JSON under way.
            Job::Export { what, .. } => Kind::Export(*what),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    Report,
    WhatIf,
    Compare,
    Sweep,
    Layout,
    Generation,
    Export(Export),
}

/// A symbolic dim the model needs: (name, what it stands for, proposed value).
pub type DimAsk = (String, Option<String>, u64);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Reply {
    /// Long work under way: a sentence, and (done, of) steps when counted.
    Progress(String, Option<(u32, u32)>),
    /// The graph of a large file (its bytes beside): bytes read, reads, milliseconds.
    GraphRead {
        read: u64,
        reads: u64,
        ms: f64,
    },
    ReadFailed(String),
    /// The loaded model's graph, in a message of its own right after [`Reply::Loaded`] (the
    /// page draws the summary first; the graph view and the model's inputs wait for it).
    Graph(Box<Graph>),
    /// One framework's node rows, sent before the report they belong to (its
    /// `frameworks[i].nodes` left empty), as MessagePack beside the message
    /// ([`encode`] of a `Vec<NodeCost>`): the page keeps the bytes and reads them only after
    /// the report is drawn ([`decode_rows`]), so the rows (their steps' explanations are most
    /// of a report's size) never delay the first drawing.
    Nodes(usize),
    /// The model loaded and priced: it is the worker's open model now (its node rows came just
    /// before, its graph follows). Its summary has no what-if savings yet ([`Reply::Summary`]
    /// follows). `ms` = (load, price and the summary's first look, node rows' messages).
    Loaded {
        report: Box<Report>,
        fastest: Box<FastestMap>,
        decoder: Option<mpclens::generation::DecoderAxes>,
        ms: (f64, f64, f64),
        /// The worker's wasm memory (it only grows, so it is the peak).
        memory: u64,
    },
    /// Symbolic dims need values (the form asks for them, with the core's proposals).
    NeedDims {
        message: String,
        dims: Vec<DimAsk>,
    },
    /// The file is not a model we can load: plain words first, the loader's message after.
    Bad {
        head: String,
        detail: String,
    },
    /// The open model priced again (node rows came just before; what-ifs follow).
    Profiled {
        report: Box<Report>,
        fastest: Box<FastestMap>,
    },
    /// The last report's summary with its what-if savings, and the milliseconds they took.
    Summary(Box<mpclens::summary::Summary>, f64),
    /// A model's structure in share-link form (for the session copy and the share link).
    Structure {
        name: String,
        link: Result<String, String>,
        ms: f64,
    },
    /// Pricing failed (a setting the framework cannot run, a work budget).
    Failed(String),
    WhatIf(Option<(Deltas, usize)>),
    Compared(Result<Box<(String, FrameworkReport)>, String>),
    Sweep(Sweep),
    Laid(Box<Layout>),
    Generated(Result<Box<Generation>, String>),
    /// A download (its bytes beside): file name and MIME type; or why it could not be made.
    Exported(Result<(String, String), String>),
}

/// A job with its number (replies carry it back).
#[derive(Serialize, Deserialize)]
pub struct Envelope<T> {
    pub seq: u64,
    pub kind: Kind,
    pub body: T,
}

pub fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    rmp_serde::to_vec_named(v).expect("worker messages serialize")
}

pub fn decode<T: for<'de> Deserialize<'de>>(b: &[u8]) -> Result<T, String> {
    rmp_serde::from_slice(b).map_err(|e| format!("a worker message could not be read: {e}"))
}

/// One framework's node rows as [`Reply::Nodes`] carries them.
pub fn decode_rows(b: &[u8]) -> Result<Vec<mpclens::report::NodeCost>, String> {
    decode(b)
}
