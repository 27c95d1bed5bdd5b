//! Delphi (mc2-project/delphi `92bc007`, as run by the HawkEye fork): 2-party
//! inference, HE (SEAL BFV) preprocessing of linear layers, garbled-circuit ReLU.
//!
//! Party 0 = server (model owner), party 1 = client. `parties[i].bytes` is what party
//! `i` SENDS. Every constant below was checked byte for byte against the server log
//! `tests/fixtures/delphi/lenet.txt` (see `tests/delphi_log.rs`).

use crate::cost::{Cost, PartyCost, Step};
use crate::graph::{Graph, Node, Problem};
use crate::report::{FrameworkReport, Mode, NodeCost, Phase};
use crate::settings::{Allowed, SettingSpec, Settings};

use super::CostModel;

/// Bytes of one uncompressed SEAL BFV ciphertext with N = 8192 and 4 data-level primes:
/// 2 polynomials · 4 primes · 8192 coefficients · 8 B + 105 B SEAL header.
/// (delphi `protocols-sys/c++/src/lib/interface.cpp` serialises `Ciphertext::save`
/// with `compr_mode_type::none`; 524,393 B matches the log.)
pub const CT_BYTES: u64 = 2 * 4 * 8192 * 8 + 105;
/// bincode framing of one `Vec<u8>` message on the `IMuxSync` channel: 8-B length of the
/// outer message plus 8-B vector length (delphi `protocols/src/lib.rs` `bytes::serialize`).
pub const MSG_FRAME: u64 = 16;
/// Public key + Galois keys + relinearisation keys the client sends once
/// (`protocols/src/neural_network.rs` `offline_client_protocol`: `client_keygen`);
/// measured: "Receiving keys" in the log, reader counter before the first layer.
pub const KEY_BYTES: u64 = 33_180_315;
/// Slots of one BFV plaintext (N = 8192) used as two halves of 4096 (`conv2d.h`).
pub const HALF_SLOTS: u64 = 4096;
/// GC ReLU offline, client→server per activation: 42 ALSZ OT-extension receiver columns
/// of 16 B (the client's 42-bit input labels; `protocols/src/gc.rs` `offline_client_protocol`,
/// p has 41 bits, the circuit input is `num_bits(p)+1 = 42` bits).
pub const RELU_C2S_PER: u64 = 42 * 16;
/// Fixed part of the ALSZ extension (base OTs: 128 × 32-B points), client→server.
pub const RELU_C2S_FIXED: u64 = 4_128;
/// GC ReLU offline, server→client per activation: garbled ReLU6+rerandomise circuit
/// tables plus 42 randomiser labels and 2×42 OT payloads (`gc.rs` `offline_server_protocol`).
pub const RELU_S2C_PER: u64 = 18_416;
/// Per GC chunk of 8192 activations: 24 B of bincode frames; fixed 4,096 B base-OT messages.
pub const RELU_S2C_PER_CHUNK: u64 = 24;
pub const RELU_CHUNK: u64 = 8192;
pub const RELU_S2C_FIXED: u64 = 4_096;
/// Online: 42 garbler labels × 28 B + 8 B per activation, 16 B frame per ReLU layer
/// (`gc.rs` `online_server_protocol`).
pub const RELU_ONLINE_PER: u64 = 42 * 28 + 8;
/// Online share of a linear layer's input sent by the client: ndarray header 8 + 41 B,
/// then 9 B per element (u64 share + 1-B `num_muls`), `neural_network.rs` `online_client_protocol`.
pub const SHARE_HEADER: u64 = 8 + 41;
pub const SHARE_PER: u64 = 9;

static SETTINGS: &[SettingSpec] = &[
    SettingSpec {
        key: "relu",
        default: "gc",
        allowed: Allowed::OneOf(&["gc", "quadratic"]),
        help: "ReLU via garbled circuits (default) or Delphi's x² polynomial approximation (Beaver triples via HE)",
    },
    SettingSpec {
        key: "keys",
        default: "true",
        allowed: Allowed::Bool,
        help: "include the one-time client key upload (33,180,315 B, SEAL pk + Galois + relin keys)",
    },
];

pub struct Delphi;

pub static DELPHI: Delphi = Delphi;

fn cost2(s2c: u64, c2s: u64, rounds: u64, online: bool) -> Cost {
    let b = s2c + c2s;
    Cost {
        bytes: b,
        rounds,
        online: if online { b } else { 0 },
        offline: if online { 0 } else { b },
        parties: vec![
            PartyCost { bytes: s2c, rounds: u64::from(s2c > 0) * rounds },
            PartyCost { bytes: c2s, rounds: u64::from(c2s > 0) * rounds },
        ],
    }
}

fn step(name: &str, count: u64, detail: String, c: Cost) -> Step {
    Step { name: name.into(), count, detail, cost: c }
}

/// Offline HE cost of a conv: image packed at nextpow2(H·W) slots, cph = 4096/img channels
/// per half, the client sends `inp_ct·kh·kw` ciphertexts (it encrypts every rotation), the
/// server returns `out_ct` (delphi `protocols-sys/c++/src/lib/conv2d.cpp` `conv_metadata`).
pub fn conv_offline(ci: u64, co: u64, h: u64, w: u64, kh: u64, kw: u64) -> (u64, u64) {
    let img = (h * w).next_power_of_two();
    let cph = (HALF_SLOTS / img).max(1);
    let inp_ct = ci.div_ceil(2 * cph);
    let out_ct = co.div_ceil(2 * cph);
    (MSG_FRAME + CT_BYTES * inp_ct * kh * kw, MSG_FRAME + CT_BYTES * out_ct)
}

/// Offline HE cost of an FC layer: one packed ciphertext each way (`fc.cpp`, `server_fc_online`).
pub fn fc_offline() -> (u64, u64) {
    (MSG_FRAME + CT_BYTES, MSG_FRAME + CT_BYTES)
}

/// GC ReLU offline for all `n` activations of the network (one batch): (c2s, s2c).
pub fn relu_offline(n: u64) -> (u64, u64) {
    (RELU_C2S_PER * n + RELU_C2S_FIXED, RELU_S2C_PER * n + RELU_S2C_PER_CHUNK * n.div_ceil(RELU_CHUNK) + RELU_S2C_FIXED)
}

fn is_relu(op: &str) -> bool {
    matches!(op, "Relu" | "Clip")
}

/// What pricing a node reads and carries from node to node: the graph (a BatchNorm looks at
/// its producer), the ReLU setting, and the garbled ReLUs' network-wide fixed part, charged
/// once.
struct Cx<'g> {
    graph: &'g Graph,
    quad: bool,
    /// ReLU activations of the whole network (garbled in one batch).
    total_relu: u64,
    relu_fixed_done: bool,
}

/// A node's steps and why it is approximate, or why Delphi cannot run it.
type Priced = Result<(Vec<Step>, Option<String>), String>;

/// Prices node `idx` of the graph.
type Price = fn(&mut Cx, usize, &Node) -> Priced;

/// Every op Delphi's layer set runs (`neural-network/src/layers`); any other op is unsupported
/// with the reason [`super::missing::delphi_lacks`] gives.
static PRICES: crate::ops::Table<Price> = &[
    ("Conv", conv),
    ("Gemm", matmul),
    ("MatMul", matmul),
    ("Relu", relu),
    ("Clip", relu),
    ("BatchNormalization", batch_norm),
    ("ReduceMean", reduce_mean),
    ("Constant", free),
    ("AveragePool", free),
    ("GlobalAveragePool", free),
    ("Add", free),
    ("Flatten", free),
    ("Reshape", free),
    ("Identity", free),
    ("Dropout", free),
    ("Squeeze", free),
    ("Unsqueeze", free),
];

/// The ops this framework prices (checked against the op registry).
#[cfg(test)]
pub(crate) fn priced_ops() -> Vec<&'static str> {
    crate::ops::table::ops(PRICES).collect()
}

fn conv(_: &mut Cx, _: usize, n: &Node) -> Priced {
    let Some((ci, co, h, w, kh, kw)) = conv_dims(n) else {
        let rank_ok = n.in_shape(0).is_none_or(|s| s.len() == 4);
        return Err(if rank_ok { "conv shape unknown".into() } else { super::missing::delphi_lacks(n) });
    };
    let (c2s, s2c) = conv_offline(ci, co, h, w, kh, kw);
    let on = SHARE_HEADER + SHARE_PER * ci * h * w;
    Ok((
        vec![
            step(
                "HE preprocessing",
                1,
                format!(
                    "client sends {} cts, server returns {} (524,393 B each + 16 B frame)",
                    (c2s - 16) / CT_BYTES,
                    (s2c - 16) / CT_BYTES
                ),
                cost2(s2c, c2s, 2, false),
            ),
            step("online input share", ci * h * w, "49 + 9·|x| B client→server".into(), cost2(0, on, 1, true)),
        ],
        None,
    ))
}

fn matmul(_: &mut Cx, _: usize, n: &Node) -> Priced {
    let nin = n.in_numel(0);
    let (c2s, s2c) = fc_offline();
    Ok((
        vec![
            step("HE preprocessing", 1, "one packed ct each way".into(), cost2(s2c, c2s, 2, false)),
            step(
                "online input share",
                nin,
                "49 + 9·|x| B client→server".into(),
                cost2(0, SHARE_HEADER + SHARE_PER * nin, 1, true),
            ),
        ],
        None,
    ))
}

fn relu(cx: &mut Cx, _: usize, n: &Node) -> Priced {
    let k = n.out_numel(0);
    if cx.quad {
        // Beaver triples through HE: ~2 cts up, 1 ct down per 8192 elements; online
        // two openings of 9-B shares. Inferred, not measured.
        let cts = k.div_ceil(8192);
        return Ok((
            vec![
                step(
                    "HE Beaver triples",
                    cts,
                    "≈2 cts client→server, 1 ct back per 8192 elements".into(),
                    cost2(cts * CT_BYTES, 2 * cts * CT_BYTES, 2, false),
                ),
                step(
                    "online square",
                    k,
                    "open ε both ways, 9 B per element".into(),
                    cost2(SHARE_PER * k, SHARE_PER * k, 1, true),
                ),
            ],
            Some("PolyApprox cost inferred from beavers_mul.rs, not measured".into()),
        ));
    }
    // The whole network's ReLUs are garbled in one batch; its fixed parts are
    // charged to the first ReLU node, per-element parts to each node.
    let (mut c2s, mut s2c) = (RELU_C2S_PER * k, RELU_S2C_PER * k);
    if !cx.relu_fixed_done {
        let (c, s) = relu_offline(cx.total_relu);
        c2s += c - RELU_C2S_PER * cx.total_relu;
        s2c += s - RELU_S2C_PER * cx.total_relu;
        cx.relu_fixed_done = true;
    }
    Ok((
        vec![
            step(
                "GC garble + OT",
                k,
                "18,416 B/act S→C, 672 B/act C→S (+ fixed base OTs, 24 B per 8192-chunk)".into(),
                cost2(s2c, c2s, 3, false),
            ),
            step(
                "online GC labels",
                k,
                "16 + 1,184 B per activation S→C".into(),
                cost2(MSG_FRAME + RELU_ONLINE_PER * k, 0, 1, true),
            ),
        ],
        (n.op == "Clip").then(|| "Delphi has no ReLU6 circuit; Clip counted as its garbled ReLU".to_string()),
    ))
}

/// Delphi folds a BatchNorm into the conv right before it.
fn batch_norm(cx: &mut Cx, idx: usize, n: &Node) -> Priced {
    let x = n.inputs.first().map(|t| t.name.as_str());
    let producer = cx.graph.nodes[..idx].iter().rev().find(|p| p.outputs.iter().any(|o| Some(o.name.as_str()) == x));
    if let Some(why) = super::missing::delphi_bn_reason(producer.map(|p| p.op.as_str())) {
        return Err(why);
    }
    Ok((vec![], Some("Delphi folds BatchNorm into the preceding conv".into())))
}

/// A spatial ReduceMean is the dynamo exporter's global average pool: local, like AvgPool.
fn reduce_mean(cx: &mut Cx, idx: usize, n: &Node) -> Priced {
    if !super::missing::is_spatial_mean(n) {
        return Err(super::missing::delphi_lacks(n));
    }
    free(cx, idx, n)
}

/// Linear on secret shares, or layout: local, no communication.
fn free(_: &mut Cx, _: usize, _: &Node) -> Priced {
    Ok((vec![], None))
}

impl CostModel for Delphi {
    fn name(&self) -> &'static str {
        "delphi"
    }
    fn title(&self) -> &'static str {
        "Delphi (mc2-project/delphi 92bc007)"
    }
    fn settings(&self) -> &'static [SettingSpec] {
        SETTINGS
    }
    fn supports_training(&self) -> bool {
        false
    }
    fn profile(&self, graph: &Graph, mode: Mode, settings: &Settings) -> FrameworkReport {
        let quad = settings.get("relu") == "quadratic";
        let mut rep = FrameworkReport {
            coverage: Default::default(),
            framework: "delphi".into(),
            title: self.title().into(),
            mode,
            settings: settings.clone(),
            round_definition: "one message flight on the server–client channel".into(),
            counting: "server-side CountingIO: reader = bytes received from the client, writer = bytes sent; \
                       printed as bytes (HawkEye report.py converts to MB = bytes/2^20)"
                .into(),
            total: Cost::zero(2),
            phases: vec![],
            nodes: vec![],
            unsupported: vec![],
            warnings: vec![],
        };
        if mode == Mode::Training {
            rep.warnings.push("Delphi supports inference only; training is not modelled".into());
            for n in &graph.nodes {
                rep.unsupported.push(Problem {
                    node: n.name.clone(),
                    op: n.op.clone(),
                    reason: "Delphi has no training".into(),
                });
            }
            rep.finish(2);
            return rep;
        }
        if settings.flag("keys") {
            rep.nodes.push(NodeCost {
                node: "<key exchange>".into(),
                op: "Setup".into(),
                scope: vec![],
                phase: Phase::Forward,
                cost: cost2(0, KEY_BYTES, 1, false),
                steps: vec![],
                approximate: None,
            });
        }
        let total_relu: u64 = graph.nodes.iter().filter(|n| is_relu(&n.op)).map(|n| n.out_numel(0)).sum();
        let mut cx = Cx { graph, quad, total_relu, relu_fixed_done: false };
        let last_linear = graph.nodes.iter().rposition(|n| matches!(n.op.as_str(), "Conv" | "Gemm" | "MatMul"));
        for (idx, n) in graph.nodes.iter().enumerate() {
            crate::budget::at_node(&n.name, &n.op);
            let priced = match crate::ops::lookup(PRICES, &n.op) {
                Some(price) => price(&mut cx, idx, n),
                None => Err(super::missing::delphi_lacks(n)),
            };
            let (steps, approx) = match priced {
                Ok(p) => p,
                Err(why) => {
                    rep.unsupported.push(prob(n, &why));
                    continue;
                }
            };
            let mut cost = Cost::zero(2);
            for s in &steps {
                cost += &s.cost;
            }
            if Some(idx) == last_linear {
                // server returns its output share: 49 + 9·n_out B
                let o = SHARE_HEADER + SHARE_PER * n.out_numel(0);
                cost += &cost2(o, 0, 1, true);
            }
            rep.nodes.push(NodeCost {
                node: n.name.clone(),
                op: n.op.clone(),
                scope: n.scope.clone(),
                phase: Phase::Forward,
                cost,
                steps,
                approximate: approx,
            });
        }
        rep.finish(2);
        rep
    }
}

fn prob(n: &Node, reason: &str) -> Problem {
    Problem { node: n.name.clone(), op: n.op.clone(), reason: reason.into() }
}

/// (CI, CO, H, W, kh, kw) of a Conv node, H×W the (unpadded) input resolution.
pub fn conv_dims(n: &Node) -> Option<(u64, u64, u64, u64, u64, u64)> {
    let x = n.in_shape(0)?;
    let wt = n.in_shape(1)?;
    if x.len() != 4 || wt.len() != 4 {
        return None;
    }
    Some((x[1], wt[0], x[2], x[3], wt[2], wt[3]))
}
