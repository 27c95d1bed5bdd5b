//! Graph → report: runs the requested cost models over a loaded graph.

use crate::frameworks::{self, CostModel};
use crate::graph::Graph;
use crate::report::{Mode, Report};
use crate::settings::Settings;
use std::collections::BTreeMap;

/// What to profile: which frameworks, which mode, which settings.
#[derive(Clone, Debug, Default)]
pub struct ProfileRequest {
    /// Registry names; empty means every framework.
    pub frameworks: Vec<String>,
    pub mode: Mode,
    /// `framework → key → value`, as given by `--set framework.key=value`.
    pub settings: BTreeMap<String, BTreeMap<String, String>>,
    /// Input name → public (`true`) or secret (`false`), overriding the default rule of
    /// `src/public.rs` (integer inputs public, float inputs secret).
    pub public_inputs: BTreeMap<String, bool>,
}

impl ProfileRequest {
    /// Parses one `FRAMEWORK.KEY=VALUE` assignment.
    pub fn add_setting(&mut self, assignment: &str) -> Result<(), String> {
        let (lhs, value) = assignment
            .split_once('=')
            .ok_or_else(|| format!("invalid setting '{assignment}': expected FRAMEWORK.KEY=VALUE"))?;
        let (fw, key) = lhs
            .split_once('.')
            .ok_or_else(|| format!("invalid setting '{assignment}': expected FRAMEWORK.KEY=VALUE"))?;
        let (fw, key, value) = check_setting(fw, key, value)?;
        self.settings.entry(fw).or_default().insert(key, value);
        Ok(())
    }

    /// The effective settings of one framework: its defaults overridden by the request.
    pub fn settings_for(&self, model: &dyn CostModel) -> Result<Settings, String> {
        let mut s = Settings::defaults(model.settings());
        if let Some(kv) = self.settings.get(model.name()) {
            for (k, v) in kv {
                s.set(model.settings(), model.name(), k, v)?;
            }
        }
        model.check_settings(&s)?;
        Ok(s)
    }
}

/// The graph the cost models see: without public nodes (computed in the clear, `src/public.rs`),
/// without the nodes whose shapes are unknown
/// (already listed in the report's `unsupported`) or that compute an empty
/// tensor. Formulas divide by element counts and windows; such nodes only come
/// from malformed files, and pricing them would be a guess.
fn priceable(graph: &Graph) -> std::borrow::Cow<'_, Graph> {
    let empty = |t: &crate::graph::Tensor| t.numel() == Some(0) && t.origin == crate::graph::Origin::Activation;
    let ok =
        |n: &crate::graph::Node| !n.is_public() && n.shapes_known() && !n.outputs.iter().chain(&n.inputs).any(empty);
    if graph.nodes.iter().all(ok) {
        return std::borrow::Cow::Borrowed(graph);
    }
    let nodes = graph.nodes.iter().filter(|n| ok(n)).cloned().collect();
    std::borrow::Cow::Owned(Graph {
        file: graph.file.clone(),
        opset: graph.opset,
        producer: graph.producer.clone(),
        inputs: graph.inputs.clone(),
        outputs: graph.outputs.clone(),
        nodes,
        unsupported: graph.unsupported.clone(),
        parameters: graph.parameters,
        notes: graph.notes.clone(),
    })
}

/// The one parser of a setting, for every front end (CLI `--set`, the page, share links): the
/// framework's registry name, the key and the value as its table spells them, or a message
/// naming the bad part. Cross-setting rules are checked when a profile starts
/// (`CostModel::check_settings`).
pub fn check_setting(framework: &str, key: &str, value: &str) -> Result<(String, String, String), String> {
    let model = lookup(framework)?;
    let mut s = Settings::defaults(model.settings());
    s.set(model.settings(), model.name(), key, value)?;
    let spec = model.settings().iter().find(|x| x.key.eq_ignore_ascii_case(key)).expect("set found it");
    Ok((model.name().to_string(), spec.key.to_string(), s.get(spec.key).to_string()))
}

fn lookup(name: &str) -> Result<&'static dyn CostModel, String> {
    frameworks::by_name(name).ok_or_else(|| {
        let names: Vec<_> = frameworks::all().iter().map(|f| f.name()).collect();
        format!(
            "unknown framework '{name}': available are {}",
            if names.is_empty() { "none yet".to_string() } else { names.join(", ") }
        )
    })
}

/// Profiles `graph` for every framework the request names.
pub fn profile(graph: &Graph, req: &ProfileRequest) -> Result<Report, String> {
    profile_with_budget(graph, req, crate::budget::DEFAULT_LIMIT)
}

/// [`profile`] with `work_budget` units of work per framework (`budget.rs`): a cost model that
/// needs more is stopped and the profile is an error naming the node.
pub fn profile_with_budget(graph: &Graph, req: &ProfileRequest, work_budget: u64) -> Result<Report, String> {
    profile_owned(graph.clone(), req, work_budget)
}

/// [`profile_with_budget`] of a graph the caller no longer needs (a decode step's), which is
/// marked in place instead of copied.
pub fn profile_owned(graph: Graph, req: &ProfileRequest, work_budget: u64) -> Result<Report, String> {
    let models: Vec<&'static dyn CostModel> = if req.frameworks.is_empty() || req.frameworks.iter().any(|f| f == "all")
    {
        frameworks::all()
    } else {
        req.frameworks.iter().map(|f| lookup(f)).collect::<Result<_, _>>()?
    };
    let mut marked = graph;
    crate::public::mark(&mut marked, &req.public_inputs)?;
    let graph = &marked;
    let mut report = Report::from_graph(graph, req.mode);
    let full = graph;
    let priced = priceable(graph);
    let graph = priced.as_ref();
    for m in models {
        let settings = req.settings_for(m)?;
        let budget = crate::budget::Budget::start(work_budget);
        let mut fr = m.profile(graph, req.mode, &settings);
        fr.warnings.extend(m.public_node_warnings(&full.nodes.iter().filter(|n| n.is_public()).collect::<Vec<_>>()));
        budget.finish(m.title())?;
        check_no_saturation(&fr)?;
        crate::measured::flag_unmeasured(m, req.mode, &settings, &mut fr);
        fr.coverage = crate::report::Coverage::of(full, &fr, &report.unsupported);
        if req.mode == Mode::Training && !m.supports_training() {
            fr.coverage.partial = true;
            fr.coverage.mode_unsupported = Some(format!("no training in {}: it runs inference only", m.title()));
        }
        report.frameworks.push(fr);
    }
    Ok(report)
}

/// Costs add and multiply with saturation (`cost.rs`), so a figure of 2^64 − 1 is not a count
/// but an overflow: refuse it, naming the first node that reached it, instead of printing it.
fn check_no_saturation(fr: &crate::report::FrameworkReport) -> Result<(), String> {
    let full = |c: &crate::cost::Cost| {
        [c.bytes, c.rounds, c.online, c.offline].contains(&u64::MAX)
            || c.parties.iter().any(|p| p.bytes == u64::MAX || p.rounds == u64::MAX)
    };
    if !full(&fr.total) && !fr.nodes.iter().any(|n| full(&n.cost)) {
        return Ok(());
    }
    let at = fr.nodes.iter().find(|n| full(&n.cost)).map(|n| format!(" at node '{}' ({})", n.node, n.op));
    Err(format!(
        "{}: the cost overflows 2^64{}; the model or its settings are too large to price (lower the batch or the \
         dimensions)",
        fr.title,
        at.unwrap_or_else(|| " in the total".into())
    ))
}
