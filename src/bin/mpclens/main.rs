//! `mpclens` command line: the same core as the web app, for scripts and CI.
//!
//! `mpclens profile MODEL.onnx [--framework NAME|all]... [--mode inference|training]
//!  [--batch N] [--dim NAME=VALUE]... [--set FRAMEWORK.KEY=VALUE]... [--format table|json|csv]
//!  [--what-if KEYS [--what-if-onnx OUT.onnx]]`
//!
//! `mpclens link MODEL.onnx [--base URL]`: a share link carrying the model's structure.
//!
//! Exit codes: 0 success (unsupported ops are reported, not fatal), 1 the model
//! could not be loaded or profiled, 2 a usage error (clap's own code).

mod input;
mod table;

/// mimalloc instead of glibc's allocator: a profile makes and drops many small rows, and glibc's
/// consolidation of freed chunks was a third of a 7B decode sweep (benches/ratios.py --generation).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand, ValueEnum};
use mpclens::share::{View, ViewState};
use mpclens::whatif::WhatIf;
use mpclens::{frameworks, load, LoadOptions, Mode, ProfileRequest};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mpclens",
    version,
    about = "Static profiler of the communication cost of ONNX models under secure multi-party computation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load a model and price it under one or more MPC frameworks.
    Profile(ProfileArgs),
    /// List the frameworks and their settings with defaults.
    Frameworks,
    /// Print a share link that opens this model (its structure, no weights) in the web app.
    Link(LinkArgs),
}

#[derive(clap::Args)]
struct LinkArgs {
    model: PathBuf,
    /// Address of the deployed web app; the model travels in the fragment after `#`.
    #[arg(long, default_value = "http://localhost:8080/")]
    base: String,
    #[arg(long, default_value = "inference", value_parser = Mode::parse)]
    mode: Mode,
    #[arg(long, default_value_t = 1)]
    batch: u64,
    /// Framework shown first.
    #[arg(long = "framework", short = 'f')]
    framework: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

#[derive(clap::Args)]
struct ProfileArgs {
    /// The ONNX file (graph-only files, whose weights live in absent external data, work too).
    model: PathBuf,
    /// Framework registry name, or `all` (default). Repeat for several.
    #[arg(long = "framework", short = 'f', value_name = "NAME|all")]
    frameworks: Vec<String>,
    /// `inference` (one forward pass) or `training` (one step: forward, loss, backward, update).
    #[arg(long, default_value = "inference", value_parser = Mode::parse)]
    mode: Mode,
    /// Batch size: fills a symbolic batch dimension or re-batches a fixed one.
    #[arg(long)]
    batch: Option<u64>,
    /// Value of a named symbolic dimension, e.g. `--dim seq=128`.
    #[arg(long = "dim", value_name = "NAME=VALUE", value_parser = parse_dim)]
    dims: Vec<(String, u64)>,
    /// Treat this input as public (known to every party), e.g. a float attention mask. By
    /// default integer inputs (token ids, positions, masks) are public and float inputs secret.
    #[arg(long = "public-input", value_name = "NAME")]
    public_inputs: Vec<String>,
    /// Treat this input as secret, e.g. `--secret-input input_ids` for private token ids.
    #[arg(long = "secret-input", value_name = "NAME")]
    secret_inputs: Vec<String>,
    /// Change one framework setting, e.g. `--set crypten.parties=3`.
    #[arg(long = "set", value_name = "FRAMEWORK.KEY=VALUE")]
    settings: Vec<String>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Table format: also list every graph node with its shapes.
    #[arg(long)]
    nodes: bool,
    /// Table format: show only the N most expensive layers per framework (0 = all).
    #[arg(long, default_value_t = 15)]
    top: usize,
    /// Price the model after substitutions, comma-separated: relu-square, maxpool-avg,
    /// gelu-tanh, gelu-quad, softmax-2relu, softmax-2quad. Before/after totals go to stderr.
    #[arg(long = "what-if", value_name = "KEYS")]
    what_if: Option<String>,
    /// With --what-if: write the substituted ONNX file here (weights copied unchanged).
    #[arg(long = "what-if-onnx", value_name = "PATH", requires = "what_if")]
    what_if_onnx: Option<PathBuf>,
    /// Add the summary (dearest layers and op kinds, the what-ifs that save most,
    /// times on --bandwidth/--rtt): a `summary` object in JSON, a block first in the table.
    #[arg(long)]
    summary: bool,
    /// Network for the summary's times: bandwidth in Mbit/s (the web page's default).
    #[arg(long, default_value_t = mpclens::network::DEFAULT_MBPS, requires = "summary")]
    bandwidth: f64,
    /// LLM generation: the prompt length N (tokens of the prefill). With --gen-tokens.
    #[arg(long = "prompt-len", value_name = "N", value_parser = |s: &str| mpclens::generation::parse_count("prompt-len", s), requires = "gen_tokens")]
    prompt_len: Option<u64>,
    /// LLM generation: new tokens T (prefill + T−1 decode steps, KV cache when the export has one);
    /// adds a `generation` section. Needs --prompt-len.
    #[arg(long = "gen-tokens", value_name = "T", value_parser = |s: &str| mpclens::generation::parse_count("gen-tokens", s), requires = "prompt_len")]
    gen_tokens: Option<u64>,
    /// Network for the summary's times: round-trip time in milliseconds.
    #[arg(long, default_value_t = mpclens::network::DEFAULT_RTT_MS, requires = "summary")]
    rtt: f64,
}

fn parse_dim(s: &str) -> Result<(String, u64), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("invalid --dim '{s}': expected NAME=VALUE"))?;
    let v = mpclens::loader::parse_size(k.trim(), v)?; // the page and share links use the same parser
    Ok((k.trim().to_string(), v))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Profile(args) => run_profile(args),
        Command::Frameworks => {
            print!("{}", table::frameworks());
            Ok(())
        }
        Command::Link(args) => run_link(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

fn run_profile(args: ProfileArgs) -> Result<(), String> {
    // Validate every request argument before reading a possibly large file.
    let mut req = ProfileRequest { frameworks: args.frameworks.clone(), mode: args.mode, ..Default::default() };
    for fw in &req.frameworks {
        if fw != "all" && frameworks::by_name(fw).is_none() {
            let names: Vec<_> = frameworks::all().iter().map(|f| f.name()).collect();
            return Err(format!("unknown framework '{fw}': available are {}", list_or_none(&names)));
        }
    }
    for s in &args.settings {
        req.add_setting(s)?;
    }
    for (names, public) in [(&args.public_inputs, true), (&args.secret_inputs, false)] {
        for n in names {
            if req.public_inputs.insert(n.clone(), public).is_some_and(|p| p != public) {
                return Err(format!("input '{n}' is given both as --public-input and --secret-input"));
            }
        }
    }
    let what_if = args.what_if.as_deref().map(WhatIf::parse).transpose()?;
    let bytes = input::open(&args.model)?;
    let opts = LoadOptions {
        file_name: args.model.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        batch: args.batch,
        dims: args.dims.iter().cloned().collect::<BTreeMap<_, _>>(),
        max_bytes: 0,
    };
    let gen = args
        .gen_tokens
        .zip(args.prompt_len)
        .map(|(gen_tokens, prompt_len)| mpclens::generation::GenerationRequest { prompt_len, gen_tokens });
    if gen.is_some() && what_if.is_some() {
        return Err("--gen-tokens and --what-if cannot be combined: price the substituted model's export".into());
    }
    // With generation the main report is the prefill pass, priced once.
    let (mut graph, prefill, generation) = match gen {
        Some(g) => {
            let (graph, report, generation) = mpclens::generation::run(&bytes, &opts, &req, g)
                .map_err(|e| format!("{}: {e}", args.model.display()))?;
            (graph, Some(report), Some(generation))
        }
        None => (load(&bytes, &opts).map_err(|e| format!("{}: {e}", args.model.display()))?, None, None),
    };
    let mut before = None;
    if let Some(w) = what_if {
        if let Some(path) = &args.what_if_onnx {
            let (onnx, _) = mpclens::whatif::apply_onnx(&bytes, &graph, w)?;
            std::fs::write(path, onnx).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        let (g2, sites) = mpclens::whatif::apply(&graph, w);
        eprintln!("what-if {}: {sites} site(s) substituted", w.keys().join(","));
        before = Some(mpclens::profile(&graph, &req)?);
        graph = g2;
    }
    drop(bytes);
    if !(args.bandwidth.is_finite() && args.bandwidth > 0.0) {
        return Err(format!("invalid --bandwidth {}: it must be a positive, finite number of Mbit/s", args.bandwidth));
    }
    if !(args.rtt.is_finite() && args.rtt >= 0.0) {
        return Err(format!("invalid --rtt {}: it must be a finite number of milliseconds, 0 or more", args.rtt));
    }
    let mut report = match prefill {
        Some(r) => r,
        None => mpclens::profile(&graph, &req)?,
    };
    report.generation = generation;
    if args.summary {
        let net = mpclens::network::Network::custom(args.bandwidth, args.rtt);
        report.summary = Some(mpclens::summary::summarize(&graph, &report, &req, &net));
    }
    for (b, a) in before.iter().flat_map(|b| b.frameworks.iter().zip(&report.frameworks)) {
        let pct = if b.total.bytes > 0 { (a.total.bytes as f64 / b.total.bytes as f64 - 1.0) * 100.0 } else { 0.0 };
        let unsup = (b.unsupported.len(), a.unsupported.len());
        let unsup = if unsup == (0, 0) {
            String::new()
        } else {
            format!(", unsupported nodes {} → {} (not priced)", unsup.0, unsup.1)
        };
        eprintln!(
            "  {:<10} bytes {} → {} ({pct:+.1} %), rounds {} → {}{unsup}",
            b.framework, b.total.bytes, a.total.bytes, b.total.rounds, a.total.rounds
        );
    }
    for p in &report.unsupported {
        eprintln!("warning: unsupported node {} ({}): {}", p.node, p.op, p.reason);
    }
    let out = match args.format {
        Format::Json => serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n",
        Format::Csv => table::csv(&report),
        Format::Table => {
            table::summary(&report) + &table::generation(&report) + &table::report(&report, args.nodes, args.top)
        }
    };
    print!("{out}");
    Ok(())
}

fn run_link(args: LinkArgs) -> Result<(), String> {
    let bytes = input::open(&args.model)?;
    // Load first: a link to a model the app cannot open helps nobody.
    load(&bytes, &LoadOptions { batch: Some(args.batch), ..Default::default() })
        .map_err(|e| format!("{}: {e}", args.model.display()))?;
    let st = ViewState {
        view: View::Overview,
        framework: args.framework,
        mode: args.mode,
        batch: args.batch,
        file: args.model.file_name().map(|n| n.to_string_lossy().into_owned()),
        model: Some(mpclens::share::structure::encode(&bytes)?),
        ..Default::default()
    };
    let frag = st.to_fragment();
    if frag.len() > mpclens::share::CHAT_LINK_CHARS {
        eprintln!("note: the link is {} characters, long for a chat message", frag.len());
    }
    println!("{}#{frag}", args.base.split('#').next().unwrap_or_default());
    Ok(())
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none yet".into()
    } else {
        names.join(", ")
    }
}
