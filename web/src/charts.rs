//! SVG charts drawn by the app (no chart library). Each chart is a function of
//! plain data; ids let exports find them.

use yew::prelude::*;

/// One bar: a label, stacked segments (value, css class, legend name) and a value text.
pub struct Bar {
    pub label: String,
    pub segments: Vec<(f64, &'static str, &'static str)>,
    pub text: String,
}

const W: f64 = 760.0;
const LABEL_W: f64 = 230.0;
const TEXT_W: f64 = 110.0;
const ROW: f64 = 22.0;

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let tail: String = s.chars().rev().take(n - 1).collect::<Vec<_>>().into_iter().rev().collect();
        format!("…{tail}")
    }
}

/// Horizontal stacked bars, longest = full width.
pub fn hbars(id: &str, title: &str, bars: &[Bar]) -> Html {
    let max = bars.iter().map(|b| b.segments.iter().map(|s| s.0).sum::<f64>()).fold(0.0, f64::max);
    let h = 28.0 + ROW * bars.len() as f64 + 24.0;
    let plot = W - LABEL_W - TEXT_W;
    let mut legend: Vec<(&str, &str)> = Vec::new();
    for b in bars {
        for s in &b.segments {
            if !legend.iter().any(|l| l.0 == s.1) {
                legend.push((s.1, s.2));
            }
        }
    }
    let rows = bars.iter().enumerate().map(|(i, b)| {
        let y = 28.0 + ROW * i as f64;
        let mut x = LABEL_W;
        let segs = b.segments.iter().map(|(v, class, name)| {
            let w = if max > 0.0 { v / max * plot } else { 0.0 };
            let r = html! { <rect class={*class} x={format!("{x:.1}")} y={format!("{:.1}", y + 3.0)} width={format!("{w:.1}")} height={format!("{:.1}", ROW - 6.0)}><title>{format!("{}: {name}", b.label)}</title></rect> };
            x += w;
            r
        });
        html! {
            <g>
                <text class="label" x={format!("{:.1}", LABEL_W - 6.0)} y={format!("{:.1}", y + ROW / 2.0 + 4.0)} text-anchor="end">{clip(&b.label, 34)}<title>{b.label.clone()}</title></text>
                { for segs }
                <text class="value" x={format!("{:.1}", x + 4.0)} y={format!("{:.1}", y + ROW / 2.0 + 4.0)}>{b.text.clone()}</text>
            </g>
        }
    });
    let leg = legend.iter().enumerate().map(|(i, (class, name))| {
        let x = LABEL_W + 120.0 * i as f64;
        let y = h - 14.0;
        html! { <g><rect class={*class} x={format!("{x:.0}")} y={format!("{:.0}", y - 9.0)} width="10" height="10"/><text class="legend" x={format!("{:.0}", x + 14.0)} y={format!("{y:.0}")}>{*name}</text></g> }
    });
    html! {
        <svg id={id.to_string()} class="chart" xmlns="http://www.w3.org/2000/svg" viewBox={format!("0 0 {W} {h:.0}")} width={W.to_string()} height={format!("{h:.0}")} role="img" aria-label={title.to_string()}>
            <text class="title" x="4" y="16">{title.to_string()}</text>
            { for rows }
            { for leg }
        </svg>
    }
}

/// Lines on log-log axes: x = batch sizes, one series per framework.
pub fn lines(id: &str, title: &str, xs: &[u64], series: &[(String, Vec<f64>)], unit: &dyn Fn(f64) -> String) -> Html {
    let (w, h, l, b, t, r) = (760.0, 300.0, 80.0, 40.0, 28.0, 150.0);
    let ymax = series.iter().flat_map(|s| s.1.iter().copied()).fold(1.0, f64::max);
    let ymin =
        series.iter().flat_map(|s| s.1.iter().copied()).filter(|v| *v > 0.0).fold(ymax, f64::min).min(ymax / 10.0);
    let xmin = *xs.first().unwrap_or(&1) as f64;
    let xmax = (*xs.last().unwrap_or(&2) as f64).max(xmin * 2.0);
    let px = |x: f64| l + (x.ln() - xmin.ln()) / (xmax.ln() - xmin.ln()) * (w - l - r);
    let py = |y: f64| t + (1.0 - (y.max(ymin).ln() - ymin.ln()) / (ymax.ln() - ymin.ln()).max(1e-9)) * (h - t - b);
    let classes = ["s0", "s1", "s2", "s3", "s4", "s5"];
    let paths = series.iter().enumerate().map(|(i, (name, ys))| {
        let d: Vec<String> = xs.iter().zip(ys).enumerate().map(|(j, (x, y))| format!("{}{:.1},{:.1}", if j == 0 { "M" } else { "L" }, px(*x as f64), py(*y))).collect();
        let last = ys.last().copied().unwrap_or(0.0);
        html! { <g class={classes[i % 6]}><path d={d.join(" ")} fill="none" stroke-width="2"/><text class="legend" x={format!("{:.0}", w - r + 6.0)} y={format!("{:.0}", py(last) + 4.0)}>{format!("{name} {}", unit(last))}</text></g> }
    });
    let ticks = xs.iter().map(|x| html! { <text class="axis" x={format!("{:.0}", px(*x as f64))} y={format!("{:.0}", h - b + 16.0)} text-anchor="middle">{x.to_string()}</text> });
    html! {
        <svg id={id.to_string()} class="chart" xmlns="http://www.w3.org/2000/svg" viewBox={format!("0 0 {w} {h}")} width={w.to_string()} height={h.to_string()} role="img" aria-label={title.to_string()}>
            <text class="title" x="4" y="16">{title.to_string()}</text>
            <line class="axisline" x1={l.to_string()} y1={(h - b).to_string()} x2={(w - r).to_string()} y2={(h - b).to_string()} />
            <line class="axisline" x1={l.to_string()} y1={t.to_string()} x2={l.to_string()} y2={(h - b).to_string()} />
            <text class="axis" x={(l - 6.0).to_string()} y={format!("{:.0}", t + 4.0)} text-anchor="end">{unit(ymax)}</text>
            <text class="axis" x={(l - 6.0).to_string()} y={format!("{:.0}", h - b)} text-anchor="end">{unit(ymin)}</text>
            <text class="axis" x={format!("{:.0}", (l + w - r) / 2.0)} y={format!("{:.0}", h - 6.0)} text-anchor="middle">{"batch size (log scale)"}</text>
            { for ticks }
            { for paths }
        </svg>
    }
}

/// An icicle of the scope tree: one row per depth, widths ∝ bytes.
pub struct Cell {
    pub depth: usize,
    pub start: f64,
    pub width: f64,
    pub label: String,
    pub text: String,
}

pub fn icicle(id: &str, title: &str, cells: &[Cell], on_click: Callback<String>) -> Html {
    let depth = cells.iter().map(|c| c.depth).max().unwrap_or(0) + 1;
    let (w, row) = (760.0, 22.0);
    let h = 24.0 + row * depth as f64;
    let rects = cells.iter().filter(|c| c.width * w >= 1.0).map(|c| {
        let x = c.start * w;
        let cw = c.width * w;
        let y = 24.0 + row * c.depth as f64;
        let label = c.label.clone();
        let cb = on_click.clone();
        let chars = ((cw - 6.0) / 7.0).max(0.0) as usize;
        html! {
            <g class="cell" onclick={move |_| cb.emit(label.clone())}>
                <rect class={format!("d{}", c.depth % 4)} x={format!("{x:.1}")} y={format!("{y:.1}")} width={format!("{:.1}", (cw - 1.0).max(0.5))} height={format!("{:.1}", row - 2.0)}><title>{format!("{} — {}", c.label, c.text)}</title></rect>
                if chars >= 3 { <text class="celltext" x={format!("{:.1}", x + 3.0)} y={format!("{:.1}", y + 14.0)}>{clip(c.label.rsplit('/').next().unwrap_or(""), chars)}</text> }
            </g>
        }
    });
    html! {
        <svg id={id.to_string()} class="chart" xmlns="http://www.w3.org/2000/svg" viewBox={format!("0 0 {w} {h}")} width={w.to_string()} height={h.to_string()} role="img" aria-label={title.to_string()}>
            <text class="title" x="4" y="16">{title.to_string()}</text>
            { for rects }
        </svg>
    }
}
