//! mpclens in the browser: thin Yew components over the core's report.

mod app;
mod charts;
mod controls;
mod errors;
mod export;
mod fmt;
mod generation_view;
mod graph_view;
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
    panic::install();
    let root = gloo::utils::document().get_element_by_id("app").expect("index.html has #app");
    root.set_inner_html("");
    yew::Renderer::<app::App>::with_root(root).render();
}
