//! CryptFlow2 ResNet-50 and DenseNet-121, call by call: every distinct top-level SCI call of EzPC's
//! mains (validation/sci/distinct_calls.py: `tests/fixtures/sci/cf2_mains/NET_calls.json`) run in
//! isolation by validation/sci/record_distinct.py (`tests/fixtures/sci/cf2_{ot,he}/NET_calls.json`).
//!
//! Each recorded run is priced as the program ran it: its calls in order, each a one-node graph
//! (a truncating call after the one-element conv the program runs first, its input at 2s through
//! a broadcast Add), so the state carried from call to call (thread 0's last io direction, the
//! threads' lazy old-IKNP base OTs) is the run's. Every call must be exact. The networks are then
//! covered by key: the model's price of each network call is compared with its key's measurement
//! (equal unless the carried state differs), and the composed real total is printed where every
//! call is recorded.

use super::*;
use mpclens::frameworks::cryptflow2::OLD_IKNP_SETUP;
use mpclens::graph::{Attr, Graph, Node, Origin, Tensor};
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Mains {
    calls: Vec<String>,
    distinct: BTreeMap<String, Distinct>,
}

#[derive(Deserialize)]
struct Distinct {
    call: String,
    args: Vec<u64>,
    multiplicity: u64,
}

#[derive(Deserialize)]
struct RunCall {
    key: String,
    call: String,
    server: Party,
    client: Party,
}

#[derive(Deserialize)]
struct Run {
    calls: Vec<RunCall>,
    setup: Setup,
    wall_seconds: f64,
}

#[derive(Deserialize)]
struct Recorded {
    settings: Runset,
    runs: Vec<Run>,
}

const NETS: [(&str, u64); 2] = [("resnet50", 12), ("densenet121", 11)];

fn mains(net: &str) -> Mains {
    let path = format!("tests/fixtures/sci/cf2_mains/{net}_calls.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn recorded(net: &str, variant: &str) -> Option<Recorded> {
    let path = format!("tests/fixtures/sci/cf2_{variant}/{net}_calls.json");
    let text = std::fs::read_to_string(&path).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}")))
}

fn tensor(name: String, shape: &[u64], origin: Origin) -> Tensor {
    Tensor { name, shape: Some(shape.to_vec()), dtype: "float".into(), origin, value: None }
}

fn node(name: String, op: &str, inputs: Vec<Tensor>, out: &[u64], attrs: Vec<(&str, Attr)>) -> Node {
    let y = tensor(format!("{name}.y"), out, Origin::Activation);
    Node {
        name,
        op: op.into(),
        domain: String::new(),
        scope: vec![],
        inputs,
        outputs: vec![y],
        attrs: attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    }
}

fn ints(v: &[u64]) -> Attr {
    Attr::Ints(v.iter().map(|&x| x as i64).collect())
}

/// The graph a run's call list stands for: one node per call, in order.
fn run_graph(run: &Run, m: &Mains) -> Graph {
    let mut nodes: Vec<Node> = vec![];
    let mut pre: Option<Tensor> = None;
    for (i, c) in run.calls.iter().enumerate() {
        let x = |shape: &[u64]| tensor(format!("x{i}"), shape, Origin::Input);
        let w = |shape: &[u64]| tensor(format!("w{i}"), shape, Origin::Weight);
        if c.key == "pre" {
            let n = node(
                format!("pre{i}"),
                "Conv",
                vec![x(&[1, 1, 1, 1]), w(&[1, 1, 1, 1])],
                &[1, 1, 1, 1],
                vec![("kernel_shape", ints(&[1, 1])), ("pads", ints(&[0; 4])), ("strides", ints(&[1, 1]))],
            );
            pre = Some(n.outputs[0].clone());
            nodes.push(n);
            continue;
        }
        let d = &m.distinct[&c.key];
        let a = &d.args;
        // a truncating call's input, held at 2s: the pre-conv's output broadcast onto n elements
        let mut at_2s = |n: u64| {
            let p = pre.take().expect("a truncating call runs after its pre-conv");
            let add = node(format!("add{i}"), "Add", vec![p, x(&[1, n])], &[1, n], vec![]);
            let y = add.outputs[0].clone();
            nodes.push(add);
            y
        };
        let n = match d.call.as_str() {
            "Conv2DWrapper" => {
                let [b, h, wd, ci, fh, fw, co, pt, pb, pl, pr, sh, sw] = a[..] else { panic!("{}", c.key) };
                let (oh, ow) = ((h + pt + pb - fh) / sh + 1, (wd + pl + pr - fw) / sw + 1);
                node(
                    format!("conv{i}"),
                    "Conv",
                    vec![x(&[b, ci, h, wd]), w(&[co, ci, fh, fw])],
                    &[b, co, oh, ow],
                    vec![
                        ("kernel_shape", ints(&[fh, fw])),
                        ("pads", ints(&[pt, pl, pb, pr])),
                        ("strides", ints(&[sh, sw])),
                    ],
                )
            }
            "MatMul2D" => node(
                format!("fc{i}"),
                "Gemm",
                vec![x(&[a[0], a[1]]), w(&[a[2], a[1]])],
                &[a[0], a[2]],
                vec![("transB", Attr::Int(1))],
            ),
            "Relu" if a[2] == 1 => {
                let y = at_2s(a[0]);
                node(format!("relu{i}"), "Relu", vec![y], &[1, a[0]], vec![])
            }
            "Relu" => node(format!("relu{i}"), "Relu", vec![x(&[1, a[0]])], &[1, a[0]], vec![]),
            // the main's ScaleDown before a product: priced where an uninterpreted call (Concat) takes it
            "ScaleDown" => {
                let y = at_2s(a[0]);
                node(format!("trunc{i}"), "Concat", vec![y], &[1, a[0]], vec![("axis", Attr::Int(1))])
            }
            "MaxPool" | "AvgPool" => node(
                format!("pool{i}"),
                if d.call == "MaxPool" { "MaxPool" } else { "AveragePool" },
                vec![x(&[a[12], a[15], a[13], a[14]])],
                &[a[0], a[3], a[1], a[2]],
                vec![("kernel_shape", ints(&[a[4], a[5]])), ("strides", ints(&[a[10], a[11]]))],
            ),
            "ElemWiseActModelVectorMult" => {
                node(format!("bn{i}"), "BatchNormalization", vec![x(&[1, a[0]])], &[1, a[0]], vec![])
            }
            "ArgMax" => {
                node(format!("argmax{i}"), "ArgMax", vec![x(&[a[0], a[1]])], &[a[0]], vec![("axis", Attr::Int(1))])
            }
            other => panic!("no graph for {other}"),
        };
        nodes.push(n);
    }
    let inputs = nodes.iter().flat_map(|n| n.inputs.iter()).filter(|t| t.origin == Origin::Input).cloned().collect();
    Graph {
        file: "distinct calls".into(),
        opset: 13,
        producer: "tests/sci/distinct.rs".into(),
        inputs,
        outputs: vec![],
        nodes,
        unsupported: vec![],
        parameters: 0,
        notes: vec![],
    }
}

/// The model's report for a graph under a recording's settings.
fn price(g: &Graph, set: &Runset) -> FrameworkReport {
    let f = by_name("cryptflow2").unwrap();
    let mut st = Settings::defaults(f.settings());
    for (k, v) in
        [("linear", set.linear.clone().unwrap()), ("ell", set.ell.to_string()), ("scale", set.scale.to_string())]
    {
        st.set(f.settings(), "cryptflow2", k, &v).unwrap();
    }
    let r = f.profile(g, Mode::Inference, &st);
    assert!(r.unsupported.is_empty(), "{:?}", r.unsupported);
    r
}

fn measured(c: &RunCall) -> [u64; 4] {
    [c.server.bytes, c.client.bytes, c.server.rounds, c.client.rounds]
}

/// Every call of every recorded run against the model's price of the run's call list.
#[test]
fn cryptflow2_distinct_calls_exact() {
    let mut bad = vec![];
    for (net, scale) in NETS {
        let m = mains(net);
        for variant in ["ot", "he"] {
            let Some(rec) = recorded(net, variant) else { continue };
            assert_eq!(rec.settings.scale, scale, "{net} {variant}: the main's scale");
            for (ri, run) in rec.runs.iter().enumerate() {
                let ours = model_calls(&price(&run_graph(run, &m), &rec.settings));
                let names: Vec<&str> = run.calls.iter().map(|c| c.call.as_str()).collect();
                let our_names: Vec<&str> = ours.iter().map(|c| c.0).collect();
                assert_eq!(names, our_names, "{net} {variant} run {ri}: call list");
                for (c, o) in run.calls.iter().zip(&ours) {
                    if c.key != "pre" {
                        let d = &m.distinct[&c.key];
                        if d.call == "Relu" || d.call == "ScaleDown" {
                            assert_eq!(d.args[1], scale, "{}: sf", c.key);
                        }
                    }
                    if measured(c) != o.1 {
                        bad.push(format!(
                            "{net} {variant} run {ri} {}: ours [S B, C B, S r, C r] = {:?}, real {:?}",
                            c.key,
                            o.1,
                            measured(c)
                        ));
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// How much of each network the recorded distinct calls cover, and how the model's price of each
/// network call (with the state its predecessors leave) compares with its key's isolated run.
#[test]
fn cryptflow2_resnet50_densenet121_coverage() {
    let mut bad = vec![];
    for (net, scale) in NETS {
        let m = mains(net);
        for variant in ["ot", "he"] {
            let rec = recorded(net, variant);
            // key -> (measured, whether it was its run's first call)
            let mut got: BTreeMap<&str, ([u64; 4], bool)> = BTreeMap::new();
            let (mut secs, mut setup) = (0.0, None);
            if let Some(rec) = &rec {
                for run in &rec.runs {
                    secs += run.wall_seconds;
                    setup = Some([run.setup.server, run.setup.client]);
                    for (j, c) in run.calls.iter().enumerate().filter(|(_, c)| c.key != "pre") {
                        got.entry(c.key.as_str()).or_insert((measured(c), j == 0));
                    }
                }
            }
            let mut fx = fixture("tests/fixtures/sci/cf2_ot/sqnet.json");
            fx.settings.linear = Some(variant.into());
            fx.settings.scale = scale;
            let ours = model_calls(&profile(&fx, &format!("tests/fixtures/models/sci_{net}.onnx")));
            assert_eq!(ours.len(), m.calls.len(), "{net} {variant}");
            let (mut n, mut b, mut all) = (0, 0u64, 0u64);
            let (mut same, mut real, mut diff) = (0, [0u64; 4], [0i64; 4]);
            let mut missing: BTreeMap<&str, u64> = BTreeMap::new();
            for (i, (k, (name, o))) in m.calls.iter().zip(&ours).enumerate() {
                assert!(k.starts_with(name), "{net}: {k} vs {name}");
                all += o[0] + o[1];
                match got.get(k.as_str()) {
                    Some((r, first_alone)) => {
                        n += 1;
                        b += o[0] + o[1];
                        same += usize::from(r == o);
                        if r != o && !state_only(i == 0 || *first_alone, o, r) {
                            bad.push(format!("{variant} {net} call {i} {k}: network {o:?}, alone {r:?}"));
                        }
                        for i in 0..4 {
                            real[i] += r[i];
                            diff[i] += o[i] as i64 - r[i] as i64;
                        }
                    }
                    None => *missing.entry(k.as_str()).or_default() += o[0] + o[1],
                }
            }
            println!(
                "cryptflow2 {variant} {net}: distinct {}/{} recorded ({secs:.0} s of runs); calls {n}/{} covered; \
                 {:.2} % of the model's {all} B; covered calls: {same} priced in the network exactly as run alone, \
                 ours − isolated runs [S B, C B, S r, C r] = {diff:?}",
                m.distinct.keys().filter(|k| got.contains_key(k.as_str())).count(),
                m.distinct.len(),
                m.calls.len(),
                100.0 * b as f64 / all.max(1) as f64,
            );
            if n == m.calls.len() {
                let s = setup.unwrap();
                println!(
                    "  composed real total (Σ isolated calls × multiplicity): server {} B, client {} B, rounds {} / {}; \
                     setup {} / {} B",
                    real[0], real[1], real[2], real[3], s[0], s[1]
                );
            } else {
                let mut left: Vec<_> = missing.into_iter().collect();
                left.sort_by_key(|e| e.1);
                for (k, bytes) in left {
                    let d = &m.distinct[k];
                    println!("  not recorded: {k} × {}: ours {} B each", d.multiplicity, bytes / d.multiplicity);
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Whether the model's price of network call `i` (`network`) differs from its key's isolated
/// run (`alone`) only by state a call carries in from its predecessors: a first use of threads
/// 1–3's old IKNP ([`OLD_IKNP_SETUP`], paid by the first truncating call of a run, so by one call of
/// the network but by the first such call of each isolated run), or the first call's entry
/// direction on thread 0's io when the call is first in the network or in its isolated run (after
/// `StartComputation`'s sync rather than after another call): at most one round either way.
fn state_only(first: bool, network: &[u64; 4], alone: &[u64; 4]) -> bool {
    let f = OLD_IKNP_SETUP.swap() + OLD_IKNP_SETUP + OLD_IKNP_SETUP.swap();
    let bytes = [network[0] as i64 - alone[0] as i64, network[1] as i64 - alone[1] as i64];
    let first_use = [f.a as i64, f.b as i64];
    let bytes_ok = bytes == [0, 0] || bytes == first_use || bytes == [-first_use[0], -first_use[1]];
    let rounds_ok = network[2..] == alone[2..]
        || (first && network[2].abs_diff(alone[2]) <= 1 && network[3].abs_diff(alone[3]) <= 1);
    bytes_ok && rounds_ok
}
