//! Checked spec → VPC Lattice: the service network with its VPC association and access logs,
//! one Lattice service per virtual service (custom domain = the virtual-service name, with alias
//! records in a private hosted zone), listeners and rules from the routers, target groups from
//! the virtual nodes, and auth policies from `backends:`. ECS services register their tasks in
//! the target groups; tasks need no sidecar. Everything here is read off the checked model
//! ([`crate::check::lattice::Model`]), which decided every name, rule and priority.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use crate::case::snake_case;
use crate::check::lattice::model::{
    access_log_group_name, account_root, Action, Model, RuleMatch, Service, TargetGroup,
};
use crate::check::Checked;
use crate::diagnostic::FieldPath;
use crate::ir::StringPattern;
use crate::ir::{Attr, Kind, Obj, Param, ParamType, Plan, Pseudo, Resource, ResourceId, Value};
use crate::lower::ecs::{self, port_name, EcsMesh, Sidecar};
use crate::lower::iam::{arn, policy, statement};
use crate::params::{
    LATTICE_PREFIX_LIST_ID, LATTICE_SECURITY_GROUP_IDS, LATTICE_SERVICE_NETWORK_ID,
    LATTICE_SERVICE_NETWORK_ID_MESSAGE, LATTICE_SERVICE_NETWORK_ID_REGEX, SECURITY_GROUP_IDS,
    VPC_ID,
};
use crate::spec::airflow_names as names;
use crate::spec::{HostedZone, LatticeAuth, MeshBackend, Spec};

static SERVICE_NETWORK: StringPattern = StringPattern {
    regex: LATTICE_SERVICE_NETWORK_ID_REGEX,
    message: LATTICE_SERVICE_NETWORK_ID_MESSAGE,
};

/// The AWS managed policy of the ECS infrastructure role for Lattice.
const ECS_LATTICE_POLICY: &str = "AmazonECSInfrastructureRolePolicyForVpcLattice";

pub(super) fn lower(checked: &Checked) -> Plan {
    let model = checked
        .lattice()
        .expect("the Lattice rules build the model before a Lattice lowering");
    let spec = checked.spec();
    let mut l = Lattice {
        spec,
        model,
        plan: Plan {
            project: spec.name.clone(),
            description: description(spec, model),
            resources: BTreeMap::new(),
            params: BTreeMap::new(),
            outputs: BTreeMap::new(),
            airflow: None,
            backend: MeshBackend::VpcLattice,
            migration: Some(crate::ir::MigrationDoc::new(&spec.name, "", model)),
            kube: None,
            observability: None,
            node_roles: BTreeMap::new(),
            index: Default::default(),
        },
    };
    l.network();
    l.zone();
    // On EKS the AWS Gateway API Controller creates the services it publishes, with their
    // listeners, rules, target groups, auth policies and DNS records (`lower/eks/gateway.rs`).
    for (name, svc) in model.services.iter().filter(|(_, s)| s.route().is_none()) {
        l.service(name, svc);
    }
    for tg in model
        .target_groups
        .values()
        .filter(|t| !model.by_controller(t))
    {
        l.target_group(tg);
    }
    let wiring = LatticeEcs {
        model,
        registered: RefCell::new(BTreeSet::new()),
    };
    let mut roles = ecs::lower(checked, &mut l.plan, &wiring);
    roles.extend(super::eks::lower(
        checked,
        &mut l.plan,
        MeshBackend::VpcLattice,
    ));
    l.auth_policies(&roles);
    l.plan.node_roles = roles;
    let ports = wiring.registered.into_inner();
    if !ports.is_empty() {
        l.ecs_registration(&ports);
    }
    l.plan
}

/// What the stack holds, for its description.
fn description(spec: &Spec, model: &Model) -> String {
    let published = model
        .services
        .values()
        .filter(|s| s.route().is_some())
        .count();
    let kept = model.services.len() - published;
    match &model.controller {
        None if model.existing_network => format!(
            "{}: {} in the existing VPC Lattice service network of the mesh `{}`",
            spec.name,
            super::count(model.services.len(), "service"),
            spec.mesh.name,
        ),
        None => format!(
            "{}: VPC Lattice service network `{}` with {}",
            spec.name,
            model.network,
            super::count(model.services.len(), "service"),
        ),
        Some(c) => format!(
            "{}: VPC Lattice service network `{}`{}; the AWS Gateway API Controller publishes {} into it from the Gateway `{}` (kubernetes/manifests/{})",
            spec.name,
            model.network,
            if kept == 0 {
                String::new()
            } else {
                format!(" with {}", super::count(kept, "service"))
            },
            super::count(published, "service"),
            c.gateway,
            crate::kube::gateway::MANIFEST_FILE,
        ),
    }
}

struct Lattice<'a> {
    spec: &'a Spec,
    model: &'a Model,
    plan: Plan,
}

fn network_id(model: &Model) -> ResourceId {
    ResourceId::new(Kind::ServiceNetwork, &model.network)
}
fn service_id(name: &str) -> ResourceId {
    ResourceId::new(Kind::LatticeService, name)
}
fn target_group_id(node: &str, port: u32) -> ResourceId {
    ResourceId::new(Kind::TargetGroup, format!("{node}-{port}"))
}
fn zone_id() -> ResourceId {
    ResourceId::new(Kind::HostedZone, "services")
}
fn infrastructure_role_id() -> ResourceId {
    ResourceId::new(Kind::IamRole, "ecs-infrastructure")
}
fn targets_security_group_id() -> ResourceId {
    ResourceId::new(Kind::SecurityGroup, "lattice-targets")
}

/// `arn:...:service/svc-.../*`: every path of one service, as auth policies and IAM name it.
fn invoke_resource(service: &str) -> Value {
    Value::Join(vec![
        Value::Ref(service_id(service), Attr::Arn),
        Value::str("/*"),
    ])
}

impl Lattice<'_> {
    fn add(&mut self, id: ResourceId, source: FieldPath, props: Obj) -> &mut Resource {
        self.plan.add(id, source, props, &self.spec.tags)
    }

    fn param(&mut self, name: &str, ty: ParamType, label: &str, description: &str) {
        self.plan.params.insert(
            name.into(),
            Param {
                ty,
                description: description.into(),
                label: label.into(),
                group: "Network".into(),
                default: None,
            },
        );
    }

    fn vpc(&mut self) -> Value {
        match &self.spec.mesh.lattice().vpc_id {
            Some(v) => Value::str(v),
            None => {
                self.param(
                    VPC_ID,
                    ParamType::VpcId,
                    "VPC",
                    "The VPC whose tasks call the mesh: associated with the service network; the target groups live in it",
                );
                Value::Param(VPC_ID.into())
            }
        }
    }

    fn auth_type(auth: LatticeAuth) -> &'static str {
        match auth {
            LatticeAuth::Iam => "AWS_IAM",
            LatticeAuth::None => "NONE",
        }
    }

    /// The service network the services join: this stack's, or an existing one's ID or ARN.
    fn network_ref(&self) -> Value {
        if self.model.existing_network {
            Value::Param(LATTICE_SERVICE_NETWORK_ID.into())
        } else {
            Value::Ref(network_id(self.model), Attr::Id)
        }
    }

    fn network(&mut self) {
        if self.model.existing_network {
            // The stack that created it holds its VPC association, access logs and auth
            // policy; CloudFormation cannot look a network up by name.
            self.plan.params.insert(
                LATTICE_SERVICE_NETWORK_ID.into(),
                Param {
                    ty: ParamType::Matching(&SERVICE_NETWORK),
                    description: format!(
                        "ID (sn-...) or ARN of the existing VPC Lattice service network of the mesh {} that the services join (the ServiceNetworkId output of the stack that created it, or aws vpc-lattice list-service-networks); its ARN when it is shared through AWS RAM",
                        self.spec.mesh.name
                    ),
                    label: "Lattice service network".into(),
                    group: "Network".into(),
                    default: None,
                },
            );
            return;
        }
        let settings = self.spec.mesh.lattice();
        let path = FieldPath::root().key("mesh");
        let sn = network_id(self.model);
        let props = Obj::new()
            .set("Name", &self.model.network)
            .set("AuthType", Self::auth_type(self.model.auth));
        let mesh_tags = self.spec.mesh.tags.clone();
        self.add(sn.clone(), path.clone(), props)
            .tags
            .extend(mesh_tags);
        // On EKS the Gateway's policies hold the VPC association, the access-log subscription
        // and the network's auth policy (`lower/eks/gateway.rs`).
        let controller = self.model.controller.is_some();
        if !controller {
            let vpc = self.vpc();
            self.vpc_association(sn.clone(), vpc, path.key("lattice"));
        }
        let destination = match &settings.access_log_destination_arn {
            Some(a) => Value::str(a),
            None => {
                let name = access_log_group_name(&self.spec.name);
                let retention = super::log_retention_days(self.spec);
                let props = Obj::new()
                    .set("LogGroupName", name.clone())
                    .set("RetentionInDays", retention);
                let id = ResourceId::new(Kind::LogGroup, "lattice-access-logs");
                self.add(id.clone(), path.key("lattice"), props);
                // The ARN without CloudFormation's `:*` suffix, which Lattice does not take.
                let a = arn(
                    "logs",
                    true,
                    true,
                    vec![Value::str("log-group:"), Value::Ref(id, Attr::Name)],
                );
                self.plan.add_output(
                    "lattice_access_log_group".into(),
                    "The CloudWatch Logs log group of the service network's access logs".into(),
                    Value::str(name),
                    None,
                );
                a
            }
        };
        if !controller {
            let props = Obj::new()
                .set("ResourceIdentifier", Value::Ref(sn.clone(), Attr::Id))
                .set("DestinationArn", destination);
            self.add(
                ResourceId::new(Kind::AccessLogSubscription, "service-network"),
                path.key("lattice"),
                props,
            );
        }
        if self.model.auth == LatticeAuth::Iam && !controller {
            // Both layers must allow a call: the network admits the account's signed callers
            // (each service's policy then names exactly who), and anyone for the services that
            // take unsigned calls.
            let mut accounts = vec![Value::Join(vec![
                Value::str("arn:"),
                Value::Pseudo(Pseudo::Partition),
                Value::str(":iam::"),
                Value::Pseudo(Pseudo::AccountId),
                Value::str(":root"),
            ])];
            // Callers whose role the spec names may live in other accounts.
            let others: BTreeSet<String> = self
                .spec
                .virtual_nodes
                .values()
                .filter_map(|n| n.iam_role_arn.as_deref())
                .filter_map(account_root)
                .collect();
            accounts.extend(others.into_iter().map(Value::Str));
            let mut statements = vec![Obj::new()
                .set("Effect", "Allow")
                .set("Principal", Obj::new().set("AWS", accounts))
                .set("Action", "vpc-lattice-svcs:Invoke")
                .set("Resource", "*")
                .into()];
            let open: Vec<Value> = self
                .model
                .services
                .iter()
                .filter(|(_, s)| s.auth == LatticeAuth::None)
                .map(|(n, _)| invoke_resource(n))
                .collect();
            if !open.is_empty() {
                statements.push(
                    Obj::new()
                        .set("Effect", "Allow")
                        .set("Principal", "*")
                        .set("Action", "vpc-lattice-svcs:Invoke")
                        .set("Resource", open)
                        .into(),
                );
            }
            let props = Obj::new()
                .set("ResourceIdentifier", Value::Ref(sn.clone(), Attr::Id))
                .set("Policy", policy(statements));
            self.add(
                ResourceId::new(Kind::AuthPolicy, "service-network"),
                path.key("lattice").key("auth"),
                props,
            );
        }
        self.plan.add_output(
            "service_network_arn".into(),
            format!(
                "ARN of the VPC Lattice service network `{}`",
                self.model.network
            ),
            Value::Ref(sn.clone(), Attr::Arn),
            None,
        );
        self.plan.add_output(
            "service_network_id".into(),
            "ID of the VPC Lattice service network".into(),
            Value::Ref(sn, Attr::Id),
            None,
        );
    }

    /// The service network's VPC association and its security groups.
    fn vpc_association(&mut self, sn: ResourceId, vpc: Value, source: FieldPath) {
        let sgs = match &self.spec.mesh.lattice().security_group_ids {
            Some(ids) => Value::List(ids.iter().map(Value::str).collect()),
            None => {
                self.param(
                    LATTICE_SECURITY_GROUP_IDS,
                    ParamType::SecurityGroupIds,
                    "Lattice security groups",
                    "Security groups of the service network's VPC association (1–5): they decide which clients of the VPC may reach the mesh's services",
                );
                Value::Param(LATTICE_SECURITY_GROUP_IDS.into())
            }
        };
        let props = Obj::new()
            .set("ServiceNetworkIdentifier", Value::Ref(sn, Attr::Id))
            .set("VpcIdentifier", vpc)
            .set("SecurityGroupIds", sgs);
        self.add(
            ResourceId::new(Kind::ServiceNetworkVpcAssociation, "vpc"),
            source,
            props,
        );
    }

    /// The private hosted zone the records go to.
    fn zone(&mut self) {
        let settings = self.spec.mesh.lattice();
        if let Some(HostedZone::Id(_) | HostedZone::None) = settings.hosted_zone {
            return;
        }
        let Some(name) = &self.model.zone_name else {
            return;
        };
        if self.model.services.is_empty() {
            return;
        }
        let vpc = self.vpc();
        let props = super::private_zone(
            name,
            vpc,
            format!(
                "Virtual-service names of the {} mesh on VPC Lattice (meshsynth)",
                self.spec.mesh.name
            ),
        );
        self.add(
            zone_id(),
            FieldPath::root()
                .key("mesh")
                .key("lattice")
                .key("hosted_zone"),
            props,
        );
        self.plan.add_output(
            "hosted_zone_id".into(),
            format!("ID of the private hosted zone `{name}`"),
            Value::Ref(zone_id(), Attr::Id),
            None,
        );
    }

    fn zone_ref(&self) -> Value {
        match self.spec.mesh.lattice().hosted_zone {
            Some(HostedZone::Id(id)) => Value::str(id),
            _ => Value::Ref(zone_id(), Attr::Id),
        }
    }

    fn service(&mut self, name: &str, svc: &Service) {
        let id = service_id(name);
        let own_tags = self
            .spec
            .virtual_services
            .get(name)
            .map(|v| v.tags.clone())
            .unwrap_or_default();
        let props = Obj::new()
            .set("Name", &svc.name)
            .set("AuthType", Self::auth_type(svc.auth))
            .set("CustomDomainName", &svc.domain)
            .opt("CertificateArn", svc.certificate_arn.as_ref());
        self.add(id.clone(), svc.source.clone(), props)
            .tags
            .extend(own_tags);
        let props = Obj::new()
            .set("ServiceNetworkIdentifier", self.network_ref())
            .set("ServiceIdentifier", Value::Ref(id.clone(), Attr::Id));
        self.add(
            ResourceId::new(Kind::ServiceNetworkServiceAssociation, name),
            svc.source.clone(),
            props,
        );
        // Clients keep calling the virtual-service name: an alias to Lattice's own name.
        let records = self.model.records;
        for ty in ["A", "AAAA"].into_iter().filter(|_| records) {
            let props = Obj::new()
                .set("HostedZoneId", self.zone_ref())
                .set("Name", &svc.domain)
                .set("Type", ty)
                .set(
                    "AliasTarget",
                    Obj::new()
                        .set("DNSName", Value::Ref(id.clone(), Attr::DnsName))
                        .set("HostedZoneId", Value::Ref(id.clone(), Attr::DnsZoneId))
                        .set("EvaluateTargetHealth", false),
                );
            self.add(
                ResourceId::new(Kind::RecordSet, format!("{name}/{}", ty.to_lowercase())),
                svc.source.clone(),
                props,
            );
        }
        for l in &svc.listeners {
            let lid = ResourceId::new(Kind::LatticeListener, format!("{name}/{}", l.name));
            let props = Obj::new()
                .set("Name", &l.name)
                .set("Protocol", l.protocol.as_str())
                .set("Port", l.port)
                .set("ServiceIdentifier", Value::Ref(id.clone(), Attr::Id))
                .set("DefaultAction", action(&l.default_action));
            self.add(lid.clone(), l.source.clone(), props);
            for r in &l.rules {
                let props = Obj::new()
                    .set("Name", &r.name)
                    .set("Priority", r.priority)
                    .set("ListenerIdentifier", Value::Ref(lid.clone(), Attr::Id))
                    .set("ServiceIdentifier", Value::Ref(id.clone(), Attr::Id))
                    .set("Match", Obj::new().set("HttpMatch", http_match(&r.matches)))
                    .set("Action", action(&r.action));
                self.add(
                    ResourceId::new(Kind::LatticeRule, format!("{name}/{}/{}", l.name, r.name)),
                    r.source.clone(),
                    props,
                );
            }
        }
        self.plan.add_output(
            format!("lattice_service_{}_arn", snake_case(&svc.name)),
            format!("ARN of the Lattice service of `{name}`"),
            Value::Ref(id.clone(), Attr::Arn),
            Some(("lattice_service_arns", name)),
        );
        self.plan.add_output(
            format!("lattice_service_{}_dns_name", snake_case(&svc.name)),
            format!("The DNS name Lattice gives `{name}` (its custom domain is an alias of it)"),
            Value::Ref(id, Attr::DnsName),
            Some(("lattice_service_dns_names", name)),
        );
    }

    fn target_group(&mut self, tg: &TargetGroup) {
        let health = match &tg.health {
            Some(h) => Obj::new()
                .set("Enabled", true)
                .set("Protocol", "HTTP")
                .set("ProtocolVersion", h.version.as_str())
                .set("Path", &h.path)
                .set("Port", h.port)
                .set("HealthCheckIntervalSeconds", h.interval_seconds)
                .set("HealthCheckTimeoutSeconds", h.timeout_seconds)
                .set("HealthyThresholdCount", h.healthy)
                .set("UnhealthyThresholdCount", h.unhealthy)
                .set("Matcher", Obj::new().set("HttpCode", "200")),
            // App Mesh checked nothing here; Lattice would check `/` and ECS would replace
            // tasks that fail it.
            None => Obj::new().set("Enabled", false),
        };
        let vpc = self.vpc();
        let props = Obj::new().set("Name", &tg.name).set("Type", "IP").set(
            "Config",
            Obj::new()
                .set("Port", tg.port)
                .set("Protocol", "HTTP")
                .set("ProtocolVersion", tg.version.as_str())
                .set("IpAddressType", "IPV4")
                .set("VpcIdentifier", vpc)
                .set("HealthCheck", health),
        );
        let own_tags = self
            .spec
            .virtual_nodes
            .get(&tg.node)
            .map(|n| n.tags.clone())
            .unwrap_or_default();
        let id = target_group_id(&tg.node, tg.port);
        self.add(id.clone(), tg.source.clone(), props)
            .tags
            .extend(own_tags);
        self.plan.add_output(
            format!(
                "target_group_{}_arn",
                snake_case(&format!("{}-{}", tg.node, tg.port))
            ),
            format!(
                "ARN of the target group of `{}` port {} (register its tasks here)",
                tg.node, tg.port
            ),
            Value::Ref(id, Attr::Arn),
            Some(("target_group_arns", &format!("{}-{}", tg.node, tg.port))),
        );
    }

    /// Each service's allowlist: exactly the roles of the nodes that list it in `backends:`.
    fn auth_policies(&mut self, roles: &BTreeMap<String, Vec<ResourceId>>) {
        let mut principals: BTreeMap<&str, (Vec<Value>, BTreeSet<String>)> = BTreeMap::new();
        for (node, callees) in &self.model.callers {
            let mut arns: Vec<Value> = roles
                .get(node)
                .map(|ids| {
                    ids.iter()
                        .map(|id| Value::Ref(id.clone(), Attr::Arn))
                        .collect()
                })
                .unwrap_or_default();
            if let Some(a) = self
                .spec
                .virtual_nodes
                .get(node)
                .and_then(|n| n.iam_role_arn.as_ref())
            {
                arns.push(Value::str(a));
            }
            for s in callees {
                let e = principals.entry(s.as_str()).or_default();
                e.0.extend(arns.iter().cloned());
                e.1.insert(node.clone());
            }
        }
        for (name, svc) in &self.model.services {
            // The controller's services get theirs from IAMAuthPolicies.
            if svc.auth != LatticeAuth::Iam || svc.route().is_some() {
                continue;
            }
            // No caller: no policy, and Lattice denies every request to an IAM service.
            let Some((arns, _)) = principals.get(name.as_str()) else {
                continue;
            };
            if arns.is_empty() {
                continue;
            }
            let statement = Obj::new()
                .set("Effect", "Allow")
                .set("Principal", Obj::new().set("AWS", arns.clone()))
                .set("Action", "vpc-lattice-svcs:Invoke")
                .set("Resource", invoke_resource(name));
            let props = Obj::new()
                .set("ResourceIdentifier", Value::Ref(service_id(name), Attr::Id))
                .set("Policy", policy(vec![statement.into()]));
            self.add(
                ResourceId::new(Kind::AuthPolicy, name.as_str()),
                svc.source.clone(),
                props,
            );
        }
    }

    /// What ECS needs to register tasks in the target groups: the infrastructure role, and a
    /// security group admitting Lattice's prefix list on the registered ports.
    fn ecs_registration(&mut self, ports: &BTreeSet<u32>) {
        let src = FieldPath::root().key("mesh").key("lattice");
        let role_name = names::family(&self.spec.name, "ecs-infrastructure");
        let props = Obj::new()
            .set("RoleName", role_name.clone())
            .set(
                "Description",
                "ECS infrastructure role: registers tasks in the VPC Lattice target groups (meshsynth)",
            )
            .set(
                "AssumeRolePolicyDocument",
                policy(vec![Obj::new()
                    .set("Effect", "Allow")
                    .set("Principal", Obj::new().set("Service", "ecs.amazonaws.com"))
                    .set("Action", "sts:AssumeRole")
                    .into()]),
            )
            .set(
                "ManagedPolicyArns",
                vec![Value::Join(vec![
                    Value::str("arn:"),
                    Value::Pseudo(Pseudo::Partition),
                    Value::str(format!(":iam::aws:policy/{ECS_LATTICE_POLICY}")),
                ])],
            );
        self.add(infrastructure_role_id(), src.clone(), props);
        self.plan.add_output(
            "role_ecs_infrastructure_arn".into(),
            format!("ARN of the IAM role `{role_name}`"),
            Value::Ref(infrastructure_role_id(), Attr::Arn),
            Some(("role_arns", "ecs-infrastructure")),
        );
        let vpc = self.vpc();
        let props = Obj::new()
            .set("GroupName", format!("{}-lattice-targets", self.spec.name))
            .set(
                "GroupDescription",
                "Admits VPC Lattice to the ports of the tasks it forwards to (meshsynth)",
            )
            .set("VpcId", vpc);
        self.add(targets_security_group_id(), src.clone(), props);
        let prefix = match &self.spec.mesh.lattice().prefix_list_id {
            Some(p) => Value::str(p),
            None => {
                self.plan.params.insert(
                    LATTICE_PREFIX_LIST_ID.into(),
                    Param {
                        ty: ParamType::String,
                        description: "ID of the managed prefix list com.amazonaws.<region>.vpc-lattice (aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.<region>.vpc-lattice)".into(),
                        label: "Lattice prefix list".into(),
                        group: "Network".into(),
                        default: None,
                    },
                );
                Value::Param(LATTICE_PREFIX_LIST_ID.into())
            }
        };
        for port in ports {
            let props = Obj::new()
                .set("GroupId", Value::Ref(targets_security_group_id(), Attr::Id))
                .set("IpProtocol", "tcp")
                .set("FromPort", *port)
                .set("ToPort", *port)
                .set("SourcePrefixListId", prefix.clone())
                .set("Description", format!("VPC Lattice to port {port}"));
            self.add(
                ResourceId::new(
                    Kind::SecurityGroupIngress,
                    format!("lattice-targets-{port}"),
                ),
                src.clone(),
                props,
            );
        }
    }
}

/// What a caller's ECS task role needs to invoke `services` (virtual-service names) under IAM
/// auth: `vpc-lattice-svcs:Invoke` on each service the stack creates, by its ARN. (Services the
/// AWS Gateway API Controller publishes exist only on EKS, whose IRSA roles `lower/eks/iam`
/// grants.)
pub(crate) fn invoke_statements(model: &Model, services: &[String]) -> Vec<Value> {
    let own: Vec<Value> = services
        .iter()
        .filter(|s| {
            model
                .services
                .get(*s)
                .is_some_and(|s| s.auth == LatticeAuth::Iam && s.route().is_none())
        })
        .map(|name| invoke_resource(name))
        .collect();
    if own.is_empty() {
        Vec::new()
    } else {
        vec![statement(&["vpc-lattice-svcs:Invoke"], own)]
    }
}

fn action(a: &Action) -> Value {
    match a {
        Action::Forward(targets) => Obj::new()
            .set(
                "Forward",
                Obj::new().set(
                    "TargetGroups",
                    targets
                        .iter()
                        .map(|(node, port, weight)| {
                            Obj::new()
                                .set(
                                    "TargetGroupIdentifier",
                                    Value::Ref(target_group_id(node, *port), Attr::Id),
                                )
                                .set("Weight", *weight)
                                .into()
                        })
                        .collect::<Vec<Value>>(),
                ),
            )
            .into(),
        Action::Fixed(code) => Obj::new()
            .set(
                "FixedResponse",
                Obj::new().set("StatusCode", u32::from(*code)),
            )
            .into(),
    }
}

fn http_match(m: &RuleMatch) -> Value {
    Obj::new()
        .opt("Method", m.method)
        .opt(
            "PathMatch",
            m.path.as_ref().map(|(kind, value)| {
                Obj::new()
                    .set("Match", Obj::new().set(kind.as_str(), value))
                    .set("CaseSensitive", true)
            }),
        )
        .list(
            "HeaderMatches",
            m.headers
                .iter()
                .map(|h| {
                    Obj::new()
                        .set("Name", &h.name)
                        .set("Match", Obj::new().set(h.kind.as_str(), &h.value))
                        .set("CaseSensitive", true)
                        .into()
                })
                .collect(),
        )
        .into()
}

/// Lattice for ECS: no sidecar, permission to invoke the node's backends, and registration of
/// the node's tasks in its target groups.
struct LatticeEcs<'a> {
    model: &'a Model,
    /// The container ports ECS services register (the target security group admits them).
    registered: RefCell<BTreeSet<u32>>,
}

impl EcsMesh for LatticeEcs<'_> {
    fn declare(&self, _plan: &mut Plan) {}
    fn sidecar(&self) -> Option<&dyn Sidecar> {
        None
    }
    fn statements(&self, node: &str) -> Vec<Value> {
        let callees = self.model.callers.get(node).cloned().unwrap_or_default();
        invoke_statements(self.model, &callees)
    }
    fn cloud_map(&self) -> bool {
        false
    }
    fn named_ports(&self) -> bool {
        true
    }
    fn service(&self, node: &str, props: Obj, startup_seconds: u32) -> Obj {
        let tgs: Vec<&TargetGroup> = self
            .model
            .target_groups
            .values()
            .filter(|t| t.node == node)
            .collect();
        if tgs.is_empty() {
            return props;
        }
        let mut registered = self.registered.borrow_mut();
        let configs: Vec<Value> = tgs
            .iter()
            .map(|t| {
                registered.insert(t.port);
                Obj::new()
                    .set("PortName", port_name(t.port))
                    .set("RoleArn", Value::Ref(infrastructure_role_id(), Attr::Arn))
                    .set(
                        "TargetGroupArn",
                        Value::Ref(target_group_id(&t.node, t.port), Attr::Arn),
                    )
                    .into()
            })
            .collect();
        // ECS replaces tasks that fail the target group's health check, from the first check
        // on unless a grace period covers the start.
        props
            .set("VpcLatticeConfigurations", configs)
            .set("HealthCheckGracePeriodSeconds", startup_seconds)
            .set(
                "NetworkConfiguration",
                Obj::new().set(
                    "AwsvpcConfiguration",
                    Obj::new()
                        .set("Subnets", Value::Param(crate::params::SUBNET_IDS.into()))
                        .set(
                            "SecurityGroups",
                            Value::Concat(vec![
                                Value::Param(SECURITY_GROUP_IDS.into()),
                                Value::List(vec![Value::Ref(
                                    targets_security_group_id(),
                                    Attr::Id,
                                )]),
                            ]),
                        )
                        .set("AssignPublicIp", "DISABLED"),
                ),
            )
    }
}
