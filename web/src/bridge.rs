//! The page's side of the compute worker: starts `worker.js` (a module worker from this site,
//! which runs this same wasm module, sent compiled), posts [`Job`]s, and hands each [`Reply`]
//! to the store. A reply to a job that a newer job of the same kind replaced is dropped here,
//! so the store only ever sees the latest answer.
//!
//! If the browser cannot start the worker, or it fails before it is ready, jobs run on the
//! page's thread through the same [`Engine`], a moment after the busy indicator is drawn.

use crate::engine::Engine;
use crate::jobs::{Envelope, Job, Kind, Reply};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::Callback;

/// A job as posted: the envelope's bytes, a model's bytes, the user's file.
type Sent = (Vec<u8>, Option<Rc<Vec<u8>>>, Option<web_sys::File>);

/// Bytes that came beside a reply: from the worker still in a JS array (copied into the
/// module's memory only if the page needs them there: a download goes to its `Blob` as is),
/// from the page's own engine a vector.
pub enum Beside {
    Js(js_sys::Uint8Array),
    Here(Vec<u8>),
}

impl Beside {
    pub fn into_vec(self) -> Vec<u8> {
        match self {
            Beside::Js(a) => a.to_vec(),
            Beside::Here(v) => v,
        }
    }

    pub fn to_js(&self) -> js_sys::Uint8Array {
        match self {
            Beside::Js(a) => a.clone(),
            Beside::Here(v) => js_sys::Uint8Array::from(v.as_slice()),
        }
    }
}

struct Shared {
    on_reply: Callback<(Reply, Option<Beside>)>,
    /// Newest job number per kind.
    latest: RefCell<BTreeMap<Kind, u64>>,
    /// Jobs posted before the worker said it is ready (run on the page if it never is).
    early: RefCell<Option<Vec<Sent>>>,
    /// The page's own engine, once the worker is given up.
    inline: RefCell<Option<Rc<RefCell<Engine>>>>,
}

impl Shared {
    fn deliver(&self, env: Envelope<Reply>, bytes: Option<Beside>) {
        let newest = self.latest.borrow().get(&env.kind).copied().unwrap_or(0);
        if env.seq >= newest {
            self.on_reply.emit((env.body, bytes));
        }
    }

    /// Runs a job on the page's thread (no worker), after a paint.
    fn run_inline(self: &Rc<Self>, sent: Sent) {
        let engine = self.inline.borrow_mut().get_or_insert_with(Default::default).clone();
        let me = self.clone();
        gloo::timers::callback::Timeout::new(30, move || {
            let Ok(env) = crate::jobs::decode::<Envelope<Job>>(&sent.0) else { return };
            let (seq, kind) = (env.seq, env.kind);
            let (batch, dims, setup, f) = match (env.body, sent.2) {
                (Job::ReadGraph { batch, dims, setup }, Some(f)) => (batch, dims, setup, f),
                // A download that needs the whole file: read it first (no synchronous reader here).
                (body @ Job::Export { .. }, Some(f)) => {
                    let me = me.clone();
                    return wasm_bindgen_futures::spawn_local(async move {
                        let post = |r: Reply, b: Option<Vec<u8>>| {
                            me.deliver(Envelope { seq, kind, body: r }, b.map(Beside::Here))
                        };
                        match crate::loading::read_file(f).await {
                            Ok(b) => engine.borrow_mut().handle(body, Some(b), &post),
                            Err(e) => post(Reply::Exported(Err(e)), None),
                        }
                    });
                }
                (body, _) => {
                    let post =
                        |r: Reply, b: Option<Vec<u8>>| me.deliver(Envelope { seq, kind, body: r }, b.map(Beside::Here));
                    return engine.borrow_mut().handle(body, sent.1.map(|b| b.to_vec()), &post);
                }
            };
            let me = me.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let t0 = crate::app::now();
                let name = f.name();
                match crate::loading::read_graph(f).await {
                    Ok((b, read, reads)) => {
                        let r = Reply::GraphRead { read, reads, ms: crate::app::now() - t0 };
                        me.deliver(Envelope { seq, kind, body: r }, Some(Beside::Here(b.clone())));
                        // The open after a paint, as any job here.
                        gloo::timers::callback::Timeout::new(30, move || {
                            let post = |r: Reply, b: Option<Vec<u8>>| {
                                me.deliver(Envelope { seq, kind, body: r }, b.map(Beside::Here))
                            };
                            let job = Job::Open { name, batch, dims, setup, link: true };
                            engine.borrow_mut().handle(job, Some(b), &post);
                        })
                        .forget();
                    }
                    Err(e) => me.deliver(Envelope { seq, kind, body: Reply::ReadFailed(e) }, None),
                }
            });
        })
        .forget();
    }

    /// The worker is not usable: run what it was given here.
    fn give_up(self: &Rc<Self>) {
        self.inline.borrow_mut().get_or_insert_with(Default::default);
        for sent in self.early.borrow_mut().take().unwrap_or_default() {
            self.run_inline(sent);
        }
    }
}

pub struct Bridge {
    worker: Option<web_sys::Worker>,
    shared: Rc<Shared>,
    seq: Cell<u64>,
    _handlers: Vec<Closure<dyn FnMut(JsValue)>>,
}

impl Bridge {
    pub fn start(on_reply: Callback<(Reply, Option<Beside>)>) -> Bridge {
        let shared = Rc::new(Shared {
            on_reply,
            latest: Default::default(),
            early: RefCell::new(Some(Vec::new())),
            inline: RefCell::new(None),
        });
        let mut handlers = Vec::new();
        let worker = spawn().map_err(|e| web_sys::console::warn_1(&e)).ok();
        match &worker {
            Some(w) => {
                let s = shared.clone();
                let on_message = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
                    let data = e.unchecked_into::<web_sys::MessageEvent>().data();
                    if data.as_string().as_deref() == Some("ready") {
                        // Jobs posted meanwhile are queued in the worker already.
                        s.early.borrow_mut().take();
                        return;
                    }
                    let field = |k: &str| js_sys::Reflect::get(&data, &k.into()).ok().filter(|v| !v.is_undefined());
                    if let Some(why) = field("failed") {
                        web_sys::console::warn_1(&why);
                        return s.give_up();
                    }
                    let Some(r) = field("r") else { return };
                    match crate::jobs::decode::<Envelope<Reply>>(&r.unchecked_into::<js_sys::Uint8Array>().to_vec()) {
                        Ok(env) => s.deliver(env, field("b").map(|b| Beside::Js(b.unchecked_into()))),
                        Err(e) => s.on_reply.emit((Reply::Failed(e), None)),
                    }
                });
                let s = shared.clone();
                let on_error = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
                    let msg = e.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).unwrap_or_default();
                    if s.early.borrow().is_some() {
                        return s.give_up();
                    }
                    s.on_reply.emit((
                        Reply::Failed(format!(
                            "The page's computing worker stopped ({msg}). Reload the page to start again."
                        )),
                        None,
                    ));
                });
                w.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                w.set_onerror(Some(on_error.as_ref().unchecked_ref()));
                handlers.push(on_message);
                handlers.push(on_error);
            }
            None => shared.give_up(),
        }
        Bridge { worker, shared, seq: Cell::new(0), _handlers: handlers }
    }

    /// Posts `job` (with a model's bytes or the user's file); replies come to the store.
    pub fn send(&self, job: Job, bytes: Option<Rc<Vec<u8>>>, file: Option<web_sys::File>) {
        let seq = self.seq.get() + 1;
        self.seq.set(seq);
        let kind = job.kind();
        self.shared.latest.borrow_mut().insert(kind, seq);
        let env = crate::jobs::encode(&Envelope { seq, kind, body: job });
        if self.shared.inline.borrow().is_some() {
            return self.shared.run_inline((env, bytes, file));
        }
        let Some(w) = &self.worker else { return };
        if let Some(early) = self.shared.early.borrow_mut().as_mut() {
            early.push((env.clone(), bytes.clone(), file.clone()));
        }
        let msg = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&msg, &"j".into(), &js_sys::Uint8Array::from(env.as_slice()));
        if let Some(b) = &bytes {
            let _ = js_sys::Reflect::set(&msg, &"b".into(), &js_sys::Uint8Array::from(b.as_slice()));
        }
        if let Some(f) = &file {
            let _ = js_sys::Reflect::set(&msg, &"f".into(), f);
        }
        if let Err(e) = w.post_message(&msg) {
            web_sys::console::warn_1(&e);
        }
    }
}

/// Starts `worker.js` beside the page and sends it the app's compiled module and glue.
fn spawn() -> Result<web_sys::Worker, JsValue> {
    let doc = gloo::utils::document();
    let base = doc.base_uri()?.unwrap_or_default();
    let js = doc.get_element_by_id("boot").and_then(|b| b.get_attribute("data-js")).ok_or("no boot script")?;
    let js = web_sys::Url::new_with_base(&js, &base)?.href();
    let url = web_sys::Url::new_with_base("worker.js", &base)?.href();
    let opts = web_sys::WorkerOptions::new();
    opts.set_type(web_sys::WorkerType::Module);
    let w = web_sys::Worker::new_with_options(&url, &opts)?;
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"js".into(), &js.into())?;
    js_sys::Reflect::set(&init, &"module".into(), &wasm_bindgen::module())?;
    w.post_message(&init)?;
    Ok(w)
}
