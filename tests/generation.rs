//! LLM generation (src/generation.rs): the decoder's axes are read from the inputs, each pass is
//! the graph priced at that pass's dims, and the prefill and decode steps of the zoo's KV-cache
//! members equal real SPU SEMI2K runs of those passes exactly, per party
//! (tests/fixtures/spu/generation/, validation/spu/measure.py --generation).

use mpclens::generation::{self, Decode, GenerationRequest};
use mpclens::loader::{input_signature, load_with_empty};
use mpclens::{profile, LoadOptions, ProfileRequest};
use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bytes(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn semi2k(field: &str) -> ProfileRequest {
    let mut req = ProfileRequest { frameworks: vec!["semi2k".into()], ..Default::default() };
    req.add_setting(&format!("semi2k.field={field}")).unwrap();
    req
}

const TINY_KV: &str = "tests/fixtures/models/llm_tiny_kv_graph_only.onnx";

#[test]
fn cache_axes_are_read_from_the_inputs() {
    let ax = generation::axes(&input_signature(&bytes(TINY_KV)).unwrap()).unwrap();
    assert_eq!(ax.tokens, "input_ids");
    assert_eq!(ax.sequence, "seq");
    assert_eq!(ax.past, vec!["past".to_string()]);
    assert_eq!(ax.total, vec!["total".to_string()]);
    assert_eq!(ax.cache_inputs.len(), 4);
}

/// The page's dims form names a cache model's axes and proposes one decode step after a prompt
/// (all ≥ 1, so the ordinary loader takes them) instead of 1 everywhere.
#[test]
fn cache_axes_suggest_a_decode_step() {
    let ax = generation::axes(&input_signature(&bytes(TINY_KV)).unwrap()).unwrap();
    let n = generation::DEFAULT_PROMPT;
    assert_eq!(ax.suggest("seq").map(|s| s.1), Some(1));
    assert_eq!(ax.suggest("past").map(|s| s.1), Some(n));
    assert_eq!(ax.suggest("total").map(|s| s.1), Some(n + 1));
    assert!(ax.suggest("past").unwrap().0.contains("KV cache"));
    assert_eq!(ax.suggest("batch"), None);
    let dims = [("seq", 1), ("past", n), ("total", n + 1)].map(|(k, v)| (k.to_string(), v)).into_iter().collect();
    let opts = LoadOptions { dims, ..Default::default() };
    assert!(mpclens::load(&bytes(TINY_KV), &opts).is_ok());
}

/// Each decode step of a cache export is the graph at sequence 1 and past N + i − 1, the prefill
/// the graph at sequence N and an empty cache; the series adds them up in order.
#[test]
fn kv_cache_steps_are_the_graph_at_their_past_length() {
    let b = bytes(TINY_KV);
    let req = ProfileRequest::default(); // every framework
    let g = generation::profile_generation(
        &b,
        &LoadOptions::default(),
        &req,
        GenerationRequest { prompt_len: 5, gen_tokens: 9 },
    )
    .unwrap();
    assert_eq!(g.decode, Decode::KvCache);
    assert_eq!(g.frameworks[0].steps.len(), 8);
    let at = |seq: u64, past: u64| {
        let mut o = LoadOptions::default();
        o.dims.extend([("seq".to_string(), seq), ("past".to_string(), past), ("total".to_string(), seq + past)]);
        let graph = load_with_empty(&b, &o, &["past".to_string()]).unwrap();
        profile(&graph, &req).unwrap().frameworks.into_iter().map(|f| f.total).collect::<Vec<_>>()
    };
    // Steps between the ends come from the shape template (src/generation/sweep.rs): each must
    // equal a real load of that step, on every framework.
    let prefill = at(5, 0);
    for (k, f) in g.frameworks.iter().enumerate() {
        assert_eq!(f.prefill, prefill[k], "{}", f.framework);
    }
    for i in 0..8u64 {
        let real = at(1, 5 + i);
        for (k, f) in g.frameworks.iter().enumerate() {
            assert_eq!(f.steps[i as usize], real[k], "{} step {}", f.framework, i + 1);
        }
    }
    let f = g.frameworks.iter().find(|f| f.framework == "semi2k").unwrap();
    // The step grows with the past (the scores and the softmax), never shrinks.
    assert!(f.steps[7].bytes > f.steps[0].bytes && f.steps[0].bytes < f.prefill.bytes);
    let last = f.series.last().unwrap();
    assert_eq!((last.tokens, last.sequence, last.cumulative_bytes), (9, 13, f.total.bytes));
    assert!(!f.partial);
}

/// Without a cache, a step re-runs the graph over the whole sequence so far.
#[test]
fn a_decoder_without_cache_recomputes_every_step() {
    let b = bytes("tests/fixtures/zoo/gpt2_dynamic.legacy17.onnx");
    let req = semi2k("FM64");
    let opts = LoadOptions { batch: Some(1), ..Default::default() };
    let g =
        generation::profile_generation(&b, &opts, &req, GenerationRequest { prompt_len: 4, gen_tokens: 7 }).unwrap();
    assert_eq!(g.decode, Decode::Recompute);
    assert!(g.method.contains("full recomputation"), "{}", g.method);
    let at = |seq: u64| {
        let mut o = opts.clone();
        o.dims.insert("sequence".into(), seq);
        profile(&mpclens::load(&b, &o).unwrap(), &req).unwrap().frameworks.remove(0).total
    };
    let f = &g.frameworks[0];
    assert_eq!(f.prefill, at(4));
    assert_eq!(f.steps, (5..=10).map(at).collect::<Vec<_>>());
}

#[test]
fn models_that_do_not_generate_say_why() {
    let req = ProfileRequest::default();
    let gen = GenerationRequest { prompt_len: 8, gen_tokens: 4 };
    let fixed = generation::profile_generation(
        &bytes("tests/fixtures/zoo/gpt2.legacy17.onnx"),
        &LoadOptions::default(),
        &req,
        gen,
    )
    .unwrap_err();
    assert!(fixed.contains("fixed sequence of 16 tokens"), "{fixed}");
    let vision = generation::profile_generation(
        &bytes("tests/fixtures/zoo/vit_b16.legacy17.onnx"),
        &LoadOptions::default(),
        &req,
        gen,
    )
    .unwrap_err();
    assert!(vision.contains("token-id input") && vision.contains("pixel_values"), "{vision}");
    let train = ProfileRequest { mode: mpclens::Mode::Training, ..Default::default() };
    let e = generation::profile_generation(&bytes(TINY_KV), &LoadOptions::default(), &train, gen).unwrap_err();
    assert!(e.contains("inference only"), "{e}");
    let mut opts = LoadOptions::default();
    opts.dims.insert("past".into(), 3);
    let e = generation::profile_generation(&bytes(TINY_KV), &opts, &req, gen).unwrap_err();
    assert!(e.contains("'past' is set by generation"), "{e}");
}

#[test]
fn counts_are_parsed_with_the_rule_in_the_message() {
    assert_eq!(generation::parse_count("gen-tokens", " 33 "), Ok(33));
    for bad in ["0", "4097", "-1", "x", "1e3"] {
        let e = generation::parse_count("gen-tokens", bad).unwrap_err();
        assert!(e.starts_with("gen-tokens") && e.contains("between 1 and 4096"), "{bad}: {e}");
    }
    let e = generation::parse_count("prompt-len", "0").unwrap_err();
    assert!(e.contains("between 1 and 1099511627776"), "{e}");
}

/// The zoo's KV-cache members (tiny GPT-2 and LLaMA, both exporters) against real SPU SEMI2K runs
/// of their prefill and of decode steps: every party's bytes and send actions, exactly. And the
/// no-cache GPT-2 (`gpt2_dynamic`, both exporters, batch 1): its decode step 2 is derived as the
/// whole graph re-run over N + 2 tokens, checked against the real run at that sequence length.
#[test]
fn prefill_and_decode_steps_match_spu_exactly() {
    let dir = root().join("tests/fixtures/spu/generation");
    let (mut checked, mut recomputed) = (0, 0);
    let mut misses = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for path in files.iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
        let fx: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let model = bytes(fx["model"].as_str().unwrap());
        let n = fx["generation"]["prompt_len"].as_u64().unwrap();
        let pass = fx["generation"]["pass"].as_str().unwrap();
        let step: u64 = pass.strip_prefix("step").map(|s| s.parse().unwrap()).unwrap_or(0);
        let recompute = fx["generation"]["decode"] == "recompute";
        let opts = LoadOptions { batch: recompute.then_some(1), ..Default::default() };
        for run in fx["runs"].as_array().unwrap() {
            let parties = run["per_party"].as_array().unwrap_or_else(|| panic!("{}: {}", path.display(), run["error"]));
            let field = run["field"].as_str().unwrap();
            let g = generation::profile_generation(
                &model,
                &opts,
                &semi2k(field),
                GenerationRequest { prompt_len: n, gen_tokens: step + 1 },
            )
            .unwrap();
            assert_eq!(g.decode, if recompute { Decode::Recompute } else { Decode::KvCache });
            recomputed += usize::from(recompute && step > 0);
            let f = &g.frameworks[0];
            let ours = if step == 0 { &f.prefill } else { &f.steps[step as usize - 1] };
            assert!(!f.partial, "{}: a pass left nodes unpriced", path.display());
            checked += 1;
            for (rank, m) in parties.iter().enumerate() {
                let (b, r) = (m["bytes"].as_u64().unwrap(), m["rounds"].as_u64().unwrap());
                let o = ours.parties[rank];
                if (o.bytes, o.rounds) != (b, r) {
                    misses.push(format!(
                        "{} {field} rank {rank}: ours {} B / {} rounds, SPU {b} B / {r} rounds",
                        path.file_name().unwrap().to_string_lossy(),
                        o.bytes,
                        o.rounds
                    ));
                }
            }
        }
    }
    assert!(misses.is_empty(), "{} of {checked} runs differ:\n{}", misses.len(), misses.join("\n"));
    // Every pass, RoPE's Sin/Cos on the dynamo LLaMA's secret inv_freq included (`approx::sin`).
    assert!(checked >= 32 && recomputed >= 4, "only {checked} exact generation runs ({recomputed} recomputed steps)");
}
