//! The view state that a share link carries: small, plain `key=value` pairs in
//! the URL fragment. Decoding is defensive: unknown keys are ignored, bad values
//! are reported, nothing in a link is ever executed.

use mpclens::report::Mode;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Model,
    Overview,
    Layers,
    Ops,
    Compare,
    Learn,
}

impl View {
    pub const ALL: [View; 6] = [View::Model, View::Overview, View::Layers, View::Ops, View::Compare, View::Learn];
    pub fn key(self) -> &'static str {
        match self {
            View::Model => "model",
            View::Overview => "overview",
            View::Layers => "layers",
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
    /// What-if substitutions: `relu2`, `avgpool`.
    pub whatif: Vec<String>,
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
            bandwidth_mbps: 1000.0,
            rtt_ms: 0.5,
            selected: None,
            depth: 1,
            search: String::new(),
            whatif: Vec::new(),
        }
    }
}

fn enc(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}
fn dec(s: &str) -> Result<String, String> {
    js_sys::decode_uri_component(s).map(String::from).map_err(|_| format!("bad escape in '{s}'"))
}

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
        kv.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
    }

    /// Parses a fragment (with or without `#`). Errors name the bad part.
    pub fn from_fragment(frag: &str) -> Result<ViewState, String> {
        let frag = frag.trim_start_matches('#');
        let mut st = ViewState::default();
        if frag.is_empty() {
            return Ok(st);
        }
        if frag.len() > 100_000 {
            return Err("the link is too long to be a share link".into());
        }
        for part in frag.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| format!("'{part}' is not key=value"))?;
            let (k, v) = (dec(k)?, dec(v)?);
            let num = |v: &str| v.parse::<f64>().ok().filter(|x| x.is_finite() && *x > 0.0).ok_or_else(|| format!("{k}={v} is not a positive number"));
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
                "batch" => st.batch = v.parse().ok().filter(|b| (1..=1 << 20).contains(b)).ok_or_else(|| format!("bad batch '{v}'"))?,
                "bw" => st.bandwidth_mbps = num(&v)?,
                "rtt" => st.rtt_ms = num(&v)?,
                "sel" => st.selected = Some(v),
                "depth" => st.depth = v.parse().ok().filter(|d| *d <= 64).ok_or_else(|| format!("bad depth '{v}'"))?,
                "q" => st.search = v,
                "wi" => {
                    for w in v.split(',').filter(|w| !w.is_empty()) {
                        if w != "relu2" && w != "avgpool" {
                            return Err(format!("unknown what-if '{w}'"));
                        }
                        st.whatif.push(w.to_string());
                    }
                }
                _ => {
                    if let Some(d) = k.strip_prefix("dim.") {
                        let n = v.parse().ok().filter(|n| *n >= 1).ok_or_else(|| format!("bad value for dim {d}: '{v}'"))?;
                        st.dims.insert(d.to_string(), n);
                    } else if let Some(rest) = k.strip_prefix("set.") {
                        let (fw, key) = rest.split_once('.').ok_or_else(|| format!("bad setting '{k}'"))?;
                        st.settings.entry(fw.to_string()).or_default().insert(key.to_string(), v);
                    }
                }
            }
        }
        Ok(st)
    }
}
