//! `mpclens` command line: the same core as the web app, for scripts and CI.
//!
//! `mpclens profile MODEL.onnx [--framework NAME|all]... [--mode inference|training]
//!  [--batch N] [--dim NAME=VALUE]... [--set FRAMEWORK.KEY=VALUE]... [--format table|json|csv]`
//!
//! Exit codes: 0 success (unsupported ops are reported, not fatal), 1 the model
//! could not be loaded or profiled, 2 a usage error (clap's own code).

mod table;

use clap::{Parser, Subcommand, ValueEnum};
use mpclens::{frameworks, load, LoadOptions, Mode, ProfileRequest};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "mpclens", version, about = "Static profiler of the communication cost of ONNX models under secure multi-party computation")]
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
}

fn parse_dim(s: &str) -> Result<(String, u64), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("invalid --dim '{s}': expected NAME=VALUE"))?;
    let v: u64 = v.trim().parse().map_err(|_| format!("invalid --dim '{s}': VALUE must be a positive integer"))?;
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
    let bytes = std::fs::read(&args.model).map_err(|e| format!("cannot read {}: {e}", args.model.display()))?;
    let opts = LoadOptions {
        file_name: args.model.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        batch: args.batch,
        dims: args.dims.iter().cloned().collect::<BTreeMap<_, _>>(),
        max_bytes: 0,
    };
    let graph = load(&bytes, &opts).map_err(|e| format!("{}: {e}", args.model.display()))?;
    drop(bytes);
    let report = mpclens::profile(&graph, &req)?;
    for p in &report.unsupported {
        eprintln!("warning: unsupported node {} ({}): {}", p.node, p.op, p.reason);
    }
    let out = match args.format {
        Format::Json => serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n",
        Format::Csv => table::csv(&report),
        Format::Table => table::report(&report, args.nodes, args.top),
    };
    print!("{out}");
    Ok(())
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none yet".into()
    } else {
        names.join(", ")
    }
}
