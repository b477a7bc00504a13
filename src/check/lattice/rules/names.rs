//! Lattice names derived from spec names: two spec objects must not get one name. Services and
//! target groups are named once per account and Region, rules once per listener.

use std::collections::BTreeMap;

use super::Scope;
use crate::check::Ctx;
use crate::diagnostic::Code;

/// Lattice keeps lower-case letters, digits and single hyphens, and cuts the name at a length.
const HOW_NAMES_ARE_DERIVED: &str = "Lattice names keep only lower-case letters, digits and single hyphens, and are cut to a maximum length, so spec names that differ in case, punctuation or past that length collide";

pub(super) fn check(ctx: &mut Ctx, scope: &Scope) {
    let model = scope.model;
    // Services.
    let services = first_and_rest(
        model
            .services
            .iter()
            .map(|(vs, s)| (&s.name, (vs, &s.source))),
    );
    for (name, (vs, path), (other, other_path)) in services {
        ctx.error(
            Code::LatticeNameCollision,
            path.clone(),
            format!(
                "virtual services `{other}` and `{vs}` both become the Lattice service `{name}`"
            ),
        )
        .help = Some(format!(
            "rename `{vs}` or `{other}` (at `{}`); {HOW_NAMES_ARE_DERIVED} (services are named `<project>-<virtual service>`, 40 characters at most)",
            scope.shown(other_path)
        ));
    }
    // Target groups.
    let groups = first_and_rest(model.target_groups.values().map(|tg| {
        (
            &tg.name,
            (format!("`{}` port {}", tg.node, tg.port), &tg.source),
        )
    }));
    for (name, (what, path), (other, other_path)) in groups {
        ctx.error(
            Code::LatticeNameCollision,
            path.clone(),
            format!(
                "the target groups of virtual nodes {other} and {what} both get the Lattice name `{name}`, which must be unique in the account"
            ),
        )
        .help = Some(format!(
            "rename one of the nodes (the other is at `{}`); {HOW_NAMES_ARE_DERIVED} (target groups are named `<project>-<node>-<port>`, 128 characters at most)",
            scope.shown(other_path)
        ));
    }
    // Rules, per listener.
    for svc in model.services.values() {
        for l in &svc.listeners {
            let rules = first_and_rest(l.rules.iter().map(|r| (&r.name, (&r.route, &r.source))));
            for (name, (route, path), (other, other_path)) in rules {
                ctx.error(
                    Code::LatticeNameCollision,
                    path.clone(),
                    format!(
                        "routes `{other}` and `{route}` both become the rule `{name}` of listener `{}` of Lattice service `{}`, and rule names are unique per listener",
                        l.name, svc.name
                    ),
                )
                .help = Some(format!(
                    "rename one of the routes (the other is at `{}`); {HOW_NAMES_ARE_DERIVED} (rules are named after their route, 63 characters at most)",
                    scope.shown(other_path)
                ));
            }
        }
    }
}

/// Each item whose key an earlier item has already: `(key, item, the first item)`.
fn first_and_rest<'k, T: Clone>(
    items: impl Iterator<Item = (&'k String, T)>,
) -> Vec<(&'k String, T, T)> {
    let mut first: BTreeMap<&String, T> = BTreeMap::new();
    let mut out = Vec::new();
    for (k, item) in items {
        match first.get(k) {
            Some(f) => out.push((k, item, f.clone())),
            None => {
                first.insert(k, item);
            }
        }
    }
    out
}
