//! What Lattice makes of a virtual node's own settings: callers, TLS, timeouts, pools.

use super::*;

impl Builder<'_> {
    pub(super) fn node(&mut self, name: &str, node: &crate::spec::VirtualNode) {
        let p = node_path(name);
        let callees: Vec<String> = node
            .backends
            .iter()
            .map(|b| b.virtual_service.clone())
            .filter(|s| self.model.services.contains_key(s))
            .collect();
        if !callees.is_empty() {
            self.find(
                p.key("backends"),
                "backends",
                if self.model.auth == LatticeAuth::Iam { Outcome::Kept } else { Outcome::Approximated },
                if self.model.auth == LatticeAuth::Iam {
                    "each backend's auth policy allows this node's IAM role, and the role may invoke exactly these services"
                } else {
                    "with `auth: none` any client the VPC association's security groups admit may call; the list is not enforced"
                },
                (self.model.auth != LatticeAuth::Iam).then_some("use `mesh.lattice.auth: iam` (the default)"),
            );
            self.model.callers.insert(name.to_owned(), callees);
        }
        let client_policy = if node
            .backend_defaults
            .as_ref()
            .and_then(|b| b.client_policy.as_ref())
            .is_some()
        {
            Some(p.key("backend_defaults").key("client_policy"))
        } else {
            node.backends
                .iter()
                .position(|b| b.client_policy.is_some())
                .map(|i| p.key("backends").index(i).key("client_policy"))
        };
        if let Some(cp) = client_policy {
            self.find(
                cp,
                "client TLS policy",
                Outcome::Dropped,
                "Lattice has no mutual TLS or certificate validation by the caller; it authenticates callers with IAM (SigV4) and encrypts with HTTPS listeners",
                Some("rely on `auth: iam`, or use TLS passthrough and do mutual TLS in the applications"),
            );
        }
        if node.access_log.is_some() {
            self.find(
                p.key("access_log"),
                "access log",
                Outcome::Approximated,
                "the service network's access-log subscription logs every request instead of each Envoy",
                None,
            );
        }
        if let Some(sd) = &node.service_discovery {
            let runs_here =
                self.spec.workloads.contains_key(name) || self.api_node.as_deref() == Some(name);
            let how = if sd.cloud_map.is_some() {
                "Cloud Map"
            } else {
                "DNS discovery"
            };
            let on_eks = self
                .spec
                .airflow
                .as_ref()
                .is_some_and(|a| a.on_eks().is_some());
            if let Some(k) = controller::kube_service(node).filter(|_| on_eks) {
                self.find(
                    p.key("service_discovery"),
                    "service discovery",
                    Outcome::Approximated,
                    format!(
                        "the AWS Gateway API Controller registers the pods of the Kubernetes Service `{}` (namespace `{}`) in the node's target group instead of {how}",
                        k.name, k.namespace
                    ),
                    None,
                );
            } else if runs_here {
                self.find(
                    p.key("service_discovery"),
                    "service discovery",
                    Outcome::Approximated,
                    format!("the ECS service registers its tasks in the node's target group instead of {how}"),
                    None,
                );
            } else {
                self.find(
                    p.key("service_discovery"),
                    "service discovery",
                    Outcome::Approximated,
                    format!("the node's target group replaces {how}, and nothing in this spec registers targets in it: until something does, its service answers 503"),
                    Some("add `VpcLatticeConfigurations` to the ECS service that runs the node (the `target_group_arns` output), run it from `workloads:`, or register its targets"),
                );
            }
        }
        for (i, l) in node.listeners.iter().enumerate() {
            let lp = p.key("listeners").index(i);
            if l.timeout.is_some() {
                self.find(
                    lp.key("timeout"),
                    "listener timeout",
                    Outcome::MovedToClient,
                    "Lattice has no idle or per-request timeout",
                    Some("set timeouts in the client and the server"),
                );
            }
            if l.outlier_detection.is_some() {
                self.find(
                    lp.key("outlier_detection"),
                    "outlier detection",
                    Outcome::Dropped,
                    "Lattice checks health actively only (and fails open when every target is unhealthy)",
                    Some("rely on the target group's health check: ECS replaces tasks that fail it"),
                );
            }
            if l.connection_pool.is_some() {
                self.find(
                    lp.key("connection_pool"),
                    "connection pool",
                    Outcome::Dropped,
                    "Lattice has no circuit breaking",
                    Some("limit concurrency in the client (Airflow pools) and the service"),
                );
            }
            if let Some(t) = &l.tls {
                let acm = t
                    .certificate
                    .as_ref()
                    .and_then(|c| c.acm.as_ref())
                    .is_some();
                if t.mode != TlsMode::Disabled && !acm {
                    self.find(
                        lp.key("tls"),
                        "listener TLS",
                        Outcome::Dropped,
                        "the Lattice listener is HTTP: Lattice terminates TLS only with an ACM certificate, and cannot read Envoy's file or SDS certificates",
                        Some("import the certificate into ACM and give it as `certificate: { acm: ... }`"),
                    );
                } else if t.mode != TlsMode::Disabled {
                    self.find(
                        lp.key("tls"),
                        "listener TLS",
                        Outcome::Approximated,
                        "the Lattice service's HTTPS listener terminates TLS with this ACM certificate (it must cover the virtual-service name); Lattice reaches the task over HTTP inside the VPC",
                        Some("App Mesh listeners take exportable private-CA certificates: clients must trust that CA (HttpHook: the connection's `verify` extra set to its PEM bundle), or give the service a public ACM certificate instead; for TLS to the task itself use TLS passthrough"),
                    );
                }
                if t.validation.is_some() {
                    self.find(
                        lp.key("tls").key("validation"),
                        "mutual TLS",
                        Outcome::Dropped,
                        "Lattice does not ask callers for certificates",
                        Some("authenticate callers with `auth: iam`"),
                    );
                }
            }
        }
    }
}
