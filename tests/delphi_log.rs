//! Reproduces every number of the measured Delphi server log
//! `tests/fixtures/delphi/lenet.txt` (HawkEye fork run of LeNet) with the Delphi cost model.
//! Server view: reader = bytes received from the client (client→server = party 1 sends),
//! writer = bytes the server sent (party 0 sends).

use mpclens::frameworks::by_name;
use mpclens::report::Mode;
use mpclens::settings::Settings;

const LOG: &str = include_str!("fixtures/delphi/lenet.txt");

fn num_after(line: &str, key: &str) -> u64 {
    let i = line.find(key).unwrap() + key.len();
    line[i..].chars().take_while(|c| c.is_ascii_digit()).collect::<String>().parse().unwrap()
}

/// (reader, writer) deltas per "=====" line, in order; the final Read/Wrote totals.
fn parse() -> (Vec<(u64, u64)>, u64, u64, u64) {
    let mut deltas = vec![];
    let (mut read, mut wrote, mut keys) = (0, 0, None);
    for l in LOG.lines() {
        if l.starts_with("=====") {
            deltas.push((num_after(l, "reader communication:"), num_after(l, "writer communication:")));
        } else if l.trim_start().starts_with("Read ") {
            read = num_after(l, "Read ");
        } else if l.trim_start().starts_with("Wrote ") {
            wrote = num_after(l, "Wrote ");
        } else if keys.is_none() && l.starts_with("start linear reader communication size:") {
            keys = Some(num_after(l, "size:"));
        }
    }
    (deltas, read, wrote, keys.unwrap())
}

fn model() -> mpclens::report::FrameworkReport {
    let fw = by_name("delphi").unwrap();
    let g = mpclens::load_file(std::path::Path::new("tests/fixtures/models/delphi_lenet.onnx"), &Default::default())
        .unwrap();
    fw.profile(&g, Mode::Inference, &Settings::defaults(fw.settings()))
}

fn offline(n: &mpclens::report::NodeCost) -> (u64, u64) {
    // (client→server, server→client) offline bytes = steps not named "online …"
    let mut c = (0, 0);
    for s in n.steps.iter().filter(|s| !s.name.starts_with("online")) {
        c.0 += s.cost.parties[1].bytes;
        c.1 += s.cost.parties[0].bytes;
    }
    c
}

#[test]
fn lenet_offline_per_layer_matches_log() {
    let (deltas, _, _, keys) = parse();
    // 6 linear-layer lines (conv, avgpool, conv, avgpool, fc, fc) then the ReLU line.
    assert_eq!(deltas.len(), 7);
    let r = model();
    assert!(r.unsupported.is_empty(), "{:?}", r.unsupported);
    let key = r.nodes.iter().find(|n| n.op == "Setup").unwrap();
    assert_eq!(key.cost.parties[1].bytes, keys); // 33,180,315
    let linear: Vec<_> =
        r.nodes.iter().filter(|n| matches!(n.op.as_str(), "Conv" | "Gemm" | "MatMul" | "AveragePool")).collect();
    assert_eq!(linear.len(), 6);
    for (n, d) in linear.iter().zip(&deltas[..6]) {
        assert_eq!(offline(n), *d, "layer {}", n.node);
    }
    let relu = r.nodes.iter().filter(|n| n.op == "Relu").fold((0, 0), |a, n| {
        let o = offline(n);
        (a.0 + o.0, a.1 + o.1)
    });
    assert_eq!(relu, deltas[6]); // (6,952,608, 190,425,584) for 10,340 activations
    let acts: u64 = r.nodes.iter().filter(|n| n.op == "Relu").map(|n| n.steps[0].count).sum();
    assert_eq!(acts, 10_340);
    assert!(LOG.contains("with 10340 activations"));
}

#[test]
fn lenet_offline_totals_match_log() {
    let (_, read, wrote, _) = parse();
    let r = model();
    assert_eq!(r.total.offline, read + wrote);
    let off = r.nodes.iter().fold((0, 0), |a, n| {
        let o = offline(n);
        let k = if n.op == "Setup" { (n.cost.parties[1].bytes, 0) } else { (0, 0) };
        (a.0 + o.0 + k.0, a.1 + o.1 + k.1)
    });
    assert_eq!(off, (read, wrote)); // 67,401,423 / 193,047,613
}

/// Online phase: the client-side log of the same run (quoted in
/// shared research notes §3.2) shows the client received 12,242,747 B and sent 31,192 B.
/// Derivation: received = 10,340·1,184 + 3·16 (ReLU layers) + 49 + 9·10 (output share);
/// sent = Σ(49 + 9·|x|) over conv1 (784), conv2 (2,304), fc1 (256), fc2 (100).
#[test]
fn lenet_online_matches_client_log() {
    let r = model();
    let on = r
        .nodes
        .iter()
        .flat_map(|n| {
            let mut v: Vec<(u64, u64)> = n
                .steps
                .iter()
                .filter(|s| s.name.starts_with("online"))
                .map(|s| (s.cost.parties[0].bytes, s.cost.parties[1].bytes))
                .collect();
            // output share is added to the last linear node outside the steps
            let st: u64 = n.steps.iter().map(|s| s.cost.parties[0].bytes).sum();
            v.push((n.cost.parties[0].bytes - st, 0));
            v
        })
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    assert_eq!(on, (12_242_747, 31_192));
    assert_eq!(r.total.online, 12_242_747 + 31_192);
}

/// Delphi has no MaxPool layer (neural-network/src/layers): ResNet-50's stem MaxPool is
/// listed as unsupported with a reason, the rest is still priced; training is refused.
#[test]
fn unsupported_ops_and_training() {
    let fw = by_name("delphi").unwrap();
    let g =
        mpclens::load_file(std::path::Path::new("tests/fixtures/models/resnet50.onnx"), &Default::default()).unwrap();
    let r = fw.profile(&g, Mode::Inference, &Settings::defaults(fw.settings()));
    assert_eq!(r.unsupported.iter().filter(|u| u.op == "MaxPool").count(), 1);
    assert!(r.unsupported[0].reason.contains("no MaxPool"));
    assert!(r.total.bytes > 0);
    assert!(!fw.supports_training());
    let t = fw.profile(&g, Mode::Training, &Settings::defaults(fw.settings()));
    assert_eq!(t.total.bytes, 0);
    assert!(!t.warnings.is_empty());
}
