//! The model's dataflow graph, collapsed by scope and laid out in layers, with
//! each box's share of one framework's bytes or rounds: what the page's graph
//! view draws. Computed here so the view only draws boxes and edges.
//!
//! Collapsing: a node belongs to the outermost scope of its module path that is
//! not open; a node whose every scope is open is shown alone. [`default_open`]
//! opens the largest scopes while the drawing stays under a box budget, so a
//! 7 B LLM opens as its embedding, its decoder layers and its head.
//!
//! Layout (Sugiyama's scheme, kept small): longest-path layering in the file's
//! topological order (a back edge between two collapsed scopes is drawn but not
//! layered), dummy points on edges that skip up to [`MAX_DUMMY_SPAN`] layers,
//! barycentre sweeps to reduce crossings, then x positions pulled towards the
//! neighbours' mean without overlapping.

use crate::graph::Graph;
use crate::report::FrameworkReport;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Box size and spacing, in the drawing's units (CSS pixels at 100 %).
pub const BOX_W: f64 = 156.0;
pub const BOX_H: f64 = 36.0;
pub const GAP_X: f64 = 24.0;
pub const LAYER_H: f64 = 76.0;
const DUMMY_W: f64 = 8.0;
/// An edge skipping more layers than this is drawn as one curve, without
/// dummy points (a mask read by every layer of an LLM would add thousands).
pub const MAX_DUMMY_SPAN: usize = 12;
/// Boxes [`default_open`] aims for.
pub const DEFAULT_BOXES: usize = 60;

/// What a box's colour measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Metric {
    #[default]
    Bytes,
    Rounds,
}

/// A drawn box: one node, or a collapsed scope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    /// The node's name, or the scope path joined with `/`.
    pub id: String,
    /// True for a collapsed scope (click opens it).
    pub scope: bool,
    /// Last scope segment, or the node's op type.
    pub label: String,
    /// The node's name (its last segment) or "N nodes".
    pub sub: String,
    /// Index of the first node in [`Graph::nodes`].
    pub first: usize,
    pub nodes: usize,
    pub bytes: u64,
    pub rounds: u64,
    /// This box's part of the framework's total of the metric, 0–1.
    pub share: f64,
    /// Colour intensity, 0–1 (linear or log of the share, see [`layout`]).
    pub heat: f64,
    /// Every node in it is public (computed in the clear).
    pub public: bool,
    /// Nodes in it the framework cannot price.
    pub unpriced: usize,
    pub layer: usize,
    /// Left edge and top, in drawing units.
    pub x: f64,
    pub y: f64,
}

/// An edge between two boxes, as a polyline of points (box bottom → dummies → box top).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub points: Vec<(f64, f64)>,
}

/// A laid-out graph.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Layout {
    pub units: Vec<Unit>,
    pub edges: Vec<Edge>,
    pub width: f64,
    pub height: f64,
    /// Legend: (heat 0–1, share it stands for).
    pub legend: Vec<(f64, f64)>,
    /// Scopes currently open (for a "collapse" list).
    pub open: Vec<String>,
}

/// The box a node falls in: the outermost closed scope, or the node itself.
fn unit_key(scope: &[String], open: &BTreeSet<String>) -> Option<String> {
    let mut path = String::new();
    for (i, s) in scope.iter().enumerate() {
        if i > 0 {
            path.push('/');
        }
        path.push_str(s);
        if !open.contains(&path) {
            return Some(path);
        }
    }
    None
}

/// For each node, the node whose box it joins: itself, or for a node that reads no data
/// (only weights and constants: an Identity of a weight, a Constant, a shape computation)
/// its first reader's, as Netron draws constants inside their consumer. Otherwise every
/// weight copy would be a box of its own on the top layer.
fn homes(g: &Graph) -> Vec<usize> {
    let producer: HashMap<&str, usize> =
        g.nodes.iter().enumerate().flat_map(|(i, n)| n.outputs.iter().map(move |t| (t.name.as_str(), i))).collect();
    let mut reads_data = vec![false; g.nodes.len()];
    let mut first_reader: Vec<Option<usize>> = vec![None; g.nodes.len()];
    for (i, n) in g.nodes.iter().enumerate() {
        for t in &n.inputs {
            match producer.get(t.name.as_str()) {
                Some(&p) if p < i => {
                    reads_data[i] |= reads_data[p];
                    first_reader[p].get_or_insert(i);
                }
                _ => reads_data[i] |= t.origin == crate::graph::Origin::Input,
            }
        }
    }
    let mut home: Vec<usize> = (0..g.nodes.len()).collect();
    for i in (0..g.nodes.len()).rev() {
        if !reads_data[i] {
            if let Some(r) = first_reader[i] {
                home[i] = home[r];
            }
        }
    }
    home
}

fn count_units(g: &Graph, home: &[usize], open: &BTreeSet<String>) -> usize {
    let mut seen = HashSet::new();
    let mut nodes = 0;
    for n in g.nodes.iter().enumerate().filter(|(i, _)| home[*i] == *i).map(|(_, n)| n) {
        match unit_key(&n.scope, open) {
            Some(k) => {
                seen.insert(k);
            }
            None => nodes += 1,
        }
    }
    seen.len() + nodes
}

/// Opens the largest closed scopes while the box count stays within `budget`.
/// Scopes of equal size and depth (the repeated blocks of a network) open or stay
/// closed together, so every encoder layer looks alike.
pub fn default_open(g: &Graph, budget: usize) -> BTreeSet<String> {
    let mut open = BTreeSet::new();
    let mut tried = HashSet::new();
    let home = homes(g);
    loop {
        let mut sizes: HashMap<String, usize> = HashMap::new();
        for n in g.nodes.iter().enumerate().filter(|(i, _)| home[*i] == *i).map(|(_, n)| n) {
            if let Some(k) = unit_key(&n.scope, &open) {
                *sizes.entry(k).or_default() += 1;
            }
        }
        // Only a scope with more than one node can open into more than one box.
        let depth = |k: &str| k.matches('/').count();
        let mut cands: Vec<(usize, String)> =
            sizes.into_iter().filter(|(k, n)| *n > 1 && !tried.contains(k)).map(|(k, n)| (n, k)).collect();
        cands.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let Some((size, first)) = cands.first().cloned() else { return open };
        let batch: Vec<String> =
            cands.into_iter().filter(|(n, k)| *n == size && depth(k) == depth(&first)).map(|(_, k)| k).collect();
        tried.extend(batch.iter().cloned());
        open.extend(batch.iter().cloned());
        if count_units(g, &home, &open) > budget {
            for k in &batch {
                open.remove(k);
            }
        }
    }
}

/// Lays out `g` with the scopes in `open` opened, coloured by `metric` for `fr`
/// (none: no colour). `log` maps shares on a log scale (four decades).
/// `public[i]` says whether node `i` is public as the profile marked it
/// ([`crate::report::NodeRow::public`]); missing entries use the graph's own marks.
pub fn layout(
    g: &Graph,
    public: &[bool],
    fr: Option<&FrameworkReport>,
    open: &BTreeSet<String>,
    metric: Metric,
    log: bool,
) -> Layout {
    // Cost per node name (training adds backward/update rows for the same node).
    let mut cost: HashMap<&str, (u64, u64)> = HashMap::new();
    if let Some(f) = fr {
        for n in &f.nodes {
            let e = cost.entry(n.node.as_str()).or_default();
            e.0 = e.0.saturating_add(n.cost.bytes);
            e.1 = e.1.saturating_add(n.cost.rounds);
        }
    }
    let unpriced: HashSet<&str> =
        g.unsupported.iter().chain(fr.map(|f| &f.unsupported[..]).unwrap_or(&[])).map(|p| p.node.as_str()).collect();

    let producer: HashMap<&str, usize> =
        g.nodes.iter().enumerate().flat_map(|(i, n)| n.outputs.iter().map(move |t| (t.name.as_str(), i))).collect();
    let home = homes(g);

    // Boxes in order of their first node.
    let mut units: Vec<Unit> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut node_unit = vec![usize::MAX; g.nodes.len()];
    let visit: Vec<usize> =
        (0..g.nodes.len()).filter(|&i| home[i] == i).chain((0..g.nodes.len()).filter(|&i| home[i] != i)).collect();
    for i in visit {
        let n = &g.nodes[i];
        if home[i] != i {
            let u = node_unit[home[i]];
            node_unit[i] = u;
            add_node(&mut units[u], n, public.get(i).copied(), &cost, &unpriced, fr.is_some());
            continue;
        }
        let (key, scope) = match unit_key(&n.scope, open) {
            Some(k) => (k, true),
            None => (n.name.clone(), false),
        };
        let u = *at.entry(key.clone()).or_insert_with(|| {
            let label = if scope { key.rsplit('/').next().unwrap_or(&key).to_string() } else { n.op.clone() };
            units.push(Unit {
                id: key,
                scope,
                label,
                sub: String::new(),
                first: i,
                nodes: 0,
                bytes: 0,
                rounds: 0,
                share: 0.0,
                heat: 0.0,
                public: true,
                unpriced: 0,
                layer: 0,
                x: 0.0,
                y: 0.0,
            });
            units.len() - 1
        });
        add_node(&mut units[u], n, public.get(i).copied(), &cost, &unpriced, fr.is_some());
        node_unit[i] = u;
    }
    // A closed scope holding one box's worth (one node and what folds into it) is drawn
    // as that node: opening it would show the same.
    let mut homes_in = vec![0usize; units.len()];
    for (i, &h) in home.iter().enumerate() {
        if h == i && node_unit[i] != usize::MAX {
            homes_in[node_unit[i]] += 1;
        }
    }
    for (u, n) in units.iter_mut().zip(homes_in) {
        if u.scope && n == 1 {
            let node = &g.nodes[u.first];
            u.scope = false;
            u.id = node.name.clone();
            u.label = node.op.clone();
        }
    }
    for u in &mut units {
        u.sub = if u.scope {
            format!("{} nodes", u.nodes)
        } else {
            u.id.rsplit('/').find(|s| !s.is_empty()).unwrap_or(&u.id).to_string()
        };
    }
    let legend = colour(&mut units, fr, metric, log);

    // Edges: producer box → consumer box, once each (a folded node's reads are not drawn).
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut seen = HashSet::new();
    for (i, n) in g.nodes.iter().enumerate() {
        for t in &n.inputs {
            let Some(&p) = producer.get(t.name.as_str()) else { continue };
            if home[p] != p {
                continue;
            }
            let (a, b) = (node_unit[p], node_unit[i]);
            if a != b && seen.insert((a, b)) {
                pairs.push((a, b));
            }
        }
    }

    // Longest-path layers; boxes are numbered in topological order of their
    // first node, so an edge to an earlier box closes a cycle between scopes.
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); units.len()];
    for &(a, b) in &pairs {
        if a < b {
            preds[b].push(a);
        }
    }
    for b in 0..units.len() {
        units[b].layer = preds[b].iter().map(|&a| units[a].layer + 1).max().unwrap_or(0);
    }
    let layers = units.iter().map(|u| u.layer).max().map_or(0, |l| l + 1);

    // Slots per layer: boxes and dummy points (usize::MAX - edge index).
    let mut rows: Vec<Vec<Slot>> = vec![Vec::new(); layers];
    for (i, u) in units.iter().enumerate() {
        rows[u.layer].push(Slot::Unit(i));
    }
    let mut chains: Vec<Vec<(usize, usize)>> = Vec::new(); // per edge: (layer, index in row) of its dummies
    for (e, &(a, b)) in pairs.iter().enumerate() {
        let (la, lb) = (units[a].layer, units[b].layer);
        let mut chain = Vec::new();
        if lb > la + 1 && lb - la <= MAX_DUMMY_SPAN {
            for (l, row) in rows.iter_mut().enumerate().take(lb).skip(la + 1) {
                row.push(Slot::Dummy(e, l));
                chain.push((l, 0));
            }
        }
        chains.push(chain);
    }
    order(&mut rows, &units, &pairs);
    let xs = place(&rows, &units, &pairs);

    for (l, row) in rows.iter().enumerate() {
        for (k, s) in row.iter().enumerate() {
            match *s {
                Slot::Unit(i) => {
                    units[i].x = xs[l][k];
                    units[i].y = l as f64 * LAYER_H;
                }
                Slot::Dummy(e, _) => {
                    if let Some(c) = chains[e].iter_mut().find(|c| c.0 == l) {
                        c.1 = k;
                    }
                }
            }
        }
    }
    let width = xs.iter().flat_map(|r| r.iter()).fold(0.0f64, |m, x| m.max(*x)) + BOX_W;
    let edges = pairs
        .iter()
        .enumerate()
        .map(|(e, &(a, b))| {
            let (ua, ub) = (&units[a], &units[b]);
            let mut points = vec![(ua.x + BOX_W / 2.0, ua.y + BOX_H)];
            points.extend(chains[e].iter().map(|&(l, k)| (xs[l][k] + DUMMY_W / 2.0, l as f64 * LAYER_H + BOX_H / 2.0)));
            points.push((ub.x + BOX_W / 2.0, ub.y));
            Edge { from: a, to: b, points }
        })
        .collect();
    Layout {
        units,
        edges,
        width,
        height: layers.max(1) as f64 * LAYER_H - (LAYER_H - BOX_H),
        legend,
        open: open.iter().cloned().collect(),
    }
}

/// Adds node `n`'s cost and marks to its box. `public`: as the profile marked it.
fn add_node(
    unit: &mut Unit,
    n: &crate::graph::Node,
    public: Option<bool>,
    cost: &HashMap<&str, (u64, u64)>,
    unpriced: &HashSet<&str>,
    priced: bool,
) {
    unit.nodes += 1;
    let (b, r) = cost.get(n.name.as_str()).copied().unwrap_or_default();
    unit.bytes = unit.bytes.saturating_add(b);
    unit.rounds = unit.rounds.saturating_add(r);
    let is_public = public.unwrap_or_else(|| n.is_public());
    unit.public &= is_public;
    // As `Coverage::of` counts them: listed unsupported, not priced, not public.
    if priced && !is_public && unpriced.contains(n.name.as_str()) && !cost.contains_key(n.name.as_str()) {
        unit.unpriced += 1;
    }
}

/// Shares of the framework's total and colour intensities; returns the legend.
fn colour(units: &mut [Unit], fr: Option<&FrameworkReport>, metric: Metric, log: bool) -> Vec<(f64, f64)> {
    let Some(f) = fr else { return Vec::new() };
    let total = match metric {
        Metric::Bytes => f.total.bytes,
        Metric::Rounds => f.total.rounds,
    };
    if total == 0 {
        return Vec::new();
    }
    for u in units.iter_mut() {
        let v = match metric {
            Metric::Bytes => u.bytes,
            Metric::Rounds => u.rounds,
        };
        u.share = v as f64 / total as f64;
    }
    let max = units.iter().map(|u| u.share).fold(0.0, f64::max);
    if max <= 0.0 {
        return Vec::new();
    }
    if log {
        // Four decades below the largest share; smaller shares get the palest tint.
        let lo = max.log10() - 4.0;
        for u in units.iter_mut().filter(|u| u.share > 0.0) {
            u.heat = ((u.share.log10() - lo) / 4.0).clamp(0.02, 1.0);
        }
        (0..=4).map(|d| (d as f64 / 4.0, 10f64.powf(lo + d as f64))).collect()
    } else {
        for u in units.iter_mut() {
            u.heat = u.share / max;
        }
        (0..=4).map(|d| (d as f64 / 4.0, max * d as f64 / 4.0)).collect()
    }
}

#[derive(Clone, Copy, Debug)]
enum Slot {
    Unit(usize),
    /// A point of edge `e` crossing layer `l`: (e, l).
    Dummy(usize, usize),
}

/// A slot's identity across passes: (is a box, box or edge index, layer of a dummy).
type Key = (bool, usize, usize);

fn slot_key(s: Slot) -> Key {
    match s {
        Slot::Unit(i) => (true, i, 0),
        Slot::Dummy(e, l) => (false, e, l),
    }
}

/// Each slot's neighbours in the layer above (`.0`) and below (`.1`), through dummies.
fn links(rows: &[Vec<Slot>], units: &[Unit], pairs: &[(usize, usize)]) -> HashMap<Key, (Vec<Key>, Vec<Key>)> {
    let dummied: HashSet<usize> = rows
        .iter()
        .flatten()
        .filter_map(|s| match s {
            Slot::Dummy(e, _) => Some(*e),
            _ => None,
        })
        .collect();
    let mut out: HashMap<Key, (Vec<Key>, Vec<Key>)> = HashMap::new();
    for (e, &(a, b)) in pairs.iter().enumerate() {
        let (la, lb) = (units[a].layer, units[b].layer);
        if la >= lb {
            continue;
        }
        let mut chain = vec![(true, a, 0)];
        if dummied.contains(&e) {
            chain.extend((la + 1..lb).map(|l| (false, e, l)));
        }
        chain.push((true, b, 0));
        for w in chain.windows(2) {
            out.entry(w[0]).or_default().1.push(w[1]);
            out.entry(w[1]).or_default().0.push(w[0]);
        }
    }
    out
}

/// Barycentre sweeps, down then up, four times: each slot moves to the mean
/// position of its neighbours in the layer just swept.
fn order(rows: &mut [Vec<Slot>], units: &[Unit], pairs: &[(usize, usize)]) {
    let n = rows.len();
    if n < 2 {
        return;
    }
    let nb = links(rows, units, pairs);
    let mut pos: HashMap<Key, f64> = HashMap::new();
    for row in rows.iter() {
        for (k, s) in row.iter().enumerate() {
            pos.insert(slot_key(*s), k as f64);
        }
    }
    for sweep in 0..8 {
        let downward = sweep % 2 == 0;
        let layers: Vec<usize> = if downward { (1..n).collect() } else { (0..n - 1).rev().collect() };
        for l in layers {
            let mut keyed: Vec<(f64, usize, Slot)> = rows[l]
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    let ns = nb.get(&slot_key(*s)).map(|v| if downward { &v.0[..] } else { &v.1[..] }).unwrap_or(&[]);
                    let ps: Vec<f64> = ns.iter().filter_map(|x| pos.get(x).copied()).collect();
                    let bc = if ps.is_empty() { k as f64 } else { ps.iter().sum::<f64>() / ps.len() as f64 };
                    (bc, k, *s)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            rows[l] = keyed.into_iter().map(|x| x.2).collect();
            for (k, s) in rows[l].iter().enumerate() {
                pos.insert(slot_key(*s), k as f64);
            }
        }
    }
}

fn slot_w(s: Slot) -> f64 {
    match s {
        Slot::Unit(_) => BOX_W,
        Slot::Dummy(..) => DUMMY_W,
    }
}

/// X of each slot's left edge: packed, then pulled towards the neighbours'
/// centres (a few passes), never overlapping, shifted so the leftmost is 0.
fn place(rows: &[Vec<Slot>], units: &[Unit], pairs: &[(usize, usize)]) -> Vec<Vec<f64>> {
    let mut xs: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| {
            let mut x = 0.0;
            r.iter()
                .map(|s| {
                    let at = x;
                    x += slot_w(*s) + GAP_X;
                    at
                })
                .collect()
        })
        .collect();
    // Centre every row on the widest one to start with.
    let widths: Vec<f64> =
        rows.iter().zip(&xs).map(|(r, x)| x.last().map_or(0.0, |l| l + slot_w(r[r.len() - 1]))).collect();
    let widest = widths.iter().fold(0.0f64, |m, w| m.max(*w));
    for (row, w) in xs.iter_mut().zip(&widths) {
        row.iter_mut().for_each(|x| *x += (widest - w) / 2.0);
    }
    let nb = links(rows, units, pairs);
    for _ in 0..4 {
        let mut centre: HashMap<Key, f64> = HashMap::new();
        for (r, x) in rows.iter().zip(&xs) {
            for (s, x) in r.iter().zip(x) {
                centre.insert(slot_key(*s), x + slot_w(*s) / 2.0);
            }
        }
        for (l, r) in rows.iter().enumerate() {
            let want: Vec<f64> = r
                .iter()
                .zip(&xs[l])
                .map(|(s, x)| {
                    let cs: Vec<f64> = nb
                        .get(&slot_key(*s))
                        .map(|v| v.0.iter().chain(&v.1).filter_map(|k| centre.get(k).copied()).collect())
                        .unwrap_or_default();
                    if cs.is_empty() {
                        *x
                    } else {
                        cs.iter().sum::<f64>() / cs.len() as f64 - slot_w(*s) / 2.0
                    }
                })
                .collect();
            // Packed towards the right and towards the left from the wishes, then
            // averaged: both keep the order and the gaps, so their mean does too.
            let (mut right, mut left) = (want.clone(), want);
            for k in 1..right.len() {
                right[k] = right[k].max(right[k - 1] + slot_w(r[k - 1]) + GAP_X);
            }
            for k in (0..left.len().saturating_sub(1)).rev() {
                left[k] = left[k].min(left[k + 1] - slot_w(r[k]) - GAP_X);
            }
            xs[l] = right.iter().zip(&left).map(|(a, b)| (a + b) / 2.0).collect();
        }
    }
    let min = xs.iter().flatten().fold(f64::MAX, |m, x| m.min(*x));
    let min = if min.is_finite() { min } else { 0.0 };
    xs.iter_mut().flatten().for_each(|x| *x -= min);
    xs
}

/// The box an arrow key moves to from box `from`: up/down to the nearest box
/// (by x) of the previous/next layer that has one, left/right within the layer.
pub fn neighbour(l: &Layout, from: usize, key: &str) -> Option<usize> {
    let u = l.units.get(from)?;
    let cx = u.x;
    let nearest = |pred: &dyn Fn(&Unit) -> bool, score: &dyn Fn(&Unit) -> f64| {
        l.units
            .iter()
            .enumerate()
            .filter(|(_, v)| pred(v))
            .min_by(|a, b| score(a.1).total_cmp(&score(b.1)))
            .map(|(i, _)| i)
    };
    match key {
        "ArrowDown" => {
            let next = l.units.iter().filter(|v| v.layer > u.layer).map(|v| v.layer).min()?;
            nearest(&|v| v.layer == next, &|v| (v.x - cx).abs())
        }
        "ArrowUp" => {
            let prev = l.units.iter().filter(|v| v.layer < u.layer).map(|v| v.layer).max()?;
            nearest(&|v| v.layer == prev, &|v| (v.x - cx).abs())
        }
        "ArrowRight" => nearest(&|v| v.layer == u.layer && v.x > cx, &|v| v.x - cx),
        "ArrowLeft" => nearest(&|v| v.layer == u.layer && v.x < cx, &|v| cx - v.x),
        "Home" => Some(0),
        "End" => Some(l.units.len().saturating_sub(1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Node, Origin, Tensor};

    fn t(name: &str) -> Tensor {
        Tensor {
            name: name.into(),
            shape: Some(vec![1, 4]),
            dtype: "float".into(),
            // "x" is the model's input; every other tensor a node's output.
            origin: if name == "x" { Origin::Input } else { Origin::Activation },
            value: None,
        }
    }
    fn node(name: &str, scope: &[&str], ins: &[&str], out: &str) -> Node {
        Node {
            name: name.into(),
            op: "Relu".into(),
            domain: String::new(),
            scope: scope.iter().map(|s| s.to_string()).collect(),
            inputs: ins.iter().map(|s| t(s)).collect(),
            outputs: vec![t(out)],
            attrs: Default::default(),
        }
    }
    /// x → a → (b, c) → d, with b and c in scope "blk" and a skip edge a → d.
    fn diamond() -> Graph {
        Graph {
            file: "t.onnx".into(),
            opset: 17,
            producer: String::new(),
            inputs: vec![t("x")],
            outputs: vec![t("d")],
            nodes: vec![
                node("a", &[], &["x"], "a"),
                node("b", &["blk"], &["a"], "b"),
                node("c", &["blk"], &["b"], "c"),
                node("d", &[], &["c", "a"], "d"),
            ],
            unsupported: Vec::new(),
            parameters: 0,
            notes: Vec::new(),
        }
    }

    #[test]
    fn a_closed_scope_is_one_box_and_opening_it_shows_its_nodes() {
        let g = diamond();
        let closed = layout(&g, &[], None, &BTreeSet::new(), Metric::Bytes, false);
        let ids: Vec<&str> = closed.units.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["a", "blk", "d"]);
        assert_eq!(closed.units[1].nodes, 2);
        assert_eq!(closed.units.iter().map(|u| u.layer).collect::<Vec<_>>(), [0, 1, 2]);
        let open: BTreeSet<String> = ["blk".to_string()].into();
        let l = layout(&g, &[], None, &open, Metric::Bytes, false);
        assert_eq!(l.units.iter().map(|u| u.layer).collect::<Vec<_>>(), [0, 1, 2, 3]);
        // a → d skips two layers: drawn through two dummy points.
        let skip = l.edges.iter().find(|e| e.from == 0 && e.to == 3).unwrap();
        assert_eq!(skip.points.len(), 4);
        // Boxes of one layer never overlap; every edge goes downwards.
        for e in &l.edges {
            assert!(e.points.windows(2).all(|w| w[1].1 > w[0].1), "{e:?}");
        }
    }

    #[test]
    fn a_node_reading_no_data_joins_its_reader() {
        // An Identity of a weight, first in the file, read by "b" in scope "blk".
        let mut g = diamond();
        let mut w = node("w_copy", &[], &[], "w2");
        w.inputs = vec![Tensor { origin: Origin::Weight, ..t("W") }];
        g.nodes.insert(0, w);
        g.nodes[2].inputs.push(t("w2"));
        let l = layout(&g, &[], None, &BTreeSet::new(), Metric::Bytes, false);
        let ids: Vec<&str> = l.units.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["a", "blk", "d"]);
        assert_eq!(l.units[1].nodes, 3);
        assert_eq!(l.edges.len(), 3);
    }

    #[test]
    fn default_open_stays_within_the_budget() {
        let g = diamond();
        assert_eq!(default_open(&g, 3), BTreeSet::new());
        assert_eq!(default_open(&g, 4), ["blk".to_string()].into());
    }

    #[test]
    fn boxes_in_a_layer_do_not_overlap() {
        // One producer feeding eight consumers, then one join.
        let mut g = diamond();
        g.nodes = vec![node("src", &[], &["x"], "s")];
        for i in 0..8 {
            g.nodes.push(node(&format!("n{i}"), &[], &["s"], &format!("o{i}")));
        }
        let outs: Vec<String> = (0..8).map(|i| format!("o{i}")).collect();
        let refs: Vec<&str> = outs.iter().map(String::as_str).collect();
        g.nodes.push(node("join", &[], &refs, "j"));
        let l = layout(&g, &[], None, &BTreeSet::new(), Metric::Bytes, false);
        let mut mid: Vec<f64> = l.units.iter().filter(|u| u.layer == 1).map(|u| u.x).collect();
        mid.sort_by(f64::total_cmp);
        assert_eq!(mid.len(), 8);
        assert!(mid.windows(2).all(|w| w[1] - w[0] >= BOX_W + GAP_X - 1e-9), "{mid:?}");
        assert_eq!(neighbour(&l, 0, "ArrowDown").map(|i| l.units[i].layer), Some(1));
        assert_eq!(neighbour(&l, 9, "ArrowUp").map(|i| l.units[i].layer), Some(1));
    }
}
