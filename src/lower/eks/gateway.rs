//! The AWS Gateway API Controller's objects for the Lattice backend: a Gateway for the service
//! network, a route per virtual service, and the controller's policies.
//!
//! Everything is read off the checked Lattice model, which decided the names, listeners, rule
//! order and priorities, matches, weights, target groups and callers the CloudFormation /
//! Terraform output of the same model has; `model/controller.rs` decided what the controller
//! publishes and from which route and Gateway listener. The Lattice service keeps the model's
//! name through `service-name-override`, and each rule the model's priority through
//! `rule-{i}-priority`: the controller hands both to Lattice unchanged (`model_build_rule.go`,
//! `rule_manager.go`), and Lattice evaluates the lowest priority first, as CloudFormation's
//! rules are.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::Eks;
use crate::check::lattice::model::{
    access_log_group_name, account_root, lattice_name, Action, Controller, GatewayListener,
    KubeRoute, KubeService, ListenerProtocol, Model, ProtocolVersion, RouteKind, Rule, Service,
    StringMatch, TargetGroup, RULE_NAME_MAX, RULE_PREFIX,
};
use crate::ir::KubeDoc;
use crate::kube::gateway::*;
use crate::kube::meta::MANAGED_BY;
use crate::kube::{object, ObjectMeta};
use crate::spec::LatticeAuth;

/// The label selectors' key every namespace has.
const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

pub(super) fn lower(cx: &Eks, doc: &mut KubeDoc) {
    let Some(model) = cx.checked.lattice() else {
        return;
    };
    let Some(controller) = &model.controller else {
        return;
    };
    let g = Gw {
        cx,
        model,
        controller,
    };
    let mut objects = vec![object(&g.gateway())];
    objects.extend(g.network_policies());
    objects.extend(g.target_group_policies().iter().map(object));
    objects.extend(g.reference_grants().iter().map(object));
    for svc in model.services.values() {
        let Some(route) = svc.route() else {
            continue;
        };
        if let Some(p) = g.service_auth_policy(svc, route) {
            objects.push(object(&p));
        }
        objects.push(g.route(svc, route));
    }
    doc.manifests.insert(MANIFEST_FILE.into(), objects);
}

struct Gw<'a> {
    cx: &'a Eks<'a>,
    model: &'a Model,
    controller: &'a Controller,
}

fn meta(name: &str, namespace: &str) -> ObjectMeta {
    ObjectMeta::namespaced(name, namespace).label(MANAGED_BY.0, MANAGED_BY.1)
}

fn gateway_ref(name: &str, kind: &str) -> TargetRef {
    TargetRef {
        group: GATEWAY_GROUP.into(),
        kind: kind.into(),
        name: name.into(),
    }
}

/// `aws`, `aws-cn` or `aws-us-gov`, from a region.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// An IAM policy document allowing `principal` to invoke.
fn invoke_policy(effect: &str, principal: serde_json::Value) -> String {
    let doc = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": effect,
            "Principal": principal,
            "Action": "vpc-lattice-svcs:Invoke",
            "Resource": "*",
        }],
    });
    serde_json::to_string_pretty(&doc).expect("JSON values serialize")
}

impl Gw<'_> {
    fn gateway_name(&self) -> &str {
        &self.controller.gateway
    }

    fn namespace(&self) -> &str {
        &self.controller.namespace
    }

    fn gateway(&self) -> Gateway {
        // The namespaces of the routes attached to each listener.
        let mut attached: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for r in self.model.services.values().filter_map(Service::route) {
            for s in &r.sections {
                attached
                    .entry(s.as_str())
                    .or_default()
                    .insert(r.namespace.as_str());
            }
        }
        let listeners = self
            .controller
            .listeners
            .iter()
            .map(|l| self.listener(l, attached.get(l.name.as_str())))
            .collect();
        Gateway {
            metadata: meta(self.gateway_name(), self.namespace()),
            spec: GatewaySpec {
                gateway_class_name: GATEWAY_CLASS.into(),
                listeners,
            },
        }
    }

    fn listener(&self, l: &GatewayListener, namespaces: Option<&BTreeSet<&str>>) -> Listener {
        let tls = (l.protocol == ListenerProtocol::Https).then(|| match &l.certificate_arn {
            Some(arn) => ListenerTls {
                mode: "Terminate".into(),
                certificate_refs: Vec::new(),
                options: BTreeMap::from([(CERTIFICATE_ARN_OPTION.into(), arn.clone())]),
            },
            // The Gateway API wants a certificate reference or an option on a Terminate
            // listener; the controller reads neither Secrets nor this one, and finds an ACM
            // certificate for the route's hostname (its documented placeholder).
            None => ListenerTls {
                mode: "Terminate".into(),
                certificate_refs: vec![SecretRef {
                    name: "unused".into(),
                }],
                options: BTreeMap::new(),
            },
        });
        // Routes live beside their Services; the Gateway admits exactly those namespaces.
        let allowed_routes = namespaces
            .filter(|ns| ns.iter().any(|n| *n != self.namespace()))
            .map(|ns| AllowedRoutes {
                namespaces: RouteNamespaces {
                    from: "Selector".into(),
                    selector: Some(LabelSelector {
                        match_expressions: vec![LabelSelectorRequirement {
                            key: NAMESPACE_NAME_LABEL.into(),
                            operator: "In".into(),
                            values: ns.iter().map(|n| (*n).to_owned()).collect(),
                        }],
                    }),
                },
            });
        Listener {
            name: l.name.clone(),
            protocol: l.protocol.as_str().into(),
            port: l.port,
            hostname: l.hostname.clone(),
            tls,
            allowed_routes,
        }
    }

    /// The service network's VPC association, access logs and auth policy, on the Gateway.
    fn network_policies(&self) -> Vec<serde_json::Value> {
        let gw = self.gateway_name();
        let ns = self.namespace();
        let settings = self.cx.spec.mesh.lattice();
        let mut out = Vec::new();
        if let Some(sgs) = &settings.security_group_ids {
            out.push(object(&VpcAssociationPolicy {
                metadata: meta(gw, ns),
                spec: VpcAssociationPolicySpec {
                    target_ref: gateway_ref(gw, "Gateway"),
                    associate_with_vpc: true,
                    security_group_ids: sgs.clone(),
                },
            }));
        }
        let eks = self.cx.eks;
        let part = partition(&eks.region);
        let destination = settings
            .access_log_destination_arn
            .clone()
            .unwrap_or_else(|| {
                // The log group the stack creates, by its fixed name.
                format!(
                    "arn:{part}:logs:{}:{}:log-group:{}",
                    eks.region,
                    eks.account_id,
                    access_log_group_name(&self.cx.spec.name)
                )
            });
        out.push(object(&AccessLogPolicy {
            metadata: meta(gw, ns),
            spec: AccessLogPolicySpec {
                target_ref: gateway_ref(gw, "Gateway"),
                destination_arn: destination,
            },
        }));
        if self.model.auth == LatticeAuth::Iam {
            // As the stack's network policy: the account's signed callers (each service's
            // policy then names exactly who), and the accounts of roles the spec names. No
            // service of an IAM network takes unsigned calls on EKS (the API server is the
            // chart's Service, outside Lattice).
            let mut accounts: BTreeSet<String> =
                BTreeSet::from([format!("arn:{part}:iam::{}:root", eks.account_id)]);
            accounts.extend(
                self.cx
                    .spec
                    .virtual_nodes
                    .values()
                    .filter_map(|n| n.iam_role_arn.as_deref())
                    .filter_map(account_root),
            );
            out.push(object(&IamAuthPolicy {
                metadata: meta(gw, ns),
                spec: IamAuthPolicySpec {
                    target_ref: gateway_ref(gw, "Gateway"),
                    policy: invoke_policy(
                        "Allow",
                        json!({ "AWS": accounts.into_iter().collect::<Vec<_>>() }),
                    ),
                },
            }));
        }
        out
    }

    /// The target groups the controller creates for the published routes.
    fn published_groups(&self) -> impl Iterator<Item = (&TargetGroup, &KubeService)> {
        self.model
            .target_groups
            .values()
            .filter(|t| self.model.by_controller(t))
            .filter_map(|t| Some((t, t.kube_service.as_ref()?)))
    }

    /// One per Service: its target groups' protocol and health check (the rules made sure
    /// a Service's ports agree).
    fn target_group_policies(&self) -> Vec<TargetGroupPolicy> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (tg, k) in self.published_groups() {
            if !seen.insert(k) {
                continue;
            }
            let version = match tg.version {
                ProtocolVersion::Http1 => "HTTP1",
                // A GRPCRoute's target groups are GRPC (HTTP/2) whatever the policy says.
                ProtocolVersion::Http2 | ProtocolVersion::Grpc => "HTTP2",
            };
            let health_check = match &tg.health {
                Some(h) => HealthCheck {
                    enabled: true,
                    protocol: Some("HTTP".into()),
                    protocol_version: Some(h.version.as_str().into()),
                    path: Some(h.path.clone()),
                    port: (h.port != tg.port).then_some(h.port),
                    interval_seconds: Some(h.interval_seconds),
                    timeout_seconds: Some(h.timeout_seconds),
                    healthy_threshold_count: Some(h.healthy),
                    unhealthy_threshold_count: Some(h.unhealthy),
                    status_match: Some("200".into()),
                },
                // As the stack's target groups: App Mesh checked nothing here.
                None => HealthCheck {
                    enabled: false,
                    protocol: None,
                    protocol_version: None,
                    path: None,
                    port: None,
                    interval_seconds: None,
                    timeout_seconds: None,
                    healthy_threshold_count: None,
                    unhealthy_threshold_count: None,
                    status_match: None,
                },
            };
            out.push(TargetGroupPolicy {
                metadata: meta(&k.name, &k.namespace),
                spec: TargetGroupPolicySpec {
                    target_ref: TargetRef {
                        group: String::new(),
                        kind: "Service".into(),
                        name: k.name.clone(),
                    },
                    protocol: "HTTP".into(),
                    protocol_version: version.into(),
                    health_check,
                },
            });
        }
        out
    }

    /// Lets each route reach the Services of other namespaces it forwards to.
    fn reference_grants(&self) -> Vec<ReferenceGrant> {
        // (Service namespace, route namespace) → route kinds, Service names.
        type Grant<'a> = (BTreeSet<&'a str>, BTreeSet<&'a str>);
        let mut grants: BTreeMap<(&str, &str), Grant> = BTreeMap::new();
        for svc in self.model.services.values() {
            let Some(route) = svc.route() else {
                continue;
            };
            for k in self.backends(svc) {
                if k.namespace != route.namespace {
                    let e = grants
                        .entry((k.namespace.as_str(), route.namespace.as_str()))
                        .or_default();
                    e.0.insert(route.kind.as_str());
                    e.1.insert(k.name.as_str());
                }
            }
        }
        grants
            .into_iter()
            .map(|((ns, from), (kinds, services))| ReferenceGrant {
                metadata: meta(&format!("routes-from-{from}"), ns),
                spec: ReferenceGrantSpec {
                    from: kinds
                        .into_iter()
                        .map(|k| ReferenceGrantFrom {
                            group: GATEWAY_GROUP.into(),
                            kind: k.into(),
                            namespace: from.into(),
                        })
                        .collect(),
                    to: services
                        .into_iter()
                        .map(|s| ReferenceGrantTo {
                            group: String::new(),
                            kind: "Service".into(),
                            name: s.into(),
                        })
                        .collect(),
                },
            })
            .collect()
    }

    /// The Services a published service forwards to.
    fn backends<'s>(&'s self, svc: &'s Service) -> impl Iterator<Item = &'s KubeService> {
        svc.listeners
            .iter()
            .flat_map(crate::check::lattice::model::forward_targets)
            .filter_map(|(n, p)| self.model.target_group(n, p)?.kube_service.as_ref())
    }

    /// The service's auth policy: exactly the roles of the identities that list it in
    /// `backends:` (and roles the spec names); none, and no request gets through, as with the
    /// stack's IAM services without callers.
    fn service_auth_policy(&self, svc: &Service, route: &KubeRoute) -> Option<IamAuthPolicy> {
        if svc.auth != LatticeAuth::Iam {
            return None;
        }
        let mut roles: BTreeSet<String> = self
            .cx
            .identities
            .iter()
            .filter(|id| id.backends.contains(&svc.domain))
            .map(|id| self.cx.role_arn(id))
            .collect();
        let known: BTreeSet<&str> = self.cx.identities.iter().map(|i| i.node.as_str()).collect();
        for (node, callees) in &self.model.callers {
            if known.contains(node.as_str()) || !callees.contains(&svc.domain) {
                continue;
            }
            if let Some(a) = self
                .cx
                .spec
                .virtual_nodes
                .get(node)
                .and_then(|n| n.iam_role_arn.as_ref())
            {
                roles.insert(a.clone());
            }
        }
        let policy = if roles.is_empty() {
            invoke_policy("Deny", json!("*"))
        } else {
            invoke_policy(
                "Allow",
                json!({ "AWS": roles.into_iter().collect::<Vec<_>>() }),
            )
        };
        Some(IamAuthPolicy {
            metadata: meta(&route.name, &route.namespace),
            spec: IamAuthPolicySpec {
                target_ref: gateway_ref(&route.name, route.kind.as_str()),
                policy,
            },
        })
    }

    fn route(&self, svc: &Service, route: &KubeRoute) -> serde_json::Value {
        let mut metadata =
            meta(&route.name, &route.namespace).annotation(SERVICE_NAME_OVERRIDE, &svc.name);
        let mut sections: Vec<&String> = Vec::new();
        for s in &route.sections {
            if !sections.contains(&s) {
                sections.push(s);
            }
        }
        let parent_refs = sections
            .into_iter()
            .map(|s| ParentRef {
                group: GATEWAY_GROUP.into(),
                kind: "Gateway".into(),
                name: self.gateway_name().into(),
                namespace: Some(self.namespace().into()),
                section_name: s.clone(),
            })
            .collect();
        // Every listener routes alike (the model made sure): the first one's rules stand for
        // all.
        let l = &svc.listeners[0];
        let catch_all = match &l.default_action {
            Action::Fixed(404) => None,
            a => Some(a),
        };
        let mut priorities: Vec<u32> = l.rules.iter().map(|r| r.priority).collect();
        if catch_all.is_some() {
            priorities.push(priorities.iter().max().copied().unwrap_or(0) + 1);
        }
        for (i, p) in priorities.iter().enumerate() {
            metadata = metadata.annotation(rule_priority_annotation(i), p.to_string());
        }
        let mut names: BTreeSet<String> = l.rules.iter().map(|r| r.name.clone()).collect();
        let catch_all_name = l
            .default_route
            .as_deref()
            .map(|r| r.rsplit('/').next().unwrap_or(r))
            .map(|r| lattice_name(r, RULE_NAME_MAX, RULE_PREFIX))
            .filter(|n| names.insert(n.clone()));
        fn spec<R>(parent_refs: Vec<ParentRef>, svc: &Service, rules: Vec<R>) -> RouteSpec<R> {
            RouteSpec {
                parent_refs,
                hostnames: vec![svc.domain.clone()],
                rules,
            }
        }
        match route.kind {
            RouteKind::Http => {
                let mut rules: Vec<HttpRouteRule> = l
                    .rules
                    .iter()
                    .map(|r| HttpRouteRule {
                        name: Some(r.name.clone()),
                        matches: vec![http_match(r)],
                        backend_refs: self.backend_refs(&r.action, route),
                    })
                    .collect();
                if let Some(a) = catch_all {
                    rules.push(HttpRouteRule {
                        name: catch_all_name,
                        matches: vec![HttpRouteMatch {
                            path: Some(PathMatch {
                                kind: "PathPrefix".into(),
                                value: "/".into(),
                            }),
                            ..HttpRouteMatch::default()
                        }],
                        backend_refs: self.backend_refs(a, route),
                    });
                }
                object(&HttpRoute {
                    metadata,
                    spec: spec(parent_refs, svc, rules),
                })
            }
            RouteKind::Grpc => {
                let mut rules: Vec<GrpcRouteRule> = l
                    .rules
                    .iter()
                    .map(|r| GrpcRouteRule {
                        name: Some(r.name.clone()),
                        matches: grpc_match(r).into_iter().collect(),
                        backend_refs: self.backend_refs(&r.action, route),
                    })
                    .collect();
                if let Some(a) = catch_all {
                    rules.push(GrpcRouteRule {
                        name: catch_all_name,
                        matches: Vec::new(),
                        backend_refs: self.backend_refs(a, route),
                    });
                }
                object(&GrpcRoute {
                    metadata,
                    spec: spec(parent_refs, svc, rules),
                })
            }
        }
    }

    /// The Services and ports of an action, with its weights; none for a fixed response
    /// (the controller answers 500 then, as the model's only fixed rule action does).
    fn backend_refs(&self, action: &Action, route: &KubeRoute) -> Vec<BackendRef> {
        let Action::Forward(targets) = action else {
            return Vec::new();
        };
        targets
            .iter()
            .filter_map(|(node, port, weight)| {
                let k = self
                    .model
                    .target_group(node, *port)?
                    .kube_service
                    .as_ref()?;
                Some(BackendRef {
                    group: String::new(),
                    kind: "Service".into(),
                    name: k.name.clone(),
                    namespace: (k.namespace != route.namespace).then(|| k.namespace.clone()),
                    // The Service's port is its node's listener port.
                    port: *port,
                    weight: *weight,
                })
            })
            .collect()
    }
}

fn header_matches(r: &Rule) -> Vec<HeaderMatch> {
    // Prefix matches stop the spec in the rules (lattice-controller-limit).
    r.matches
        .headers
        .iter()
        .map(|h| HeaderMatch {
            kind: "Exact".into(),
            name: h.name.clone(),
            value: h.value.clone(),
        })
        .collect()
}

fn http_match(r: &Rule) -> HttpRouteMatch {
    HttpRouteMatch {
        path: r.matches.path.as_ref().map(|(kind, value)| PathMatch {
            kind: match kind {
                StringMatch::Exact => "Exact",
                StringMatch::Prefix => "PathPrefix",
            }
            .into(),
            value: value.clone(),
        }),
        method: r.matches.method.map(str::to_owned),
        headers: header_matches(r),
    }
}

/// A gRPC rule's match: its service (and method) and metadata; none matches every call.
fn grpc_match(r: &Rule) -> Option<GrpcRouteMatch> {
    let method = r
        .matches
        .grpc
        .as_ref()
        .and_then(|g| Some((g.service.clone()?, g.method.clone())))
        .map(|(service, method)| GrpcMethodMatch {
            kind: "Exact".into(),
            service,
            method,
        });
    let headers = header_matches(r);
    (method.is_some() || !headers.is_empty()).then_some(GrpcRouteMatch { method, headers })
}
