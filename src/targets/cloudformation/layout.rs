//! Which template each resource goes to, when one template would exceed a CloudFormation quota.
//!
//! The quotas are CloudFormation's own, per template
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html>):
//! 500 resources, 200 parameters, 200 outputs, and a 1 MB template body read from S3 (which
//! `aws cloudformation package` uploads it to). Over any of them, the root template keeps what
//! every service shares (mesh, namespace, cluster, log groups, shared roles) and nests child
//! stacks for the rest.
//!
//! A child stack holds whole units: a virtual service with its router, routes, the nodes they
//! route to and those nodes' workloads; an Airflow task; the rest of Airflow; one dashboard or
//! alarm. A unit's stack is a function of the unit's own name (a hash into a fixed number of
//! slots), never of the other units, so adding or removing a service never moves another
//! service's resources to another stack (CloudFormation would delete and recreate them).
//!
//! A unit may read another unit's resources (a Lattice auth policy names its callers' roles; a
//! caller's policy names the services it invokes), so two units can need each other. Resources
//! are layered: a resource that reads another unit's resource sits one layer above it, and each
//! layer has its own stacks, so stacks only ever read stacks of lower layers and the root.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::diagnostic::{Code, Diagnostic, Diagnostics, FieldPath, Location, Segment};
use crate::ir::{Attr, Kind, Plan, ResourceId, Value};
use crate::targets::ids::cfn_logical_id;

/// CloudFormation's quota of resources per template.
pub const MAX_RESOURCES: usize = 500;
/// CloudFormation's quota of parameters per template.
pub const MAX_PARAMETERS: usize = 200;
/// CloudFormation's quota of outputs per template.
pub const MAX_OUTPUTS: usize = 200;
/// CloudFormation's quota on a template body read from S3: 1 MB.
pub const MAX_BODY_BYTES: usize = 1_048_576;

/// Slots of the first layer. Together with [`UPPER_SLOTS`] and the shared resources they must
/// fit the root's 500 resources. Changing either number moves every unit: never change them.
const BASE_SLOTS: u64 = 160;
/// Slots of every higher layer (few resources read other units: auth policies, callers' roles).
const UPPER_SLOTS: u64 = 80;
/// Layers above the first; one more would not fit the root.
const MAX_LAYER: usize = 2;
/// Dashboards get a stack of their own: one page's body can approach the 1 MB of a template.
fn own_stack(unit: &str) -> bool {
    unit.starts_with("own:Dashboard")
}

/// Where a resource or output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    Root,
    /// A child stack, by index into [`Layout::stacks`].
    Child(usize),
}

/// What a child stack waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Wait {
    /// A root resource, by index into [`Layout::ids`].
    Resource(usize),
    /// Another child stack.
    Stack(usize),
}

/// One child stack.
#[derive(Debug)]
pub struct Child {
    /// The `AWS::CloudFormation::Stack` logical ID in the root (`Part042`).
    pub logical_id: String,
    /// Its template, relative to the root template's folder (`stacks/Part042.json`).
    pub file: String,
    /// Its resources, in plan order.
    pub resources: Vec<usize>,
    /// The units it holds, for the root's description of it.
    pub units: BTreeSet<String>,
    /// Attributes of resources elsewhere that it reads, passed in as parameters.
    pub imports: BTreeSet<(usize, Attr)>,
    /// Attributes of its resources that other stacks (or the root's outputs) read.
    pub exports: BTreeSet<(usize, Attr)>,
    /// Plan parameters it uses.
    pub params: BTreeSet<String>,
    /// Plan outputs it declares (and exports under the root stack's name).
    pub outputs: Vec<String>,
    /// Root resources and children it must wait for (explicit dependencies of its resources).
    pub depends_on: BTreeSet<Wait>,
}

/// The nested-stack layout of a plan.
#[derive(Debug)]
pub struct Layout {
    /// Every resource, in plan order.
    pub ids: Vec<ResourceId>,
    pub index: HashMap<ResourceId, usize>,
    pub place: Vec<Place>,
    pub stacks: Vec<Child>,
    /// Plan outputs the root declares.
    pub root_outputs: Vec<String>,
}

impl Layout {
    pub fn place_of(&self, id: &ResourceId) -> Place {
        self.index.get(id).map_or(Place::Root, |&i| self.place[i])
    }
}

/// The cross-stack parameter/output name of an attribute: `VirtualNodeOrdersV1Arn`.
pub fn link_name(id: &ResourceId, attr: Attr) -> String {
    let suffix = match attr {
        Attr::Arn => "Arn",
        Attr::Name => "Name",
        Attr::Id => "Id",
        Attr::DnsName => "DnsName",
        Attr::DnsZoneId => "DnsZoneId",
    };
    format!("{}{suffix}", cfn_logical_id(id))
}

/// Every (resource, attribute) a value reads.
pub fn attr_refs(v: &Value, out: &mut Vec<(ResourceId, Attr)>) {
    v.visit_refs(&mut |id, a| out.push((id.clone(), a)));
}

/// A generous estimate of a value's size in the pretty-printed template, in bytes.
fn estimate(v: &Value, depth: usize) -> usize {
    let indent = 2 * depth + 2;
    match v {
        Value::Bool(_) | Value::Int(_) | Value::Decimal(_) => 24,
        // Escapes, quotes, and the value moving into a `Fn::Sub`.
        Value::Str(s) => s.len() * 5 / 4 + 4,
        // Logical IDs are kind + name: bounded by the name, without building them.
        Value::Ref(id, _) => 2 * (id.name.len() + 24) + 60 + 4 * indent,
        Value::Param(p) => p.len() + 40 + 2 * indent,
        Value::Pseudo(_) => 40 + 2 * indent,
        Value::List(l) | Value::Join(l) | Value::Concat(l) => {
            40 + l
                .iter()
                .map(|x| indent + 2 + estimate(x, depth + 2))
                .sum::<usize>()
        }
        Value::Map(m) => {
            4 + m
                .iter()
                .map(|(k, x)| indent + k.len() + 6 + estimate(x, depth + 1))
                .sum::<usize>()
        }
        Value::JoinList(s, x) => 60 + s.len() + estimate(x, depth + 2),
        // JSON text is one string: compact, every quote escaped.
        Value::JsonText(x) => 40 + compact(x),
        Value::Entries(e) => {
            4 + e
                .iter()
                .map(|(k, x)| estimate(k, depth + 1) + estimate(x, depth + 1) + indent + 4)
                .sum::<usize>()
        }
    }
}

/// A generous estimate of a value's size as compact JSON text inside a string.
fn compact(v: &Value) -> usize {
    match v {
        Value::Bool(_) | Value::Int(_) | Value::Decimal(_) => 20,
        // Quotes escaped inside the outer string, and a margin for other escapes.
        Value::Str(s) => s.len() + s.len() / 16 + 4,
        Value::Ref(id, _) => id.name.len() + 48,
        Value::Param(p) => p.len() + 8,
        Value::Pseudo(_) => 20,
        Value::List(l) | Value::Join(l) | Value::Concat(l) => {
            2 + l.iter().map(|x| compact(x) + 1).sum::<usize>()
        }
        Value::Map(m) => {
            2 + m
                .iter()
                .map(|(k, x)| k.len() + 6 + compact(x))
                .sum::<usize>()
        }
        Value::JoinList(s, x) => 8 + s.len() + compact(x),
        Value::JsonText(x) => compact(x) * 5 / 4,
        Value::Entries(e) => {
            2 + e
                .iter()
                .map(|(k, x)| compact(k) + compact(x) + 6)
                .sum::<usize>()
        }
    }
}

/// The estimated size of one resource in a template.
pub fn resource_estimate(r: &crate::ir::Resource) -> usize {
    let id = &r.id;
    let props: usize = r
        .props
        .iter()
        .map(|(k, v)| 8 + k.len() + estimate(v, 3))
        .sum();
    let tags: usize = r.tags.iter().map(|(k, v)| 60 + k.len() + v.len()).sum();
    200 + id.name.len() + 24 + props + tags + 60 * r.depends_on.len()
}

/// Whether the plan fits one template: counts, and the body estimated.
pub fn fits_one(plan: &Plan, max_resources: usize) -> bool {
    plan.resources.len() <= max_resources
        && plan.outputs.len() <= MAX_OUTPUTS
        && plan.params.len() <= MAX_PARAMETERS
        && plan
            .resources
            .values()
            .map(resource_estimate)
            .sum::<usize>()
            < MAX_BODY_BYTES * 9 / 10
}

/// The unit a resource belongs to by where the spec declares it; `None`: shared (the root).
fn base_unit(id: &ResourceId, source: &FieldPath) -> Option<String> {
    if matches!(
        id.kind,
        Kind::Dashboard | Kind::Alarm | Kind::QueryDefinition
    ) {
        return Some(format!("own:{}", cfn_logical_id(id)));
    }
    let key = |i: usize| match source.segments().get(i) {
        Some(Segment::Key(k)) => Some(k.as_str()),
        _ => None,
    };
    match (key(0)?, key(1)) {
        ("virtual_nodes" | "workloads", Some(k)) => Some(format!("node:{k}")),
        ("virtual_routers", Some(k)) => Some(format!("router:{k}")),
        ("virtual_services", Some(k)) => Some(format!("service:{k}")),
        ("virtual_gateways", Some(k)) => Some(format!("gateway:{k}")),
        ("airflow", Some("tasks")) => key(2).map(|t| format!("task:{t}")),
        ("airflow", Some("components" | "workers")) => Some("airflow".to_owned()),
        _ => None,
    }
}

/// Kinds whose references tie units into one (routing: a route and the nodes it targets, a
/// service and its provider); the other references (callers, allowlists, dashboards) do not.
fn binds(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Route
            | Kind::VirtualService
            | Kind::VirtualRouter
            | Kind::GatewayRoute
            | Kind::LatticeListener
            | Kind::LatticeRule
            | Kind::ServiceNetworkServiceAssociation
            | Kind::RecordSet
            | Kind::TargetGroup
            | Kind::CloudMapService
    )
}

/// FNV-1a: fixed forever, since a unit's slot must never change between releases.
fn slot_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

struct Unions(Vec<usize>);

impl Unions {
    fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            // The smaller index (the smaller unit name) represents the set.
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            self.0[hi] = lo;
        }
    }
}

pub(super) fn error(message: String, help: &str) -> Diagnostic {
    let mut d = Diagnostic::error(Code::CloudformationLimit, FieldPath::root(), message)
        .with_help(help.to_owned());
    // The output as a whole is the cause; point at the spec's start.
    d.location = Some(Location { line: 1, column: 1 });
    d
}

/// The layout of a plan that does not fit one template, or why none works.
pub fn layout(plan: &Plan, max_resources: usize) -> Result<Layout, Diagnostics> {
    let index = plan.index();
    let ids = index.ids.clone();
    let all: Vec<&crate::ir::Resource> = plan.resources.values().collect();
    let n = ids.len();
    let (refs, deps) = (&index.refs, &index.deps);
    // Resources in dependency order (what a resource reads comes first); the graph is acyclic.
    let order = topological(n, refs, deps);

    // Units by spec entry; a shared resource that reads a unit's resource is a unit of its own.
    let mut unit_names: Vec<String> = Vec::new();
    let mut unit_of_name: HashMap<String, usize> = HashMap::new();
    let mut unit: Vec<Option<usize>> = vec![None; n];
    let mut intern = |name: String, names: &mut Vec<String>| -> usize {
        *unit_of_name.entry(name.clone()).or_insert_with(|| {
            names.push(name);
            names.len() - 1
        })
    };
    for &i in &order {
        let id = &ids[i];
        let base = base_unit(id, &all[i].source).or_else(|| {
            let reads_unit = refs[i]
                .iter()
                .map(|(t, _)| *t)
                .chain(deps[i].iter().copied())
                .any(|t| unit[t].is_some());
            reads_unit.then(|| format!("own:{}", cfn_logical_id(id)))
        });
        unit[i] = base.map(|b| intern(b, &mut unit_names));
    }
    // Union units along routing references; the set is named by its smallest unit name.
    let mut by_name: Vec<usize> = (0..unit_names.len()).collect();
    // A set of units is named after its virtual service when it has one.
    let priority = |name: &str| {
        [
            "service:", "router:", "gateway:", "node:", "task:", "airflow",
        ]
        .iter()
        .position(|p| name.starts_with(p))
        .unwrap_or(6)
    };
    by_name.sort_by(|a, b| {
        let (a, b) = (&unit_names[*a], &unit_names[*b]);
        (priority(a), a).cmp(&(priority(b), b))
    });
    let mut rank = vec![0; unit_names.len()];
    for (r, &u) in by_name.iter().enumerate() {
        rank[u] = r;
    }
    let mut sets = Unions((0..unit_names.len()).collect());
    for i in 0..n {
        let (Some(u), true) = (unit[i], binds(ids[i].kind)) else {
            continue;
        };
        for &(t, _) in &refs[i] {
            if let Some(v) = unit[t] {
                sets.union(rank[u], rank[v]);
            }
        }
    }
    let unit_rep: Vec<usize> = (0..unit_names.len())
        .map(|u| by_name[sets.find(rank[u])])
        .collect();
    let unit: Vec<Option<usize>> = unit.iter().map(|u| u.map(|u| unit_rep[u])).collect();

    // Layers: one above any other unit's resource it reads.
    let mut layer = vec![0usize; n];
    for &i in &order {
        let Some(u) = unit[i] else { continue };
        let mut l = 0;
        for t in refs[i]
            .iter()
            .map(|(t, _)| *t)
            .chain(deps[i].iter().copied())
        {
            if let Some(v) = unit[t] {
                l = l.max(layer[t] + usize::from(v != u));
            }
        }
        layer[i] = l;
    }

    let sizes: Vec<usize> = plan.resources.values().map(resource_estimate).collect();

    let mut diags = Diagnostics::default();
    let mut stack_of_key: BTreeMap<String, usize> = BTreeMap::new();
    // Each unit's lowest-layer stack.
    let mut home_of_unit: HashMap<usize, (usize, usize)> = HashMap::new();
    let mut stacks: Vec<Child> = Vec::new();
    let mut place = vec![Place::Root; n];
    for i in 0..n {
        let Some(u) = unit[i] else { continue };
        let l = layer[i];
        if l > MAX_LAYER {
            diags.push(error(
                format!(
                    "{} `{}` reads resources through {l} other units in a chain; nested stacks hold at most {} such steps",
                    ids[i].kind.info().noun, ids[i].name, MAX_LAYER
                ),
                "render with `--target terraform`, or split the spec",
            ));
            continue;
        }
        // By kind, never by size: a unit that changed stacks as it grew would be replaced.
        let own = own_stack(&unit_names[u]);
        let name = &unit_names[u];
        let key = if own {
            let base = crate::case::pascal_case(name.trim_start_matches("own:"));
            if l == 0 {
                format!("{base}Stack")
            } else {
                format!("{base}Layer{l}Stack")
            }
        } else if l == 0 {
            format!("Part{:03}", slot_hash(name) % BASE_SLOTS)
        } else {
            format!("Layer{l}Part{:02}", slot_hash(name) % UPPER_SLOTS)
        };
        let s = *stack_of_key.entry(key.clone()).or_insert_with(|| {
            stacks.push(Child {
                file: format!("stacks/{key}.json"),
                logical_id: key,
                resources: Vec::new(),
                units: BTreeSet::new(),
                imports: BTreeSet::new(),
                exports: BTreeSet::new(),
                params: BTreeSet::new(),
                outputs: Vec::new(),
                depends_on: BTreeSet::new(),
            });
            stacks.len() - 1
        });
        stacks[s].resources.push(i);
        stacks[s]
            .units
            .insert(name.trim_start_matches("own:").replace(':', " "));
        place[i] = Place::Child(s);
        let home = home_of_unit.entry(u).or_insert((l, s));
        if l < home.0 {
            *home = (l, s);
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    // Stacks in logical-ID order, so the files and the root read in a stable order.
    let mut by_id: Vec<usize> = (0..stacks.len()).collect();
    by_id.sort_by(|a, b| stacks[*a].logical_id.cmp(&stacks[*b].logical_id));
    let mut renumber = vec![0; stacks.len()];
    for (new, &old) in by_id.iter().enumerate() {
        renumber[old] = new;
    }
    let mut slots: Vec<Option<Child>> = stacks.into_iter().map(Some).collect();
    let mut stacks: Vec<Child> = by_id
        .iter()
        .map(|&o| slots[o].take().expect("once"))
        .collect();
    for p in &mut place {
        if let Place::Child(s) = p {
            *s = renumber[*s];
        }
    }
    let home_of_unit: HashMap<usize, Place> = home_of_unit
        .into_iter()
        .map(|(u, (_, s))| (u, Place::Child(renumber[s])))
        .collect();

    // What each stack reads from elsewhere.
    for (s, stack) in stacks.iter_mut().enumerate() {
        let mut imports = BTreeSet::new();
        let mut params = BTreeSet::new();
        let mut depends = BTreeSet::new();
        for &i in &stack.resources {
            for &(t, a) in &refs[i] {
                if place[t] != Place::Child(s) {
                    imports.insert((t, a));
                }
            }
            for p in all[i].props.values() {
                p.params(&mut params);
            }
            for &d in &deps[i] {
                match place[d] {
                    Place::Root => {
                        depends.insert(Wait::Resource(d));
                    }
                    Place::Child(c) if c != s => {
                        depends.insert(Wait::Stack(c));
                    }
                    Place::Child(_) => {}
                }
            }
        }
        stack.imports = imports;
        stack.params = params;
        stack.depends_on = depends;
    }
    let mut root_outputs = Vec::new();
    for (key, o) in &plan.outputs {
        let mut rs = Vec::new();
        attr_refs(&o.value, &mut rs);
        // A member of a group output goes with the resource it reads, or with its member's
        // unit when its value is literal (a task family): the root's outputs stay bounded.
        let home = match &o.group {
            Some((_, member)) => rs
                .iter()
                .filter_map(|(id, _)| index.position.get(id))
                .map(|&i| place[i])
                .find(|p| *p != Place::Root)
                .or_else(|| {
                    ["node:", "service:", "router:", "task:", "gateway:"]
                        .iter()
                        .filter_map(|p| unit_of_name.get(&format!("{p}{member}")))
                        .find_map(|u| home_of_unit.get(&unit_rep[*u]).copied())
                })
                .unwrap_or(Place::Root),
            None => Place::Root,
        };
        match home {
            Place::Root => root_outputs.push(key.clone()),
            Place::Child(s) => {
                stacks[s].outputs.push(key.clone());
                o.value.params(&mut stacks[s].params);
                for (id, a) in &rs {
                    if let Some(&t) = index.position.get(id) {
                        if place[t] != Place::Child(s) {
                            stacks[s].imports.insert((t, *a));
                        }
                    }
                }
            }
        }
        if home == Place::Root {
            for (id, a) in &rs {
                if let Some(&t) = index.position.get(id) {
                    if let Place::Child(c) = place[t] {
                        stacks[c].exports.insert((t, *a));
                    }
                }
            }
        }
    }
    for s in 0..stacks.len() {
        let imports: Vec<(usize, Attr)> = stacks[s].imports.iter().copied().collect();
        for (t, a) in imports {
            if let Place::Child(c) = place[t] {
                stacks[c].exports.insert((t, a));
            }
        }
    }

    let layout = Layout {
        ids,
        index: index.position.clone(),
        place,
        stacks,
        root_outputs,
    };
    check(plan, &layout, max_resources, &sizes)?;
    Ok(layout)
}

/// Every template of the layout within CloudFormation's quotas.
fn check(
    plan: &Plan,
    layout: &Layout,
    max_resources: usize,
    sizes: &[usize],
) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::default();
    let help = "a unit (a virtual service with its router, routes, the nodes they target and their workloads) stays in one stack, whose slot its name decides: spread a large unit over several routers, split the spec into several specs, or render with `--target terraform`";
    let root_help =
        "split the spec into several specs (stacks), or render with `--target terraform`";
    for c in &layout.stacks {
        let params = c.params.len() + c.imports.len() + usize::from(!c.outputs.is_empty());
        let outputs = c.outputs.len() + c.exports.len();
        // Each parameter and output with its description: a few hundred bytes.
        let bytes: usize =
            c.resources.iter().map(|&i| sizes[i]).sum::<usize>() + 400 * (params + outputs) + 2048;
        let units: Vec<&str> = c.units.iter().map(String::as_str).take(5).collect();
        for (what, count, max) in [
            ("resources", c.resources.len(), max_resources),
            ("parameters", params, MAX_PARAMETERS),
            ("outputs", outputs, MAX_OUTPUTS),
            ("bytes (estimated)", bytes, MAX_BODY_BYTES),
        ] {
            if count > max {
                diags.push(error(
                    format!(
                        "the child stack `{}` ({}{}) would have {count} {what}, more than the {max} a CloudFormation template holds",
                        c.logical_id,
                        units.join(", "),
                        if c.units.len() > 5 { ", ..." } else { "" }
                    ),
                    help,
                ));
            }
        }
    }
    let root_resources =
        layout.place.iter().filter(|p| **p == Place::Root).count() + layout.stacks.len();
    for (what, count, max) in [
        ("resources", root_resources, MAX_RESOURCES),
        ("parameters", plan.params.len(), MAX_PARAMETERS),
        ("outputs", layout.root_outputs.len(), MAX_OUTPUTS),
    ] {
        if count > max {
            diags.push(error(
                format!("the root template would have {count} {what}, more than the {max} CloudFormation allows"),
                root_help,
            ));
        }
    }
    if diags.is_empty() {
        Ok(())
    } else {
        Err(diags)
    }
}

/// Resources in an order where each comes after every resource it reads or waits for.
fn topological(n: usize, refs: &[Vec<(usize, Attr)>], deps: &[Vec<usize>]) -> Vec<usize> {
    let mut order = Vec::with_capacity(n);
    // 0: not seen, 1: on the stack, 2: done.
    let mut state = vec![0u8; n];
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (i, ref mut next)) = stack.last_mut() {
            let edges = refs[i].len() + deps[i].len();
            if *next < edges {
                let t = if *next < refs[i].len() {
                    refs[i][*next].0
                } else {
                    deps[i][*next - refs[i].len()]
                };
                *next += 1;
                if state[t] == 0 {
                    state[t] = 1;
                    stack.push((t, 0));
                }
            } else {
                state[i] = 2;
                order.push(i);
                stack.pop();
            }
        }
    }
    order
}
