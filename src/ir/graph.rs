//! Graph checks: every reference resolves, no cycle, and only the ordering that no reference
//! implies needs an explicit dependency.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::{Plan, ResourceId};
use crate::diagnostic::Diagnostics;

impl Plan {
    /// The explicit dependencies of `id` that its references do not already imply, directly or
    /// through other resources: only those need a `DependsOn` / `depends_on`.
    pub fn extra_depends_on(&self, id: &ResourceId) -> BTreeSet<ResourceId> {
        let Some(r) = self.resources.get(id) else {
            return BTreeSet::new();
        };
        // Most resources have no explicit dependency; walking what they read is then wasted.
        if r.depends_on.is_empty() {
            return BTreeSet::new();
        }
        let mut implied: HashSet<&ResourceId> = HashSet::new();
        let mut todo: Vec<&ResourceId> = r.references().into_iter().collect();
        while let Some(next) = todo.pop() {
            if implied.insert(next) {
                if let Some(n) = self.resources.get(next) {
                    n.props
                        .values()
                        .for_each(|v| v.visit_refs(&mut |t, _| todo.push(t)));
                    todo.extend(&n.depends_on);
                }
            }
        }
        r.depends_on
            .iter()
            .filter(|d| !implied.contains(d))
            .cloned()
            .collect()
    }
}

/// Every reference resolves and the graph has no cycle.
pub fn check_graph(plan: &Plan) -> Diagnostics {
    let mut diags = Diagnostics::default();
    for r in plan.resources.values() {
        for dep in r.references().into_iter().chain(&r.depends_on) {
            if !plan.resources.contains_key(dep) {
                diags.push(crate::diagnostic::Diagnostic::error(
                    crate::diagnostic::Code::InternalDanglingReference,
                    r.source.clone(),
                    format!(
                        "{} `{}` refers to {} `{}`, which is not generated",
                        r.id.kind.info().noun,
                        r.id.name,
                        dep.kind.info().noun,
                        dep.name
                    ),
                ));
            }
        }
    }
    // Depth-first search with colours finds a cycle if there is one.
    let mut state: HashMap<&ResourceId, u8> = HashMap::with_capacity(plan.resources.len());
    fn visit<'a>(
        plan: &'a Plan,
        id: &'a ResourceId,
        state: &mut HashMap<&'a ResourceId, u8>,
        stack: &mut Vec<&'a ResourceId>,
    ) -> Option<Vec<String>> {
        match state.get(id) {
            Some(2) => return None,
            Some(1) => {
                let start = stack.iter().position(|x| *x == id).unwrap_or(0);
                return Some(
                    stack[start..]
                        .iter()
                        .map(|x| format!("{} `{}`", x.kind.label(), x.name))
                        .collect(),
                );
            }
            _ => {}
        }
        state.insert(id, 1);
        stack.push(id);
        if let Some(r) = plan.resources.get(id) {
            let deps: Vec<&ResourceId> = r.references().into_iter().chain(&r.depends_on).collect();
            for d in deps {
                if let Some((k, _)) = plan.resources.get_key_value(d) {
                    if let Some(c) = visit(plan, k, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(id, 2);
        None
    }
    for id in plan.resources.keys() {
        let mut stack = Vec::new();
        if let Some(cycle) = visit(plan, id, &mut state, &mut stack) {
            diags.push(
                crate::diagnostic::Diagnostic::error(
                    crate::diagnostic::Code::DependencyCycle,
                    plan.resources[id].source.clone(),
                    format!("the generated resources depend on each other in a cycle: {}", cycle.join(" → ")),
                )
                .with_help("break the cycle in the spec, e.g. a node that is a backend of the service it provides"),
            );
            break;
        }
    }
    diags
}
