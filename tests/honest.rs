//! Honest figures and settings that cannot hang: every setting of every framework at its
//! minimum, middle and maximum profiles in bounded time or is refused with a message naming
//! the settings; out-of-range batch sizes are refused; a total that leaves nodes unpriced is
//! marked partial; a cost that overflows 2^64 is an error, not a figure.

use mpclens::frameworks;
use mpclens::settings::Allowed;
use mpclens::{LoadOptions, Mode, ProfileRequest};
use std::sync::mpsc;
use std::time::Duration;

/// Far longer than any profile of these small samples in a debug build; a hang is endless.
const TIMEOUT: Duration = Duration::from_secs(120);

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/static/samples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn graph(name: &str) -> mpclens::Graph {
    mpclens::load(&sample(name), &LoadOptions { file_name: name.into(), ..Default::default() }).unwrap()
}

/// Values to try for one setting: min, middle and max of a range; every word; both flags.
fn probe_values(allowed: &Allowed) -> Vec<String> {
    match allowed {
        Allowed::Int { min, max } => [*min, min + (max - min) / 2, *max].iter().map(i64::to_string).collect(),
        Allowed::OneOf(words) => words.iter().map(|w| w.to_string()).collect(),
        Allowed::Bool => vec!["true".into(), "false".into()],
    }
}

/// Profiles `graph` with the given settings on another thread, failing on a hang.
fn bounded(graph: &mpclens::Graph, req: ProfileRequest, what: String) -> Result<mpclens::Report, String> {
    let (tx, rx) = mpsc::channel();
    let g = graph.clone();
    std::thread::spawn(move || {
        let _ = tx.send(mpclens::profile(&g, &req));
    });
    rx.recv_timeout(TIMEOUT).unwrap_or_else(|_| panic!("{what}: no answer in {TIMEOUT:?} (hang)"))
}

#[test]
fn every_setting_at_min_middle_max_returns() {
    let g = graph("lenet.onnx");
    for fw in frameworks::all() {
        for spec in fw.settings() {
            for v in probe_values(&spec.allowed) {
                for mode in [Mode::Inference, Mode::Training] {
                    let mut req = ProfileRequest { frameworks: vec![fw.name().into()], mode, ..Default::default() };
                    req.add_setting(&format!("{}.{}={v}", fw.name(), spec.key)).unwrap();
                    let what = format!("{}.{}={v} ({})", fw.name(), spec.key, mode.as_str());
                    match bounded(&g, req, what.clone()) {
                        Ok(r) => assert_eq!(r.frameworks.len(), 1, "{what}"),
                        // A refusal must name the setting it is about.
                        Err(e) => assert!(e.contains(spec.key), "{what}: {e}"),
                    }
                }
            }
        }
    }
}

/// The whole ℓ × scale grid of the SCI frameworks: each pair returns, or is refused by the
/// fixed-point rule 2·scale < ℓ (`frameworks::sci::check_ell_scale`) with both names in the
/// message. `cheetah.scale=25` and `cheetah.ell=16..18` used to loop about 2^60 times.
#[test]
fn sci_ell_scale_grid_never_hangs() {
    let g = graph("lenet.onnx");
    for fw in ["cheetah", "cryptflow2"] {
        for ell in [16, 17, 18, 24, 25, 37, 60] {
            for scale in [1, 7, 8, 12, 18, 25, 30] {
                let mut req = ProfileRequest { frameworks: vec![fw.into()], ..Default::default() };
                req.add_setting(&format!("{fw}.ell={ell}")).unwrap();
                req.add_setting(&format!("{fw}.scale={scale}")).unwrap();
                let got = bounded(&g, req, format!("{fw} ell={ell} scale={scale}"));
                if 2 * scale < ell {
                    let r = got.unwrap_or_else(|e| panic!("{fw} ell={ell} scale={scale}: {e}"));
                    assert!(r.frameworks[0].total.bytes > 0);
                } else {
                    let e = got.unwrap_err();
                    assert!(
                        e.contains(&format!("{fw}.scale = {scale}")) && e.contains(&format!("{fw}.ell = {ell}")),
                        "{e}"
                    );
                }
            }
        }
    }
}

#[test]
fn cheetah_scale_25_is_refused_with_the_rule() {
    let g = graph("resnet20.onnx");
    let mut req = ProfileRequest { frameworks: vec!["cheetah".into()], ..Default::default() };
    req.add_setting("cheetah.scale=25").unwrap();
    assert_eq!(
        mpclens::profile(&g, &req).unwrap_err(),
        "cheetah.scale = 25 does not fit cheetah.ell = 37: the ring must hold a product of two fixed-point values, \
         so 2 × scale must be below ell (largest scale for ell = 37 is 18; smallest ell for scale = 25 is 51)"
    );
}

#[test]
fn batch_and_dims_out_of_range_are_refused() {
    let bytes = sample("lenet.onnx");
    for (batch, want) in [
        (0, "Batch 0 is out of range: it must be between 1 and 2^40 (1099511627776)."),
        (1 << 41, "Batch 2199023255552 is out of range: it must be between 1 and 2^40 (1099511627776)."),
        (u64::MAX, "Batch 18446744073709551615 is out of range: it must be between 1 and 2^40 (1099511627776)."),
    ] {
        let e = mpclens::load(&bytes, &LoadOptions { batch: Some(batch), ..Default::default() }).unwrap_err();
        assert_eq!(e.to_string(), want);
    }
    let mut opts = LoadOptions::default();
    opts.dims.insert("seq".into(), 0);
    assert_eq!(
        mpclens::load(&bytes, &opts).unwrap_err().to_string(),
        "Dimension 'seq' = 0 is out of range: it must be between 1 and 2^40 (1099511627776)."
    );
}

#[test]
fn complete_and_partial_totals_say_so() {
    let g = graph("lenet.onnx");
    let r = mpclens::profile(&g, &ProfileRequest { frameworks: vec!["crypten".into()], ..Default::default() }).unwrap();
    let c = &r.frameworks[0].coverage;
    assert!(!c.partial, "{c:?}");
    assert_eq!((c.nodes, c.unpriced, c.priced + c.free), (g.nodes.len(), 0, g.nodes.len()));

    // BERT-base on Delphi: Delphi has no Softmax, LayerNorm, ... (listed in `unsupported`).
    let g = graph("bert_base.onnx");
    let r = mpclens::profile(&g, &ProfileRequest { frameworks: vec!["delphi".into()], ..Default::default() }).unwrap();
    let f = &r.frameworks[0];
    let distinct: std::collections::BTreeSet<&str> = f.unsupported.iter().map(|p| p.node.as_str()).collect();
    assert!(f.coverage.partial);
    assert_eq!(f.coverage.unpriced, distinct.len());
    assert_eq!(f.coverage.priced + f.coverage.free + f.coverage.unpriced + f.coverage.public, g.nodes.len());
    assert!(f.coverage.unpriced_element_share > 0.0 && f.coverage.unpriced_element_share < 1.0);
    assert!(f.coverage.summary().starts_with(&format!(
        "partial: {} of {} nodes unpriced",
        distinct.len(),
        g.nodes.len()
    )));
}

#[test]
fn training_on_an_inference_only_framework_is_not_zero_bytes() {
    let g = graph("lenet.onnx");
    for fw in frameworks::all().into_iter().filter(|f| !f.supports_training()) {
        let req = ProfileRequest { frameworks: vec![fw.name().into()], mode: Mode::Training, ..Default::default() };
        let c = mpclens::profile(&g, &req).unwrap().frameworks.remove(0).coverage;
        assert!(c.partial);
        assert_eq!(c.summary(), format!("not available: no training in {}: it runs inference only", fw.title()));
    }
}

/// A one-node ONNX model: `op` from `inputs` to `y`, every tensor a float graph input or output.
fn one_node(op: &str, name: &str, inputs: &[(&str, &[i64])], y: &[i64]) -> Vec<u8> {
    use prost::Message;
    use tract_onnx::pb;
    let vi = |n: &str, d: &[i64]| pb::ValueInfoProto {
        name: n.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: 1,
                shape: Some(pb::TensorShapeProto {
                    dim: d
                        .iter()
                        .map(|&v| pb::tensor_shape_proto::Dimension {
                            value: Some(pb::tensor_shape_proto::dimension::Value::DimValue(v)),
                            ..Default::default()
                        })
                        .collect(),
                }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    };
    pb::ModelProto {
        ir_version: 7,
        opset_import: vec![pb::OperatorSetIdProto { domain: String::new(), version: 14 }],
        graph: Some(pb::GraphProto {
            node: vec![pb::NodeProto {
                op_type: op.into(),
                name: name.into(),
                input: inputs.iter().map(|(n, _)| n.to_string()).collect(),
                output: vec!["y".into()],
                ..Default::default()
            }],
            input: inputs.iter().map(|(n, d)| vi(n, d)).collect(),
            output: vec![vi("y", y)],
            name: "g".into(),
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

/// A cost that saturates at 2^64 − 1 (`Cost` adds with saturation) is refused with the node's
/// name: a Softmax over 2^40 elements per row, priced by CrypTen's pairwise max.
#[test]
fn a_saturated_cost_is_an_error_naming_the_node() {
    let m = one_node("Softmax", "huge_softmax", &[("x", &[1, 1 << 40])], &[1, 1 << 40]);
    let g = mpclens::load(&m, &LoadOptions::default()).unwrap();
    let mut req = ProfileRequest { frameworks: vec!["crypten".into()], ..Default::default() };
    req.add_setting("crypten.max_method=pairwise").unwrap();
    match mpclens::profile(&g, &req) {
        Err(e) => assert!(e.contains("overflows 2^64") && e.contains("huge_softmax"), "{e}"),
        Ok(r) => assert!(r.frameworks[0].total.bytes < u64::MAX, "a saturated figure was reported"),
    }
}

/// A Conv1d (Whisper's front end) has known shapes: CryptFlow2 and Cheetah list it as a 1-D conv
/// their 2-D network flow lacks, not as "conv shapes unknown"; CrypTen and SEMI2K price it.
#[test]
fn a_conv1d_is_named_as_such_where_it_is_unsupported() {
    let m = one_node("Conv", "conv1d", &[("x", &[1, 4, 16]), ("w", &[8, 4, 3])], &[1, 8, 14]);
    let g = mpclens::load(&m, &LoadOptions::default()).unwrap();
    let req = ProfileRequest {
        frameworks: vec!["cryptflow2".into(), "cheetah".into(), "crypten".into(), "semi2k".into()],
        ..Default::default()
    };
    let r = mpclens::profile(&g, &req).unwrap();
    for f in &r.frameworks {
        match f.framework.as_str() {
            "cryptflow2" | "cheetah" => {
                assert!(
                    f.unsupported.iter().any(|p| p.reason.starts_with("1-D conv")),
                    "{}: {:?}",
                    f.title,
                    f.unsupported
                )
            }
            _ => assert!(f.unsupported.is_empty() && f.total.bytes > 0, "{}: {:?}", f.title, f.unsupported),
        }
    }
}

/// A cost model that needs more work than the budget stops, and the profile is an error naming
/// the node it was pricing, for every framework; the default budget leaves the samples alone.
#[test]
fn a_runaway_loop_is_an_error_naming_the_node() {
    let g = graph("lenet.onnx");
    for fw in frameworks::all() {
        let req = ProfileRequest { frameworks: vec![fw.name().into()], ..Default::default() };
        let e = mpclens::profile::profile_with_budget(&g, &req, 3).unwrap_err();
        assert!(e.starts_with(&format!("{}: pricing stopped at node '", fw.title())), "{e}");
        assert!(e.contains("work budget of 3 steps"), "{e}");
        assert!(mpclens::profile::profile_with_budget(&g, &req, mpclens::budget::DEFAULT_LIMIT).is_ok());
    }
}

/// x → Pow(x, p) → y over a [2, 16] float input, `p` an initializer.
fn pow_model(p: f32) -> Vec<u8> {
    use prost::Message;
    use tract_onnx::pb;
    let mut m =
        pb::ModelProto::decode(one_node("Pow", "pow", &[("x", &[2, 16]), ("p", &[])], &[2, 16]).as_slice()).unwrap();
    let g = m.graph.as_mut().unwrap();
    g.input.retain(|i| i.name != "p");
    g.initializer.push(pb::TensorProto { name: "p".into(), data_type: 1, float_data: vec![p], ..Default::default() });
    m.encode_to_vec()
}

fn crypten_bytes(m: &[u8]) -> (u64, Option<String>) {
    let g = mpclens::load(m, &LoadOptions::default()).unwrap();
    let req = ProfileRequest { frameworks: vec!["crypten".into()], ..Default::default() };
    let f = mpclens::profile(&g, &req).unwrap().frameworks.remove(0);
    assert!(f.unsupported.is_empty(), "{:?}", f.unsupported);
    (f.total.bytes, f.nodes.iter().find_map(|n| n.approximate.clone()))
}

/// Found by the soak (tests/corpus/requests/crypten_pow_negative_exponent.bin, a LayerNorm whose
/// exponent 2 was garbled to −1.7e38): CrypTen's Pow recursion never ended for a negative
/// exponent and overflowed the stack, aborting the CLI and the page's worker; Pow(x, −1) in a
/// real model did the same. CrypTen's `pow` (common/functions/power.py): `p < -1` is
/// `self.reciprocal().pow(-p)`, `p = -1` is `self.reciprocal()`. So Pow(x, −1) costs what the
/// Reciprocal port costs (the same signed Newton–Raphson reciprocal), Pow(x, −3) that plus
/// Pow(x, 3), and both say they are read from the source, not measured.
#[test]
fn crypten_pow_with_a_negative_exponent_is_the_reciprocal_then_the_power() {
    let reciprocal = crypten_bytes(&one_node("Reciprocal", "r", &[("x", &[2, 16])], &[2, 16])).0;
    let (cube, _) = crypten_bytes(&pow_model(3.0));
    let (minus_one, why) = crypten_bytes(&pow_model(-1.0));
    assert_eq!(minus_one, reciprocal);
    assert!(why.is_some_and(|w| w.contains("reciprocal") && w.contains("not measured")));
    let (minus_three, why) = crypten_bytes(&pow_model(-3.0));
    assert_eq!(minus_three, reciprocal + cube);
    assert!(why.is_some());
    let (huge, _) = crypten_bytes(&pow_model(-1.7e38)); // 64 squarings at most, no recursion
    assert!(huge > reciprocal);
    let data = std::fs::read(format!(
        "{}/tests/corpus/requests/crypten_pow_negative_exponent.bin",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert!(mpclens::load(&data[8..], &LoadOptions::default()).is_ok());
}
