//! Share links carry the model's structure (no weights). The recipient must get
//! the same report as the sender, for every sample and every framework, and
//! the link for the big samples must stay short enough to paste in a chat.

use mpclens::share::{structure, ViewState, CHAT_LINK_CHARS};
use mpclens::{LoadOptions, Mode, ProfileRequest};
use std::path::Path;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("static/samples").join(name)).unwrap()
}

fn report_json(bytes: &[u8], mode: Mode) -> serde_json::Value {
    let g = mpclens::load(bytes, &LoadOptions { file_name: "m.onnx".into(), ..Default::default() }).unwrap();
    let mut v =
        serde_json::to_value(mpclens::profile(&g, &ProfileRequest { mode, ..Default::default() }).unwrap()).unwrap();
    // The parameter count is the only thing that reads weight values' presence, not dims.
    v.as_object_mut().unwrap().remove("generated_by");
    v
}

#[test]
fn every_sample_profiles_the_same_from_its_link() {
    for name in
        ["lenet.onnx", "mlp.onnx", "minionn.onnx", "resnet20.onnx", "mobilenetv2.onnx", "transformer_block.onnx"]
    {
        let bytes = sample(name);
        let st = ViewState { model: Some(structure::encode(&bytes).unwrap()), ..Default::default() };
        let got = ViewState::from_fragment(&st.to_fragment()).unwrap();
        let skeleton = structure::decode(got.model.as_deref().unwrap()).unwrap();
        for mode in [Mode::Inference, Mode::Training] {
            assert_eq!(report_json(&skeleton, mode), report_json(&bytes, mode), "{name} {mode:?}");
        }
    }
}

/// Link lengths (characters of the `m=` value) measured on the bundled samples:
/// ResNet-50 (torchvision export, 25.6 M weights, 176 nodes) and BERT-base (opset-17 export).
#[test]
fn big_model_links_fit_a_chat_message() {
    for (name, max) in [("resnet50.onnx", 12_000), ("bert_base.onnx", 24_000)] {
        let bytes = sample(name);
        let m = structure::encode(&bytes).unwrap();
        println!("{name}: {} bytes → link model part {} characters", bytes.len(), m.len());
        assert!(m.len() <= max && m.len() < CHAT_LINK_CHARS, "{name}: {}", m.len());
        assert_eq!(
            report_json(&structure::decode(&m).unwrap(), Mode::Inference),
            report_json(&bytes, Mode::Inference),
            "{name}"
        );
    }
}

#[test]
fn damaged_links_say_so() {
    let m = structure::encode(&sample("lenet.onnx")).unwrap();
    // Cut short: the DEFLATE stream ends early.
    assert_eq!(
        structure::decode(&m[..m.len() / 8 * 4]).unwrap_err(),
        "the model part of the link is damaged (it does not decompress)"
    );
    assert!(structure::decode("a*b").unwrap_err().starts_with("the model part of the link is damaged"));
    assert!(ViewState::from_fragment("m=%3Cscript%3E").unwrap_err().contains("outside URL-safe base64"));
    // A decompression bomb: 64 MB of zeros packs into ~64 kB.
    let bomb = miniz_oxide::deflate::compress_to_vec(&vec![0u8; 64 << 20], 10);
    use base64::Engine as _;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bomb);
    assert!(structure::decode(&text).unwrap_err().contains("more than 8 MB"));
}

/// A coverage-free soak of the share-link decoder (the `share_link` fuzz target's property
/// without a nightly toolchain): fragments with every key, including the graph, flame and
/// generation keys, mutated by a fixed-seed generator (character flips, cuts, duplicated and
/// spliced parts). Each decodes or is refused with a message, never a panic, and a fragment that
/// decodes re-encodes to one that decodes to the same state. $MPCLENS_LINK_SOAK sets the count.
#[test]
fn mutated_fragments_decode_or_are_refused_and_round_trip() {
    let seeds = [
        "v=layers&sample=lenet&fw=cheetah&cmp=crypten&mode=training&batch=4&bw=100&rtt=0.5&sel=conv1&depth=2&q=relu&sort=rounds-&log=1",
        "v=graph&sample=bert_base&gz=1.56&go=%2Fbert%2Fencoder&go=%2Fbert%2Fembeddings&gm=rounds&fz=%2Fbert&glog=0",
        "v=generation&sample=gpt2_kv&gp=24&gt=8&glog=1&d.past=7&s.cheetah.scale=12&s.semi2k.field=FM128&wi=relu_square",
        "v=overview&go=&gz=0.25&file=m%20y.onnx&mode=inference&batch=2&sort=name%2B",
        "gp=99999999999999999999&gt=-1&gz=1e308&depth=65&batch=0&bw=nan",
    ];
    let count: usize = std::env::var("MPCLENS_LINK_SOAK").ok().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let alphabet = b"=&%2F0123456789.-+_abcdefgmnorstvwxyzE#~ \x7f";
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n.max(1) as u64) as usize
    };
    let mut decoded = 0;
    for run in 0..count {
        let mut f: Vec<u8> = seeds[next(seeds.len())].bytes().collect();
        for _ in 0..1 + next(4) {
            match next(5) {
                0 if !f.is_empty() => {
                    let i = next(f.len());
                    f[i] = alphabet[next(alphabet.len())];
                }
                1 if !f.is_empty() => f.truncate(next(f.len())),
                2 if !f.is_empty() => {
                    let a = next(f.len());
                    let b = (a + 1 + next(24)).min(f.len());
                    let part = f[a..b].to_vec();
                    let at = next(f.len());
                    f.splice(at..at, part);
                }
                3 => {
                    let other = seeds[next(seeds.len())].as_bytes();
                    let (cut, from) = (next(f.len() + 1), next(other.len()));
                    f.truncate(cut);
                    f.extend_from_slice(&other[from..]);
                }
                _ if !f.is_empty() => {
                    let i = next(f.len());
                    f.remove(i);
                }
                _ => {}
            }
        }
        let text = String::from_utf8_lossy(&f).into_owned();
        let Ok(mut state) = ViewState::from_fragment(&text) else { continue };
        decoded += 1;
        state.notes.clear();
        let again = ViewState::from_fragment(&state.to_fragment())
            .unwrap_or_else(|e| panic!("run {run}: '{text}' decoded, its re-encoding did not: {e}"));
        assert_eq!(again, state, "run {run}: '{text}' changed on the round trip");
    }
    println!("{decoded} of {count} mutated fragments decoded");
    assert!(decoded * 10 > count, "only {decoded} of {count} decoded: the mutations test refusals only");
}
