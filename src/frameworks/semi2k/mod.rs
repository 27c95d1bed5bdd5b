//! SecretFlow SPU 0.9.5, protocol SEMI2K, two parties: additive secret sharing
//! over Z_2^64 (FM64, 18 fraction bits) or Z_2^128 (FM128, 26), Beaver triples
//! from a trusted first party (PRG seeds, no link traffic).
//!
//! The model is priced as the JAX program a user would write for it, node by
//! node (validation/spu/CONVENTION.md). Figures are what SPU's profiler prints
//! per party (`Link details: total send bytes …, send actions …`);
//! `tests/semi2k.rs` compares them with runs recorded by validation/spu/.

mod aby3;
mod approx;
mod ops;
pub(crate) mod proto;
mod train;

#[cfg(test)]
pub(crate) use ops::priced_ops;
#[cfg(test)]
pub(crate) use train::backward_ops;

use super::CostModel;
use crate::cost::Cost;
use crate::graph::{Graph, Node, Origin, Problem};
use crate::report::{FrameworkReport, Mode, NodeCost, Phase};
use crate::settings::{Allowed, SettingSpec, Settings};
use proto::{Protocol, Ring, Tally};
use std::collections::{BTreeMap, BTreeSet};

pub struct Semi2k;

/// Settings with SPU's defaults (`spu.proto` RuntimeConfig / CompilerOptions,
/// `core/config.cc`).
const SETTINGS: &[SettingSpec] = &[
    SettingSpec {
        key: "field",
        default: "FM64",
        allowed: Allowed::OneOf(&["FM64", "FM128"]),
        help: "ring Z_2^64 or Z_2^128 (RuntimeConfig.field)",
    },
    SettingSpec {
        key: "fxp_fraction_bits",
        default: "0",
        allowed: Allowed::Int { min: 0, max: 62 },
        help: "fraction bits; 0 = SPU's default (18 for FM64, 26 for FM128)",
    },
    SettingSpec {
        key: "fxp_exp_mode",
        default: "taylor",
        allowed: Allowed::OneOf(&["taylor", "pade"]),
        help: "exp approximation (DEFAULT = TAYLOR)",
    },
    SettingSpec {
        key: "fxp_exp_iters",
        default: "8",
        allowed: Allowed::Int { min: 1, max: 32 },
        help: "Taylor exp iterations N: (1 + x/2^N)^(2^N)",
    },
    SettingSpec {
        key: "fxp_div_goldschmidt_iters",
        default: "2",
        allowed: Allowed::Int { min: 1, max: 16 },
        help: "Goldschmidt iterations of reciprocal/division (≥ 3 forced when f ≥ 30)",
    },
    SettingSpec {
        key: "enable_lower_accuracy_rsqrt",
        default: "false",
        allowed: Allowed::Bool,
        help: "degree-2 instead of degree-4 rsqrt polynomial",
    },
    SettingSpec {
        key: "enable_optimize_denominator_with_broadcast",
        default: "false",
        allowed: Allowed::Bool,
        help: "compiler: x / broadcast(y) → x · broadcast(1/y) (softmax: one reciprocal per row)",
    },
    SettingSpec {
        key: "disable_maxpooling_optimization",
        default: "false",
        allowed: Allowed::Bool,
        help: "compiler: training max pool keeps select_and_scatter instead of argmax + scatter",
    },
    SettingSpec {
        key: "experimental_disable_mmul_split",
        default: "false",
        allowed: Allowed::Bool,
        help: "do not tile matmuls whose operands exceed 256 MiB",
    },
    SettingSpec {
        key: "weights",
        default: "secret",
        allowed: Allowed::OneOf(&["secret", "public"]),
        help: "model parameters secret-shared (HawkEye, SPU examples) or public",
    },
    SettingSpec {
        key: "relu",
        default: "jax.nn.relu",
        allowed: Allowed::OneOf(&["jax.nn.relu", "jnp.maximum"]),
        help: "how Relu is written: jnp.maximum's gradient recomputes the comparison and tests equality",
    },
    // SEMI2K only from here (ABY3 always runs TruncAPr2 and rotates one share).
    SettingSpec {
        key: "parties",
        default: "2",
        allowed: Allowed::Int { min: 2, max: 16 },
        help: "parties on the link (2PC uses the 2-party kernels msb_a2b, mul_a1b, TruncAPr2; more parties use A2B, B2A+mul, TruncAPr)",
    },
    SettingSpec {
        key: "trunc_allow_msb_error",
        default: "false",
        allowed: Allowed::Bool,
        help: "true: SecureML local truncation, no traffic (probabilistic error)",
    },
    SettingSpec {
        key: "experimental_disable_vectorization",
        default: "false",
        allowed: Allowed::Bool,
        help: "open x−a and y−b in two messages: +1 round per Beaver product",
    },
    SettingSpec {
        key: "beaver",
        default: "tfp",
        allowed: Allowed::OneOf(&["tfp", "ttp"]),
        help: "RuntimeConfig.beaver_type: tfp = TrustedFirstParty (measured), ttp = TrustedThirdParty (a separate \
               beaver server; not measured: priced as tfp on the parties' link, flagged approximate)",
    },
];

/// ABY3's settings: SEMI2K's without the last four (three parties always;
/// measured: the two options do not change ABY3's traffic; ABY3 draws no Beaver triples).
pub(crate) const ABY3_SETTINGS: &[SettingSpec] = SETTINGS.split_at(SETTINGS.len() - 4).0;

/// The warning of `beaver=ttp`: what SPU 0.9.5 does, and why it is priced as TFP unmeasured.
///
/// Source (secretflow/spu 0.9.5, `libspu/mpc/semi2k/beaver/beaver_impl/beaver_ttp.cc`
/// `BeaverTtp`, and `beaver_tfp.cc` `BeaverTfpUnsafe`): in both, every party draws its triple
/// shares from its own PRG and only one party corrects them, so a triple costs the parties' link
/// nothing. TFP's rank 0 computes the correction itself from all seeds (one `Gather` of the seeds
/// at setup); TTP's `adjust_rank` asks the beaver server for it by brpc (`RpcCall`, an
/// `Adjust*Request` of PRG descriptors; the reply is the correction, one ring element per triple
/// element), after one `AllGather` of the SM2-encrypted seeds at setup. `PermPair` broadcasts the
/// PRG counter in both. So per op the link carries the same; the server's traffic is not on it.
/// Not measured: the SPU 0.9.5 wheel ships the client (`BeaverTtp`, the `BeaverService` stub) but
/// not the server (`ttp_server/beaver_server_main.cc`, a separate Bazel binary).
pub const TTP_WARNING: &str = "beaver=ttp (TrustedThirdParty) is not measured: SPU 0.9.5's wheel ships the beaver client but \
     not its server (libspu/mpc/semi2k/beaver/beaver_impl/ttp_server, a separate binary). From the source (beaver_ttp.cc), \
     a triple costs the parties' link nothing, as under tfp: each party draws its shares from its own PRG and the adjust \
     rank gets the correction from the server over its own brpc channel (about one ring element per triple element, \
     off the link, not counted). So the rows are tfp's figures, flagged approximate; setup differs by one AllGather of \
     SM2-encrypted seeds.";

/// The settings a cost formula reads.
pub struct Config {
    pub ring: Ring,
    pub exp_pade: bool,
    pub exp_iters: u64,
    pub div_iters: u64,
    pub lower_accuracy_rsqrt: bool,
    pub optimize_denominator: bool,
    pub maxpool_optimization: bool,
    pub mmul_split: bool,
    pub public_weights: bool,
    pub relu_as_maximum: bool,
}

impl Config {
    #[cfg(test)]
    fn from(s: &Settings) -> Config {
        Config::for_protocol(s, Protocol::Semi2k)
    }

    fn for_protocol(s: &Settings, protocol: Protocol) -> Config {
        let flag = |key: &str| s.flag(key);
        // The last three settings are SEMI2K's only: ABY3 does not declare them.
        let semi2k = protocol == Protocol::Semi2k;
        let k = if s.get("field") == "FM128" { 128 } else { 64 };
        let f = match s.int("fxp_fraction_bits") {
            0 => {
                if k == 128 {
                    26
                } else {
                    18
                }
            }
            v => v as u64,
        };
        Config {
            ring: Ring {
                protocol,
                world: match protocol {
                    Protocol::Semi2k => s.int("parties").max(2) as u64,
                    Protocol::Aby3 => 3,
                    Protocol::Cheetah => 2,
                },
                k,
                f,
                local_trunc: semi2k && flag("trunc_allow_msb_error"),
                no_vectorization: semi2k && flag("experimental_disable_vectorization"),
                ot_workers: if protocol == Protocol::Cheetah {
                    crate::frameworks::spu_cheetah::ot_workers(s)
                } else {
                    1
                },
            },
            exp_pade: s.get("fxp_exp_mode") == "pade",
            exp_iters: s.int("fxp_exp_iters") as u64,
            div_iters: s.int("fxp_div_goldschmidt_iters") as u64,
            lower_accuracy_rsqrt: s.flag("enable_lower_accuracy_rsqrt"),
            optimize_denominator: s.flag("enable_optimize_denominator_with_broadcast"),
            maxpool_optimization: !s.flag("disable_maxpooling_optimization"),
            mmul_split: !s.flag("experimental_disable_mmul_split"),
            public_weights: s.get("weights") == "public",
            relu_as_maximum: s.get("relu") == "jnp.maximum",
        }
    }

    /// Goldschmidt iterations actually run: at least 3 when f ≥ 30
    /// (`fxp_base.cc` `reciprocal_goldschmidt_normalized_approx`).
    pub fn goldschmidt_iters(&self, f: u64) -> u64 {
        if f >= 30 {
            self.div_iters.max(3)
        } else {
            self.div_iters
        }
    }
}

/// What the program around each node looks like: which tensors are public,
/// and the cross-node rewrites SPU's compiler applies.
pub struct Program {
    public: BTreeSet<String>,
    /// Div nodes whose divisor is a Sqrt rewritten to `· rsqrt`.
    rewritten_divs: BTreeSet<String>,
    /// Sqrt nodes that run as rsqrt (all their consumers are rewritten divisions).
    rsqrt_sqrts: BTreeSet<String>,
    /// Average pools whose only consumer (through reshapes) is another average.
    avg_after_avg: BTreeSet<String>,
    /// BatchNormalization nodes whose `rsqrt(var + ε)` XLA's CSE already
    /// computed for an earlier node on the same variance tensor (Identity
    /// aliases followed: exporters dedup equal initializers into Identity).
    bn_rsqrt_reused: BTreeSet<String>,
    /// Where nodes whose condition is an equality (Equal, IsNaN, through Not).
    equality_selects: BTreeSet<String>,
}

impl Program {
    fn analyse(graph: &Graph, cfg: &Config) -> Program {
        let mut public = BTreeSet::new();
        for n in &graph.nodes {
            for t in &n.inputs {
                if t.origin == Origin::Constant || (cfg.public_weights && t.origin == Origin::Weight) {
                    public.insert(t.name.clone());
                }
            }
            // Shapes are static: shape computations are public however they start.
            let shape_only = matches!(n.op.as_str(), "Shape" | "Size" | "ConstantOfShape" | "Constant");
            if shape_only || n.inputs.iter().all(|t| public.contains(&t.name)) {
                for o in &n.outputs {
                    public.insert(o.name.clone());
                }
            }
        }
        let producers: BTreeMap<&str, &Node> =
            graph.nodes.iter().flat_map(|n| n.outputs.iter().map(move |o| (o.name.as_str(), n))).collect();
        let mut consumers: BTreeMap<&str, Vec<&Node>> = BTreeMap::new();
        for n in &graph.nodes {
            for t in &n.inputs {
                consumers.entry(t.name.as_str()).or_default().push(n);
            }
        }
        let mut rewritten_divs = BTreeSet::new();
        let mut rsqrt_sqrts = BTreeSet::new();
        for n in graph.nodes.iter().filter(|n| n.op == "Sqrt") {
            let Some(out) = n.outputs.first() else { continue };
            let users = consumers.get(out.name.as_str()).cloned().unwrap_or_default();
            let mut all_rewritten = !users.is_empty();
            for u in &users {
                // `1.0 / sqrt(v)` (Reciprocal) is the same pattern with numerator 1.
                let reciprocal = u.op == "Reciprocal";
                let ok = reciprocal
                    || u.op == "Div"
                        && u.inputs.get(1).is_some_and(|d| d.name == out.name)
                        && u.inputs.first().is_some_and(|x| x.name != out.name)
                        && div_sqrt_rewrite_applies(n, u, &producers);
                if ok {
                    rewritten_divs.insert(u.name.clone());
                } else {
                    all_rewritten = false;
                }
            }
            if all_rewritten {
                rsqrt_sqrts.insert(n.name.clone());
            }
        }
        let is_avg = |op: &str| matches!(op, "AveragePool" | "GlobalAveragePool" | "ReduceMean");
        let mut avg_after_avg = BTreeSet::new();
        for n in graph.nodes.iter().filter(|n| is_avg(&n.op)) {
            let mut cur = n.outputs.first().map(|o| o.name.clone());
            while let Some(name) = cur.take() {
                let users = consumers.get(name.as_str()).cloned().unwrap_or_default();
                if users.len() != 1 {
                    break;
                }
                let u = users[0];
                if is_avg(&u.op) {
                    avg_after_avg.insert(n.name.clone());
                } else if matches!(u.op.as_str(), "Reshape" | "Flatten" | "Squeeze" | "Unsqueeze") {
                    cur = u.outputs.first().map(|o| o.name.clone());
                }
            }
        }
        let alias: BTreeMap<&str, &str> = graph
            .nodes
            .iter()
            .filter(|n| n.op == "Identity")
            .filter_map(|n| Some((n.outputs.first()?.name.as_str(), n.inputs.first()?.name.as_str())))
            .collect();
        let root = |name: &str| {
            let mut cur = name.to_string();
            while let Some(a) = alias.get(cur.as_str()) {
                cur = a.to_string();
            }
            cur
        };
        let mut seen_var = BTreeSet::new();
        let mut bn_rsqrt_reused = BTreeSet::new();
        for n in graph.nodes.iter().filter(|n| n.op == "BatchNormalization") {
            if let Some(v) = n.inputs.get(4) {
                if !seen_var.insert((root(&v.name), n.attr_float("epsilon").unwrap_or(1e-5).to_bits())) {
                    bn_rsqrt_reused.insert(n.name.clone());
                }
            }
        }
        let mut equality_selects = BTreeSet::new();
        for n in graph.nodes.iter().filter(|n| n.op == "Where") {
            let mut cond = n.inputs.first().and_then(|c| producers.get(c.name.as_str()));
            while let Some(p) = cond.filter(|p| p.op == "Not") {
                cond = p.inputs.first().and_then(|c| producers.get(c.name.as_str()));
            }
            if cond.is_some_and(|p| matches!(p.op.as_str(), "Equal" | "IsNaN")) {
                equality_selects.insert(n.name.clone());
            }
        }
        Program { public, rewritten_divs, rsqrt_sqrts, avg_after_avg, bn_rsqrt_reused, equality_selects }
    }

    /// Does the gradient reaching this average come straight (through
    /// reshapes only) from another average's backward scaling? Then XLA folds
    /// the two constant multiplies into one.
    fn scaled_gradient(&self, node: &Node) -> bool {
        self.avg_after_avg.contains(&node.name)
    }

    fn secret(&self, node: &Node, i: usize) -> bool {
        node.inputs.get(i).is_some_and(|t| !self.public.contains(&t.name))
    }
}

/// SPU's `rewrite_div_sqrt_patterns.cc` turns `y / sqrt(x)` and
/// `y / broadcast(sqrt(x))` into `y · rsqrt(x)`, but not when a reshape sits
/// between the sqrt and the broadcast. XLA inserts that reshape when the
/// sqrt's operand, as XLA shapes it, still has a unit dimension that must be
/// squeezed before broadcasting: e.g. LayerNorm statistics `[1, S]` of a batch-1
/// input (the reduced axis itself is dropped by the reduction). Statistics of
/// a `[C]` parameter (BatchNorm variance) have none, so the rewrite applies.
fn div_sqrt_rewrite_applies(sqrt: &Node, div: &Node, producers: &BTreeMap<&str, &Node>) -> bool {
    let (Some(s), Some(num)) = (sqrt.out_shape(0), div.in_shape(0)) else { return true };
    if s == num || div.out_shape(0) == Some(s) {
        // No broadcast of the sqrt: `c / sqrt(v)` with a scalar constant (torch's
        // exported rsqrt) is rewritten even for batch-1 statistics (hf_llama_legacy).
        return true;
    }
    // Walk back through elementwise adds of constants to the statistic's source.
    let mut cur = sqrt;
    for _ in 0..4 {
        let Some(src) = cur.inputs.first() else { break };
        match src.origin {
            Origin::Weight | Origin::Constant | Origin::Input => return true,
            Origin::Activation => {}
        }
        let Some(p) = producers.get(src.name.as_str()) else { break };
        match p.op.as_str() {
            "Add" | "Sub" | "Mul" | "Div" | "Cast" | "Identity" => cur = p,
            "ReduceMean" | "ReduceSum" => {
                // XLA's reduce drops the reduced axes; a kept unit axis needs a reshape.
                let axes = reduced_axes(p);
                let shape = p.in_shape(0).unwrap_or(&[]);
                return !shape.iter().enumerate().any(|(i, &d)| d == 1 && !axes.contains(&i));
            }
            _ => break,
        }
    }
    // Unknown source: a unit dim in the statistic that the numerator also has.
    !s.iter().zip(num).any(|(&a, &b)| a == 1 && b == 1)
}

fn reduced_axes(n: &Node) -> Vec<usize> {
    let rank = n.in_shape(0).map_or(0, <[u64]>::len) as i64;
    let axes: Option<Vec<i64>> = n
        .attr_ints("axes")
        .map(<[i64]>::to_vec)
        .or_else(|| n.inputs.get(1).and_then(|t| t.value.as_ref()).map(|v| v.iter().map(|&x| x as i64).collect()));
    match axes {
        Some(a) if !a.is_empty() => a.iter().map(|&x| (if x < 0 { x + rank } else { x }) as usize).collect(),
        _ => (0..rank as usize).collect(),
    }
}

impl CostModel for Semi2k {
    fn name(&self) -> &'static str {
        "semi2k"
    }
    fn title(&self) -> &'static str {
        "SPU 0.9.5 SEMI2K"
    }
    fn settings(&self) -> &'static [SettingSpec] {
        SETTINGS
    }
    fn supports_training(&self) -> bool {
        true
    }

    fn profile(&self, graph: &Graph, mode: Mode, settings: &Settings) -> FrameworkReport {
        profile(self, Protocol::Semi2k, graph, mode, settings)
    }
}

/// SPU 0.9.5 ABY3: three parties, replicated secret sharing over Z_2^64 or
/// Z_2^128. The same JAX program and HAL approximations as SEMI2K, priced
/// with ABY3's kernels (`aby3.rs`).
pub struct Aby3;

impl CostModel for Aby3 {
    fn name(&self) -> &'static str {
        "aby3"
    }
    fn title(&self) -> &'static str {
        "SPU 0.9.5 ABY3"
    }
    fn settings(&self) -> &'static [SettingSpec] {
        ABY3_SETTINGS
    }
    fn supports_training(&self) -> bool {
        true
    }

    fn profile(&self, graph: &Graph, mode: Mode, settings: &Settings) -> FrameworkReport {
        profile(self, Protocol::Aby3, graph, mode, settings)
    }
}

/// What a round is, and what the figures count, per protocol.
fn definitions(protocol: Protocol, world: u64) -> (&'static str, &'static str) {
    match protocol {
        Protocol::Semi2k if world > 2 => (
            "one open (an all-gather: every party sends its share to each of the other N − 1 at once); SPU runs ops in sequence, so rounds add up op by op. A party's send actions are N − 1 per round",
            "per party, SPU's profiler 'Link details': payload bytes of every send, all parties send the same; wire total = N × per party. Input sharing, output reveal and Beaver triples (trusted first party, PRG seeds) are not on the link.",
        ),
        Protocol::Semi2k => (
            "one send action of a party's link (in 2PC every open is an all-gather: both parties send at once); SPU runs ops in sequence, so rounds add up op by op",
            "per party, SPU's profiler 'Link details': payload bytes of every send, both parties send the same; wire total = 2 × per party. Input sharing, output reveal and Beaver triples (trusted first party, PRG seeds) are not on the link.",
        ),
        Protocol::Cheetah => crate::frameworks::spu_cheetah::DEFINITIONS,
        Protocol::Aby3 => (
            "one sequential message exchange, read from the source (a rotate, in which all three parties send at once, is one round); SPU runs ops in sequence, so rounds add up op by op",
            "wire total = the sum over the three parties of SPU's profiler 'Link details' send bytes (deterministic). Per party only what is deterministic: the kernels with fixed ranks (rotations, mul_a1b's OTs, seals). Truncation (TruncAPr2), equality and B2A of up to 8 bits give their roles to ranks by a random public pivot per call, so their split between parties changes from run to run; they, and the larger B2A that SPU's profile lists under the same name, are in the total only, so the parties do not add up to the total. Input sharing and output reveal are not counted.",
        ),
    }
}

/// Prices `graph` as SEMI2K's JAX lowering with `protocol`'s kernels (SPU CHEETAH
/// reuses it from `spu_cheetah`).
pub(crate) fn profile(
    model: &dyn CostModel,
    protocol: Protocol,
    graph: &Graph,
    mode: Mode,
    settings: &Settings,
) -> FrameworkReport {
    {
        let cfg = Config::for_protocol(settings, protocol);
        let parties = cfg.ring.parties();
        let (round_definition, counting) = definitions(protocol, cfg.ring.world);
        let program = Program::analyse(graph, &cfg);
        let mut report = FrameworkReport {
            coverage: Default::default(),
            framework: model.name().into(),
            title: model.title().into(),
            mode,
            settings: settings.clone(),
            round_definition: round_definition.into(),
            counting: counting.into(),
            total: Cost::zero(parties),
            phases: Vec::new(),
            nodes: Vec::new(),
            unsupported: Vec::new(),
            warnings: Vec::new(),
        };
        let mut sealed = BTreeSet::new(); // ABY3: public scalars already sealed in this program
        let grads = if mode == Mode::Training { crate::training::plan(graph).requires_grad } else { BTreeSet::new() };
        for node in &graph.nodes {
            crate::budget::at_node(&node.name, &node.op);
            if graph.unsupported.iter().any(|p| p.node == node.name) {
                continue;
            }
            // Training: a max pool the gradient flows through runs as argmax.
            let argmax_pool = matches!(node.op.as_str(), "MaxPool" | "GlobalMaxPool")
                && cfg.maxpool_optimization
                && node.inputs.first().is_some_and(|x| grads.contains(&x.name));
            if argmax_pool {
                let w = train::pool_window(node).unwrap_or(1);
                let mut t = Tally::new(&cfg.ring);
                if protocol == Protocol::Aby3 {
                    // `pphlo.argmax` seals one index constant per window position
                    // (measured on LeNet's 2×2 pools: 4 one-element P2A each).
                    for _ in 0..w {
                        aby3::p2a(&mut t, "window index", 1);
                    }
                }
                train::maxpool_argmax(&mut t, node.out_numel(0), w);
                report.nodes.push(NodeCost {
                    node: node.name.clone(),
                    op: node.op.clone(),
                    scope: node.scope.clone(),
                    phase: Phase::Forward,
                    cost: t.total(),
                    approximate: t.approximate.clone(),
                    steps: t.steps,
                });
                continue;
            }
            let secret = |i: usize| program.secret(node, i);
            let cx = ops::Ctx {
                secret: &secret,
                div_by_rewritten_sqrt: program.rewritten_divs.contains(&node.name),
                sqrt_as_rsqrt: program.rsqrt_sqrts.contains(&node.name),
                rsqrt_reused: program.bn_rsqrt_reused.contains(&node.name),
                equality_condition: program.equality_selects.contains(&node.name),
                condition_reused: matches!(node.op.as_str(), "Where" | "LeakyRelu" | "PRelu")
                    && node.inputs.iter().skip(usize::from(node.op == "Where")).any(|x| grads.contains(&x.name)),
            };
            let mut t = Tally::new(&cfg.ring);
            if protocol == Protocol::Aby3 && (0..node.inputs.len()).any(&secret) {
                for (c, n) in aby3::sealed_scalars(node) {
                    if !sealed.contains(&c) {
                        aby3::p2a(&mut t, &c, n);
                        sealed.insert(c);
                    }
                }
            }
            match ops::forward(node, &cfg, &cx, &mut t) {
                Ok(()) => report.nodes.push(NodeCost {
                    node: node.name.clone(),
                    op: node.op.clone(),
                    scope: node.scope.clone(),
                    phase: Phase::Forward,
                    cost: t.total(),
                    approximate: t.approximate.clone(),
                    steps: t.steps,
                }),
                Err(e) => report.unsupported.push(Problem {
                    node: node.name.clone(),
                    op: node.op.clone(),
                    reason: match e {
                        ops::Unpriced::Unknown => format!("no JAX/SPU counterpart of {} is modelled", node.op),
                        ops::Unpriced::Missing(what) => format!("cannot price without {what}"),
                        ops::Unpriced::SecretExponent => {
                            "Pow with a secret exponent (SPU computes exp2(y·log2 x)) is not modelled".into()
                        }
                    },
                }),
            }
        }
        if program.rsqrt_sqrts.len() < graph.nodes.iter().filter(|n| n.op == "Sqrt").count() {
            report.warnings.push("A division by sqrt(·) keeps SPU's full division (≈ 525 B per element per party in 2-party SEMI2K) because a unit dimension (e.g. batch 1) blocks SPU's x/sqrt → x·rsqrt rewrite; squeezing it, or a batch > 1, makes LayerNorm much cheaper.".into());
        }
        if mode == Mode::Training {
            train::rows(graph, &cfg, &program, &mut sealed, &mut report);
        }
        report.finish(parties);
        if protocol == Protocol::Semi2k && settings.get("beaver") == "ttp" {
            report.warnings.push(TTP_WARNING.into());
        }
        if protocol == Protocol::Aby3 && report.total.bytes > 0 {
            let ranked: u64 = report.total.parties.iter().map(|p| p.bytes).sum();
            let share = 100.0 * (report.total.bytes - ranked) as f64 / report.total.bytes as f64;
            report.warnings.push(format!(
                "Per-party figures cover only the kernels with fixed ranks: {share:.1} % of the bytes (truncation, equality, B2A) go to ranks by a random pivot per call and are in the total only."
            ));
        }
        report
    }
}
