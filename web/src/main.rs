//! mpclens in the browser: thin Yew components over the core's report.

mod address;
mod app;
mod bridge;
mod charts;
mod controls;
mod engine;
mod errors;
mod export;
mod flame_view;
mod fmt;
mod generation_view;
mod gesture;
mod graph_view;
mod jobs;
mod layers;
mod learn;
mod loading;
mod model_view;
mod network_map;
mod overview;
mod panic;
mod present;
mod roving;
mod session;
mod state;
mod summary_view;
mod upload;
mod whatif;

fn main() {
    // The same module runs the compute worker (static/worker.js), where there is no window.
    if web_sys::window().is_none() {
        return engine::serve();
    }
    panic::install();
    let root = gloo::utils::document().get_element_by_id("app").expect("index.html has #app");
    root.set_inner_html("");
    yew::Renderer::<app::App>::with_root(root).render();
}
