//! The root component: owns the loaded model, the report and the view state.
//! Every view is a function of (report, view state); none computes a cost.

use crate::jobs::{Job, Reply, Setup};
use crate::state::{View, ViewState};
use crate::{controls, export, layers, loading, model_view, overview, upload};
use gloo::events::EventListener;
use mpclens::report::{Mode, Report};
use mpclens::Graph;
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
    /// What the link says about this model once it is shown: a bundled sample,
    /// or a file name (plus its structure when it came from a share link).
    pub sample: Option<String>,
    pub link_model: Option<String>,
}

pub use crate::jobs::Sweep;

pub enum Status {
    Idle,
    Busy(String),
    Error(String),
    /// A file the page could not open: plain words, then the loader's message.
    Bad(String, String),
}

pub enum Msg {
    File(web_sys::File),
    Sample(String),
    Bytes(String, Vec<u8>),
    /// A bundled sample's bytes: (sample name, bytes).
    SampleBytes(String, Vec<u8>),
    /// Draw the next stage of a newly shown model.
    Reveal,
    /// Read one framework's node rows of the shown report (see `App::rows_due`).
    ReadRows,
    /// What the compute worker answered (with a model's bytes when it read a file).
    Engine(Reply, Option<crate::bridge::Beside>),
    /// LLM generation: price the counts typed (`gen_inputs`).
    Generate,
    /// LLM generation's form as typed: (prompt tokens?, text); `true` for the prompt field.
    GenInput(bool, String),
    /// LLM generation's charts: log (`true`) or linear y axis.
    GenLog(bool),
    /// Graph view's zoom (None: fit the width, at most natural size).
    GraphZoom(Option<f64>),
    /// Flame view's horizontal magnification (a pinch or Ctrl + wheel).
    FlameScale(f64),
    /// Write the address bar now (a rewrite held back by `sync_url`'s rate limit).
    SyncUrl,
    /// (file name, message): reading failed; the current report stays.
    ReadFailed(String, String),
    /// A sample button or a drop: a new model, so search and what-ifs start afresh.
    PickSample(String),
    /// Files dropped anywhere on the window.
    Dropped(Vec<web_sys::File>),
    Dragging(bool),
    /// Back/Forward (or an edited address): the fragment to show.
    PopState(String),
    Parse,
    SetDim(String, String),
    ApplyDims,
    SetBatch(String),
    SetMode(Mode),
    SetSetting(String, String, String),
    SetView(View),
    SetFramework(String),
    SetCompare(String),
    /// Bandwidth (Mbit/s) and RTT (ms); `None` leaves one as it is (each field sends only its
    /// own: a value captured when the other field was last drawn could be stale).
    SetNet(Option<f64>, Option<f64>),
    SetSearch(String),
    Sort(&'static str),
    /// The window's inner width changed (charts follow it).
    Resize(f64),
    SetLog(bool),
    /// Zoom the flame view into a scope (None: the whole model).
    FlameZoom(Option<String>),
    SetExportChart(String),
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
    /// Graph view: select a box (node name or scope path).
    GraphSelect(String),
    /// Graph view: open a closed scope, or close an open one.
    GraphToggle(String),
    GraphMetric(mpclens::dataflow::Metric),
    /// Graph view: `true` closes every scope, `false` restores the default opening.
    GraphReset(bool),
    /// Presentation mode on a screen (None: leave it).
    Present(Option<usize>),
    /// A key pressed while presenting (arrows, Page Up/Down, Home/End, Escape).
    PresentKey(String),
}

pub struct App {
    pub status: Status,
    pub source: Option<Source>,
    pub graph: Option<Rc<Graph>>,
    pub report: Option<Rc<Report>>,
    pub st: ViewState,
    /// Dims the model needs, as typed (kept on error).
    pub dim_inputs: Vec<(String, String)>,
    /// What a symbolic dim stands for, when the core knows (a KV cache's past length …).
    pub dim_roles: std::collections::BTreeMap<String, String>,
    pub batch_input: String,
    pub samples: Vec<String>,
    /// Where the core runs (a web worker; the page itself without one).
    bridge: crate::bridge::Bridge,
    /// The worker's memory after the last load, and its milliseconds: parse, price (with the
    /// summary's first look), node rows' messages, the summary's what-ifs.
    pub worker_memory: u64,
    pub worker_ms: (f64, f64, f64, f64),
    /// Counts the reports shown: what is drawn from a report (node table, graph layout) is
    /// keyed by it, so the what-if savings arriving later redraw only the summary.
    pub report_no: u64,
    /// The shown report's what-if savings are still being priced (its summary has none yet).
    pub summary_pending: bool,
    /// A dropped model's structure in link form, from the worker: (file name, link text).
    structure_link: Option<(String, String)>,
    /// The substituted model is being written (the page is busy until it downloads).
    writing: bool,
    /// Marks to set once the next drawing is done (`App::rendered`).
    drawn_marks: Vec<&'static str>,
    /// How much of a newly shown model is drawn: the summary (0), then the controls and tabs
    /// (1), the open view (2), generation and exports (`STAGES`), one task apart, so the first
    /// drawing (and the browser compiling the view code on first use) never holds the page long.
    pub stage: u8,
    /// Parts of a report on their way from the worker (see [`Reply::Nodes`]): the graph, and
    /// each framework's node rows as the worker encoded them.
    incoming_graph: Option<Box<Graph>>,
    /// The shown report's graph has not come yet (it follows the report).
    graph_due: bool,
    incoming_nodes: Vec<(usize, crate::bridge::Beside)>,
    /// The shown report's node rows not read yet (`Msg::ReadRows` reads one framework's per
    /// task, after the report is drawn; the per-layer views say so meanwhile).
    rows_due: Vec<(usize, crate::bridge::Beside)>,
    /// A large file whose graph the worker is reading: (name, file).
    reading: Option<(String, web_sys::File)>,
    /// Long work's progress, (done, of), while `status` is busy.
    pub progress: Option<(u32, u32)>,
    /// The open model is a decoder: its axes (the generation section shows).
    pub decoder: Option<Rc<mpclens::generation::DecoderAxes>>,
    /// The last generation priced (or why not), and whether one is under way.
    pub generation: Option<Rc<Result<mpclens::generation::Generation, String>>>,
    /// The generation form as typed: (prompt tokens, new tokens); what was priced is `st.generation`.
    pub gen_inputs: (String, String),
    pub generating: bool,
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
    /// A model read but not shown yet (parsing, or waiting for dims): the
    /// current report stays until it loads.
    pub pending: Option<Source>,
    pending_dims: std::collections::BTreeMap<String, u64>,
    /// The pending model was picked by the user (not restored from a link):
    /// search, what-ifs, selection and sorting start afresh when it loads.
    reset_on_load: bool,
    /// A file is being dragged over the window.
    pub dragging: bool,
    /// The fragment last written to (or read from) the address bar.
    last_frag: String,
    /// Window inner width in CSS pixels.
    pub vw: f64,
    /// Showing a state read from the address (a link, Back/Forward): the
    /// address is rewritten, not pushed, until its model is shown.
    restoring: bool,
    /// Several files dropped at once: which one was opened.
    pub drop_note: Option<String>,
    /// The flame view's horizontal magnification (1: the chart's width); back to 1 when
    /// its zoomed scope changes.
    pub flame_scale: f64,
    /// The chart the SVG/PNG buttons export (id).
    pub export_chart: Option<String>,
    /// Graph view (its zoom, open scopes and metric are in `st`): the scopes the model opens
    /// by default (the worker's choice, where a toggle starts from), the selected box, and the
    /// layout drawn (with what it was made from).
    graph_default_open: Option<std::collections::BTreeSet<String>>,
    pub graph_focus: Option<String>,
    pub graph_layout: Option<Rc<mpclens::dataflow::Layout>>,
    /// Where each framework is fastest over bandwidth × RTT (from the summary's totals).
    pub fastest: Option<Rc<mpclens::crossover::FastestMap>>,
    graph_key: Option<GraphKey>,
    /// Presentation mode's screen; `presenting` tells the window's key listener.
    pub present: Option<usize>,
    presenting: Rc<std::cell::Cell<bool>>,
    /// When the address bar was last rewritten, and whether a held-back rewrite is due.
    url_written: f64,
    url_due: bool,
    /// The rewrite held back meanwhile: written at once when the page is hidden or left.
    url_held: crate::address::Held,
    _listeners: Vec<EventListener>,
}

/// What a graph layout depends on: (report, framework, metric, log, open scopes).
type GraphKey = (u64, Option<String>, mpclens::dataflow::Metric, bool, Option<std::collections::BTreeSet<String>>);

/// The address bar is rewritten at most this often (see `App::sync_url`).
const URL_EVERY_MS: f64 = 250.0;

/// The flame view's largest magnification.
pub const FLAME_SCALE_MAX: f64 = 64.0;

/// The generation form's text for the counts a view state names (the defaults without).
fn gen_inputs_of(g: Option<(u64, u64)>) -> (String, String) {
    let (p, t) = g.unwrap_or((mpclens::generation::DEFAULT_PROMPT, 8));
    (p.to_string(), t.to_string())
}

/// The last drawing stage of a new model (see `App::stage`).
const STAGES: u8 = 3;

/// The next drawing stage, in a task of its own (after this one has drawn).
fn reveal_later(ctx: &Context<App>) {
    ctx.link().send_future(async {
        gloo::timers::future::TimeoutFuture::new(0).await;
        Msg::Reveal
    });
}

/// The next framework's node rows, in a task of their own (after this one has drawn).
fn read_rows_later(ctx: &Context<App>) {
    ctx.link().send_future(async {
        gloo::timers::future::TimeoutFuture::new(0).await;
        Msg::ReadRows
    });
}

pub fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// A performance mark (`mpclens:…`) on the page's timeline, for the e2e figures and the
/// browser's profiler.
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(&format!("mpclens:{name}"));
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        crate::panic::debug_flag();
        // The address's state, or the newer one a reload within 250 ms of a change would lose.
        let frag = crate::address::restore();
        let (st, status) = match ViewState::from_fragment(&frag) {
            // A bad setting, batch or dim was reset: the link opens and says what changed.
            Ok(st) if !st.notes.is_empty() => {
                let notes = st.notes.join(" ");
                (st, Status::Error(notes))
            }
            Ok(st) => (st, Status::Idle),
            Err(e) => (ViewState::default(), Status::Error(damaged_link(&e))),
        };
        ctx.link().send_future(async move { Msg::Samples(loading::sample_list().await) });
        let mut status = status;
        if let Some(e) = open_model_of(ctx, &st) {
            status = Status::Error(e);
        }
        let kl = ctx.link().callback(Msg::Key);
        let pk = ctx.link().callback(Msg::PresentKey);
        let presenting = Rc::new(std::cell::Cell::new(false));
        let on_stage = presenting.clone();
        let keys = web_sys::window().map(|w| {
            let opts = gloo::events::EventListenerOptions::enable_prevent_default();
            EventListener::new_with_options(&w, "keydown", opts, move |e| {
                if let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() {
                    const STEP_KEYS: [&str; 7] =
                        ["ArrowRight", "ArrowLeft", "PageDown", "PageUp", "Home", "End", "Escape"];
                    if on_stage.get() && STEP_KEYS.contains(&k.key().as_str()) {
                        k.prevent_default();
                        pk.emit(k.key());
                        return;
                    }
                    let key = k.key().to_ascii_lowercase();
                    let m = k.ctrl_key() || k.meta_key();
                    if m && (key == "f" || (k.shift_key() && key == "e")) {
                        k.prevent_default();
                        kl.emit(k.clone());
                    }
                }
            })
        });
        let mut listeners: Vec<EventListener> = keys.into_iter().collect();
        listeners.extend(window_listeners(ctx));
        let url_held = crate::address::Held::default();
        listeners.extend(url_held.listeners());
        let batch_input = st.batch.to_string();
        let st_dims = st.dims.clone();
        let st_wi = st.whatif.clone();
        let st_sort = st.sort.clone();
        let st_gen = st.generation;
        let dim_inputs = st.dims.iter().map(|(k, v)| (k.clone(), v.to_string())).collect();
        App {
            status,
            source: None,
            graph: None,
            report: None,
            st,
            dim_inputs,
            dim_roles: Default::default(),
            batch_input,
            samples: Vec::new(),
            bridge: crate::bridge::Bridge::start(ctx.link().callback(|(r, b)| Msg::Engine(r, b))),
            reading: None,
            incoming_graph: None,
            graph_due: false,
            stage: STAGES,
            worker_memory: 0,
            worker_ms: (0.0, 0.0, 0.0, 0.0),
            report_no: 0,
            summary_pending: false,
            structure_link: None,
            drawn_marks: Vec::new(),
            writing: false,
            incoming_nodes: Vec::new(),
            rows_due: Vec::new(),
            progress: None,
            decoder: None,
            generation: None,
            gen_inputs: gen_inputs_of(st_gen),
            generating: false,
            sort: sort_of(&st_sort),
            timing: Vec::new(),
            link_note: None,
            read_note: None,
            sweep: Vec::new(),
            whatif: crate::whatif::WhatIf::parse(&st_wi.join(",")).unwrap_or_default(),
            whatif_result: None,
            compare_alt: None,
            link_dims: st_dims,
            pending: None,
            pending_dims: Default::default(),
            reset_on_load: false,
            dragging: false,
            last_frag: frag.trim_start_matches('#').to_string(),
            vw: inner_width(),
            restoring: true,
            flame_scale: 1.0,
            drop_note: None,
            export_chart: None,
            graph_default_open: None,
            graph_focus: None,
            graph_layout: None,
            fastest: None,
            graph_key: None,
            present: None,
            presenting,
            url_written: 0.0,
            url_due: false,
            url_held,
            _listeners: listeners,
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        let redraw = self.reduce(ctx, msg);
        self.refresh_graph();
        self.sync_url(ctx);
        if self.pending.is_none() && !matches!(self.status, Status::Busy(_)) {
            self.restoring = false;
        }
        redraw
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first: bool) {
        for m in self.drawn_marks.drain(..) {
            mark(m);
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        if let (Some(step), Some(r)) = (self.present, &self.report) {
            let link = ctx.link();
            return html! {
                <div class="app present-mode">
                    <main>
                        <crate::present::Present report={r.clone()} map={self.fastest.clone()} framework={self.st.framework.clone()} pending={self.summary_pending}
                            step={step} width={(self.vw - 80.0).clamp(300.0, 900.0)}
                            on_step={link.callback(|s| Msg::Present(Some(s)))} on_exit={link.callback(|_| Msg::Present(None))} />
                    </main>
                </div>
            };
        }
        html! {
            <div class={classes!("app", self.report.is_some().then_some("loaded"))}>
                if self.dragging {
                    <div class="drop-overlay" id="drop-overlay" aria-hidden="true"><p>{"Drop the .onnx file to open it here"}</p></div>
                }
                <header class="top">
                    <h1>{"mpclens"}</h1>
                    <p class="tagline">{"Communication cost of ONNX models under secure multi-party computation, layer by layer."}</p>
                    <p class="privacy" id="privacy">{"Your file never leaves this browser: it is read and analysed here, and nothing is uploaded."}</p>
                </header>
                <main>
                    { upload::view(self, ctx) }
                    { self.status_view() }
                    { if self.report.is_some() { self.main_view(ctx) } else { html!{} } }
                </main>
            </div>
        }
    }
}

/// Starts loading the model a view state names (sample, link structure, or a
/// dropped file kept for this tab). An error message when it cannot.
fn open_model_of(ctx: &Context<App>, st: &ViewState) -> Option<String> {
    let link = ctx.link();
    if let Some(s) = st.sample.clone() {
        link.send_message(Msg::Sample(s));
    } else if let Some(m) = &st.model {
        // The link carries the model's structure: decoded here, then loaded
        // like a dropped file (the loader's checks apply to it as well).
        match mpclens::share::structure::decode(m) {
            Ok(b) => link.send_message(Msg::Bytes(st.file.clone().unwrap_or_else(|| "shared-model.onnx".into()), b)),
            Err(e) => {
                return Some(format!("This share link's model could not be opened: {e}. Nothing else was changed."))
            }
        }
    } else if let Some(f) = &st.file {
        match crate::session::load(f) {
            Some(b) => link.send_message(Msg::Bytes(f.clone(), b)),
            None => {
                return Some(format!(
                    "The model {f} of this address is not kept in this tab any more: drop the file again to see it."
                ))
            }
        }
    }
    None
}

/// The table sort a link names (`bytes` descending when none or unknown).
fn sort_of(s: &Option<(String, bool)>) -> (&'static str, bool) {
    const COLS: [&str; 6] = ["bytes", "name", "op", "rounds", "online", "offline"];
    match s {
        Some((c, desc)) => (COLS.iter().find(|x| **x == c.as_str()).copied().unwrap_or("bytes"), *desc),
        None => ("bytes", true),
    }
}

pub fn inner_width() -> f64 {
    web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|v| v.as_f64()).unwrap_or(1300.0)
}

fn damaged_link(e: &str) -> String {
    format!("This link is damaged, so it was ignored: {e}. Check that it was copied whole.")
}

/// Whole-window drag and drop (with a highlight while dragging), window size
/// and Back/Forward.
fn window_listeners(ctx: &Context<App>) -> Vec<EventListener> {
    let Some(w) = web_sys::window() else { return Vec::new() };
    let opts = gloo::events::EventListenerOptions::enable_prevent_default();
    let over = Rc::new(std::cell::Cell::new(false));
    let (o1, o2, o3) = (over.clone(), over.clone(), over);
    let (d1, d2, d3) =
        (ctx.link().callback(Msg::Dragging), ctx.link().callback(Msg::Dragging), ctx.link().callback(Msg::Dropped));
    let pop = ctx.link().callback(Msg::PopState);
    let resize = ctx.link().callback(Msg::Resize);
    vec![
        EventListener::new_with_options(&w, "dragover", opts, move |e| {
            e.prevent_default();
            if !o1.replace(true) {
                d1.emit(true);
            }
        }),
        EventListener::new_with_options(&w, "dragleave", opts, move |e| {
            // Leaving the window: the event has no element it enters.
            let leaves = e.dyn_ref::<web_sys::DragEvent>().is_some_and(|d| d.related_target().is_none());
            if leaves && o2.replace(false) {
                d2.emit(false);
            }
        }),
        EventListener::new_with_options(&w, "drop", opts, move |e| {
            e.prevent_default();
            o3.set(false);
            let files = e.dyn_ref::<web_sys::DragEvent>().and_then(|d| d.data_transfer()).and_then(|d| d.files());
            let files = files.map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect()).unwrap_or_default();
            d3.emit(files);
        }),
        EventListener::new(&w, "resize", move |_| resize.emit(inner_width())),
        EventListener::new(&w, "popstate", move |_| {
            let frag = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
            pop.emit(frag);
        }),
    ]
}

impl App {
    /// The one place messages change the state.
    fn reduce(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Dragging(on) => self.dragging = on,
            Msg::Dropped(files) => {
                self.dragging = false;
                let n = files.len();
                let pick = files.iter().find(|f| f.name().to_ascii_lowercase().ends_with(".onnx")).or(files.first());
                let Some(f) = pick.cloned() else { return true };
                let note =
                    (n > 1).then(|| format!("{n} files were dropped; {} was opened (one model at a time).", f.name()));
                let redraw = self.reduce(ctx, Msg::File(f));
                self.drop_note = note;
                return redraw;
            }
            Msg::PopState(frag) => self.pop_state(ctx, frag),
            Msg::PickSample(s) => {
                self.reset_on_load = true;
                return self.reduce(ctx, Msg::Sample(s));
            }
            Msg::File(f) => {
                let name = f.name();
                let size = f.size() as u64;
                self.timing = vec![("start".into(), now())];
                mark("file");
                self.reset_on_load = true;
                self.drop_note = None;
                if size >= loading::SPARSE_FROM {
                    // Large: read the graph only, skipping the weights' bytes; the worker opens
                    // it as soon as it is read (the dims a link gave, as `start_parse` takes them).
                    self.status = Status::Busy(format!(
                        "Reading the graph of {name} ({}; the weights are skipped) …",
                        crate::fmt::bytes(size)
                    ));
                    let job =
                        Job::ReadGraph { batch: self.st.batch, dims: self.link_dims.clone(), setup: self.setup() };
                    self.bridge.send(job, None, Some(f.clone()));
                    self.reading = Some((name, f));
                    return true;
                }
                self.status = Status::Busy(format!("Reading {name} ({}) …", crate::fmt::bytes(size)));
                ctx.link().send_future(async move {
                    match loading::read_file(f).await {
                        Ok(b) => Msg::Bytes(name, b),
                        Err(e) => Msg::ReadFailed(name, e),
                    }
                });
            }
            Msg::Engine(reply, bytes) => return self.on_reply(ctx, reply, bytes),
            Msg::ReadRows => return self.read_rows(ctx),
            Msg::Reveal => {
                self.stage = (self.stage + 1).min(STAGES);
                if self.stage == 2 {
                    self.drawn_marks.push("view-drawn");
                }
                if self.stage < STAGES {
                    reveal_later(ctx);
                }
            }
            Msg::Generate => {
                let (prompt, tokens) = &self.gen_inputs;
                let counts = mpclens::generation::parse_count("prompt-len", prompt)
                    .and_then(|n| mpclens::generation::parse_count("gen-tokens", tokens).map(|t| (n, t)));
                match counts {
                    Ok(c) => {
                        self.st.generation = Some(c);
                        self.ask_generation();
                    }
                    Err(e) => self.generation = Some(Rc::new(Err(e))),
                }
            }
            Msg::GenInput(prompt, text) => {
                if prompt {
                    self.gen_inputs.0 = text
                } else {
                    self.gen_inputs.1 = text
                }
            }
            Msg::GenLog(on) => self.st.generation_log = Some(on),
            Msg::GraphZoom(z) => self.st.graph_zoom = z,
            Msg::FlameScale(s) => self.flame_scale = s.clamp(1.0, FLAME_SCALE_MAX),
            Msg::SyncUrl => {
                self.url_due = false;
                return false;
            }
            Msg::Sample(s) => {
                self.timing = vec![("start".into(), now())];
                self.status = Status::Busy(format!("Fetching the bundled sample {s}.onnx …"));
                ctx.link().send_future(async move {
                    match loading::fetch_sample(&s).await {
                        Ok(b) => Msg::SampleBytes(s, b),
                        Err(e) => Msg::ReadFailed(format!("{s}.onnx"), e),
                    }
                });
            }
            Msg::SampleBytes(s, bytes) => {
                self.timing.push(("read".into(), now()));
                self.read_note = None;
                let name = format!("{s}.onnx");
                self.start_parse(
                    ctx,
                    Source { name, bytes: Rc::new(bytes), file: None, sample: Some(s), link_model: None },
                );
            }
            Msg::ReadFailed(name, e) => {
                let (head, detail) = crate::errors::plain(&name, &[], &e);
                self.status = Status::Bad(self.kept(head), detail);
            }
            Msg::Bytes(name, bytes) => {
                self.timing.push(("read".into(), now()));
                self.read_note = None;
                let link_model = self.st.model.clone().filter(|_| self.st.file.as_deref() == Some(name.as_str()));
                self.start_parse(ctx, Source { name, bytes: Rc::new(bytes), file: None, sample: None, link_model });
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
                if self.pending.is_some() {
                    self.pending_dims = dims;
                } else {
                    self.st.dims = dims;
                }
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
                if let Some(bw) = bw.filter(|b| b.is_finite() && *b > 0.0) {
                    self.st.bandwidth_mbps = bw;
                }
                if let Some(rtt) = rtt.filter(|r| r.is_finite() && *r > 0.0) {
                    self.st.rtt_ms = rtt;
                }
                // The summary's times use this network.
                self.reprofile();
            }
            Msg::SetSearch(q) => self.st.search = q,
            Msg::Sort(c) => {
                self.sort = if self.sort.0 == c { (c, !self.sort.1) } else { (c, true) };
                self.st.sort = Some((c.to_string(), self.sort.1));
            }
            Msg::Resize(w) => self.vw = w,
            Msg::SetLog(on) => self.st.log = Some(on),
            Msg::SetExportChart(c) => self.export_chart = Some(c),
            Msg::FlameZoom(z) => {
                // Zooming into the zoomed cell again zooms out to its parent.
                self.st.flame = if z.is_some() && z == self.st.flame {
                    z.and_then(|l| l.rsplit_once('/').map(|p| p.0.to_string()))
                } else {
                    z
                };
                self.flame_scale = 1.0;
            }
            Msg::Select(n) => self.st.selected = Some(n),
            Msg::SetDepth(d) => self.st.depth = d,
            Msg::Export(k) => match k.in_worker() {
                Some(what) => self.bridge.send(Job::Export { what, whatif: Vec::new() }, None, None),
                None => export::export(self, k),
            },
            Msg::CopyLink => self.share_link(ctx),
            Msg::DownloadStructure => {
                if self.source.is_some() {
                    self.bridge.send(
                        Job::Export { what: crate::jobs::Export::Structure, whatif: Vec::new() },
                        None,
                        None,
                    );
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
                    self.reduce(ctx, Msg::Export(export::Kind::Json));
                    focus_later("export-json");
                }
            }
            Msg::Sweep => {
                self.status = Status::Busy("Batch sweep …".into());
                self.bridge.send(Job::Sweep { setup: self.setup() }, None, None);
            }
            Msg::GraphSelect(id) => {
                let node = self
                    .graph_layout
                    .as_ref()
                    .and_then(|l| l.units.iter().find(|u| u.id == id))
                    .is_some_and(|u| !u.scope);
                if node {
                    // The Learn view explains the same node.
                    self.st.selected = Some(id.clone());
                }
                self.graph_focus = Some(id);
            }
            Msg::GraphToggle(path) => {
                let default = &self.graph_default_open;
                let open = self.st.graph_open.get_or_insert_with(|| default.clone().unwrap_or_default());
                if open.remove(&path) {
                    // Closing a scope closes what is inside it; its box takes the selection.
                    let inner = format!("{path}/");
                    open.retain(|s| !s.starts_with(&inner));
                    self.graph_focus = Some(path);
                } else {
                    open.insert(path);
                }
            }
            Msg::GraphMetric(m) => self.st.graph_metric = m,
            Msg::Present(step) => {
                self.present = step.map(|s| s.min(crate::present::STEPS - 1));
                self.presenting.set(self.present.is_some());
                if step.is_none() {
                    focus_later("present-start");
                }
            }
            Msg::PresentKey(k) => {
                let Some(at) = self.present else { return false };
                let to = match k.as_str() {
                    "ArrowRight" | "PageDown" => Some((at + 1).min(crate::present::STEPS - 1)),
                    "ArrowLeft" | "PageUp" => Some(at.saturating_sub(1)),
                    "Home" => Some(0),
                    "End" => Some(crate::present::STEPS - 1),
                    _ => None,
                };
                return self.reduce(ctx, Msg::Present(to));
            }
            Msg::GraphReset(all) => {
                self.st.graph_open = if all { Some(Default::default()) } else { None };
                self.graph_focus = None;
            }
            Msg::WhatIf(w) => {
                self.whatif = w;
                self.st.whatif = w.keys().into_iter().map(String::from).collect();
                self.ask_whatif();
            }
            Msg::WhatIfDownload => {
                // Written in the worker; only a large file's graph is open there, so the file
                // goes along for its weights.
                let file = self.source.as_ref().and_then(|s| s.file.clone());
                self.status = Status::Busy(match &file {
                    Some(f) => format!("Reading {} to write the substituted model …", f.name()),
                    None => "Writing the substituted model …".into(),
                });
                self.writing = true;
                let whatif = self.whatif.keys().into_iter().map(String::from).collect();
                self.bridge.send(Job::Export { what: crate::jobs::Export::WhatIfOnnx, whatif }, None, file);
            }
        }
        true
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
    fn share_link(&mut self, ctx: &Context<Self>) {
        // The link is read from the address bar right after: written now, not held back.
        self.url_written = f64::NEG_INFINITY;
        let mut note = String::new();
        self.st.model = None;
        if let (None, Some(src)) = (&self.st.sample, &self.source) {
            // The worker's link form when it came (a large model's takes long to compress).
            let made = self.structure_link.as_ref().filter(|(n, _)| *n == src.name).map(|(_, l)| Ok(l.clone()));
            match made.unwrap_or_else(|| mpclens::share::structure::encode(&src.bytes)) {
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
            self.url_written = f64::NEG_INFINITY;
            self.sync_url(ctx);
            self.link_note = Some(format!("The model is too large for a link ({} characters). The link restores the view; send the model structure file (below) with it.", frag.len()));
            return;
        }
        self.sync_url(ctx);
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

    /// Charts are drawn at the content column's width, in CSS pixels.
    pub fn chart_opts(&self) -> crate::charts::Opts {
        crate::charts::Opts {
            width: (self.vw.min(1400.0) - if self.vw < 700.0 { 20.0 } else { 40.0 }).max(260.0),
            log: self.log_on(),
        }
    }

    /// The log scale as chosen, else on when the frameworks' totals span more than two orders of
    /// magnitude (a linear scale would leave most bars as slivers).
    pub fn log_on(&self) -> bool {
        self.st.log.unwrap_or_else(|| self.report.as_ref().is_some_and(|r| r.totals_span_two_orders()))
    }

    pub fn has_costs(&self) -> bool {
        self.report.as_ref().is_some_and(|r| !r.frameworks.is_empty())
    }

    fn start_parse(&mut self, ctx: &Context<Self>, src: Source) {
        self.set_pending(src);
        self.schedule_parse(ctx);
    }

    /// `src` is the model being loaded (the worker is asked by the caller).
    fn set_pending(&mut self, src: Source) {
        self.status = Status::Busy(format!("Parsing {} ({}) …", src.name, crate::fmt::bytes(src.bytes.len() as u64)));
        self.pending = Some(src);
        self.pending_dims = std::mem::take(&mut self.link_dims);
        self.dim_inputs = self.pending_dims.iter().map(|(k, v)| (k.clone(), v.to_string())).collect();
        self.dim_roles.clear();
    }

    fn schedule_parse(&self, ctx: &Context<Self>) {
        // The work runs in the worker: the page draws the progress meanwhile.
        ctx.link().send_message(Msg::Parse);
    }

    fn reparse(&mut self, ctx: &Context<Self>) {
        if let Some(src) = self.pending.as_ref().or(self.source.as_ref()) {
            self.timing = vec![("start".into(), now()), ("read".into(), now())];
            self.status = Status::Busy(format!("Parsing {} …", src.name));
            self.schedule_parse(ctx);
        }
    }

    /// `head`, plus what stays on screen when there is a report.
    fn kept(&self, head: String) -> String {
        match &self.report {
            Some(r) => format!("{head} The report below is still the one of {}.", r.model.file),
            None => head,
        }
    }

    /// Asks the worker to load the pending model (or to reload the shown one with new
    /// batch/dims); [`App::on_reply`] takes the answer. On failure the report on screen stays.
    fn parse(&mut self) {
        let fresh = self.pending.is_some();
        let Some(src) = self.pending.as_ref().or(self.source.as_ref()) else { return };
        let dims = if fresh { self.pending_dims.clone() } else { self.st.dims.clone() };
        // A dropped model's link form is made in the worker, after its report.
        let link = fresh && src.sample.is_none();
        let job = Job::Open { name: src.name.clone(), batch: self.st.batch, dims, setup: self.setup(), link };
        self.bridge.send(job, Some(src.bytes.clone()), None);
    }

    /// The one place the worker's answers change the state.
    fn on_reply(&mut self, ctx: &Context<Self>, reply: Reply, bytes: Option<crate::bridge::Beside>) -> bool {
        match reply {
            Reply::Progress(text, step) => {
                self.status = Status::Busy(text);
                self.progress = step;
                return true;
            }
            Reply::GraphRead { read, reads, ms } => {
                let Some((name, file)) = self.reading.take() else { return false };
                mark("read");
                self.timing.push(("read".into(), now()));
                self.read_note = Some(format!(
                    "Read {} of the {} file in {reads} reads ({}): the graph, not the weights.",
                    crate::fmt::bytes(read),
                    crate::fmt::bytes(file.size() as u64),
                    crate::fmt::seconds(ms / 1e3)
                ));
                let bytes = Rc::new(bytes.map(crate::bridge::Beside::into_vec).unwrap_or_default());
                // The worker goes on to open it (`Job::ReadGraph`).
                self.set_pending(Source { name, bytes, file: Some(file), sample: None, link_model: None });
                return true;
            }
            Reply::ReadFailed(e) => {
                let name = self.reading.take().map(|r| r.0).unwrap_or_default();
                return self.reduce(ctx, Msg::ReadFailed(name, e));
            }
            Reply::Graph(g) => {
                // It follows the report it belongs to (`Reply::Loaded` waits for it otherwise).
                if self.graph_due {
                    self.graph_due = false;
                    self.graph = Some(Rc::new(*g));
                    return true;
                }
                self.incoming_graph = Some(g);
                return false;
            }
            Reply::Nodes(i) => {
                self.incoming_nodes.extend(bytes.map(|b| (i, b)));
                return false;
            }
            Reply::Loaded { report, fastest, decoder, ms, memory } => {
                mark("loaded");
                self.worker_memory = memory;
                self.worker_ms = (ms.0, ms.1, ms.2, 0.0);
                self.timing.push(("parsed".into(), now() - ms.1 - ms.2));
                let dims = if self.pending.is_some() { self.pending_dims.clone() } else { self.st.dims.clone() };
                if let Some(src) = self.pending.take() {
                    self.commit(src, dims);
                    self.stage = 0;
                    reveal_later(ctx);
                }
                self.decoder = decoder.map(Rc::new);
                self.graph = self.incoming_graph.take().map(|g| Rc::new(*g));
                self.graph_due = self.graph.is_none();
                self.status = Status::Idle;
                self.progress = None;
                self.show_report(*report, *fastest);
                read_rows_later(ctx);
                self.timing.push(("profiled".into(), now()));
                if self.st.view == View::Model && self.has_costs() && self.st.sample.is_none() {
                    self.st.view = View::Overview;
                }
            }
            Reply::NeedDims { message, dims } => {
                self.progress = None;
                for (name, what, value) in dims {
                    if !self.dim_inputs.iter().any(|(n, _)| *n == name) {
                        self.dim_inputs.push((name.clone(), value.to_string()));
                    }
                    if let Some(w) = what {
                        self.dim_roles.insert(name, w);
                    }
                }
                self.status = Status::Error(message);
            }
            Reply::Bad { head, detail } => {
                self.progress = None;
                let fresh = self.pending.take().is_some();
                if !fresh {
                    // The shown model failed with new batch/dims: nothing valid to show.
                    self.report = None;
                    self.graph = None;
                }
                self.status = Status::Bad(self.kept(head), detail);
            }
            Reply::Profiled { report, fastest } => {
                self.status = Status::Idle;
                self.progress = None;
                self.show_report(*report, *fastest);
                read_rows_later(ctx);
            }
            Reply::Summary(summary, ms) => {
                mark("summary");
                self.drawn_marks.push("summary-drawn");
                let Some(r) = &self.report else { return false };
                // A new report with the same rows: views keyed by `report_no` are not redrawn.
                let mut r = Report::clone(r);
                r.summary = Some(*summary);
                self.report = Some(Rc::new(r));
                self.summary_pending = false;
                self.worker_ms.3 = ms;
                if !self.timing.iter().any(|(n, _)| n == "summary") {
                    self.timing.push(("summary".into(), now()));
                }
            }
            Reply::Structure { name, link, ms: _ } => {
                let dropped = self.source.as_ref().is_some_and(|s| s.name == name && s.sample.is_none());
                if let (true, Ok(link)) = (dropped, link) {
                    crate::session::store_link(&name, &link);
                    self.structure_link = Some((name, link));
                }
                return false;
            }
            Reply::Failed(e) => {
                self.progress = None;
                self.generating = false;
                self.status = Status::Error(e);
            }
            Reply::WhatIf(r) => self.whatif_result = r,
            Reply::Compared(Ok(c)) => self.compare_alt = Some(Rc::new(*c)),
            Reply::Compared(Err(e)) => self.status = Status::Error(e),
            Reply::Sweep(s) => {
                self.status = Status::Idle;
                self.progress = None;
                self.sweep = s;
            }
            Reply::Laid(l) => {
                if self.st.graph_open.is_none() {
                    self.graph_default_open = Some(l.open.iter().cloned().collect());
                }
                self.graph_layout = Some(Rc::new(*l));
            }
            Reply::Exported(made) => {
                // Only the busy line (a substituted model) or an error changes the page.
                let was_writing = std::mem::take(&mut self.writing);
                if was_writing {
                    self.status = Status::Idle;
                }
                return match made {
                    Ok((name, mime)) => {
                        // The worker's array goes to the download's `Blob` as is.
                        let data = bytes.map_or_else(|| js_sys::Uint8Array::new_with_length(0), |b| b.to_js());
                        export::download_array(&name, &mime, &data);
                        was_writing
                    }
                    Err(e) => {
                        self.status = Status::Error(e);
                        true
                    }
                };
            }
            Reply::Generated(g) => {
                self.status = Status::Idle;
                self.progress = None;
                self.generating = false;
                self.generation = Some(Rc::new(g.map(|g| *g)));
            }
        }
        true
    }

    /// The pending model becomes the shown one.
    fn commit(&mut self, src: Source, dims: std::collections::BTreeMap<String, u64>) {
        self.st.sample = src.sample.clone();
        self.st.file = src.sample.is_none().then(|| src.name.clone());
        self.st.model = src.link_model.clone();
        self.st.dims = dims;
        self.sweep.clear();
        self.generation = None;
        self.flame_scale = 1.0;
        self.graph_default_open = None;
        self.graph_focus = None;
        // Its own link form follows from the worker (`Reply::Structure`).
        self.structure_link = None;
        if std::mem::take(&mut self.reset_on_load) {
            self.st.search.clear();
            self.st.selected = None;
            self.st.compare = None;
            self.st.whatif.clear();
            self.whatif = Default::default();
            self.sort = ("bytes", true);
            self.st.sort = None;
            self.link_note = None;
            // Zoom, open scopes and generation counts belong to the model they were set on.
            self.st.graph_zoom = None;
            self.st.graph_open = None;
            self.st.flame = None;
            self.st.generation = None;
            self.st.generation_log = None;
            self.gen_inputs = gen_inputs_of(None);
        }
        self.source = Some(src);
    }

    /// Back/Forward: show the state the fragment names.
    fn pop_state(&mut self, ctx: &Context<Self>, frag: String) {
        let frag = frag.trim_start_matches('#').to_string();
        if frag == self.last_frag {
            return;
        }
        self.last_frag = frag.clone();
        self.restoring = true;
        let new = match ViewState::from_fragment(&frag) {
            Ok(st) => st,
            Err(e) => {
                self.status = Status::Error(damaged_link(&e));
                return;
            }
        };
        let old = std::mem::replace(&mut self.st, new);
        let st = &self.st;
        self.whatif = crate::whatif::WhatIf::parse(&st.whatif.join(",")).unwrap_or_default();
        self.batch_input = st.batch.to_string();
        self.sort = sort_of(&st.sort);
        self.gen_inputs = gen_inputs_of(st.generation);
        let new_generation = st.generation != old.generation;
        if st.sample != old.sample || st.file != old.file || (st.model.is_some() && st.model != old.model) {
            self.link_dims = st.dims.clone();
            // Until the other model loads, the state shown stays that of the current one.
            let target = self.st.clone();
            self.st = old;
            if let Some(e) = open_model_of(ctx, &target) {
                self.status = Status::Error(e);
                return;
            }
            // Busy until that model is shown: the address is left alone meanwhile.
            self.status = Status::Busy("Opening the model of this page …".into());
            self.st = ViewState {
                sample: self.st.sample.clone(),
                file: self.st.file.clone(),
                model: self.st.model.clone(),
                ..target
            };
        } else if st.batch != old.batch || st.dims != old.dims {
            self.reparse(ctx);
        } else if st.mode != old.mode
            || st.settings != old.settings
            || st.bandwidth_mbps != old.bandwidth_mbps
            || st.rtt_ms != old.rtt_ms
        {
            self.reprofile();
        } else {
            self.ask_whatif();
            self.compute_compare_alt();
            if new_generation {
                self.generation = None;
                self.ask_generation();
            }
        }
    }

    /// The address bar follows the state: a new history entry when the place
    /// changes (model, view, framework), the same entry rewritten otherwise.
    fn sync_url(&mut self, ctx: &Context<Self>) {
        if self.source.is_none() && self.pending.is_none() && self.report.is_none() {
            return;
        }
        if self.restoring && matches!(self.status, Status::Busy(_)) {
            return;
        }
        let frag = self.st.to_fragment();
        if frag == self.last_frag || frag.len() > mpclens::share::MAX_LINK_CHARS {
            self.url_held.clear();
            return;
        }
        let Some(h) = web_sys::window().and_then(|w| w.history().ok()) else { return };
        let place = |f: &str| ViewState::from_fragment(f).ok().map(|s| (s.sample, s.file, s.view, s.framework));
        let url = format!("#{frag}");
        let push = place(&frag) != place(&self.last_frag) && !self.restoring && !self.last_frag.is_empty();
        // A pinch or typing rewrites the address many times a second, more than browsers allow
        // (Chromium ignores past 200 in 10 s): at most one rewrite per URL_EVERY_MS, the last one
        // held back until then.
        let t = now();
        if !push && t - self.url_written < URL_EVERY_MS {
            self.url_held.hold(&url);
            if !self.url_due {
                self.url_due = true;
                let wait = (URL_EVERY_MS - (t - self.url_written)).max(0.0) as u32 + 1;
                ctx.link().send_future(async move {
                    gloo::timers::future::TimeoutFuture::new(wait).await;
                    Msg::SyncUrl
                });
            }
            return;
        }
        self.url_written = t;
        self.url_held.clear();
        let _ = if push {
            h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
        } else {
            h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
        };
        self.last_frag = frag;
    }

    /// How the worker should price: the view state's mode, settings and network.
    pub fn setup(&self) -> Setup {
        Setup {
            mode: self.st.mode,
            settings: self.st.settings.clone(),
            bandwidth_mbps: self.st.bandwidth_mbps,
            rtt_ms: self.st.rtt_ms,
        }
    }

    /// Prices the open model again in the worker ([`Reply::Profiled`]).
    fn reprofile(&mut self) {
        if self.graph.is_some() {
            self.bridge.send(Job::Profile { setup: self.setup() }, None, None);
        }
    }

    /// A new report from the worker (its node rows came ahead, still encoded: they are read
    /// after the report is drawn, `Msg::ReadRows`): shown, then what depends on it is asked for.
    fn show_report(&mut self, r: Report, fastest: mpclens::crossover::FastestMap) {
        self.rows_due = std::mem::take(&mut self.incoming_nodes);
        if self.st.framework.as_ref().is_none_or(|f| !r.frameworks.iter().any(|x| &x.framework == f)) {
            self.st.framework = r.frameworks.first().map(|f| f.framework.clone());
        }
        self.fastest = Some(Rc::new(fastest));
        self.report = Some(Rc::new(r));
        self.report_no += 1;
        mark("report");
        self.drawn_marks.push("report-drawn");
        // The what-if savings follow (`Reply::Summary`).
        self.summary_pending = true;
        // Priced with other settings: the generation figures are stale (priced again when the
        // address names a generation).
        self.generation = None;
        self.ask_generation();
        self.ask_whatif();
        self.compute_compare_alt();
    }

    /// Reads one framework's node rows into the shown report, the picked framework's first;
    /// asks for the next in a task of its own, so no task holds the page long.
    fn read_rows(&mut self, ctx: &Context<Self>) -> bool {
        let Some(r) = self.report.as_mut() else {
            self.rows_due.clear();
            return false;
        };
        let picked = r.frameworks.iter().position(|f| Some(&f.framework) == self.st.framework.as_ref());
        let first = (!self.rows_due.is_empty()).then_some(0);
        let Some(at) = self.rows_due.iter().position(|(i, _)| Some(*i) == picked).or(first) else {
            // No rows to read (another chain read them, or the report has no framework).
            mark("rows-drawn");
            return false;
        };
        let (i, bytes) = self.rows_due.remove(at);
        let mut failed = false;
        match crate::jobs::decode_rows(&bytes.into_vec()) {
            Ok(nodes) => {
                if let Some(f) = Rc::make_mut(r).frameworks.get_mut(i) {
                    f.nodes = nodes;
                }
            }
            Err(e) => {
                self.status = Status::Error(e);
                failed = true;
            }
        }
        // Only the per-layer views and the graph's side panel show rows: the others are not
        // drawn again for them (a large report's page is slow to redraw), unless to say it failed.
        let shown = failed || matches!(self.st.view, View::Layers | View::Ops | View::Compare | View::Graph);
        if self.rows_due.is_empty() {
            mark("rows");
            if shown {
                self.drawn_marks.push("rows-drawn");
            } else {
                mark("rows-drawn");
            }
        } else {
            read_rows_later(ctx);
        }
        shown
    }

    /// The shown report's node rows are still being read (the per-layer views say so).
    pub fn rows_pending(&self) -> bool {
        !self.rows_due.is_empty()
    }

    /// Prices the generation the view state names, if the open model is a decoder.
    fn ask_generation(&mut self) {
        if let (Some((prompt_len, gen_tokens)), Some(_)) = (self.st.generation, &self.decoder) {
            self.generating = true;
            self.bridge.send(Job::Generation { prompt_len, gen_tokens, setup: self.setup() }, None, None);
        }
    }

    /// Re-prices the model with the ticked substitutions in the worker ([`Reply::WhatIf`]).
    fn ask_whatif(&mut self) {
        if !self.whatif.any() || self.report.is_none() {
            self.whatif_result = None;
            return;
        }
        let keys = self.whatif.keys().into_iter().map(String::from).collect();
        self.bridge.send(Job::WhatIf { keys, setup: self.setup() }, None, None);
    }

    /// When B is `fw@key=value`: prices the model with that one setting changed (in the worker).
    fn compute_compare_alt(&mut self) {
        self.compare_alt = None;
        let (Some(_), Some(c)) = (&self.graph, self.st.compare.clone()) else { return };
        if c.contains('@') {
            self.bridge.send(Job::Compare { spec: c, setup: self.setup() }, None, None);
        }
    }

    /// Lays the graph out again (in the worker) when what it shows changed (only while the
    /// graph view is open).
    fn refresh_graph(&mut self) {
        if self.st.view != View::Graph {
            return;
        }
        if self.report.is_none() {
            return;
        }
        // None: the worker opens the default scopes and says which.
        let open = self.st.graph_open.clone();
        let key: GraphKey = (self.report_no, self.st.framework.clone(), self.st.graph_metric, self.log_on(), open);
        if self.graph_key.as_ref() == Some(&key) {
            return;
        }
        let job = Job::Layout {
            framework: key.1.clone(),
            open: key.4.clone(),
            metric: self.st.graph_metric,
            log: self.log_on(),
        };
        self.bridge.send(job, None, None);
        self.graph_key = Some(key);
    }

    fn graph_view(&self, ctx: &Context<Self>) -> Html {
        let (Some(l), Some(g), Some(r)) = (self.graph_layout.clone(), self.graph.clone(), self.report.clone()) else {
            return html! {};
        };
        let link = ctx.link();
        html! {
            <crate::graph_view::GraphView layout={l} graph={g} report={r} framework={self.st.framework.clone()}
                focus={self.graph_focus.clone()} metric={self.st.graph_metric} log={self.log_on()}
                zoom={self.st.graph_zoom} on_zoom={link.callback(Msg::GraphZoom)}
                on_select={link.callback(Msg::GraphSelect)} on_toggle={link.callback(Msg::GraphToggle)}
                on_metric={link.callback(Msg::GraphMetric)} on_log={link.callback(Msg::SetLog)}
                on_framework={link.callback(Msg::SetFramework)}
                on_reset={link.callback(Msg::GraphReset)} />
        }
    }

    fn status_view(&self) -> Html {
        let note =
            self.drop_note.as_ref().map(|n| html! { <p class="small" id="drop-note" role="status">{n.clone()}</p> });
        html! { <>{ for note }{ self.status_line() }</> }
    }

    fn status_line(&self) -> Html {
        match &self.status {
            Status::Idle => html! {},
            Status::Busy(m) => html! {
                <div class="busy" role="status" aria-live="polite" id="progress">
                    <span class="spinner" aria-hidden="true"></span>{m.clone()}
                    if let Some((done, of)) = self.progress {
                        {" "}<progress id="progress-bar" max={of.to_string()} value={done.to_string()} aria-label="Progress">{format!("{done} of {of}")}</progress>
                    }
                </div>
            },
            Status::Error(m) => html! { <div class="error" role="alert" id="error">{m.clone()}</div> },
            Status::Bad(head, detail) => html! {
                <div class="error" role="alert" id="error">{head.clone()}
                    if !detail.is_empty() {
                        <details class="error-detail"><summary>{"Details"}</summary><p>{detail.clone()}</p></details>
                    }
                </div>
            },
        }
    }

    fn main_view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let tabs = View::ALL.iter().map(|v| {
            let v = *v;
            let sel = self.st.view == v;
            html! {
                <button role="tab" id={format!("tab-{}", v.key())} aria-selected={sel.to_string()} aria-controls="panel"
                    tabindex={if sel { "0" } else { "-1" }}
                    class={classes!("tab", sel.then_some("active"))}
                    onclick={link.callback(move |_| Msg::SetView(v))}>{v.title()}</button>
            }
        });
        // A new model is drawn in stages, one task each (see `stage`).
        let body = if self.stage < 2 {
            html! {}
        } else {
            match self.st.view {
                View::Model => model_view::view(self, ctx),
                View::Overview => overview::view(self, ctx),
                View::Layers => layers::view(self, ctx),
                View::Graph => self.graph_view(ctx),
                View::Ops => layers::ops_view(self, ctx),
                View::Compare => layers::compare_view(self, ctx),
                View::Learn => layers::learn_view(self, ctx),
            }
        };
        let report = self.report.clone().expect("main_view is drawn with a report");
        html! {
            <>
                <crate::summary_view::SummaryView report={report} framework={self.st.framework.clone()} pending={self.summary_pending}
                    on_select={link.callback(Msg::SetFramework)} />
                if self.stage >= 1 {
                    <p class="present-start"><button id="present-start" onclick={link.callback(|_| Msg::Present(Some(0)))}>{"Present (one chart per screen)"}</button></p>
                    { controls::view(self, ctx) }
                    <nav class="tabs" role="tablist" aria-label="Views" onkeydown={Callback::from(crate::roving::tabs)}>{ for tabs }</nav>
                    <section class="panel" role="tabpanel" id="panel" aria-labelledby={format!("tab-{}", self.st.view.key())}>{ body }</section>
                }
                if self.stage >= STAGES {
                    { self.decoder.clone().map(|axes| html! { <crate::generation_view::GenerationView {axes}
                        result={self.generation.clone()} busy={self.generating}
                        prompt={self.gen_inputs.0.clone()} tokens={self.gen_inputs.1.clone()}
                        log={self.st.generation_log} width={self.chart_opts().width}
                        on_input={link.callback(|(f, t)| Msg::GenInput(f, t))} on_log={link.callback(Msg::GenLog)}
                        on_run={link.callback(|_| Msg::Generate)} /> }).unwrap_or_default() }
                    { export::view(self, ctx) }
                }
            </>
        }
    }
}
