//! SVG charts drawn by the app (no chart library). Each chart is a function of
//! plain data; ids let exports find them.

use yew::prelude::*;

/// One bar: a label, stacked segments (value, css class, legend name) and a value text.
pub struct Bar {
    pub label: String,
    pub segments: Vec<(f64, &'static str, &'static str)>,
    pub text: String,
}

/// How a chart is drawn: its width in CSS pixels (the container's) and scale.
#[derive(Clone, Copy, PartialEq)]
pub struct Opts {
    pub width: f64,
    pub log: bool,
}

/// Average glyph width of the 13 px chart font, for sizing label columns.
const CH: f64 = 7.4;

/// The pieces of `s` no line may split: words, each keeping a trailing `/ _ . -` (a
/// path breaks after its separators), spaces dropped.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if c == ' ' {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        cur.push(c);
        if matches!(c, '/' | '_' | '.' | '-') {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The longest piece of `s` that [`wrap`] never splits, in characters.
pub fn longest_word(s: &str) -> usize {
    words(s).iter().map(|w| w.chars().count()).max().unwrap_or(0)
}

/// `s` broken into lines of at most `n` characters, only between words (after a space or
/// `/ _ . -`): a word is never split. A single word longer than `n` is cut with "…" (the
/// caller shows the whole text as a tooltip; [`hbars`] sizes its label column so this is rare).
pub fn wrap(s: &str, n: usize) -> Vec<String> {
    let n = n.max(4);
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut glued = false; // the line ends in a separator: the next word follows without a space
    for w in words(s) {
        let w = if w.chars().count() > n { format!("{}…", w.chars().take(n - 1).collect::<String>()) } else { w };
        let gap = usize::from(!line.is_empty() && !glued);
        if !line.is_empty() && line.chars().count() + gap + w.chars().count() > n {
            out.push(std::mem::take(&mut line));
        } else if gap == 1 {
            line.push(' ');
        }
        glued = w.ends_with(['/', '_', '.', '-']);
        line.push_str(&w);
    }
    out.push(line);
    out
}

/// Horizontal stacked bars. Linear: longest = full width; log: bar length ∝
/// log10(total), segments split it in proportion. Labels wrap; values sit
/// inside the drawing.
pub fn hbars(id: &str, title: &str, bars: &[Bar], o: Opts, unit: fn(f64) -> String) -> Html {
    let w = o.width.max(260.0);
    let total = |b: &Bar| b.segments.iter().map(|s| s.0).sum::<f64>();
    let max = bars.iter().map(total).fold(0.0, f64::max);
    let min_pos = bars.iter().map(total).filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
    let longest = bars.iter().map(|b| b.label.chars().count()).max().unwrap_or(4) as f64;
    // Room for the whole label when there is some, and always for its longest word (up to
    // half the width): a label wraps between words, never inside one.
    let word = bars.iter().map(|b| longest_word(&b.label)).max().unwrap_or(4) as f64;
    let label_w = (longest * CH + 12.0).min(w * 0.42).max((word * CH + 12.0).min(w * 0.5)).max(60.0);
    let per_line = ((label_w - 10.0) / CH) as usize;
    let text_w = bars.iter().map(|b| b.text.chars().count()).max().unwrap_or(4) as f64 * CH + 12.0;
    let plot = (w - label_w - text_w - 4.0).max(40.0);
    let (lo, hi) = if min_pos.is_finite() { ((min_pos.log10() - 0.3).floor(), max.log10()) } else { (0.0, 1.0) };
    let len = |v: f64| {
        if v <= 0.0 || max <= 0.0 {
            0.0
        } else if o.log {
            ((v.log10() - lo) / (hi - lo).max(1e-9)).clamp(0.0, 1.0) * plot
        } else {
            v / max * plot
        }
    };
    let mut legend: Vec<(&str, &str)> = Vec::new();
    for b in bars {
        for s in &b.segments {
            if !legend.iter().any(|l| l.0 == s.1) {
                legend.push((s.1, s.2));
            }
        }
    }
    let mut y = 26.0;
    let mut rows = Vec::new();
    for b in bars {
        let lines = wrap(&b.label, per_line);
        let row = (lines.len() as f64 * 15.0 + 8.0).max(24.0);
        let t = total(b);
        let bar = len(t);
        let mut x = label_w;
        let segs: Vec<Html> = b
            .segments
            .iter()
            .map(|(v, class, name)| {
                let sw = if t > 0.0 { v / t * bar } else { 0.0 };
                let r = html! { <rect class={*class} x={format!("{x:.1}")} y={format!("{:.1}", y + row / 2.0 - 8.0)} width={format!("{sw:.1}")} height="16"><title>{format!("{}: {name} {}", b.label, unit(*v))}</title></rect> };
                x += sw;
                r
            })
            .collect();
        let first = y + row / 2.0 + 4.5 - (lines.len() as f64 - 1.0) * 7.5;
        let label = lines.iter().enumerate().map(|(i, l)| html! { <tspan x={format!("{:.1}", label_w - 6.0)} y={format!("{:.1}", first + 15.0 * i as f64)}>{l.clone()}</tspan> });
        rows.push(html! {
            <g>
                <title>{b.label.clone()}</title>
                <text class="label" text-anchor="end">{ for label }</text>
                { for segs }
                <text class="value" x={format!("{:.1}", x + 5.0)} y={format!("{:.1}", y + row / 2.0 + 4.5)}>{b.text.clone()}</text>
            </g>
        });
        y += row;
    }
    // Log scale: one gridline per decade, labelled.
    let grid = if o.log && max > 0.0 {
        let decades: Vec<f64> = ((lo as i64)..=(hi.floor() as i64)).map(|d| 10f64.powi(d as i32)).collect();
        let step = (decades.len() as f64 / (plot / 70.0)).ceil().max(1.0) as usize;
        decades.into_iter().step_by(step).map(|v| {
            let gx = label_w + len(v);
            html! { <g><line class="grid" x1={format!("{gx:.1}")} x2={format!("{gx:.1}")} y1="24" y2={format!("{y:.1}")} /><text class="axis" x={format!("{gx:.1}")} y={format!("{:.1}", y + 13.0)} text-anchor="middle">{unit(v)}</text></g> }
        }).collect::<Vec<_>>()
    } else {
        Vec::new()
    };
    let axis_h = if grid.is_empty() { 0.0 } else { 18.0 };
    let show_legend = legend.len() > 1;
    let h = y + axis_h + if show_legend { 24.0 } else { 6.0 };
    // Each entry as wide as its name, so long names do not overlap.
    let mut next_x = label_w;
    let leg = legend.iter().filter(|_| show_legend).map(|(class, name)| {
        let x = next_x;
        next_x += name.chars().count() as f64 * CH + 34.0;
        let ly = h - 8.0;
        html! { <g><rect class={*class} x={format!("{x:.0}")} y={format!("{:.0}", ly - 10.0)} width="11" height="11"/><text class="legend" x={format!("{:.0}", x + 15.0)} y={format!("{ly:.0}")}>{*name}</text></g> }
    });
    let full_title = if o.log { format!("{title} (log scale)") } else { title.to_string() };
    html! {
        <svg id={id.to_string()} class="chart" xmlns="http://www.w3.org/2000/svg" viewBox={format!("0 0 {w:.0} {h:.0}")} width={format!("{w:.0}")} height={format!("{h:.0}")} role="img" aria-label={full_title.clone()}>
            <text class="title" x="4" y="16">{full_title}</text>
            { for grid }
            { for rows }
            { for leg }
        </svg>
    }
}

/// Lines on log-log axes: x = batch sizes, one series per framework.
pub fn lines(
    id: &str,
    title: &str,
    xs: &[u64],
    series: &[(String, Vec<f64>)],
    unit: &dyn Fn(f64) -> String,
    width: f64,
) -> Html {
    let r = series.iter().map(|s| s.0.chars().count() + 10).max().unwrap_or(12) as f64 * CH + 8.0;
    let (w, h, l, b, t) = (width.max(300.0), 300.0, 80.0, 40.0, 28.0);
    let r = r.min(w * 0.4);
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
#[derive(Clone, PartialEq)]
pub struct Cell {
    pub depth: usize,
    pub start: f64,
    pub width: f64,
    pub label: String,
    pub text: String,
    /// Share of the framework's total bytes, 0–1 (the colour).
    pub share: f64,
}

/// A flame view (icicle) of the scope tree, widths ∝ bytes, colour ∝ share of
/// the total; `title` names it (its SVG `<title>`: the caller draws the visible heading). `zoom` (a cell's label) fills the width with that subtree. Cells
/// are one roving Tab stop: ←/→ move, Enter zooms in, Escape zooms out.
pub fn flame(
    id: &str,
    title: &str,
    cells: &[Cell],
    zoom: Option<&str>,
    on_zoom: Callback<Option<String>>,
    width: f64,
) -> Html {
    let (w, row) = (width.max(300.0), 24.0);
    let z = zoom.and_then(|z| cells.iter().find(|c| c.label == z));
    let (z0, zw, zd) = z.map_or((0.0, 1.0, 0), |c| (c.start, c.width.max(1e-12), c.depth));
    let inside = |c: &Cell| c.start + c.width > z0 + 1e-12 && c.start < z0 + zw - 1e-12;
    let shown: Vec<&Cell> = cells
        .iter()
        .filter(|c| inside(c) && (c.depth >= zd || z.is_some_and(|z| z.label.starts_with(&format!("{}/", c.label)))))
        .filter(|c| c.width / zw * w >= 1.0)
        .collect();
    let depth = shown.iter().map(|c| c.depth).max().unwrap_or(0) + 1;
    // The title is the caller's heading (above the box that scrolls sideways), not drawn here.
    let h = 4.0 + row * depth as f64;
    let parent = |l: &str| l.rsplit_once('/').map(|(p, _)| p.to_string());
    let first_focus = shown.iter().position(|c| Some(c.label.as_str()) == zoom).unwrap_or(0);
    let rects = shown.iter().enumerate().map(|(i, c)| {
        let x = ((c.start - z0).max(0.0) / zw) * w;
        let right = ((c.start + c.width - z0).min(zw) / zw) * w;
        let cw = right - x;
        let y = 2.0 + row * c.depth as f64;
        let (l1, l2) = (c.label.clone(), c.label.clone());
        let up = zoom.and_then(parent);
        let (cb, cb2) = (on_zoom.clone(), on_zoom.clone());
        let onkeydown = Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Enter" | " " => {
                e.prevent_default();
                cb2.emit(Some(l2.clone()))
            }
            "Escape" | "Backspace" => {
                e.prevent_default();
                cb2.emit(up.clone())
            }
            _ => {}
        });
        let chars = ((cw - 6.0) / 7.0).max(0.0) as usize;
        let name = c.label.rsplit('/').next().unwrap_or("").to_string();
        let tip = format!("{} — {} ({:.1} % of the total)", c.label, c.text, 100.0 * c.share);
        html! {
            <g key={format!("{}@{}", c.label, c.start)} class="cell" tabindex={if i == first_focus { "0" } else { "-1" }} role="button" aria-label={tip.clone()} data-label={c.label.clone()}
                onclick={move |_| cb.emit(Some(l1.clone()))} {onkeydown}>
                <rect class="flame" style={format!("--p:{:.0}%", 12.0 + 78.0 * c.share.sqrt())} x={format!("{x:.1}")} y={format!("{y:.1}")} width={format!("{:.1}", (cw - 1.0).max(0.5))} height={format!("{:.1}", row - 2.0)}><title>{tip}</title></rect>
                // Only a whole name: a cut one would not match the cell's accessible name.
                if chars >= name.chars().count() && !name.is_empty() { <text class="celltext" x={format!("{:.1}", x + 3.0)} y={format!("{:.1}", y + 15.0)}>{name.clone()}</text> }
            </g>
        }
    });
    html! {
        <svg id={id.to_string()} class="chart flame-chart" xmlns="http://www.w3.org/2000/svg" viewBox={format!("0 0 {w} {h}")} width={w.to_string()} height={h.to_string()} role="group" aria-label={title.to_string()}
            onkeydown={Callback::from(crate::roving::cells)}>
            <title>{title.to_string()}</title>
            { for rects }
        </svg>
    }
}
