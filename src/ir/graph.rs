//! Graph checks: every reference resolves, no cycle, and only the ordering that no reference
//! implies needs an explicit dependency.

use super::{Index, Plan, ResourceId};
use crate::diagnostic::Diagnostics;

impl Plan {
    /// The explicit dependencies of `id` that its references do not already imply, directly or
    /// through other resources: only those need a `DependsOn` / `depends_on`. In plan order.
    pub fn extra_depends_on(&self, id: &ResourceId) -> impl Iterator<Item = &ResourceId> + '_ {
        let index = self.index();
        let extra: &[usize] = match index.position.get(id) {
            Some(&i) => &index.extra_depends_on()[i],
            None => &[],
        };
        extra.iter().map(|&d| &index.ids[d])
    }
}

/// Every reference resolves and the graph has no cycle.
pub fn check_graph(plan: &Plan) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let index = plan.index();
    for (from, to) in &index.dangling {
        let r = &plan.resources[&index.ids[*from]];
        diags.push(crate::diagnostic::Diagnostic::error(
            crate::diagnostic::Code::InternalDanglingReference,
            r.source.clone(),
            format!(
                "{} `{}` refers to {} `{}`, which is not generated",
                r.id.kind.info().noun,
                r.id.name,
                to.kind.info().noun,
                to.name
            ),
        ));
    }
    // Depth-first search with colours finds a cycle if there is one: 0 not seen, 1 on the
    // path, 2 done.
    let mut state = vec![0u8; index.ids.len()];
    fn visit(
        index: &Index,
        i: usize,
        state: &mut [u8],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<String>> {
        match state[i] {
            2 => return None,
            1 => {
                let start = stack.iter().position(|x| *x == i).unwrap_or(0);
                return Some(
                    stack[start..]
                        .iter()
                        .map(|&x| format!("{} `{}`", index.ids[x].kind.label(), index.ids[x].name))
                        .collect(),
                );
            }
            _ => {}
        }
        state[i] = 1;
        stack.push(i);
        for d in index.edges(i) {
            if let Some(c) = visit(index, d, state, stack) {
                return Some(c);
            }
        }
        stack.pop();
        state[i] = 2;
        None
    }
    for i in 0..index.ids.len() {
        let mut stack = Vec::new();
        if let Some(cycle) = visit(index, i, &mut state, &mut stack) {
            diags.push(
                crate::diagnostic::Diagnostic::error(
                    crate::diagnostic::Code::DependencyCycle,
                    plan.resources[&index.ids[i]].source.clone(),
                    format!("the generated resources depend on each other in a cycle: {}", cycle.join(" → ")),
                )
                .with_help("break the cycle in the spec, e.g. a node that is a backend of the service it provides"),
            );
            break;
        }
    }
    diags
}
