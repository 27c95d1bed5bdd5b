//! LLM generation: the prefill over N prompt tokens, then one decode step per further token.
//!
//! `--gen-tokens T` counts new tokens as HuggingFace's `max_new_tokens` does: the prefill
//! yields the first, and decode steps 1..T−1 yield the rest. At step i the sequence holds
//! L = N + i tokens. How a step is priced depends on the export:
//!
//! - **With a KV cache** (float inputs named `past_key_values.*`, `past_*`, `*cache*` with a
//!   symbolic past axis): the framework runs the same graph once per step with the new token
//!   only, sequence 1 and past L − 1, and the prefill with sequence N and past 0. Each pass is
//!   priced exactly as any model is, by reloading the graph with those dims.
//! - **Without a KV cache** (a causal decoder whose token input has a symbolic sequence axis):
//!   nothing is kept between passes, so running the export to generate means re-running the
//!   whole graph over all L tokens at every step. That is what each step is priced as: full
//!   recomputation, the exact cost of this graph, and far more than a cached decode (the
//!   report says so: export with `use_cache=True` to price a cached decode).
//!
//! The sequence, past and total (past + sequence) axes are read from the declared inputs
//! (`loader::input_signature`); any other symbolic dim is asked for by name, as the loader does.

mod sweep;

use crate::cost::Cost;
use crate::graph::Graph;
use crate::loader::{self, DimSig, InputSig, LoadOptions};
use crate::profile::ProfileRequest;
use crate::report::Mode;
use serde::{Deserialize, Serialize};

/// Most tokens one sweep prices: each is a full profile, so a larger number is a typo or a
/// wait of minutes. The prompt length is a dimension (1..2^40, `loader::parse_size`).
pub const MAX_GEN_TOKENS: u64 = 4096;

/// What to generate: the prompt length N and the number of new tokens T.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerationRequest {
    pub prompt_len: u64,
    pub gen_tokens: u64,
}

/// The one parser of `prompt-len` and `gen-tokens` for every front end (CLI, page).
pub fn parse_count(name: &str, text: &str) -> Result<u64, String> {
    let t = text.trim();
    let max = if name == "gen-tokens" { MAX_GEN_TOKENS } else { loader::MAX_USER_DIM };
    match t.parse::<u64>() {
        Ok(v) if (1..=max).contains(&v) => Ok(v),
        Ok(v) => Err(format!("{name} {v} is out of range: it must be between 1 and {max}.")),
        Err(_) => Err(format!("{name} '{t}' is not a whole number: it must be between 1 and {max}.")),
    }
}

/// How decode steps are priced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decode {
    /// One pass of the cache graph per token: sequence 1, past L − 1.
    KvCache,
    /// The export has no cache: each step re-runs the graph over all L tokens.
    Recompute,
}

/// The decoder's symbolic axes, as the file names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecoderAxes {
    /// The token input (`input_ids`).
    pub tokens: String,
    /// Symbol of the token input's sequence axis.
    pub sequence: String,
    /// Symbols of the KV cache's past axis (cache exports only; a dynamo export may give each
    /// cache input its own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub past: Vec<String>,
    /// Symbols that stand for past + sequence (an attention mask's last axis).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub total: Vec<String>,
    /// The KV-cache inputs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cache_inputs: Vec<String>,
}

/// Prompt length the page proposes for a KV-cache decoder's dims.
pub const DEFAULT_PROMPT: u64 = 32;

impl DecoderAxes {
    /// What one of this decoder's symbolic dims stands for, and the value a single pass takes by
    /// default: one decode step after a [`DEFAULT_PROMPT`]-token prompt (sequence 1, past = the
    /// prompt, past + 1 for the mask), so every value is ≥ 1 and the ordinary loader, the CLI's
    /// `--dim` and share links all accept it. None for a model without a cache (no past axis)
    /// or a dim that is not one of its axes.
    pub fn suggest(&self, dim: &str) -> Option<(&'static str, u64)> {
        if self.past.is_empty() {
            None
        } else if dim == self.sequence {
            Some(("new tokens in this pass", 1))
        } else if self.past.iter().any(|p| p == dim) {
            Some(("tokens already in the KV cache (past length)", DEFAULT_PROMPT))
        } else if self.total.iter().any(|t| t == dim) {
            Some(("past + new tokens (attention-mask length)", DEFAULT_PROMPT + 1))
        } else {
            None
        }
    }
}

/// One framework's generation cost. Every figure is a sum of whole-model profiles.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenerationCost {
    pub framework: String,
    pub title: String,
    pub prefill: Cost,
    /// Decode step i = 1..T−1 (sequence length N + i), in order.
    pub steps: Vec<Cost>,
    /// Σ steps.
    pub decode: Cost,
    /// prefill + decode.
    pub total: Cost,
    /// Some pass left nodes unpriced (its coverage was partial): the totals are lower bounds.
    pub partial: bool,
    /// Some priced row of some pass is approximate (`NodeCost::approximate`).
    pub approximate: bool,
    /// The chart's series, one point per generated token (the first is the prefill).
    pub series: Vec<GenerationPoint>,
}

/// One generated token: the pass that produced it and the running total.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenerationPoint {
    /// Tokens generated so far, 1..=T.
    pub tokens: u64,
    /// Tokens the pass attends over (N for the prefill, N + i for step i).
    pub sequence: u64,
    pub bytes: u64,
    pub rounds: u64,
    pub cumulative_bytes: u64,
    pub cumulative_rounds: u64,
}

/// The report's `generation` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    pub prompt_len: u64,
    pub gen_tokens: u64,
    pub decode: Decode,
    /// One sentence: how the prefill and the steps are priced.
    pub method: String,
    pub axes: DecoderAxes,
    pub frameworks: Vec<GenerationCost>,
}

/// True for a float input that holds a KV cache: `past_key_values.0.key`, `past_key_3`, `cache_v`.
fn is_cache_input(i: &InputSig) -> bool {
    let n = i.name.to_ascii_lowercase();
    i.is_float() && i.dims.len() >= 3 && (n.contains("past") || n.contains("cache"))
}

/// The token-id input: an integer input named like `input_ids`, else the only integer input of rank 2.
fn token_input(sig: &[InputSig]) -> Option<&InputSig> {
    let int2 = |i: &&InputSig| !i.is_float() && i.dims.len() == 2;
    sig.iter().filter(int2).find(|i| i.name.to_ascii_lowercase().contains("input_ids")).or_else(|| {
        let ids: Vec<&InputSig> =
            sig.iter().filter(int2).filter(|i| !i.name.to_ascii_lowercase().contains("mask")).collect();
        (ids.len() == 1).then(|| ids[0])
    })
}

/// Finds the decoder's axes in the declared inputs, or says why this is not a model that
/// generates (no token input, a fixed sequence, a cache without a symbolic past axis).
pub fn axes(sig: &[InputSig]) -> Result<DecoderAxes, String> {
    let names = || sig.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(", ");
    let tokens = token_input(sig).ok_or_else(|| {
        format!(
            "generation needs a decoder with a token-id input (an integer input such as input_ids, [batch, sequence]); \
             this model's inputs are {}",
            names()
        )
    })?;
    let sequence = match &tokens.dims[1] {
        DimSig::Symbol(s) => s.clone(),
        DimSig::Fixed(n) => {
            return Err(format!(
                "input '{}' has a fixed sequence of {n} tokens (axis 1): this export prices exactly one pass over {n} \
                 tokens. To price generation, export with a dynamic sequence axis (dynamic_axes / dynamic_shapes), \
                 ideally with a KV cache (use_cache=True and past_key_values inputs)",
                tokens.name
            ))
        }
    };
    let cache: Vec<&InputSig> = sig.iter().filter(|i| is_cache_input(i)).collect();
    // The past axis of each cache input: its first symbolic axis after the batch
    // ([batch, heads, past, head_dim]).
    let mut past: Vec<String> = Vec::new();
    for c in &cache {
        let p = (1..c.dims.len()).filter_map(|a| c.symbol(a)).find(|s| *s != sequence).ok_or_else(|| {
            format!(
                "the KV-cache input '{}' has no symbolic past-length axis (its shape is fixed): export the cache \
                 with a dynamic past length",
                c.name
            )
        })?;
        if !past.iter().any(|x| x == p) {
            past.push(p.to_string());
        }
    }
    // A symbol on a mask's last axis, or written as a sum ("past + seq"), is past + sequence.
    let mut total = Vec::new();
    for i in sig {
        for (axis, d) in i.dims.iter().enumerate() {
            let DimSig::Symbol(s) = d else { continue };
            let known = *s == sequence || past.contains(s) || total.contains(s);
            let mask_len = i.name.to_ascii_lowercase().contains("mask") && axis + 1 == i.dims.len() && axis > 0;
            if !known && (mask_len || s.contains('+')) && !past.is_empty() {
                total.push(s.clone());
            }
        }
    }
    Ok(DecoderAxes {
        tokens: tokens.name.clone(),
        sequence,
        past,
        total,
        cache_inputs: cache.iter().map(|c| c.name.clone()).collect(),
    })
}

/// True when the graph builds a causal mask, the mark of a decoder without a cache: a `Trilu`,
/// or a `LessOrEqual` (HF's `kv_idx <= q_idx` mask) computed on public values.
fn is_causal(g: &Graph) -> bool {
    g.nodes.iter().any(|n| n.op == "Trilu" || (n.op == "LessOrEqual" && n.is_public()))
}

/// The dims of one pass: the user's, with the decoder's axes set.
fn pass_dims(base: &LoadOptions, ax: &DecoderAxes, seq: u64, past: u64) -> LoadOptions {
    let mut o = base.clone();
    o.dims.insert(ax.sequence.clone(), seq);
    for p in &ax.past {
        o.dims.insert(p.clone(), past);
    }
    for t in &ax.total {
        o.dims.insert(t.clone(), past + seq);
    }
    o
}

/// Prices the prefill and every decode step of `gen` on the model in `bytes`, for the frameworks
/// of `req`. `opts` carries the batch and any other dims (the decoder's axes are set here).
pub fn profile_generation(
    bytes: &[u8],
    opts: &LoadOptions,
    req: &ProfileRequest,
    gen: GenerationRequest,
) -> Result<Generation, String> {
    run(bytes, opts, req, gen).map(|(_, _, g)| g)
}

/// [`profile_generation`], also returning the prefill pass's graph and report (the CLI's main
/// report when generation is asked for).
pub fn run(
    bytes: &[u8],
    opts: &LoadOptions,
    req: &ProfileRequest,
    gen: GenerationRequest,
) -> Result<(Graph, crate::report::Report, Generation), String> {
    if req.mode != Mode::Inference {
        return Err("generation is priced for inference only: drop --mode training".into());
    }
    for (what, v) in [("prompt-len", gen.prompt_len), ("gen-tokens", gen.gen_tokens)] {
        parse_count(what, &v.to_string())?;
    }
    let sig = loader::input_signature(bytes).map_err(|e| e.to_string())?;
    let ax = axes(&sig)?;
    for name in std::iter::once(&ax.sequence).chain(&ax.past).chain(&ax.total) {
        if opts.dims.contains_key(name) {
            return Err(format!(
                "dimension '{name}' is set by generation (prompt length, past length): drop --dim {name}=…"
            ));
        }
    }
    let empty: Vec<String> = ax.past.clone();
    let n = gen.prompt_len;
    let g0 = loader::load_with_empty(bytes, &pass_dims(opts, &ax, n, 0), &empty).map_err(|e| e.to_string())?;
    let prefill = crate::profile::profile(&g0, req)?;
    let decode = if !ax.past.is_empty() {
        Decode::KvCache
    } else if is_causal(&g0) {
        Decode::Recompute
    } else {
        return Err(format!(
            "generation needs a decoder: this model has no KV-cache input and builds no causal mask (no Trilu or \
             LessOrEqual on positions), so it reads like an encoder ({} nodes); price it without --gen-tokens",
            g0.nodes.len()
        ));
    };
    // Decode steps: each pass's moving dim x (the past, or without a cache the sequence).
    let xs: Vec<u64> = (1..gen.gen_tokens)
        .map(|i| match decode {
            Decode::KvCache => n + i - 1,
            Decode::Recompute => n + i,
        })
        .collect();
    let at = |x: u64| match decode {
        Decode::KvCache => (1, x),
        Decode::Recompute => (x, 0),
    };
    let load_at = |x: u64| {
        let (seq, past) = at(x);
        loader::load_with_empty(bytes, &pass_dims(opts, &ax, seq, past), &empty).map_err(|e| e.to_string())
    };
    let mut passes = vec![pass_of(&prefill)];
    passes.extend(steps(&xs, &load_at, req)?);
    let frameworks = prefill
        .frameworks
        .iter()
        .enumerate()
        .map(|(k, fr)| {
            let costs: Vec<Cost> = passes.iter().map(|p| p[k].0.clone()).collect();
            let partial = passes.iter().any(|p| p[k].1);
            let approximate = passes.iter().any(|p| p[k].2);
            summarize(fr.framework.clone(), fr.title.clone(), n, costs, partial, approximate)
        })
        .collect();
    let method = match decode {
        Decode::KvCache => format!(
            "KV cache: the prefill runs the graph once with {} = {n} and {} = 0; decode step i runs it with one new \
             token ({} = 1) and {} = {n} + i − 1 cached tokens",
            ax.sequence,
            ax.past.join(", "),
            ax.sequence,
            ax.past.join(", ")
        ),
        Decode::Recompute => format!(
            "no KV cache in this export: the prefill runs the graph over {} = {n} tokens and decode step i re-runs the \
             whole graph over {n} + i tokens (full recomputation, what running this export costs; export with \
             use_cache=True and past_key_values inputs to price a cached decode)",
            ax.sequence
        ),
    };
    Ok((g0, prefill, Generation { prompt_len: n, gen_tokens: gen.gen_tokens, decode, method, axes: ax, frameworks }))
}

/// Per framework: a pass's total, whether it is partial, whether a row is approximate.
type Pass = Vec<(Cost, bool, bool)>;

fn pass_of(r: &crate::report::Report) -> Pass {
    r.frameworks
        .iter()
        .map(|f| (f.total.clone(), f.coverage.partial, f.nodes.iter().any(|n| n.approximate.is_some())))
        .collect()
}

/// The passes of the decode steps at moving dims `xs` (in order). The ends and the middle are
/// loaded; the steps between come from [`sweep::Template`] when it prices the middle exactly as
/// its real load does, else every step is loaded.
fn steps(
    xs: &[u64],
    load_at: &dyn Fn(u64) -> Result<Graph, String>,
    req: &ProfileRequest,
) -> Result<Vec<Pass>, String> {
    let profile = |g: &Graph| crate::profile::profile(g, req);
    let loaded = |x: u64| load_at(x).and_then(|g| profile(&g));
    if xs.len() < 4 {
        return xs.iter().map(|&x| loaded(x).map(|r| pass_of(&r))).collect();
    }
    let (a, b, c) = (xs[0], xs[xs.len() - 1], xs[xs.len() / 2]);
    let (ga, gb) = (load_at(a)?, load_at(b)?);
    let (ra, rb) = (profile(&ga)?, profile(&gb)?);
    let rc = loaded(c)?;
    let template = sweep::Template::new(ga, a, &gb, b);
    let same = |x: &crate::report::Report, y: &crate::report::Report| {
        x.frameworks.len() == y.frameworks.len()
            && x.frameworks.iter().zip(&y.frameworks).all(|(p, q)| {
                p.total == q.total && p.nodes == q.nodes && p.unsupported == q.unsupported && p.coverage == q.coverage
            })
    };
    let template = template.filter(|t| profile(&t.at(c)).is_ok_and(|r| same(&r, &rc)));
    let (pa, pb, pc) = (pass_of(&ra), pass_of(&rb), pass_of(&rc));
    drop((ra, rb, rc));
    let known = |x: u64| match x {
        _ if x == a => Some(pa.clone()),
        _ if x == b => Some(pb.clone()),
        _ if x == c => Some(pc.clone()),
        _ => None,
    };
    let Some(t) = &template else {
        return xs.iter().map(|&x| known(x).map_or_else(|| loaded(x).map(|r| pass_of(&r)), Ok)).collect();
    };
    let rest: Vec<u64> = xs.iter().copied().filter(|&x| known(x).is_none()).collect();
    let step = |x| crate::profile::profile_owned(t.at(x), req, crate::budget::DEFAULT_LIMIT).map(|r| pass_of(&r));
    let mut priced = in_parallel(&rest, &step)?.into_iter();
    Ok(xs.iter().map(|&x| known(x).unwrap_or_else(|| priced.next().expect("one pass per step"))).collect())
}

/// `f` over `xs`, in order. Natively the steps are split between the machine's cores (each
/// step is an independent profile of its own graph, so the result is the same as in
/// sequence); the browser build runs them in sequence.
fn in_parallel(xs: &[u64], f: &(dyn Fn(u64) -> Result<Pass, String> + Sync)) -> Result<Vec<Pass>, String> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(xs.len());
        if threads > 1 {
            let chunk = xs.len().div_ceil(threads);
            return std::thread::scope(|s| {
                let parts: Vec<_> =
                    xs.chunks(chunk).map(|c| s.spawn(move || c.iter().map(|&x| f(x)).collect::<Vec<_>>())).collect();
                parts.into_iter().flat_map(|p| p.join().expect("a decode step's profile panicked")).collect()
            });
        }
    }
    xs.iter().map(|&x| f(x)).collect()
}

/// Totals and the chart series of one framework from its per-pass costs (prefill first).
fn summarize(
    framework: String,
    title: String,
    prompt_len: u64,
    costs: Vec<Cost>,
    partial: bool,
    approximate: bool,
) -> GenerationCost {
    let parties = costs[0].parties.len();
    let prefill = costs[0].clone();
    let steps: Vec<Cost> = costs[1..].to_vec();
    let decode = steps.iter().fold(Cost::zero(parties), |a, c| a + c.clone());
    let total = prefill.clone() + decode.clone();
    let (mut cb, mut cr) = (0u64, 0u64);
    let series = costs
        .iter()
        .enumerate()
        .map(|(k, c)| {
            cb = cb.saturating_add(c.bytes);
            cr = cr.saturating_add(c.rounds);
            GenerationPoint {
                tokens: k as u64 + 1,
                sequence: prompt_len + k as u64,
                bytes: c.bytes,
                rounds: c.rounds,
                cumulative_bytes: cb,
                cumulative_rounds: cr,
            }
        })
        .collect();
    GenerationCost { framework, title, prefill, steps, decode, total, partial, approximate, series }
}
