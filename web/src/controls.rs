//! Mode, batch, network and each framework's settings (from its `settings()` specs).

use crate::app::{App, Msg};
use mpclens::frameworks;
use mpclens::report::Mode;
use mpclens::settings::Allowed;
use yew::prelude::*;

pub fn view(app: &App, ctx: &Context<App>) -> Html {
    let link = ctx.link();
    let on_mode = link.callback(|e: Event| {
        let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
        Msg::SetMode(Mode::parse(&v).unwrap_or_default())
    });
    let mode = app.st.mode;
    let bw = app.st.bandwidth_mbps;
    let rtt = app.st.rtt_ms;
    let fws = frameworks::all();
    // Open the settings when the view (e.g. a share link) changed any of them.
    let changed = fws
        .iter()
        .flat_map(|fw| fw.settings().iter().map(move |s| (fw.name(), s)))
        .filter(|(name, s)| app.st.settings.get(*name).and_then(|m| m.get(s.key)).is_some_and(|v| v != s.default))
        .count();
    let settings = fws.iter().map(|fw| {
        let name = fw.name();
        let items = fw.settings().iter().map(|s| {
            let cur = app.st.settings.get(name).and_then(|m| m.get(s.key)).cloned().unwrap_or_else(|| s.default.to_string());
            let (fwn, key) = (name.to_string(), s.key.to_string());
            let id = format!("set-{name}-{}", s.key);
            let input = match &s.allowed {
                Allowed::OneOf(words) => {
                    let cb = link.callback(move |e: Event| Msg::SetSetting(fwn.clone(), key.clone(), e.target_unchecked_into::<web_sys::HtmlSelectElement>().value()));
                    html! { <select id={id.clone()} onchange={cb}>{ for words.iter().map(|w| html!{ <option value={*w} selected={*w == cur}>{*w}</option> }) }</select> }
                }
                Allowed::Bool => {
                    let cb = link.callback(move |e: Event| Msg::SetSetting(fwn.clone(), key.clone(), e.target_unchecked_into::<web_sys::HtmlInputElement>().checked().to_string()));
                    html! { <input type="checkbox" id={id.clone()} checked={cur == "true"} onchange={cb} /> }
                }
                Allowed::Int { min, max } => {
                    let cb = link.callback(move |e: Event| Msg::SetSetting(fwn.clone(), key.clone(), e.target_unchecked_into::<web_sys::HtmlInputElement>().value()));
                    html! { <input type="number" id={id.clone()} min={min.to_string()} max={max.to_string()} value={cur.clone()} onchange={cb} /> }
                }
            };
            html! { <label class="setting" title={s.help}>{format!("{} ", s.key)}{input}<small>{format!(" default {}", s.default)}</small></label> }
        });
        html! { <fieldset class="fw-settings"><legend>{fw.title()}</legend>{ for items }</fieldset> }
    });
    html! {
        <section class="controls" aria-label="Settings">
            <label>{"Mode "}
                <select id="mode" onchange={on_mode}>
                    <option value="inference" selected={mode == Mode::Inference}>{"inference"}</option>
                    <option value="training" selected={mode == Mode::Training}>{"training (forward, loss, backward, update)"}</option>
                </select>
            </label>
            <label>{"Batch "}
                <input type="number" id="batch" min="1" value={app.batch_input.clone()}
                    onchange={link.callback(|e: Event| Msg::SetBatch(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))} />
            </label>
            <label>{"Bandwidth (Mbit/s) "}
                <input type="number" id="bandwidth" min="1" step="any" value={bw.to_string()}
                    onchange={link.callback(|e: Event| Msg::SetNet(Some(e.target_unchecked_into::<web_sys::HtmlInputElement>().value().parse().unwrap_or(0.0)), None))} />
            </label>
            <label>{"RTT (ms) "}
                <input type="number" id="rtt" min="0.001" step="any" value={rtt.to_string()}
                    onchange={link.callback(|e: Event| Msg::SetNet(None, Some(e.target_unchecked_into::<web_sys::HtmlInputElement>().value().parse().unwrap_or(0.0))))} />
            </label>
            <details class="fw-settings-all" id="fw-settings" open={changed > 0}>
                <summary id="fw-settings-toggle">{format!("Framework settings ({})", if changed == 0 { "all at their defaults".to_string() } else { format!("{changed} changed from the defaults") })}</summary>
                { for settings }
            </details>
        </section>
    }
}
