//! The graph's edges, found once per plan.
//!
//! Every property value of a thousand-service plan is millions of small nodes; the graph checks,
//! the stack layout and both renderers each walked all of them for the same references (a
//! tenth of a whole run in perf). The walk now happens once, the first time any of them asks,
//! and they share its result: resources by position, and per resource the positions it reads
//! and waits for.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use super::{Attr, Plan, Pseudo, ResourceId, Value};

/// Positions of a plan's resources (their order in [`Plan::resources`]) and the edges between
/// them.
#[derive(Debug)]
pub struct Index {
    /// Every resource, in plan order.
    pub ids: Vec<ResourceId>,
    pub position: HashMap<ResourceId, usize>,
    /// What each resource's properties read, sorted, once each.
    pub refs: Vec<Vec<(usize, Attr)>>,
    /// Each resource's explicit dependencies, in order.
    pub deps: Vec<Vec<usize>>,
    /// References and dependencies to resources the plan does not have: (from, to).
    pub dangling: Vec<(usize, ResourceId)>,
    /// Every pseudo parameter a resource or an output reads.
    pub pseudos: BTreeSet<Pseudo>,
    /// Per resource, its explicit dependencies that its references do not imply (see
    /// [`Plan::extra_depends_on`]); found on first use.
    extra: OnceLock<Vec<Vec<usize>>>,
}

/// A plan's [`Index`], made the first time it is asked for. A plan is not changed once it is
/// lowered, so the index stays true; a clone starts without one, and two plans compare equal
/// whether or not either has made its index.
#[derive(Default)]
pub struct IndexCell(OnceLock<Index>);

impl Clone for IndexCell {
    fn clone(&self) -> Self {
        IndexCell::default()
    }
}
impl PartialEq for IndexCell {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for IndexCell {}
impl std::fmt::Debug for IndexCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IndexCell")
    }
}

/// Calls `on_ref` for every reference of `v` and records its pseudo parameters: the one walk.
fn walk<'a>(
    v: &'a Value,
    on_ref: &mut impl FnMut(&'a ResourceId, Attr),
    pseudos: &mut BTreeSet<Pseudo>,
) {
    match v {
        Value::Ref(id, a) => on_ref(id, *a),
        Value::Pseudo(p) => {
            pseudos.insert(*p);
        }
        Value::List(l) | Value::Join(l) | Value::Concat(l) => {
            l.iter().for_each(|x| walk(x, on_ref, pseudos))
        }
        Value::Map(m) => m.values().for_each(|x| walk(x, on_ref, pseudos)),
        Value::JoinList(_, x) | Value::JsonText(x) => walk(x, on_ref, pseudos),
        Value::Entries(e) => e.iter().for_each(|(k, x)| {
            walk(k, on_ref, pseudos);
            walk(x, on_ref, pseudos);
        }),
        Value::Bool(_) | Value::Int(_) | Value::Decimal(_) | Value::Str(_) | Value::Param(_) => {}
    }
}

impl Index {
    fn of(plan: &Plan) -> Index {
        let ids: Vec<ResourceId> = plan.resources.keys().cloned().collect();
        let position: HashMap<ResourceId, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect();
        let n = ids.len();
        let mut refs = Vec::with_capacity(n);
        let mut deps = Vec::with_capacity(n);
        let mut dangling = Vec::new();
        let mut pseudos = BTreeSet::new();
        for (i, r) in plan.resources.values().enumerate() {
            let mut rs: Vec<(usize, Attr)> = Vec::new();
            let mut on_ref = |id: &ResourceId, a: Attr| match position.get(id) {
                Some(&t) => rs.push((t, a)),
                None => dangling.push((i, id.clone())),
            };
            r.props
                .values()
                .for_each(|v| walk(v, &mut on_ref, &mut pseudos));
            rs.sort_unstable();
            rs.dedup();
            refs.push(rs);
            let mut ds = Vec::with_capacity(r.depends_on.len());
            for d in &r.depends_on {
                match position.get(d) {
                    Some(&t) => ds.push(t),
                    None => dangling.push((i, d.clone())),
                }
            }
            deps.push(ds);
        }
        for o in plan.outputs.values() {
            walk(&o.value, &mut |_, _| {}, &mut pseudos);
        }
        // A reference counts once per resource, like a dependency.
        dangling.sort();
        dangling.dedup();
        Index {
            ids,
            position,
            refs,
            deps,
            dangling,
            pseudos,
            extra: OnceLock::new(),
        }
    }

    /// Everything resource `i` reads or waits for, references first.
    pub fn edges(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.refs[i]
            .iter()
            .map(|(t, _)| *t)
            .chain(self.deps[i].iter().copied())
    }

    /// [`Plan::extra_depends_on`] of every resource, by position.
    pub fn extra_depends_on(&self) -> &[Vec<usize>] {
        self.extra.get_or_init(|| {
            // `seen[t] == stamp`: reached from the current resource's references. One array
            // for all walks, so no walk allocates.
            let mut seen = vec![0u32; self.ids.len()];
            let mut todo = Vec::new();
            (0..self.ids.len())
                .map(|i| {
                    if self.deps[i].is_empty() {
                        return Vec::new();
                    }
                    let stamp = u32::try_from(i + 1).expect("fewer than 4 billion resources");
                    todo.clear();
                    todo.extend(self.refs[i].iter().map(|(t, _)| *t));
                    let mut left = self.deps[i].len();
                    while let Some(t) = todo.pop() {
                        if seen[t] == stamp {
                            continue;
                        }
                        seen[t] = stamp;
                        if self.deps[i].contains(&t) {
                            left -= 1;
                            // Every dependency is implied: nothing more to learn.
                            if left == 0 {
                                break;
                            }
                        }
                        todo.extend(self.edges(t));
                    }
                    self.deps[i]
                        .iter()
                        .copied()
                        .filter(|&d| seen[d] != stamp)
                        .collect()
                })
                .collect()
        })
    }
}

impl IndexCell {
    pub(super) fn get(&self, plan: &Plan) -> &Index {
        self.0.get_or_init(|| Index::of(plan))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::FieldPath;
    use crate::ir::{Kind, Obj};
    use crate::spec::MeshBackend;

    fn node(name: &str) -> ResourceId {
        ResourceId::new(Kind::VirtualNode, name)
    }

    /// `a` reads `b`, `b` reads `c` (by two attributes), `a` waits for `c` (implied through `b`)
    /// and for `d` (not implied), `e` waits for `a` and reads nothing; `f` reads a node that is
    /// not there and waits for a pseudo-reading `d`.
    fn plan() -> Plan {
        let mut plan = Plan {
            project: "p".into(),
            description: String::new(),
            resources: Default::default(),
            params: Default::default(),
            outputs: Default::default(),
            airflow: None,
            backend: MeshBackend::AppMesh,
            migration: None,
            kube: None,
            observability: None,
            node_roles: Default::default(),
            index: Default::default(),
        };
        let tags = Default::default();
        let reads = |ids: &[(ResourceId, Attr)]| {
            Obj::new().set(
                "Reads",
                Value::List(
                    ids.iter()
                        .map(|(id, a)| Value::Ref(id.clone(), *a))
                        .collect(),
                ),
            )
        };
        let at = FieldPath::root;
        plan.add(node("a"), at(), reads(&[(node("b"), Attr::Arn)]), &tags)
            .depends_on
            .extend([node("c"), node("d")]);
        plan.add(
            node("b"),
            at(),
            reads(&[(node("c"), Attr::Name), (node("c"), Attr::Arn)]),
            &tags,
        );
        plan.add(node("c"), at(), Obj::new(), &tags);
        plan.add(
            node("d"),
            at(),
            Obj::new().set("Region", Value::Pseudo(Pseudo::Region)),
            &tags,
        );
        plan.add(node("e"), at(), Obj::new(), &tags)
            .depends_on
            .insert(node("a"));
        plan.add(node("f"), at(), reads(&[(node("zz"), Attr::Arn)]), &tags)
            .depends_on
            .insert(node("d"));
        plan
    }

    #[test]
    fn edges_are_positions_in_plan_order() {
        let plan = plan();
        let index = plan.index();
        let names: Vec<&str> = index.ids.iter().map(|id| id.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "d", "e", "f"]);
        assert_eq!(index.refs[1], [(2, Attr::Arn), (2, Attr::Name)]);
        assert_eq!(index.edges(0).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(index.dangling, [(5, node("zz"))]);
        assert_eq!(index.pseudos, BTreeSet::from([Pseudo::Region]));
    }

    #[test]
    fn only_dependencies_no_reference_implies_are_extra() {
        let plan = plan();
        let extra = |n: &str| {
            plan.extra_depends_on(&node(n))
                .map(|id| id.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(extra("a"), ["d"]);
        assert!(extra("b").is_empty());
        // Reading nothing implies nothing.
        assert_eq!(extra("e"), ["a"]);
        assert_eq!(extra("f"), ["d"]);
        assert!(extra("not-there").is_empty());
        // A clone makes its own index, and equals the original.
        assert_eq!(plan.clone(), plan);
    }
}
