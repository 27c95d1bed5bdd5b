//! The compute worker: the same wasm module as the page, started in a dedicated worker by
//! `static/worker.js`, where `main` finds no window and calls [`serve`]. It holds the open model
//! and runs every long core call (read, load, price, summary, what-ifs, sweeps, layout,
//! generation) so the page's thread stays free to draw. It keeps no view state: each [`Job`]
//! brings the settings it needs, and each [`Reply`] goes back to the store.
//!
//! Without workers (or when one cannot start) [`crate::bridge`] calls [`Engine::handle`] on the
//! page's own thread: slower to respond, the same results.

use crate::jobs::{DimAsk, Envelope, Job, Kind, Reply, Setup, Sweep};
use mpclens::loader::sparse::ReadAt;
use mpclens::{Graph, LoadError, LoadOptions};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::loading::MAX_BYTES;

/// The model the worker has open: its bytes (for re-batching), how it was loaded, its graph and
/// the last report priced on it (what-ifs and layouts compare against it).
struct Open {
    name: String,
    bytes: Vec<u8>,
    dims: std::collections::BTreeMap<String, u64>,
    graph: Graph,
    report: Option<mpclens::report::Report>,
}

#[derive(Default)]
pub struct Engine {
    open: Option<Open>,
    /// Milliseconds the last report's node rows took to encode and post.
    rows_ms: f64,
}

/// Where replies go: posted to the page, or (no worker) handed to the store directly.
pub type Post<'a> = &'a dyn Fn(Reply, Option<Vec<u8>>);

fn now() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

impl Engine {
    /// Runs one job; `bytes` is a model's bytes for [`Job::Open`].
    pub fn handle(&mut self, job: Job, bytes: Option<Vec<u8>>, post: Post) {
        match job {
            Job::ReadGraph { .. } => post(Reply::ReadFailed("no file came with the request".into()), None),
            Job::Open { name, batch, dims, setup, link } => {
                self.open(name, bytes.unwrap_or_default(), batch, dims, &setup, link, post)
            }
            Job::Profile { setup } => {
                let reply = self.profile(&setup, post);
                let priced = matches!(reply, Reply::Profiled { .. });
                post(reply, None);
                if priced {
                    self.complete_summary(&setup, post);
                }
            }
            Job::WhatIf { keys, setup } => post(Reply::WhatIf(self.what_if(&keys, &setup)), None),
            Job::Compare { spec, setup } => post(Reply::Compared(self.compare(&spec, &setup)), None),
            Job::Sweep { setup } => post(Reply::Sweep(self.sweep(&setup, post)), None),
            Job::Layout { framework, open, metric, log } => {
                let Some(o) = &self.open else { return };
                let Some(r) = &o.report else { return };
                let fr =
                    r.frameworks.iter().find(|f| Some(&f.framework) == framework.as_ref()).or(r.frameworks.first());
                let public: Vec<bool> = r.nodes.iter().map(|n| n.public).collect();
                let open =
                    open.unwrap_or_else(|| mpclens::dataflow::default_open(&o.graph, mpclens::dataflow::DEFAULT_BOXES));
                let l = mpclens::dataflow::layout(&o.graph, &public, fr, &open, metric, log);
                post(Reply::Laid(Box::new(l)), None)
            }
            Job::Export { what, whatif } => match self.export(what, &whatif, bytes.as_deref()) {
                Ok((name, mime, b)) => post(Reply::Exported(Ok((name, mime.into()))), Some(b)),
                Err(e) => post(Reply::Exported(Err(e)), None),
            },
            Job::Generation { prompt_len, gen_tokens, setup } => {
                post(Reply::Progress(format!("Pricing the prefill and {} decode steps …", gen_tokens - 1), None), None);
                let out = self.open.as_ref().ok_or_else(|| "no model is open".to_string()).and_then(|o| {
                    let axes = mpclens::loader::input_signature(&o.bytes)
                        .map_err(|e| e.to_string())
                        .and_then(|s| mpclens::generation::axes(&s))?;
                    let mut d = o.dims.clone();
                    d.retain(|k, _| k != &axes.sequence && !axes.past.contains(k) && !axes.total.contains(k));
                    let batch = o.report.as_ref().map(|r| r.batch);
                    let opts = LoadOptions { file_name: o.name.clone(), batch, dims: d, ..Default::default() };
                    let gen = mpclens::generation::GenerationRequest { prompt_len, gen_tokens };
                    mpclens::generation::profile_generation(&o.bytes, &opts, &setup.request(), gen)
                });
                post(Reply::Generated(out.map(Box::new)), None)
            }
        }
    }

    /// Loads and prices a model; with `want_link`, also its structure in link form (for the
    /// page's session copy and share link), after the report and the summary's what-ifs.
    #[allow(clippy::too_many_arguments)]
    fn open(
        &mut self,
        name: String,
        bytes: Vec<u8>,
        batch: u64,
        dims: std::collections::BTreeMap<String, u64>,
        setup: &Setup,
        want_link: bool,
        post: Post,
    ) {
        post(Reply::Progress(format!("Parsing {name} …"), Some((1, 3))), None);
        let t0 = now();
        let opts =
            LoadOptions { file_name: name.clone(), batch: Some(batch), dims: dims.clone(), max_bytes: MAX_BYTES };
        let decoder = || mpclens::loader::input_signature(&bytes).ok().and_then(|s| mpclens::generation::axes(&s).ok());
        match mpclens::load(&bytes, &opts) {
            Ok(graph) => {
                let t1 = now();
                post(Reply::Progress(format!("Pricing {name} under every framework …"), Some((2, 3))), None);
                let decoder = decoder();
                self.open = Some(Open { name, bytes, dims, graph, report: None });
                match self.profile(setup, post) {
                    Reply::Profiled { report, fastest } => {
                        // `profile` posted the node rows; the report goes before the graph,
                        // which the page's first drawing (the summary) does not need.
                        let t2 = now();
                        let memory = crate::model_view::wasm_memory_bytes();
                        let ms = (t1 - t0, t2 - t1 - self.rows_ms, self.rows_ms);
                        post(Reply::Loaded { report, fastest, decoder, ms, memory }, None);
                        let graph = Box::new(self.open.as_ref().expect("just opened").graph.clone());
                        post(Reply::Graph(graph), None);
                        self.complete_summary(setup, post);
                        if want_link {
                            self.post_structure(post);
                        }
                    }
                    other => post(other, None),
                }
            }
            Err(LoadError::MissingDims(d)) => {
                let axes = decoder();
                let asks: Vec<DimAsk> = d
                    .iter()
                    .map(|s| {
                        let hint = axes.as_ref().and_then(|a| a.suggest(&s.name));
                        (s.name.clone(), hint.map(|h| h.0.to_string()), hint.map_or(1, |h| h.1))
                    })
                    .collect();
                post(Reply::NeedDims { message: LoadError::MissingDims(d).to_string(), dims: asks }, None)
            }
            Err(e) => {
                let (head, detail) = crate::errors::plain(&name, &bytes, &e.to_string());
                post(Reply::Bad { head, detail }, None)
            }
        }
    }

    /// Prices the open model, with the summary's first look (totals, top layers and op kinds;
    /// its what-if savings follow in [`Engine::complete_summary`]) and the fastest framework per
    /// network. Keeps the report for later what-ifs and layouts.
    fn profile(&mut self, setup: &Setup, post: Post) -> Reply {
        let Some(o) = &mut self.open else { return Reply::Failed("no model is open".into()) };
        let req = setup.request();
        match mpclens::profile(&o.graph, &req) {
            Ok(mut r) => {
                let net = mpclens::network::Network::custom(setup.bandwidth_mbps, setup.rtt_ms);
                let summary = mpclens::summary::first_look(&r, &net);
                let fastest = Box::new(mpclens::crossover::fastest_map(&summary));
                r.summary = Some(summary);
                o.report = Some(r.clone());
                // Node rows go ahead, one framework per message: reading one message stays short.
                let t0 = now();
                for (i, f) in r.frameworks.iter_mut().enumerate() {
                    post(Reply::Nodes(i), Some(crate::jobs::encode(&std::mem::take(&mut f.nodes))));
                }
                self.rows_ms = now() - t0;
                Reply::Profiled { report: Box::new(r), fastest }
            }
            Err(e) => Reply::Failed(format!("Profiling failed: {e}")),
        }
    }

    /// The summary's what-if savings for the report just sent (one re-pricing per substitution):
    /// sent after the report, so the page shows the report without waiting for them.
    fn complete_summary(&mut self, setup: &Setup, post: Post) {
        let Some(o) = &mut self.open else { return };
        let Some(r) = &mut o.report else { return };
        let Some(mut s) = r.summary.take() else { return };
        let t0 = now();
        mpclens::summary::add_what_ifs(&mut s, &o.graph, r, &setup.request());
        r.summary = Some(s.clone());
        post(Reply::Summary(Box::new(s), now() - t0), None)
    }

    /// The open model's structure as a share link carries it (weights dropped, compressed).
    fn post_structure(&self, post: Post) {
        let Some(o) = &self.open else { return };
        let t0 = now();
        let link = mpclens::share::structure::encode(&o.bytes);
        post(Reply::Structure { name: o.name.clone(), link, ms: now() - t0 }, None)
    }

    /// A download of the open model and its last report; `file`: the whole file, when only
    /// its graph is open.
    fn export(
        &self,
        what: crate::jobs::Export,
        whatif: &[String],
        file: Option<&[u8]>,
    ) -> Result<(String, &'static str, Vec<u8>), String> {
        let o = self.open.as_ref().ok_or("no model is open")?;
        let r = o.report.as_ref().ok_or("the model is not priced yet")?;
        crate::export::make(what, &o.name, file.unwrap_or(&o.bytes), &o.graph, r, whatif)
    }

    fn what_if(&self, keys: &[String], setup: &Setup) -> Option<(crate::jobs::Deltas, usize)> {
        let o = self.open.as_ref()?;
        let r = o.report.as_ref()?;
        let w = mpclens::whatif::WhatIf::parse(&keys.join(",")).ok()?;
        if !w.any() {
            return None;
        }
        let (g2, changed) = mpclens::whatif::apply(&o.graph, w);
        let r2 = mpclens::profile(&g2, &setup.request()).ok()?;
        let d = r
            .frameworks
            .iter()
            .map(|f| {
                let after = r2.frameworks.iter().find(|x| x.framework == f.framework);
                (
                    f.title.clone(),
                    f.total.bytes,
                    after.map_or(0, |a| a.total.bytes),
                    f.total.rounds,
                    after.map_or(0, |a| a.total.rounds),
                    f.unsupported.len(),
                    after.map_or(0, |a| a.unsupported.len()),
                )
            })
            .collect();
        Some((d, changed))
    }

    fn compare(&self, spec: &str, setup: &Setup) -> Result<Box<(String, mpclens::report::FrameworkReport)>, String> {
        let o = self.open.as_ref().ok_or("no model is open")?;
        let (fw, kv) = spec.split_once('@').ok_or("no setting to compare with")?;
        let (k, v) = kv.split_once('=').ok_or("no setting to compare with")?;
        let mut req = setup.request();
        req.frameworks = vec![fw.to_string()];
        req.settings.entry(fw.to_string()).or_default().insert(k.to_string(), v.to_string());
        match mpclens::profile(&o.graph, &req) {
            Ok(mut r) if !r.frameworks.is_empty() => Ok(Box::new((spec.to_string(), r.frameworks.remove(0)))),
            Ok(_) => Err(format!("{fw} is not a framework")),
            Err(e) => Err(format!("Cannot compare with {kv}: {e}")),
        }
    }

    /// The open model at batch 1, 2, 4 … 64, each loaded and priced like any model.
    fn sweep(&self, setup: &Setup, post: Post) -> Sweep {
        const BATCHES: [u64; 7] = [1, 2, 4, 8, 16, 32, 64];
        let mut out = Sweep::new();
        let Some(o) = &self.open else { return out };
        for (i, b) in BATCHES.into_iter().enumerate() {
            post(Reply::Progress(format!("Batch sweep: batch {b} …"), Some((i as u32, BATCHES.len() as u32))), None);
            let opts =
                LoadOptions { file_name: o.name.clone(), batch: Some(b), dims: o.dims.clone(), max_bytes: MAX_BYTES };
            let Ok(g) = mpclens::load(&o.bytes, &opts) else { continue };
            let Ok(r) = mpclens::profile(&g, &setup.request()) else { continue };
            out.push((b, r.frameworks.iter().map(|f| (f.framework.clone(), f.total.bytes, f.total.rounds)).collect()));
        }
        out
    }
}

/// The user's file read synchronously (`FileReaderSync`, workers only): each of the sparse
/// reader's reads returns at once instead of waiting for the event loop.
struct SyncFile(web_sys::File, web_sys::FileReaderSync);

impl ReadAt for SyncFile {
    fn size(&self) -> u64 {
        self.0.size() as u64
    }
    async fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, String> {
        let part =
            self.0.slice_with_f64_and_f64(offset as f64, (offset + len as u64) as f64).map_err(|e| format!("{e:?}"))?;
        let buf = self.1.read_as_array_buffer(&part).map_err(|e| format!("{e:?}"))?;
        Ok(js_sys::Uint8Array::new(&buf).to_vec())
    }
}

/// The whole file (to write a model with its weights).
fn read_whole(f: web_sys::File) -> Result<Vec<u8>, String> {
    let reader = web_sys::FileReaderSync::new().map_err(|e| format!("{e:?}"))?;
    let buf = reader.read_as_array_buffer(&f).map_err(|e| format!("{e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

/// Only the graph of a large file: the compacted model and what it took.
async fn read_graph(f: web_sys::File) -> Result<(Vec<u8>, u64, u64), String> {
    let reader = web_sys::FileReaderSync::new().map_err(|e| format!("{e:?}"))?;
    let src = SyncFile(f, reader);
    mpclens::loader::sparse::compact(&src)
        .await
        .map(|c| (c.model, c.read, c.reads))
        .map_err(|e| LoadError::Corrupt { offset: Some(e.offset), what: e.what }.to_string())
}

thread_local! {
    static ENGINE: RefCell<Engine> = RefCell::new(Engine::default());
}

fn scope() -> web_sys::DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts a reply to the page: `{ r: MessagePack, b?: bytes }`, buffers transferred, not copied.
fn post_reply(seq: u64, kind: Kind, reply: Reply, bytes: Option<Vec<u8>>) {
    let msg = js_sys::Object::new();
    let r = js_sys::Uint8Array::from(crate::jobs::encode(&Envelope { seq, kind, body: reply }).as_slice());
    let transfer = js_sys::Array::of1(&r.buffer());
    let _ = js_sys::Reflect::set(&msg, &"r".into(), &r);
    if let Some(b) = bytes {
        let b = js_sys::Uint8Array::from(b.as_slice());
        transfer.push(&b.buffer());
        let _ = js_sys::Reflect::set(&msg, &"b".into(), &b);
    }
    let _ = scope().post_message_with_transfer(&msg, &transfer);
}

/// The worker's entry: answers every message the page posts (`{ j: MessagePack, b?, f? }`).
pub fn serve() {
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|e: web_sys::MessageEvent| {
        let data = e.data();
        let field = |k: &str| js_sys::Reflect::get(&data, &k.into()).ok().filter(|v| !v.is_undefined());
        let Some(j) = field("j").map(|v| js_sys::Uint8Array::new(&v).to_vec()) else { return };
        let env: Envelope<Job> = match crate::jobs::decode(&j) {
            Ok(env) => env,
            Err(e) => return post_reply(0, Kind::Report, Reply::Failed(e), None),
        };
        let (seq, kind) = (env.seq, env.kind);
        let (batch, dims, setup, file) = match (env.body, field("f")) {
            (Job::ReadGraph { batch, dims, setup }, Some(f)) => {
                (batch, dims, setup, f.unchecked_into::<web_sys::File>())
            }
            // A download that needs the whole file (the weights): read here, synchronously.
            (body @ Job::Export { .. }, Some(f)) => {
                let post = move |r: Reply, b: Option<Vec<u8>>| post_reply(seq, kind, r, b);
                return match read_whole(f.unchecked_into()) {
                    Ok(bytes) => ENGINE.with(|e| e.borrow_mut().handle(body, Some(bytes), &post)),
                    Err(e) => post(Reply::Exported(Err(format!("The browser could not read the file: {e}"))), None),
                };
            }
            (body, _) => {
                let bytes = field("b").map(|v| js_sys::Uint8Array::new(&v).to_vec());
                let post = move |r: Reply, b: Option<Vec<u8>>| post_reply(seq, kind, r, b);
                return ENGINE.with(|e| e.borrow_mut().handle(body, bytes, &post));
            }
        };
        let name = file.name();
        wasm_bindgen_futures::spawn_local(async move {
            let t0 = now();
            match read_graph(file).await {
                Ok((bytes, read, reads)) => {
                    // The page keeps a copy (share link, reload); the worker opens it at once,
                    // without waiting for the page to send it back.
                    post_reply(seq, kind, Reply::GraphRead { read, reads, ms: now() - t0 }, Some(bytes.clone()));
                    let post = move |r: Reply, b: Option<Vec<u8>>| post_reply(seq, kind, r, b);
                    let job = Job::Open { name, batch, dims, setup, link: true };
                    ENGINE.with(|e| e.borrow_mut().handle(job, Some(bytes), &post));
                }
                Err(e) => post_reply(seq, kind, Reply::ReadFailed(e), None),
            }
        });
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // Tell the page the engine listens (worker.js replays what came before).
    let _ = scope().post_message(&"ready".into());
}
