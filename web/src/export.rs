//! Downloads: the report as JSON (the CLI's schema) and CSV, charts as SVG/PNG,
//! a speedscope profile; plus the share-link button. Everything is generated in
//! the page and handed to the browser as a local download.

use crate::app::{App, Msg};
use crate::jobs::Export;
use mpclens::report::Report;
use serde_json::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Clone, Copy, PartialEq)]
pub enum Kind {
    Json,
    Csv,
    Speedscope,
    Svg,
    Png,
}

fn stem(app: &App) -> String {
    app.report.as_ref().map(|r| r.model.file.trim_end_matches(".onnx").to_string()).unwrap_or_else(|| "mpclens".into())
}

pub fn download(name: &str, mime: &str, data: &[u8]) {
    download_array(name, mime, &js_sys::Uint8Array::from(data));
}

/// A download of bytes already in a JS array (a file the worker made): no copy through the
/// module's memory.
pub fn download_array(name: &str, mime: &str, arr: &js_sys::Uint8Array) {
    let parts = js_sys::Array::of1(arr);
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts) else { return };
    download_blob(name, &blob);
}

fn download_blob(name: &str, blob: &web_sys::Blob) {
    let Ok(url) = web_sys::Url::create_object_url_with_blob(blob) else { return };
    let doc = gloo::utils::document();
    if let Ok(a) = doc.create_element("a").map(|a| a.unchecked_into::<web_sys::HtmlAnchorElement>()) {
        a.set_href(&url);
        a.set_download(name);
        let _ = gloo::utils::body().append_child(&a);
        a.click();
        a.remove();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// The download `what` of the open model (`name`, its bytes) and its last report: made in the
/// worker ([`crate::engine`]), since serialising a large model's report or file takes long.
/// `whatif` (the substitutions of [`Export::WhatIfOnnx`]) is applied to `model`, which is the
/// whole file there.
pub fn make(
    what: Export,
    name: &str,
    model: &[u8],
    graph: &mpclens::Graph,
    report: &Report,
    whatif: &[String],
) -> Result<(String, &'static str, Vec<u8>), String> {
    let stem = report.model.file.trim_end_matches(".onnx");
    let model_stem = name.trim_end_matches(".onnx");
    Ok(match what {
        Export::Json => (
            format!("{stem}.mpclens.json"),
            "application/json",
            serde_json::to_vec_pretty(report).map_err(|e| e.to_string())?,
        ),
        // The CLI's CSV (`mpclens::csv`): the same columns and text as `--format csv`.
        Export::Csv => (format!("{stem}.mpclens.csv"), "text/csv", mpclens::csv::csv(report).into_bytes()),
        Export::Speedscope => {
            (format!("{stem}.speedscope.json"), "application/json", speedscope(report).to_string().into_bytes())
        }
        Export::Structure => (
            format!("{model_stem}.structure.onnx"),
            "application/octet-stream",
            mpclens::share::structure::skeleton(model)
                .map_err(|e| format!("The model structure could not be written: {e}"))?,
        ),
        Export::WhatIfOnnx => {
            let w = mpclens::whatif::WhatIf::parse(&whatif.join(","))?;
            let (bytes, _) = mpclens::whatif::apply_onnx(model, graph, w)
                .map_err(|e| format!("The substituted model could not be written: {e}"))?;
            (format!("{model_stem}.{}.onnx", whatif.join("+")), "application/octet-stream", bytes)
        }
    })
}

/// speedscope's file format: one sampled profile per framework, stacks =
/// scope path + node, weight = bytes.
pub fn speedscope(r: &Report) -> serde_json::Value {
    // Frames in first-seen order, found by name.
    let mut frames: Vec<String> = Vec::new();
    let mut at: std::collections::HashMap<String, usize> = Default::default();
    let mut idx = |s: String| {
        *at.entry(s).or_insert_with_key(|s| {
            frames.push(s.clone());
            frames.len() - 1
        })
    };
    let mut profiles = Vec::new();
    for fw in &r.frameworks {
        let mut samples = Vec::new();
        let mut weights = Vec::new();
        for n in &fw.nodes {
            let mut stack: Vec<usize> = n.scope.iter().map(|s| idx(s.clone())).collect();
            stack.push(idx(format!("{} ({})", n.node, n.op)));
            samples.push(stack);
            weights.push(n.cost.bytes);
        }
        profiles.push(json!({"type": "sampled", "name": format!("{} — bytes", fw.title), "unit": "bytes", "startValue": 0, "endValue": fw.total.bytes, "samples": samples, "weights": weights}));
    }
    json!({
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "shared": {"frames": frames.iter().map(|f| json!({"name": f})).collect::<Vec<_>>()},
        "profiles": profiles,
        "name": r.model.file,
        "exporter": r.tool,
    })
}

fn svg_text(id: &str) -> Option<String> {
    let el = gloo::utils::document().get_element_by_id(id)?;
    let s = web_sys::XmlSerializer::new().ok()?.serialize_to_string(&el).ok()?;
    // Inline the colours so the file looks the same outside the page.
    let style = "<style>text{font:12px sans-serif;fill:#222}.online{fill:#3b6fb6}.offline{fill:#e0a030}.d0{fill:#7aa6d8}.d1{fill:#9cc3a0}.d2{fill:#e3b77a}.d3{fill:#c99ad0}.s0 path{stroke:#3b6fb6}.s1 path{stroke:#d0502a}.s2 path{stroke:#3a9a50}.s3 path{stroke:#8a50b0}.s4 path{stroke:#b08a20}.axisline{stroke:#888}.rounds{fill:#3a9a50}.time{fill:#8a50b0}.grid{stroke:#ccc;stroke-dasharray:2 3}rect.flame{fill:color-mix(in srgb,#e8913a var(--p),#fff);stroke:#ccc}</style>";
    let at = s.find('>')? + 1;
    Some(format!("{}{}{}", &s[..at], style, &s[at..]))
}

fn chart_ids() -> Vec<String> {
    let doc = gloo::utils::document();
    let Ok(list) = doc.query_selector_all("svg.chart[id]") else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<web_sys::Element>().ok()).map(|e| e.id()).collect()
}

/// The chart the SVG/PNG buttons export: the picked one if it is on the page.
fn chosen_chart(app: &App) -> Option<String> {
    let ids = chart_ids();
    app.export_chart.clone().filter(|c| ids.contains(c)).or_else(|| ids.first().cloned())
}

/// Charts of a view, for the export list: (id, name).
pub fn charts_of(app: &App) -> Vec<(String, String)> {
    use crate::state::View;
    let mut v: Vec<(String, String)> = match app.st.view {
        View::Overview => vec![
            ("chart-overview".into(), "bytes per framework".into()),
            ("chart-rounds".into(), "rounds per framework".into()),
            ("chart-time".into(), "time per framework".into()),
        ],
        View::Layers => vec![("chart-top".into(), "top layers".into()), ("chart-icicle".into(), "flame view".into())],
        View::Ops => app
            .report
            .iter()
            .flat_map(|r| r.frameworks.iter())
            .map(|f| (format!("chart-ops-{}", f.framework), format!("op types — {}", f.title)))
            .collect(),
        _ => Vec::new(),
    };
    if app.st.view == View::Overview && !app.sweep.is_empty() {
        v.push(("chart-sweep".into(), "batch sweep".into()));
    }
    v
}

fn png(id: &str, name: String) {
    let Some(svg) = svg_text(id) else { return };
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("image/svg+xml");
    let parts = js_sys::Array::of1(&JsValue::from_str(&svg));
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    let Ok(img) = web_sys::HtmlImageElement::new() else { return };
    let img2 = img.clone();
    let url2 = url.clone();
    let onload = Closure::once_into_js(move || {
        let doc = gloo::utils::document();
        let Ok(canvas) = doc.create_element("canvas").map(|c| c.unchecked_into::<web_sys::HtmlCanvasElement>()) else {
            return;
        };
        let (w, h) = (img2.natural_width().max(1) * 2, img2.natural_height().max(1) * 2);
        canvas.set_width(w);
        canvas.set_height(h);
        if let Some(ctx) =
            canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
        {
            ctx.set_fill_style_str("#ffffff");
            ctx.fill_rect(0.0, 0.0, w as f64, h as f64);
            let _ = ctx.draw_image_with_html_image_element_and_dw_and_dh(&img2, 0.0, 0.0, w as f64, h as f64);
        }
        let _ = web_sys::Url::revoke_object_url(&url2);
        let cb = Closure::once_into_js(move |b: JsValue| {
            if let Ok(b) = b.dyn_into::<web_sys::Blob>() {
                download_blob(&name, &b);
            }
        });
        let _ = canvas.to_blob(cb.unchecked_ref());
    });
    img.set_onload(Some(onload.unchecked_ref()));
    img.set_src(&url);
}

impl Kind {
    /// The downloads made in the worker ([`make`]); charts are drawn on the page.
    pub fn in_worker(self) -> Option<Export> {
        match self {
            Kind::Json => Some(Export::Json),
            Kind::Csv => Some(Export::Csv),
            Kind::Speedscope => Some(Export::Speedscope),
            Kind::Svg | Kind::Png => None,
        }
    }
}

/// A chart as SVG or PNG (the other downloads are made in the worker: [`Kind::in_worker`]).
pub fn export(app: &App, kind: Kind) {
    if app.report.is_none() {
        return;
    }
    let stem = stem(app);
    match kind {
        Kind::Json | Kind::Csv | Kind::Speedscope => {}
        // One chart: the one picked in the list (the first on the page by default).
        Kind::Svg => {
            if let Some(id) = chosen_chart(app) {
                if let Some(s) = svg_text(&id) {
                    download(&format!("{stem}.{id}.svg"), "image/svg+xml", s.as_bytes());
                }
            }
        }
        Kind::Png => {
            if let Some(id) = chosen_chart(app) {
                png(&id, format!("{stem}.{id}.png"));
            }
        }
    }
}

pub fn view(app: &App, ctx: &Context<App>) -> Html {
    let link = ctx.link();
    let b = |id: &str, label: &str, k: Kind| html! { <button id={id.to_string()} onclick={link.callback(move |_| Msg::Export(k))}>{label.to_string()}</button> };
    let costs = app.has_costs();
    let charts = charts_of(app);
    html! {
        <section class="exports" aria-label="Share and export">
            <h3>{"Share and export"}</h3>
            <button id="copy-link" onclick={link.callback(|_| Msg::CopyLink)}>{"Share link"}</button>
            { b("export-json", "JSON report", Kind::Json) }
            { b("export-csv", "CSV", Kind::Csv) }
            if costs { { b("export-speedscope", "speedscope profile", Kind::Speedscope) } }
            if costs && !charts.is_empty() {
                <label>{"Chart "}<select id="export-chart" onchange={link.callback(|e: Event| Msg::SetExportChart(e.target_unchecked_into::<web_sys::HtmlSelectElement>().value()))}>
                    { for charts.iter().map(|(id, name)| html! { <option value={id.clone()} selected={app.export_chart.as_deref() == Some(id.as_str())}>{name.clone()}</option> }) }
                </select></label>
                { b("export-svg", "as SVG", Kind::Svg) }
                { b("export-png", "as PNG", Kind::Png) }
            }
            <button id="print" onclick={Callback::from(|_| { if let Some(w) = web_sys::window() { let _ = w.print(); } })}>{"Print report"}</button>
            if app.st.sample.is_none() && app.source.is_some() {
                <button id="download-structure" title="The model without its weights: a small ONNX file anyone can drop here"
                    onclick={link.callback(|_| Msg::DownloadStructure)}>{"Model structure (.onnx, no weights)"}</button>
            }
            if let Some(n) = &app.link_note { <p id="link-note" role="status">{n.clone()}</p> }
            <p class="small">{"Shortcuts: Ctrl/⌘+F search, Ctrl/⌘+Shift+E export JSON."}</p>
        </section>
    }
}
