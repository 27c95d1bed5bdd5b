//! The way in: drop zone (the whole page accepts drops), file picker, samples,
//! and the form for symbolic dimensions.

use crate::app::{App, Msg};
use yew::prelude::*;

pub fn view(app: &App, ctx: &Context<App>) -> Html {
    let link = ctx.link();
    let onchange = link.batch_callback(|e: Event| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        let f = input.files().and_then(|f| f.get(0));
        input.set_value("");
        f.map(Msg::File)
    });
    let samples = app.samples.iter().map(|s| {
        let n = s.clone();
        html! { <button class="sample" id={format!("sample-{s}")} onclick={link.callback(move |_| Msg::PickSample(n.clone()))}>{s.clone()}</button> }
    });
    let dims = if app.dim_inputs.is_empty() {
        html! {}
    } else {
        let rows = app.dim_inputs.iter().map(|(k, v)| {
            let key = k.clone();
            // The core names a decoder's axes (past length, mask length …).
            let role = app.dim_roles.get(k).map(|r| format!(" ({r})")).unwrap_or_default();
            html! {
                <label class="dim">{format!("{k}{role} = ")}
                    <input type="number" min="1" id={format!("dim-{k}")} value={v.clone()}
                        oninput={link.callback(move |e: InputEvent| Msg::SetDim(key.clone(), e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))} />
                </label>
            }
        });
        html! {
            <form class="dims" id="dims" onsubmit={link.callback(|e: SubmitEvent| { e.prevent_default(); Msg::ApplyDims })}>
                <p>{if app.dim_roles.is_empty() { "This model has symbolic dimensions. Give each a value (prefilled with 1):" } else { "This model has symbolic dimensions. Give each a value (prefilled: one decode step after a prompt; other dims 1):" }}</p>
                { for rows }
                <button type="submit" id="dims-apply">{"Load with these values"}</button>
            </form>
        }
    };
    html! {
        <section class="upload" id="dropzone" aria-label="Load a model">
            <p class="drop-hint">{if app.report.is_some() { "Another model: drop it anywhere, or " } else { "Drop an .onnx file anywhere on this page, or " }}
                <label class="picker" for="file">{"choose a file"}</label>
                <input type="file" id="file" accept=".onnx" {onchange} />
            </p>
            if !app.samples.is_empty() {
                <div class="samples" aria-label="Bundled samples"><span>{"Or try a sample: "}</span>{ for samples }</div>
            }
            { dims }
        </section>
    }
}
