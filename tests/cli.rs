//! The command line as a script would use it: exit codes, formats, messages.

use std::path::PathBuf;
use std::process::Command;

fn mpclens(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mpclens")).args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn sample(name: &str) -> String {
    let p: PathBuf = [env!("CARGO_MANIFEST_DIR"), "static", "samples", name].iter().collect();
    p.to_string_lossy().into_owned()
}

#[test]
fn json_has_the_documented_shape() {
    let (code, out, err) = mpclens(&["profile", &sample("lenet.onnx"), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["model"]["file"], "lenet.onnx");
    assert_eq!(v["model"]["inputs"][0]["shape"], serde_json::json!([1, 1, 28, 28]));
    let nodes = v["nodes"].as_array().unwrap();
    assert_eq!(v["model"]["node_count"].as_u64().unwrap() as usize, nodes.len());
    // LeNet-5 as exported by validation/samples/export.py: the first conv keeps 28×28 (padding 2).
    let conv = nodes.iter().find(|n| n["op"] == "Conv").unwrap();
    assert_eq!(conv["outputs"][0], serde_json::json!([1, 6, 28, 28]));
    assert!(v["unsupported"].as_array().unwrap().is_empty());
    // Every registered framework answers, with every setting spelled out.
    for f in v["frameworks"].as_array().unwrap() {
        assert!(f["settings"].as_object().is_some_and(|s| !s.is_empty()) || f["framework"] == "none");
        assert!(f["total"]["parties"].as_array().unwrap().len() >= 2);
    }
}

#[test]
fn batch_rebatches_a_fixed_batch_export() {
    let (code, out, err) =
        mpclens(&["profile", &sample("lenet.onnx"), "--batch", "8", "--format", "json", "--framework", "all"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["batch"], 8);
    let last = v["nodes"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["outputs"][0], serde_json::json!([8, 10]));
}

#[test]
fn table_and_csv_are_readable() {
    let (code, out, _) = mpclens(&["profile", &sample("lenet.onnx"), "--nodes"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("model  lenet.onnx  (opset"), "{out}");
    assert!(out.contains("[1×6×28×28]"));
    let (code, out, _) = mpclens(&["profile", &sample("lenet.onnx"), "--format", "csv", "--framework", "all"]);
    assert_eq!(code, 0);
    let header = out.lines().next().unwrap();
    assert!(
        header == "framework,phase,node,op,scope,bytes,rounds,online,offline,parties"
            || header.starts_with("node,op,scope")
    );
}

#[test]
fn unknown_framework_and_setting_list_the_valid_ones() {
    let (code, _, err) = mpclens(&["profile", &sample("lenet.onnx"), "--framework", "nosuch"]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown framework 'nosuch': available are"), "{err}");
    let (code, _, err) = mpclens(&["profile", &sample("lenet.onnx"), "--set", "nosuch.key=1"]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown framework 'nosuch'"), "{err}");
    let (code, _, err) = mpclens(&["profile", &sample("lenet.onnx"), "--set", "parties=3"]);
    assert_eq!(code, 1);
    assert!(err.contains("expected FRAMEWORK.KEY=VALUE"), "{err}");
}

#[test]
fn bad_files_give_specific_messages() {
    let dir = std::env::temp_dir().join(format!("mpclens-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.onnx");
    std::fs::write(&empty, b"").unwrap();
    let (code, _, err) = mpclens(&["profile", empty.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("The file is empty (0 bytes)"), "{err}");

    let text = dir.join("notes.onnx");
    std::fs::write(&text, b"this is a text file, not a protobuf\n").unwrap();
    let (code, _, err) = mpclens(&["profile", text.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("Not a valid ONNX file") || err.contains("Not an ONNX model"), "{err}");

    let bytes = std::fs::read(sample("lenet.onnx")).unwrap();
    let cut = dir.join("cut.onnx");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let (code, _, err) = mpclens(&["profile", cut.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("damaged at byte") || err.contains("truncated"), "{err}");

    let (code, _, err) = mpclens(&["profile", dir.join("absent.onnx").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

/// `mpclens profile --framework crypten` prints the totals real CrypTen logged
/// (tests/fixtures/crypten/mlp.json, recorded by validation/crypten/measure.py).
#[test]
fn crypten_totals_on_the_command_line_equal_the_measured_ones() {
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{}/tests/fixtures/crypten/mlp.json", env!("CARGO_MANIFEST_DIR"))).unwrap(),
    )
    .unwrap();
    for run in fixture["runs"].as_array().unwrap() {
        let (p, prov) = (run["parties"].as_u64().unwrap(), run["provider"].as_str().unwrap());
        let (code, out, err) = mpclens(&[
            "profile",
            &sample("mlp.onnx"),
            "-f",
            "crypten",
            "--set",
            &format!("crypten.parties={p}"),
            "--set",
            &format!("crypten.provider={prov}"),
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let parties = &v["frameworks"][0]["total"]["parties"];
        for (rank, m) in run["per_party"].as_array().unwrap().iter().enumerate() {
            assert_eq!(parties[rank]["bytes"], m["bytes"], "P={p} {prov} rank {rank}");
            assert_eq!(parties[rank]["rounds"], m["rounds"], "P={p} {prov} rank {rank}");
        }
    }
    let (_, out, _) = mpclens(&["profile", &sample("mlp.onnx"), "-f", "crypten"]);
    assert!(out.contains("total     2.02 MB (2023680 bytes), 21 rounds"), "{out}");
}

#[test]
fn what_if_prices_the_substituted_model_and_writes_it() {
    let out_path = std::env::temp_dir().join(format!("mpclens-whatif-{}.onnx", std::process::id()));
    let out_s = out_path.to_string_lossy().into_owned();
    let (code, out, err) = mpclens(&[
        "profile",
        &sample("lenet.onnx"),
        "--what-if",
        "relu-square,maxpool-avg",
        "--what-if-onnx",
        &out_s,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    // LeNet-5: 4 ReLUs and 2 MaxPools.
    assert!(err.contains("6 site(s) substituted"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ops: Vec<&str> = v["nodes"].as_array().unwrap().iter().map(|n| n["op"].as_str().unwrap()).collect();
    assert!(!ops.contains(&"Relu") && !ops.contains(&"MaxPool"), "{ops:?}");
    // The written file is an ordinary ONNX model that prices exactly the same.
    let (code, again, err) = mpclens(&["profile", &out_s, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    for (a, b) in v["frameworks"].as_array().unwrap().iter().zip(again["frameworks"].as_array().unwrap()) {
        assert_eq!(a["total"], b["total"], "{}", a["framework"]);
    }
    std::fs::remove_file(&out_path).ok();
    let (code, _, err) = mpclens(&["profile", &sample("lenet.onnx"), "--what-if", "relu-cube"]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown what-if 'relu-cube'"), "{err}");
}

#[test]
fn link_carries_the_model_structure() {
    let (code, out, err) =
        mpclens(&["link", &sample("resnet50.onnx"), "--base", "https://example.org/mpclens/", "--batch", "2"]);
    assert_eq!(code, 0, "{err}");
    let (base, frag) = out.trim().split_once('#').unwrap();
    assert_eq!(base, "https://example.org/mpclens/");
    let st = mpclens::share::ViewState::from_fragment(frag).unwrap();
    assert_eq!((st.batch, st.file.as_deref()), (2, Some("resnet50.onnx")));
    let bytes = mpclens::share::structure::decode(st.model.as_deref().unwrap()).unwrap();
    let g = mpclens::load(&bytes, &mpclens::LoadOptions::default()).unwrap();
    assert_eq!(g.nodes.iter().filter(|n| n.op == "Conv").count(), 53);
}

#[test]
fn inputs_are_public_or_secret_as_asked() {
    let zoo: PathBuf =
        [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", "zoo", "bert_base.legacy17.onnx"].iter().collect();
    let zoo = zoo.to_string_lossy().into_owned();
    let (code, out, err) = mpclens(&["profile", &zoo, "-f", "semi2k", "--nodes", "--secret-input", "input_ids"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("input  input_ids  int64 [1×16]  secret"), "{out}");
    assert!(out.contains("input  attention_mask  int64 [1×16]  public"), "{out}");
    assert!(out.lines().any(|l| l.contains("/m/embeddings/Constant") && l.trim_end().ends_with("public")));
    let (code, _, err) = mpclens(&["profile", &zoo, "--public-input", "input_ids", "--secret-input", "input_ids"]);
    assert_eq!((code, err.trim()), (1, "error: input 'input_ids' is given both as --public-input and --secret-input"));
    let (code, _, err) = mpclens(&["profile", &zoo, "--batch", "2", "--secret-input", "pixels"]);
    assert_eq!(code, 1);
    assert!(err.contains("no input named 'pixels': the model's inputs are input_ids, attention_mask"), "{err}");
}

#[test]
fn a_bad_network_names_the_bad_flag() {
    let mlp = sample("mlp.onnx");
    let (code, _, err) = mpclens(&["profile", &mlp, "--summary", "--bandwidth", "0"]);
    assert_ne!(code, 0);
    assert!(err.contains("invalid --bandwidth 0: it must be a positive, finite number of Mbit/s"), "{err}");
    let (code, _, err) = mpclens(&["profile", &mlp, "--summary", "--rtt=-1"]);
    assert_ne!(code, 0);
    assert!(err.contains("invalid --rtt -1: it must be a finite number of milliseconds, 0 or more"), "{err}");
}
