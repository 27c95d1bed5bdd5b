//! The view state that a share link carries: small, plain `key=value` pairs in
//! the URL fragment. Decoding is defensive: unknown keys are ignored, bad values
//! are reported, nothing in a link is ever executed.
//!
//! Pure Rust (no browser API), so the decoder is fuzzed natively
//! (`fuzz/fuzz_targets/share_link.rs`); the web app uses it as is.

pub mod structure;

use crate::dataflow::Metric;
use crate::report::Mode;
use crate::whatif::WhatIf;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::collections::{BTreeMap, BTreeSet};

/// The graph view's zoom limits (1 = the drawing's natural size).
pub const GRAPH_ZOOM_MIN: f64 = 0.1;
pub const GRAPH_ZOOM_MAX: f64 = 4.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Model,
    Overview,
    Layers,
    /// The dataflow graph coloured by cost ([`crate::dataflow`]).
    Graph,
    Ops,
    Compare,
    Learn,
}

impl View {
    pub const ALL: [View; 7] =
        [View::Model, View::Overview, View::Layers, View::Graph, View::Ops, View::Compare, View::Learn];
    pub fn key(self) -> &'static str {
        match self {
            View::Model => "model",
            View::Overview => "overview",
            View::Layers => "layers",
            View::Graph => "graph",
            View::Ops => "ops",
            View::Compare => "compare",
            View::Learn => "learn",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            View::Model => "Model & nodes",
            View::Overview => "Overview",
            View::Layers => "Per layer",
            View::Graph => "Graph",
            View::Ops => "Per op type",
            View::Compare => "Compare",
            View::Learn => "Learn",
        }
    }
    pub fn parse(s: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.key() == s)
    }
}

/// Everything a share link restores.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewState {
    pub view: View,
    /// Bundled sample to load (links to a user's own file cannot carry it yet).
    pub sample: Option<String>,
    pub framework: Option<String>,
    pub compare: Option<String>,
    pub mode: Mode,
    pub batch: u64,
    pub dims: BTreeMap<String, u64>,
    /// `framework → key → value` overrides.
    pub settings: BTreeMap<String, BTreeMap<String, String>>,
    pub bandwidth_mbps: f64,
    pub rtt_ms: f64,
    pub selected: Option<String>,
    pub depth: usize,
    pub search: String,
    /// What-if substitutions, as [`WhatIf`] keys.
    pub whatif: Vec<String>,
    /// The dropped model's file name (shown; never used as a path).
    pub file: Option<String>,
    /// The dropped model's structure ([`structure::encode`]): no weights.
    pub model: Option<String>,
    /// Table sort: a column key and whether descending (`bytes`, true by default).
    pub sort: Option<(String, bool)>,
    /// Charts on a log scale (None: log when the frameworks' totals span more than two orders of
    /// magnitude, `Report::totals_span_two_orders`).
    pub log: Option<bool>,
    /// Graph view: the zoom (None: fitted to the width, never above natural size), the scopes
    /// open (None: the model's default opening) and what the shading measures.
    pub graph_zoom: Option<f64>,
    pub graph_open: Option<BTreeSet<String>>,
    pub graph_metric: Metric,
    /// The flame view's zoomed scope.
    pub flame: Option<String>,
    /// LLM generation last priced: (prompt tokens, new tokens); a link with it prices it again.
    pub generation: Option<(u64, u64)>,
    /// The generation charts' y axis: log or linear (None: log when the values span more than
    /// two orders of magnitude).
    pub generation_log: Option<bool>,
    /// What decoding reset to its default and why (a bad setting, batch or dimension): shown
    /// to the recipient; never encoded.
    pub notes: Vec<String>,
}

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            view: View::Model,
            sample: None,
            framework: None,
            compare: None,
            mode: Mode::Inference,
            batch: 1,
            dims: BTreeMap::new(),
            settings: BTreeMap::new(),
            bandwidth_mbps: crate::network::DEFAULT_MBPS,
            rtt_ms: crate::network::DEFAULT_RTT_MS,
            selected: None,
            depth: 1,
            search: String::new(),
            whatif: Vec::new(),
            file: None,
            model: None,
            sort: None,
            log: None,
            graph_zoom: None,
            graph_open: None,
            graph_metric: Metric::Bytes,
            flame: None,
            generation: None,
            generation_log: None,
            notes: Vec::new(),
        }
    }
}

/// The bytes `encodeURIComponent` leaves as they are: `A–Z a–z 0–9 - _ . ! ~ * ' ( )`.
const KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// `encodeURIComponent`.
pub fn enc(s: &str) -> String {
    utf8_percent_encode(s, KEEP).to_string()
}

/// `decodeURIComponent`: a malformed escape or invalid UTF-8 is an error, as in the browser.
pub fn dec(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    // percent_decode passes a malformed escape through unchanged; the browser throws.
    let malformed = b
        .iter()
        .enumerate()
        .any(|(i, &c)| c == b'%' && !b.get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)));
    if malformed {
        return Err(format!("bad escape in '{s}'"));
    }
    percent_decode_str(s).decode_utf8().map(|c| c.into_owned()).map_err(|_| format!("bad escape in '{s}'"))
}

/// Longest fragment accepted: a link carrying a model structure of
/// [`structure::MAX_STRUCTURE_BYTES`] would never be shared as a link anyway.
pub const MAX_LINK_CHARS: usize = 2_000_000;

/// Share links longer than this do not fit a chat message; the app offers the
/// report file instead.
pub const CHAT_LINK_CHARS: usize = 32_000;

impl ViewState {
    /// The fragment, without the leading `#`.
    pub fn to_fragment(&self) -> String {
        let mut kv: Vec<(String, String)> = vec![("v".into(), self.view.key().into())];
        if let Some(s) = &self.sample {
            kv.push(("sample".into(), s.clone()));
        }
        if let Some(f) = &self.framework {
            kv.push(("fw".into(), f.clone()));
        }
        if let Some(f) = &self.compare {
            kv.push(("cmp".into(), f.clone()));
        }
        kv.push(("mode".into(), self.mode.as_str().into()));
        kv.push(("batch".into(), self.batch.to_string()));
        for (k, v) in &self.dims {
            kv.push((format!("dim.{k}"), v.to_string()));
        }
        for (fw, m) in &self.settings {
            for (k, v) in m {
                kv.push((format!("set.{fw}.{k}"), v.clone()));
            }
        }
        kv.push(("bw".into(), self.bandwidth_mbps.to_string()));
        kv.push(("rtt".into(), self.rtt_ms.to_string()));
        if let Some(s) = &self.selected {
            kv.push(("sel".into(), s.clone()));
        }
        kv.push(("depth".into(), self.depth.to_string()));
        if !self.search.is_empty() {
            kv.push(("q".into(), self.search.clone()));
        }
        if !self.whatif.is_empty() {
            kv.push(("wi".into(), self.whatif.join(",")));
        }
        if let Some((c, desc)) = &self.sort {
            kv.push(("sort".into(), format!("{c}{}", if *desc { "-" } else { "+" })));
        }
        if let Some(l) = self.log {
            kv.push(("log".into(), if l { "1" } else { "0" }.into()));
        }
        if let Some(z) = self.graph_zoom {
            kv.push(("gz".into(), z.to_string()));
        }
        if let Some(open) = &self.graph_open {
            // One key per open scope (a scope path may hold any character); `go=` alone: none open.
            if open.is_empty() {
                kv.push(("go".into(), String::new()));
            }
            kv.extend(open.iter().map(|s| ("go".to_string(), s.clone())));
        }
        if self.graph_metric == Metric::Rounds {
            kv.push(("gm".into(), "rounds".into()));
        }
        if let Some(f) = &self.flame {
            kv.push(("fz".into(), f.clone()));
        }
        if let Some((p, t)) = self.generation {
            kv.push(("gp".into(), p.to_string()));
            kv.push(("gt".into(), t.to_string()));
        }
        if let Some(l) = self.generation_log {
            kv.push(("glog".into(), if l { "1" } else { "0" }.into()));
        }
        if let Some(f) = &self.file {
            kv.push(("file".into(), f.clone()));
        }
        if let Some(m) = &self.model {
            // Last, so the readable settings come first in the link.
            kv.push(("m".into(), m.clone()));
        }
        kv.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
    }

    /// Parses a fragment (with or without `#`). Errors name the bad part.
    pub fn from_fragment(frag: &str) -> Result<ViewState, String> {
        let frag = frag.trim_start_matches('#');
        let mut st = ViewState::default();
        if frag.is_empty() {
            return Ok(st);
        }
        if frag.len() > MAX_LINK_CHARS {
            return Err(format!(
                "the link is {} characters long, more than a share link can be ({MAX_LINK_CHARS})",
                frag.len()
            ));
        }
        // Generation needs both counts; either alone is dropped.
        let (mut gp, mut gt) = (None, None);
        for part in frag.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| format!("'{part}' is not key=value"))?;
            let (k, v) = (dec(k)?, dec(v)?);
            let num = |v: &str| {
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x > 0.0)
                    .ok_or_else(|| format!("{k}={v} is not a positive number"))
            };
            match k.as_str() {
                "v" => st.view = View::parse(&v).ok_or_else(|| format!("unknown view '{v}'"))?,
                "sample" => {
                    if !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') || v.len() > 64 {
                        return Err(format!("bad sample name '{v}'"));
                    }
                    st.sample = Some(v)
                }
                "fw" => st.framework = Some(v),
                "cmp" => st.compare = Some(v),
                "mode" => st.mode = Mode::parse(&v)?,
                "batch" => match crate::loader::parse_size("batch", &v) {
                    Ok(b) => st.batch = b,
                    Err(e) => st.notes.push(format!("The link's batch was reset to 1: {e}")),
                },
                "bw" => st.bandwidth_mbps = num(&v)?,
                "rtt" => st.rtt_ms = num(&v)?,
                "sel" => st.selected = Some(v),
                "depth" => st.depth = v.parse().ok().filter(|d| *d <= 64).ok_or_else(|| format!("bad depth '{v}'"))?,
                "q" => st.search = v,
                "file" => st.file = Some(v),
                "sort" => {
                    let (c, desc) = match v.strip_suffix('-') {
                        Some(c) => (c, true),
                        None => (v.strip_suffix('+').unwrap_or(&v), false),
                    };
                    if c.is_empty() || c.len() > 16 || !c.bytes().all(|b| b.is_ascii_lowercase()) {
                        return Err(format!("bad sort '{v}'"));
                    }
                    st.sort = Some((c.to_string(), desc))
                }
                "log" => st.log = Some(v == "1"),
                "gz" => {
                    let z = num(&v)?;
                    st.graph_zoom = Some(z.clamp(GRAPH_ZOOM_MIN, GRAPH_ZOOM_MAX))
                }
                "go" => {
                    let open = st.graph_open.get_or_insert_with(BTreeSet::new);
                    if !v.is_empty() {
                        open.insert(v);
                    }
                }
                "gm" => st.graph_metric = if v == "rounds" { Metric::Rounds } else { Metric::Bytes },
                "fz" => st.flame = Some(v),
                "gp" | "gt" => {
                    let which = if k == "gp" { "prompt-len" } else { "gen-tokens" };
                    match crate::generation::parse_count(which, &v) {
                        Ok(n) if k == "gp" => gp = Some(n),
                        Ok(n) => gt = Some(n),
                        Err(e) => st.notes.push(format!("The link's generation was dropped: {e}")),
                    }
                }
                "glog" => st.generation_log = Some(v == "1"),
                "m" => {
                    if !v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_') {
                        return Err("the model part of the link is damaged (characters outside URL-safe base64)".into());
                    }
                    st.model = Some(v)
                }
                "wi" => {
                    st.whatif = WhatIf::parse(&v)?.keys().into_iter().map(String::from).collect();
                }
                _ => {
                    if let Some(d) = k.strip_prefix("dim.") {
                        match crate::loader::parse_size(d, &v) {
                            Ok(n) => _ = st.dims.insert(d.to_string(), n),
                            Err(e) => st.notes.push(format!("The link's value for dimension {d} was dropped: {e}")),
                        }
                    } else if let Some(rest) = k.strip_prefix("set.") {
                        // The parser every front end uses; a bad setting opens at its default.
                        let checked = rest
                            .split_once('.')
                            .ok_or_else(|| format!("invalid setting '{rest}': expected FRAMEWORK.KEY=VALUE"))
                            .and_then(|(fw, key)| crate::profile::check_setting(fw, key, &v));
                        match checked {
                            Ok((fw, key, v)) => _ = st.settings.entry(fw).or_default().insert(key, v),
                            Err(e) => {
                                st.notes.push(format!("The link's setting {rest}={v} was reset to its default: {e}"))
                            }
                        }
                    }
                }
            }
        }
        st.generation = gp.zip(gt);
        Ok(st)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codec_matches_the_browser() {
        // Values of encodeURIComponent / decodeURIComponent in a browser.
        assert_eq!(enc("a b/c=d&e"), "a%20b%2Fc%3Dd%26e");
        assert_eq!(enc("é~*'()!"), "%C3%A9~*'()!");
        assert_eq!(dec("%C3%A9%20x").unwrap(), "é x");
        assert!(dec("%E0%A4%A").is_err());
        assert!(dec("%zz").is_err());
        assert!(dec("%C3").is_err(), "a lone UTF-8 lead byte is rejected");
    }

    #[test]
    fn a_state_survives_the_round_trip() {
        let mut st = ViewState {
            view: View::Layers,
            sample: Some("resnet18".into()),
            batch: 4,
            depth: 3,
            search: "a&b=c %".into(),
            ..Default::default()
        };
        st.dims.insert("seq".into(), 128);
        st.settings.entry("crypten".into()).or_default().insert("parties".into(), "3".into());
        st.whatif.push("relu-square".into());
        st.model = Some("eJzLSM3JyQcABiwCFQ".into());
        st.file = Some("my net.onnx".into());
        assert_eq!(ViewState::from_fragment(&format!("#{}", st.to_fragment())).unwrap(), st);
    }

    /// The charts' scale: unset (the page decides from the totals' range), or chosen either way;
    /// a chosen linear scale survives a link, so an automatic log default cannot override it.
    #[test]
    fn log_scale_is_unset_or_chosen() {
        assert_eq!(ViewState::from_fragment("v=overview").unwrap().log, None);
        for l in [Some(true), Some(false)] {
            let st = ViewState { log: l, ..Default::default() };
            assert_eq!(ViewState::from_fragment(&st.to_fragment()).unwrap().log, l);
        }
        assert!(crate::report::spans_two_orders([555_700_000, 325_870_000_000]));
        assert!(!crate::report::spans_two_orders([0, 3_980_000_000, 802_400_000]));
        assert!(!crate::report::spans_two_orders([]));
    }

    /// The graph view's zoom, open scopes and metric, the flame zoom and the generation's
    /// counts and scale survive a link; "every scope closed" differs from "the default opening".
    #[test]
    fn drawing_state_survives_the_round_trip() {
        let st = ViewState {
            view: View::Graph,
            graph_zoom: Some(1.5625),
            graph_open: Some(["bert/encoder".to_string(), "a,b&c=d/é".to_string()].into()),
            graph_metric: Metric::Rounds,
            flame: Some("layer1/0".into()),
            generation: Some((128, 16)),
            generation_log: Some(false),
            ..Default::default()
        };
        let back = ViewState::from_fragment(&st.to_fragment()).unwrap();
        assert_eq!(back, st);
        let closed = ViewState { graph_open: Some(BTreeSet::new()), ..Default::default() };
        assert_eq!(ViewState::from_fragment(&closed.to_fragment()).unwrap().graph_open, Some(BTreeSet::new()));
        assert_eq!(ViewState::from_fragment("v=graph").unwrap().graph_open, None);
        // Out of range: clamped; a generation needs both counts, and valid ones.
        let st = ViewState::from_fragment("gz=100&gp=64").unwrap();
        assert_eq!((st.graph_zoom, st.generation), (Some(GRAPH_ZOOM_MAX), None));
        let st = ViewState::from_fragment("gp=0&gt=8").unwrap();
        assert_eq!(st.generation, None);
        assert!(st.notes[0].starts_with("The link's generation was dropped"), "{:?}", st.notes);
    }

    #[test]
    fn bad_links_name_the_bad_part() {
        assert_eq!(ViewState::from_fragment("v=nosuch").unwrap_err(), "unknown view 'nosuch'");
        assert_eq!(ViewState::from_fragment("justakey").unwrap_err(), "'justakey' is not key=value");
        assert_eq!(ViewState::from_fragment("sample=..%2F..%2Fetc").unwrap_err(), "bad sample name '../../etc'");
    }

    /// A bad setting, batch or dimension opens the link with that part reset, and says so in
    /// the words the CLI uses for the same value.
    #[test]
    fn bad_settings_are_reset_with_a_message() {
        let st =
            ViewState::from_fragment("v=overview&batch=0&dim.seq=x&set.crypten.parties=99&set.crypten.provider=TTP")
                .unwrap();
        assert_eq!((st.view, st.batch, st.dims.len()), (View::Overview, 1, 0));
        assert_eq!(st.settings["crypten"].get("provider").map(String::as_str), Some("ttp"));
        assert!(!st.settings["crypten"].contains_key("parties"));
        let cli = crate::ProfileRequest::default().add_setting("crypten.parties=99").unwrap_err();
        assert_eq!(
            st.notes,
            [
                "The link's batch was reset to 1: Batch 0 is out of range: it must be between 1 and 2^40 \
                 (1099511627776)."
                    .to_string(),
                "The link's value for dimension seq was dropped: Dimension 'seq' = 'x' is not a whole number: it must \
                 be between 1 and 2^40 (1099511627776)."
                    .to_string(),
                format!("The link's setting crypten.parties=99 was reset to its default: {cli}"),
            ]
        );
        let e = ViewState::from_fragment("set.nosuch.k=1").unwrap().notes;
        assert!(e[0].contains("unknown framework 'nosuch'"), "{e:?}");
    }
}
