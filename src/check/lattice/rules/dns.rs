//! The names clients call: each virtual-service name is its Lattice service's custom domain, and
//! resolves through a private hosted zone meshsynth creates (or one the spec names).

use std::collections::BTreeMap;

use super::Scope;
use crate::check::common::{and_list, shown};
use crate::check::Ctx;
use crate::diagnostic::{Code, FieldPath};
use crate::spec::HostedZone;

/// `CustomDomainName`: 3–255 characters.
const DOMAIN_LEN: (usize, usize) = (3, 255);

pub(super) fn check(ctx: &mut Ctx, scope: &Scope) {
    custom_domains(ctx, scope);
    hosted_zone(ctx, scope);
}

fn custom_domains(ctx: &mut Ctx, scope: &Scope) {
    let mut seen: BTreeMap<String, (&str, &FieldPath)> = BTreeMap::new();
    for (name, svc) in &scope.model.services {
        let n = name.chars().count();
        if !(DOMAIN_LEN.0..=DOMAIN_LEN.1).contains(&n) {
            ctx.error(
                Code::LatticeCustomDomain,
                svc.source.clone(),
                format!(
                    "virtual service `{}` would be the custom domain of its Lattice service, but it has {n} characters, outside the {}–{} Lattice allows",
                    shown(name),
                    DOMAIN_LEN.0,
                    DOMAIN_LEN.1
                ),
            )
            .help = Some(format!(
                "name the virtual service with {}–{} characters, e.g. `{name}.<zone>`",
                DOMAIN_LEN.0, DOMAIN_LEN.1
            ));
        }
        match seen.get(&name.to_ascii_lowercase()) {
            Some((other, other_path)) => {
                ctx.error(
                    Code::LatticeCustomDomain,
                    svc.source.clone(),
                    format!(
                        "virtual services `{other}` and `{name}` differ only in case, so their Lattice services would share one custom domain, which must be unique in the service network (DNS ignores case)"
                    ),
                )
                .help = Some(format!(
                    "rename `{name}` or `{other}` (at `{}`)",
                    scope.shown(other_path)
                ));
            }
            None => {
                seen.insert(name.to_ascii_lowercase(), (name, &svc.source));
            }
        }
    }
}

fn hosted_zone(ctx: &mut Ctx, scope: &Scope) {
    let model = scope.model;
    let lattice = FieldPath::root().key("mesh").key("lattice");
    let path = lattice.key("hosted_zone");
    match ctx.spec.mesh.lattice().hosted_zone {
        None => {
            if model.zone_name.is_none() && model.records && !model.services.is_empty() {
                let names: Vec<&str> = model.services.keys().map(String::as_str).collect();
                ctx.error(
                    Code::LatticeHostedZone,
                    path,
                    format!(
                        "the virtual-service names {} share no DNS suffix of two labels or more, so meshsynth cannot pick the private hosted zone that resolves them to their Lattice services",
                        and_list(&names)
                    ),
                )
                .help = Some(
                    "set `mesh.lattice.hosted_zone: { create: <zone> }` with a zone every name lies in, or `{ id: Z... }` of an existing private hosted zone, or rename the virtual services under one domain"
                        .into(),
                );
            }
        }
        Some(HostedZone::Create(zone)) => {
            let bare = zone.strip_suffix('.').unwrap_or(&zone);
            if !is_dns_name(bare) {
                ctx.error(
                    Code::LatticeHostedZone,
                    path.key("create"),
                    format!(
                        "`hosted_zone.create` `{}` is not a DNS name",
                        shown(&zone)
                    ),
                )
                .help = Some(
                    "write a domain of dot-separated labels of 1–63 letters, digits and `-` (not at either end), 253 characters at most, e.g. `shop.internal`"
                        .into(),
                );
                return;
            }
            let lower = bare.to_ascii_lowercase();
            for (name, svc) in &model.services {
                let n = name.to_ascii_lowercase();
                if n != lower && !n.ends_with(&format!(".{lower}")) {
                    ctx.error(
                        Code::LatticeHostedZone,
                        svc.source.clone(),
                        format!(
                            "virtual service `{name}` is not inside the private hosted zone `{bare}` (`mesh.lattice.hosted_zone.create`), which cannot hold its record"
                        ),
                    )
                    .help = Some(format!(
                        "name the virtual service `<name>.{bare}`, or create a zone that holds every virtual-service name"
                    ));
                }
            }
        }
        // No records: clients call the names Lattice generates.
        Some(HostedZone::None) => {}
        Some(HostedZone::Id(id)) => {
            let valid = id.strip_prefix('Z').is_some_and(|r| {
                (1..=32).contains(&r.len())
                    && r.bytes()
                        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            });
            if !valid {
                ctx.error(
                    Code::LatticeHostedZone,
                    path.key("id"),
                    format!(
                        "`hosted_zone.id` `{}` is not a Route 53 hosted zone ID",
                        shown(&id)
                    ),
                )
                .help = Some(
                    "write the zone's ID, `Z` and up to 32 upper-case letters and digits, e.g. `Z0123456789ABCDEFGHIJ` (not its name or ARN)"
                        .into(),
                );
            }
        }
    }
}

/// Dot-separated labels of 1–63 letters, digits and hyphens (none at either end), 253 at most.
fn is_dns_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        assert!(is_dns_name("shop.internal"));
        assert!(is_dns_name("internal"));
        assert!(!is_dns_name("shop..internal"));
        assert!(!is_dns_name("-shop.internal"));
        assert!(!is_dns_name("shop_internal"));
        assert!(!is_dns_name(&"a".repeat(64)));
    }
}
