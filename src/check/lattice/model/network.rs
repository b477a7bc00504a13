//! What Lattice makes of the mesh as a whole: the service network (this stack's, or an existing
//! one), the mesh-wide settings, the Cloud Map namespace and the private hosted zone.

use super::*;

impl Builder<'_> {
    pub(super) fn mesh(&mut self) {
        let m = &self.spec.mesh;
        let p = FieldPath::root().key("mesh");
        if m.existing {
            self.find(
                p.key("existing"),
                "existing mesh",
                Outcome::Kept,
                "the services join the existing service network that the `LatticeServiceNetworkId` parameter / `lattice_service_network_id` variable names (its ID, or its ARN when shared through AWS RAM); its VPC association, access logs and auth policy stay with the stack that created it",
                None,
            );
        } else {
            self.find(
                p.key("name"),
                "mesh",
                Outcome::Kept,
                format!("service network `{}`", self.model.network),
                None,
            );
        }
        if self.spec.observability().tracing == crate::spec::Tracing::Xray {
            self.find(
                FieldPath::root().key("observability").key("tracing"),
                "X-Ray tracing",
                Outcome::Dropped,
                "Lattice does not trace requests, and its tasks run no Envoy to do it (the App Mesh output still traces)",
                Some("instrument the applications with OpenTelemetry (the X-Ray SDKs reach end of support on 2027-02-25) and run a collector beside them, or rely on the access logs and `AWS/VpcLattice` metrics the dashboard shows"),
            );
        }
        if m.egress_filter == Some(crate::spec::EgressFilter::AllowAll) {
            self.find(
                p.key("egress_filter"),
                "egress filter",
                Outcome::Kept,
                "Lattice does not filter what tasks call outside the service network either",
                None,
            );
        } else if m.egress_filter.is_some() {
            self.find(
                p.key("egress_filter"),
                "egress filter",
                Outcome::Dropped,
                "Lattice does not filter what tasks call outside the service network",
                Some("limit egress with the tasks' security groups (outbound rules) or AWS Network Firewall"),
            );
        }
        if m.ip_preference == Some(crate::spec::IpPreference::Ipv4Only) {
            self.find(
                p.key("ip_preference"),
                "IP preference",
                Outcome::Kept,
                "target groups register the tasks' IPv4 addresses",
                None,
            );
        } else if m.ip_preference.is_some() {
            self.find(
                p.key("ip_preference"),
                "IP preference",
                Outcome::Dropped,
                "target groups register the tasks' IPv4 addresses",
                Some("nothing to do for IPv4 tasks; for IPv6 create the target groups with `IpAddressType: IPV6`"),
            );
        }
        if m.owner.is_some() && !m.existing {
            self.find(
                p.key("owner"),
                "shared mesh",
                Outcome::Dropped,
                "this stack creates its own service network",
                Some("share one service network with AWS RAM and associate the services with it"),
            );
        }
        match self.spec.namespace() {
            Some(ns) if ns.existing => self.find(
                FieldPath::root().key("service_discovery").key("cloud_map"),
                "existing Cloud Map namespace",
                Outcome::Approximated,
                "left as it is: ECS registers the tasks in Lattice target groups instead",
                Some("none; the stack that created the namespace deletes it once its clients are gone"),
            ),
            Some(_) => self.find(
                FieldPath::root().key("service_discovery").key("cloud_map"),
                "Cloud Map namespace",
                Outcome::Approximated,
                "not created: ECS registers the tasks in Lattice target groups, and the virtual-service names resolve through the private hosted zone",
                Some("none; keep the App Mesh stack's namespace until its clients are gone"),
            ),
            None => {}
        }
    }

    /// The services of an existing network that take unsigned calls: the services' auth
    /// policies are this stack's, the network's is not.
    pub(super) fn existing_network(&mut self) {
        if !self.model.existing_network || self.model.auth != LatticeAuth::Iam {
            return;
        }
        let unsigned: Vec<String> = self
            .model
            .services
            .values()
            .filter(|s| s.auth == LatticeAuth::None && s.route().is_none())
            .map(|s| format!("`{}`", s.domain))
            .collect();
        if unsigned.is_empty() {
            return;
        }
        self.find(
            FieldPath::root().key("mesh").key("existing"),
            "unsigned callers of an existing network",
            Outcome::Approximated,
            format!(
                "{} take unsigned calls, which an `AWS_IAM` service network admits only if its auth policy allows them",
                unsigned.join(", ")
            ),
            Some("in the stack that created the service network, allow `vpc-lattice-svcs:Invoke` by any principal (`*`) on these services in its auth policy"),
        );
    }

    pub(super) fn zone(&mut self) {
        let settings = self.spec.mesh.lattice();
        if let Some(z) = settings.hosted_zone {
            match z {
                crate::spec::HostedZone::Create(name) => self.model.zone_name = Some(name),
                crate::spec::HostedZone::Id(_) => {}
                crate::spec::HostedZone::None => self.find(
                    FieldPath::root()
                        .key("mesh")
                        .key("lattice")
                        .key("hosted_zone"),
                    "virtual-service names",
                    Outcome::Approximated,
                    "not resolved: no hosted zone and no records; each Lattice service answers at the DNS name Lattice gives it (the `lattice_service_dns_names` output)",
                    Some("once nothing else holds the names (the App Mesh stack's Cloud Map namespace is gone), set `hosted_zone: { create: ... }` or `{ id: ... }` and deploy again"),
                ),
            }
            return;
        }
        let from_ns = self
            .spec
            .namespace()
            .map(|n| n.namespace.clone())
            .filter(|ns| {
                self.model
                    .services
                    .keys()
                    .all(|s| s.ends_with(&format!(".{ns}")))
            });
        let zone =
            from_ns.or_else(|| common_suffix(self.model.services.keys().map(String::as_str)));
        let taken = self.spec.namespace().filter(|ns| ns.existing).filter(|ns| {
            zone.as_ref()
                .is_some_and(|z| z.eq_ignore_ascii_case(&ns.namespace))
        });
        if let Some(ns) = taken {
            self.model.records = false;
            self.find(
                FieldPath::root()
                    .key("service_discovery")
                    .key("cloud_map")
                    .key("existing"),
                "virtual-service names",
                Outcome::Approximated,
                format!(
                    "not resolved: the existing Cloud Map namespace's private hosted zone holds `{}` in the VPC, and Route 53 refuses a second zone of one name there, so the stack creates no zone and no records; each Lattice service answers at the DNS name Lattice gives it (the `lattice_service_dns_names` output)",
                    ns.namespace
                ),
                Some(&format!(
                    "once the namespace is gone, set `mesh.lattice.hosted_zone: {{ create: {} }}` (in one stack of the mesh, `{{ id: ... }}` of that zone in the others) and deploy again",
                    ns.namespace
                )),
            );
            return;
        }
        self.model.zone_name = zone;
    }
}
