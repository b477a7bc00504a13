//! Name resolution of the virtual services for App Mesh on EKS.
//!
//! App Mesh routes by name, not address: the application resolves the virtual-service name,
//! opens a connection to whatever address it gets, proxyinit's iptables rules send that
//! connection to Envoy, and Envoy routes it by the HTTP `Host`/`:authority` (TCP listeners
//! by port). So the name must resolve, to any address Envoy intercepts. App Mesh's own
//! guidance, "Unable to resolve DNS name for a virtual service"
//! (https://docs.aws.amazon.com/app-mesh/latest/userguide/troubleshooting-connectivity.html):
//! "add a DNS A record to any non-loopback IP address, such as 10.10.10.10, for the virtual
//! service name", e.g. in a Route 53 private hosted zone whose name is the name's suffix (the
//! name does not resolve by itself: aws/aws-app-mesh-roadmap#330).
//!
//! So: a private hosted zone, associated with the cluster's VPC, per distinct domain of the
//! virtual-service names, with an A record per name at [`INTERCEPTED_ADDRESS`]. EKS pods ask
//! CoreDNS, which forwards names outside `cluster.local` to the VPC resolver, which answers
//! from the zones associated with the VPC. Names under `cluster.local` are CoreDNS's own
//! (the API server's virtual service is its chart Service): no zone could answer them.

use std::collections::BTreeSet;

use super::Eks;
use crate::case::snake_case;
use crate::diagnostic::FieldPath;
use crate::ir::{Attr, Kind, Obj, Param, ParamType, Plan, ResourceId, Value};
use crate::params::VPC_ID;
use crate::spec::paths::service_path;
use crate::spec::{HostedZone, MeshBackend};

/// The address every virtual-service name resolves to. Any address that Envoy intercepts
/// works (App Mesh suggests 10.10.10.10); this one is TEST-NET-1 (RFC 5737), reserved for
/// documentation and never assigned, so a pod whose connection is *not* intercepted (one
/// outside the mesh, or one that lists the address in its egress-ignored IPs) fails to connect
/// instead of reaching whatever host holds 10.10.10.10 in a `10.0.0.0/8` VPC.
pub const INTERCEPTED_ADDRESS: &str = "192.0.2.1";
/// The records' TTL: the address never changes.
const TTL: &str = "300";
/// The domain CoreDNS answers itself (its `kubernetes` plugin), never forwarding.
const CLUSTER_DOMAIN: &str = "cluster.local";

pub(super) fn lower(cx: &Eks, plan: &mut Plan) {
    if cx.backend != MeshBackend::AppMesh {
        return;
    }
    let setting = cx.spec.mesh.lattice().hosted_zone;
    if setting == Some(HostedZone::None) {
        return;
    }
    // Names in a Cloud Map namespace meshsynth creates resolve through its own zone.
    let cloud_map = cx.checked.namespace().map(|n| n.namespace.clone());
    let names: Vec<&str> = cx
        .spec
        .virtual_services
        .keys()
        .map(String::as_str)
        .filter(|n| !under(n, CLUSTER_DOMAIN))
        .filter(|n| cloud_map.as_deref().is_none_or(|ns| !under(n, ns)))
        .collect();
    if names.is_empty() {
        return;
    }
    let zone_path = FieldPath::root()
        .key("mesh")
        .key("lattice")
        .key("hosted_zone");
    let mut records: Vec<(&str, Value)> = Vec::new();
    let mut created: BTreeSet<String> = BTreeSet::new();
    match &setting {
        Some(HostedZone::Id(id)) => {
            // The zone is the spec's: it must hold these names and be associated with the VPC.
            records.extend(names.iter().map(|n| (*n, Value::str(id))));
        }
        _ => {
            let named = match &setting {
                Some(HostedZone::Create(z)) => Some(z.as_str()),
                _ => None,
            };
            for (name, zone) in zones(&names, named) {
                records.push((name, Value::Ref(zone_id(&zone), Attr::Id)));
                created.insert(zone);
            }
        }
    }
    if !created.is_empty() {
        let vpc = vpc(cx, plan);
        for zone in &created {
            let props = crate::lower::private_zone(
                zone,
                vpc.clone(),
                format!(
                    "Virtual-service names of the {} mesh: they resolve to {INTERCEPTED_ADDRESS}, where Envoy intercepts and routes by name (meshsynth)",
                    cx.spec.mesh.name
                ),
            );
            let source = if setting == Some(HostedZone::Create(zone.clone())) {
                zone_path.clone()
            } else {
                FieldPath::root().key("virtual_services")
            };
            plan.add(zone_id(zone), source, props, &cx.spec.tags);
            plan.add_output(
                format!("hosted_zone_{}_id", snake_case(zone)),
                format!("ID of the private hosted zone `{zone}`"),
                Value::Ref(zone_id(zone), Attr::Id),
                Some(("hosted_zone_ids", zone)),
            );
        }
    }
    for (name, zone) in records {
        let props = Obj::new()
            .set("HostedZoneId", zone)
            .set("Name", name)
            .set("Type", "A")
            .set("TTL", TTL)
            .set("ResourceRecords", vec![Value::str(INTERCEPTED_ADDRESS)]);
        plan.add(
            ResourceId::new(Kind::RecordSet, name),
            service_path(name),
            props,
            &cx.spec.tags,
        );
    }
}

/// The zone of each name: `named` for the names inside it, else the name's domain, or an outer
/// one that another name needs anyway (a zone inside another would shadow it for no gain).
fn zones<'n>(names: &[&'n str], named: Option<&str>) -> Vec<(&'n str, String)> {
    let domains: BTreeSet<String> = names
        .iter()
        .map(|n| match named {
            Some(z) if under(n, z) => z.to_owned(),
            _ => domain(n).to_owned(),
        })
        .collect();
    let outer: Vec<&String> = domains
        .iter()
        .filter(|d| !domains.iter().any(|o| o != *d && under(d, o)))
        .collect();
    names
        .iter()
        .map(|n| {
            let zone = outer
                .iter()
                .filter(|z| under(n, z))
                .min_by_key(|z| z.len())
                .expect("every name's domain or an outer one is a zone");
            (*n, (*zone).clone())
        })
        .collect()
}

fn zone_id(zone: &str) -> ResourceId {
    ResourceId::new(Kind::HostedZone, zone)
}

/// The cluster's VPC: `mesh.lattice.vpc_id`, else the VPC input.
fn vpc(cx: &Eks, plan: &mut Plan) -> Value {
    if let Some(v) = &cx.spec.mesh.lattice().vpc_id {
        return Value::str(v);
    }
    plan.params.entry(VPC_ID.into()).or_insert_with(|| Param {
        ty: ParamType::VpcId,
        description: format!(
            "The VPC of the EKS cluster {}: the private hosted zones of the virtual-service names are associated with it",
            cx.eks.cluster_name
        ),
        label: "VPC".into(),
        group: "Network".into(),
        default: None,
    });
    Value::Param(VPC_ID.into())
}

/// `orders.shop.internal` → `shop.internal`; a single label is its own domain.
fn domain(name: &str) -> &str {
    name.split_once('.').map_or(name, |(_, d)| d)
}

/// Whether `name` is `zone` or lies inside it, case-insensitively (DNS names are).
fn under(name: &str, zone: &str) -> bool {
    let (name, zone) = (
        name.trim_end_matches('.').to_ascii_lowercase(),
        zone.trim_end_matches('.').to_ascii_lowercase(),
    );
    name == zone || name.ends_with(&format!(".{zone}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_and_zones() {
        assert_eq!(domain("orders.shop.internal"), "shop.internal");
        assert_eq!(domain("orders"), "orders");
        assert!(under("orders.shop.internal", "shop.internal"));
        assert!(under("Orders.Shop.Internal.", "shop.internal"));
        assert!(under("shop.internal", "shop.internal"));
        assert!(!under("orders.myshop.internal", "shop.internal"));
        assert!(under(
            "airflow-api-server.airflow.svc.cluster.local",
            CLUSTER_DOMAIN
        ));
    }

    #[test]
    fn one_zone_per_outermost_domain() {
        let names = [
            "orders.shop.internal",
            "a.b.shop.internal",
            "ledger.billing.internal",
            "solo",
        ];
        assert_eq!(
            zones(&names, None),
            [
                ("orders.shop.internal", "shop.internal".to_owned()),
                ("a.b.shop.internal", "shop.internal".to_owned()),
                ("ledger.billing.internal", "billing.internal".to_owned()),
                ("solo", "solo".to_owned()),
            ]
        );
        // The spec's zone takes what it holds; the rest keep their domains.
        assert_eq!(
            zones(&["orders.shop.internal", "x.example.com"], Some("internal")),
            [
                ("orders.shop.internal", "internal".to_owned()),
                ("x.example.com", "example.com".to_owned()),
            ]
        );
    }

    #[test]
    fn the_address_is_not_loopback_nor_link_local() {
        let ip: std::net::Ipv4Addr = INTERCEPTED_ADDRESS.parse().unwrap();
        assert!(!ip.is_loopback() && !ip.is_link_local() && !ip.is_unspecified());
        assert!(ip.is_documentation());
    }
}
