//! The root component: owns the loaded model, the report and the view state.
//! Every view is a function of (report, view state); none computes a cost.

use crate::state::{View, ViewState};
use crate::{controls, export, layers, loading, model_view, overview, upload};
use gloo::events::EventListener;
use mpclens::report::{Mode, Report};
use mpclens::{Graph, LoadError, LoadOptions, ProfileRequest};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The file the user gave, kept so batch/dims changes can reload it.
pub struct Source {
    pub name: String,
    /// The model bytes the loader sees: the whole file, or for a large file
    /// only its graph ([`loading::read_graph`]).
    pub bytes: Rc<Vec<u8>>,
    /// The user's file when `bytes` is only its graph: read in full only to
    /// write a substituted model with its weights.
    pub file: Option<web_sys::File>,
}

/// Batch sweep: (batch, [(framework, bytes, rounds)]).
pub type Sweep = Vec<(u64, Vec<(String, u64, u64)>)>;

pub enum Status {
    Idle,
    Busy(String),
    Error(String),
}

pub enum Msg {
    File(web_sys::File),
    Sample(String),
    Bytes(String, Vec<u8>),
    /// A large file's graph, read without its weights: (name, graph, file, bytes read).
    Graph(String, Vec<u8>, web_sys::File, u64),
    /// The whole file, read for the substituted-model download.
    WhatIfFile(Vec<u8>),
    ReadFailed(String),
    Parse,
    SetDim(String, String),
    ApplyDims,
    SetBatch(String),
    SetMode(Mode),
    SetSetting(String, String, String),
    SetView(View),
    SetFramework(String),
    SetCompare(String),
    SetNet(f64, f64),
    SetSearch(String),
    Sort(&'static str),
    Select(String),
    SetDepth(usize),
    Export(export::Kind),
    CopyLink,
    DownloadStructure,
    Samples(Vec<String>),
    Key(web_sys::KeyboardEvent),
    Sweep,
    WhatIf(crate::whatif::WhatIf),
    WhatIfDownload,
}

pub struct App {
    pub status: Status,
    pub source: Option<Source>,
    pub graph: Option<Rc<Graph>>,
    pub report: Option<Rc<Report>>,
    pub st: ViewState,
    /// Dims the model needs, as typed (kept on error).
    pub dim_inputs: Vec<(String, String)>,
    pub batch_input: String,
    pub samples: Vec<String>,
    pub sort: (&'static str, bool),
    pub timing: Vec<(String, f64)>,
    pub link_note: Option<String>,
    /// How much of a large file was read (shown with the timing).
    pub read_note: Option<String>,
    pub sweep: Sweep,
    pub whatif: crate::whatif::WhatIf,
    pub whatif_result: Option<(crate::whatif::Deltas, usize)>,
    /// Compare view, B = A's framework with one setting changed: (`fw@key=value`, its report).
    pub compare_alt: Option<Rc<(String, mpclens::report::FrameworkReport)>>,
    /// Dims from a share link, applied to the model the link opens.
    link_dims: std::collections::BTreeMap<String, u64>,
    _keys: Option<EventListener>,
}

pub fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        crate::panic::debug_flag();
        let frag = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
        let (st, status) = match ViewState::from_fragment(&frag) {
            // A bad setting, batch or dim was reset: the link opens and says what changed.
            Ok(st) if !st.notes.is_empty() => {
                let notes = st.notes.join(" ");
                (st, Status::Error(notes))
            }
            Ok(st) => (st, Status::Idle),
            Err(e) => {
                (ViewState::default(), Status::Error(format!("This share link is damaged and was ignored: {e}.")))
            }
        };
        let link = ctx.link().clone();
        ctx.link().send_future(async move { Msg::Samples(loading::sample_list().await) });
        let mut status = status;
        if let Some(s) = st.sample.clone() {
            link.send_message(Msg::Sample(s));
        } else if let Some(m) = &st.model {
            // The link carries the model's structure: decoded here, then loaded
            // like a dropped file (the loader's checks apply to it as well).
            match mpclens::share::structure::decode(m) {
                Ok(b) => {
                    link.send_message(Msg::Bytes(st.file.clone().unwrap_or_else(|| "shared-model.onnx".into()), b))
                }
                Err(e) => status = Status::Error(format!("This share link's model could not be opened: {e}.")),
            }
        }
        let kl = ctx.link().callback(Msg::Key);
        let keys = web_sys::window().map(|w| {
            let opts = gloo::events::EventListenerOptions::enable_prevent_default();
            EventListener::new_with_options(&w, "keydown", opts, move |e| {
                if let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() {
                    let key = k.key().to_ascii_lowercase();
                    let m = k.ctrl_key() || k.meta_key();
                    if m && (key == "f" || (k.shift_key() && key == "e")) {
                        k.prevent_default();
                        kl.emit(k.clone());
                    }
                }
            })
        });
        let batch_input = st.batch.to_string();
        let st_dims = st.dims.clone();
        let st_wi = st.whatif.clone();
        let dim_inputs = st.dims.iter().map(|(k, v)| (k.clone(), v.to_string())).collect();
        App {
            status,
            source: None,
            graph: None,
            report: None,
            st,
            dim_inputs,
            batch_input,
            samples: Vec::new(),
            sort: ("bytes", true),
            timing: Vec::new(),
            link_note: None,
            read_note: None,
            sweep: Vec::new(),
            whatif: crate::whatif::WhatIf::parse(&st_wi.join(",")).unwrap_or_default(),
            whatif_result: None,
            compare_alt: None,
            link_dims: st_dims,
            _keys: keys,
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::File(f) => {
                let name = f.name();
                let size = f.size() as u64;
                self.timing = vec![("start".into(), now())];
                self.st.sample = None;
                self.st.model = None;
                self.st.file = None;
                if size >= loading::SPARSE_FROM {
                    // Large: read the graph only, skipping the weights' bytes.
                    self.status = Status::Busy(format!(
                        "Reading the graph of {name} ({}; the weights are skipped) …",
                        crate::fmt::bytes(size)
                    ));
                    ctx.link().send_future(async move {
                        match loading::read_graph(f.clone()).await {
                            Ok((g, read)) => Msg::Graph(name, g, f, read),
                            Err(e) => Msg::ReadFailed(e),
                        }
                    });
                    return true;
                }
                self.status = Status::Busy(format!("Reading {name} ({}) …", crate::fmt::bytes(size)));
                ctx.link().send_future(async move {
                    match loading::read_file(f).await {
                        Ok(b) => Msg::Bytes(name, b),
                        Err(e) => Msg::ReadFailed(e),
                    }
                });
            }
            Msg::Graph(name, bytes, file, read) => {
                self.timing.push(("read".into(), now()));
                self.read_note = Some(format!(
                    "Read {} of the {} file: the graph, not the weights.",
                    crate::fmt::bytes(read),
                    crate::fmt::bytes(file.size() as u64)
                ));
                self.start_parse(ctx, Source { name, bytes: Rc::new(bytes), file: Some(file) });
            }
            Msg::WhatIfFile(bytes) => {
                self.status = Status::Idle;
                if let Err(e) = crate::whatif::download_onnx(self, &bytes) {
                    self.status = Status::Error(format!("The substituted model could not be written: {e}"));
                }
            }
            Msg::Sample(s) => {
                self.timing = vec![("start".into(), now())];
                self.status = Status::Busy(format!("Fetching the bundled sample {s}.onnx …"));
                self.st.sample = Some(s.clone());
                self.st.model = None;
                self.st.file = None;
                ctx.link().send_future(async move {
                    match loading::fetch_sample(&s).await {
                        Ok(b) => Msg::Bytes(format!("{s}.onnx"), b),
                        Err(e) => Msg::ReadFailed(e),
                    }
                });
            }
            Msg::ReadFailed(e) => self.status = Status::Error(e),
            Msg::Bytes(name, bytes) => {
                self.timing.push(("read".into(), now()));
                self.read_note = None;
                self.start_parse(ctx, Source { name, bytes: Rc::new(bytes), file: None });
            }
            Msg::Parse => self.parse(),
            Msg::SetDim(k, v) => {
                if let Some(e) = self.dim_inputs.iter_mut().find(|(n, _)| *n == k) {
                    e.1 = v;
                }
                return true;
            }
            Msg::ApplyDims => {
                let mut dims = std::collections::BTreeMap::new();
                for (k, v) in &self.dim_inputs {
                    match mpclens::loader::parse_size(k, v) {
                        Ok(n) => {
                            dims.insert(k.clone(), n);
                        }
                        Err(e) => {
                            self.status = Status::Error(e);
                            return true;
                        }
                    }
                }
                self.st.dims = dims;
                self.reparse(ctx);
            }
            Msg::SetBatch(b) => {
                self.batch_input = b.clone();
                match mpclens::loader::parse_size("batch", &b) {
                    Ok(n) => {
                        self.st.batch = n;
                        self.sweep.clear();
                        self.reparse(ctx);
                    }
                    Err(e) => self.status = Status::Error(e),
                }
            }
            Msg::SetMode(m) => {
                self.st.mode = m;
                self.sweep.clear();
                self.reprofile();
            }
            Msg::SetSetting(fw, k, v) => {
                self.st.settings.entry(fw).or_default().insert(k, v);
                self.sweep.clear();
                self.reprofile();
            }
            Msg::SetView(v) => self.st.view = v,
            Msg::SetFramework(f) => self.st.framework = Some(f),
            Msg::SetCompare(f) => {
                self.st.compare = Some(f);
                self.compute_compare_alt();
            }
            Msg::SetNet(bw, rtt) => {
                if bw.is_finite() && bw > 0.0 {
                    self.st.bandwidth_mbps = bw;
                }
                if rtt.is_finite() && rtt > 0.0 {
                    self.st.rtt_ms = rtt;
                }
            }
            Msg::SetSearch(q) => self.st.search = q,
            Msg::Sort(c) => self.sort = if self.sort.0 == c { (c, !self.sort.1) } else { (c, true) },
            Msg::Select(n) => self.st.selected = Some(n),
            Msg::SetDepth(d) => self.st.depth = d,
            Msg::Export(k) => export::export(self, k),
            Msg::CopyLink => self.share_link(),
            Msg::DownloadStructure => {
                if let Some(src) = &self.source {
                    match mpclens::share::structure::skeleton(&src.bytes) {
                        Ok(b) => crate::export::download(
                            &format!("{}.structure.onnx", src.name.trim_end_matches(".onnx")),
                            "application/octet-stream",
                            &b,
                        ),
                        Err(e) => self.status = Status::Error(format!("The model structure could not be written: {e}")),
                    }
                }
            }
            Msg::Samples(s) => self.samples = s,
            Msg::Key(k) => {
                if k.key().eq_ignore_ascii_case("f") && !k.shift_key() {
                    if self.st.view != View::Layers && self.st.view != View::Model {
                        self.st.view = if self.has_costs() { View::Layers } else { View::Model };
                    }
                    focus_later("search");
                } else {
                    export::export(self, export::Kind::Json);
                    focus_later("export-json");
                }
            }
            Msg::Sweep => self.compute_sweep(),
            Msg::WhatIf(w) => {
                self.whatif = w;
                self.st.whatif = w.keys().into_iter().map(String::from).collect();
                self.whatif_result = crate::whatif::compute(self);
            }
            Msg::WhatIfDownload => match self.source.as_ref().and_then(|s| s.file.clone()) {
                // Only the graph is in memory: read the whole file for its weights.
                Some(f) => {
                    self.status = Status::Busy(format!("Reading {} to write the substituted model …", f.name()));
                    ctx.link().send_future(async move {
                        match loading::read_file(f).await {
                            Ok(b) => Msg::WhatIfFile(b),
                            Err(e) => Msg::ReadFailed(e),
                        }
                    });
                }
                None => {
                    let bytes = self.source.as_ref().map(|s| s.bytes.clone()).unwrap_or_default();
                    if let Err(e) = crate::whatif::download_onnx(self, &bytes) {
                        self.status = Status::Error(format!("The substituted model could not be written: {e}"));
                    }
                }
            },
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
        let ondrop = link.batch_callback(|e: DragEvent| {
            e.prevent_default();
            e.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)).map(Msg::File)
        });
        html! {
            <div class="app" {ondragover} {ondrop}>
                <header class="top">
                    <h1>{"mpclens"}</h1>
                    <p class="tagline">{"Communication cost of ONNX models under secure multi-party computation, layer by layer."}</p>
                    <p class="privacy" id="privacy">{"Your file never leaves this browser: it is read and analysed here, and nothing is uploaded."}</p>
                </header>
                { upload::view(self, ctx) }
                { self.status_view() }
                { if self.report.is_some() { self.main_view(ctx) } else { html!{} } }
            </div>
        }
    }
}

fn focus_later(id: &'static str) {
    gloo::timers::callback::Timeout::new(30, move || {
        if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) {
            if let Ok(h) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = h.focus();
            }
        }
    })
    .forget();
}

impl App {
    /// Puts the view state, and for a dropped file its structure, in the
    /// address bar's fragment.
    fn share_link(&mut self) {
        let mut note = String::new();
        self.st.model = None;
        self.st.file = None;
        if let (None, Some(src)) = (&self.st.sample, &self.source) {
            match mpclens::share::structure::encode(&src.bytes) {
                Ok(m) => {
                    self.st.model = Some(m);
                    self.st.file = Some(src.name.clone());
                }
                Err(e) => {
                    note = format!(
                        " The model could not be packed into the link ({e}); the recipient must drop the same file."
                    )
                }
            }
        }
        let Some(w) = web_sys::window() else { return };
        let frag = self.st.to_fragment();
        if frag.len() > mpclens::share::MAX_LINK_CHARS {
            self.st.model = None;
            let _ = w.location().set_hash(&self.st.to_fragment());
            self.link_note = Some(format!("The model is too large for a link ({} characters). The link restores the view; send the model structure file (below) with it.", frag.len()));
            return;
        }
        let _ = w.location().set_hash(&frag);
        let href = w.location().href().unwrap_or_default();
        // Best effort: the clipboard may be refused (no permission, no focus).
        let _ = w.navigator().clipboard().write_text(&href);
        let carried = if self.st.model.is_some() {
            " It carries the model's structure (operators, shapes, names; no weights)."
        } else {
            ""
        };
        let long = if href.len() > mpclens::share::CHAT_LINK_CHARS {
            " That is long for a chat message: you can send the model structure file (below) instead."
        } else {
            ""
        };
        self.link_note =
            Some(format!("Link copied and set in the address bar ({} characters).{carried}{long}{note}", href.len()));
    }

    pub fn has_costs(&self) -> bool {
        self.report.as_ref().is_some_and(|r| !r.frameworks.is_empty())
    }

    fn start_parse(&mut self, ctx: &Context<Self>, src: Source) {
        self.status = Status::Busy(format!("Parsing {} ({}) …", src.name, crate::fmt::bytes(src.bytes.len() as u64)));
        self.source = Some(src);
        self.report = None;
        self.graph = None;
        self.sweep.clear();
        self.st.dims = std::mem::take(&mut self.link_dims);
        self.dim_inputs = self.st.dims.iter().map(|(k, v)| (k.clone(), v.to_string())).collect();
        self.schedule_parse(ctx);
    }

    fn schedule_parse(&self, ctx: &Context<Self>) {
        // Let the browser paint the progress indicator before the heavy work.
        ctx.link().send_future(async {
            gloo::timers::future::TimeoutFuture::new(30).await;
            Msg::Parse
        });
    }

    fn reparse(&mut self, ctx: &Context<Self>) {
        if let Some(src) = &self.source {
            self.timing = vec![("start".into(), now()), ("read".into(), now())];
            self.status = Status::Busy(format!("Parsing {} …", src.name));
            self.schedule_parse(ctx);
        }
    }

    fn parse(&mut self) {
        let Some(src) = &self.source else { return };
        let opts = LoadOptions {
            file_name: src.name.clone(),
            batch: Some(self.st.batch),
            dims: self.st.dims.clone(),
            max_bytes: loading::MAX_BYTES,
        };
        match mpclens::load(&src.bytes, &opts) {
            Ok(g) => {
                self.timing.push(("parsed".into(), now()));
                self.graph = Some(Rc::new(g));
                self.status = Status::Idle;
                self.reprofile();
                self.timing.push(("profiled".into(), now()));
                if self.st.view == View::Model && self.has_costs() && self.st.sample.is_none() {
                    self.st.view = View::Overview;
                }
            }
            Err(LoadError::MissingDims(d)) => {
                for s in &d {
                    if !self.dim_inputs.iter().any(|(n, _)| *n == s.name) {
                        self.dim_inputs.push((s.name.clone(), "1".into()));
                    }
                }
                self.status = Status::Error(LoadError::MissingDims(d).to_string());
            }
            Err(e) => {
                self.status = Status::Error(e.to_string());
            }
        }
    }

    pub fn request(&self) -> ProfileRequest {
        ProfileRequest { frameworks: Vec::new(), mode: self.st.mode, settings: self.st.settings.clone() }
    }

    fn reprofile(&mut self) {
        let Some(g) = &self.graph else { return };
        match mpclens::profile(g, &self.request()) {
            Ok(r) => {
                if self.st.framework.as_ref().is_none_or(|f| !r.frameworks.iter().any(|x| &x.framework == f)) {
                    self.st.framework = r.frameworks.first().map(|f| f.framework.clone());
                }
                self.report = Some(Rc::new(r));
                self.whatif_result = crate::whatif::compute(self);
                self.compute_compare_alt();
            }
            Err(e) => self.status = Status::Error(format!("Profiling failed: {e}")),
        }
    }

    /// When B is `fw@key=value`: prices the model with that one setting changed.
    fn compute_compare_alt(&mut self) {
        self.compare_alt = None;
        let (Some(g), Some(c)) = (&self.graph, self.st.compare.clone()) else { return };
        let Some((fw, kv)) = c.split_once('@') else { return };
        let Some((k, v)) = kv.split_once('=') else { return };
        let mut req = self.request();
        req.frameworks = vec![fw.to_string()];
        req.settings.entry(fw.to_string()).or_default().insert(k.to_string(), v.to_string());
        match mpclens::profile(g, &req) {
            Ok(mut r) if !r.frameworks.is_empty() => self.compare_alt = Some(Rc::new((c, r.frameworks.remove(0)))),
            Ok(_) => {}
            Err(e) => self.status = Status::Error(format!("Cannot compare with {kv}: {e}")),
        }
    }

    fn compute_sweep(&mut self) {
        let Some(src) = &self.source else { return };
        self.sweep.clear();
        for b in [1u64, 2, 4, 8, 16, 32, 64] {
            let opts = LoadOptions {
                file_name: src.name.clone(),
                batch: Some(b),
                dims: self.st.dims.clone(),
                max_bytes: loading::MAX_BYTES,
            };
            let Ok(g) = mpclens::load(&src.bytes, &opts) else { continue };
            let Ok(r) = mpclens::profile(&g, &self.request()) else { continue };
            self.sweep
                .push((b, r.frameworks.iter().map(|f| (f.framework.clone(), f.total.bytes, f.total.rounds)).collect()));
        }
    }

    fn status_view(&self) -> Html {
        match &self.status {
            Status::Idle => html! {},
            Status::Busy(m) => html! {
                <div class="busy" role="status" aria-live="polite" id="progress">
                    <span class="spinner" aria-hidden="true"></span>{m.clone()}
                </div>
            },
            Status::Error(m) => html! { <div class="error" role="alert" id="error">{m.clone()}</div> },
        }
    }

    fn main_view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let tabs = View::ALL.iter().map(|v| {
            let v = *v;
            let sel = self.st.view == v;
            html! {
                <button role="tab" id={format!("tab-{}", v.key())} aria-selected={sel.to_string()}
                    class={classes!("tab", sel.then_some("active"))}
                    onclick={link.callback(move |_| Msg::SetView(v))}>{v.title()}</button>
            }
        });
        let body = match self.st.view {
            View::Model => model_view::view(self, ctx),
            View::Overview => overview::view(self, ctx),
            View::Layers => layers::view(self, ctx),
            View::Ops => layers::ops_view(self, ctx),
            View::Compare => layers::compare_view(self, ctx),
            View::Learn => layers::learn_view(self, ctx),
        };
        html! {
            <main>
                { controls::view(self, ctx) }
                <nav class="tabs" role="tablist" aria-label="Views">{ for tabs }</nav>
                <section class="panel" role="tabpanel" id="panel">{ body }</section>
                { export::view(self, ctx) }
            </main>
        }
    }
}
