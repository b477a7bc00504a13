//! Every file's resources → one spec: merges files, checks that each resource is defined once,
//! finds what lives in other stacks, and writes the spec in the schema's order.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::build::{entries, is_default_access_log, B};
use super::emit::{self, M, Y};
use super::model::{as_reference, ImportError, Resource, Skipped};
use super::tidy::{map_entries, pascal_keys, project_name, strip_namespace};

/// What `import` was asked to do beyond the files.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--name`: the spec's project name. Default: from the mesh's name.
    pub name: Option<String>,
    /// `--mesh`: which mesh to import when the files hold several.
    pub mesh: Option<String>,
    /// The `$schema` the modeline names.
    pub schema: String,
}

/// The spec written, and what the summary reports.
#[derive(Debug, Clone)]
pub struct Imported {
    pub text: String,
    pub skipped: Vec<Skipped>,
    /// Kind label → how many were imported (`virtual nodes` → 3).
    pub counts: Vec<(&'static str, usize)>,
    /// Things the user should know (what lives in another stack, defaults chosen).
    pub notes: Vec<String>,
}

/// A resource of the spec: its key, body, comment lines and own tags.
type Part = (String, M, Vec<String>, BTreeMap<String, String>);

const MESH: &str = "AWS::AppMesh::Mesh";
const NODE: &str = "AWS::AppMesh::VirtualNode";
const ROUTER: &str = "AWS::AppMesh::VirtualRouter";
const ROUTE: &str = "AWS::AppMesh::Route";
const SERVICE: &str = "AWS::AppMesh::VirtualService";
const GATEWAY: &str = "AWS::AppMesh::VirtualGateway";
const GATEWAY_ROUTE: &str = "AWS::AppMesh::GatewayRoute";
const CM_SERVICE: &str = "AWS::ServiceDiscovery::Service";
const NAMESPACES: &[&str] = &[
    "AWS::ServiceDiscovery::PrivateDnsNamespace",
    "AWS::ServiceDiscovery::PublicDnsNamespace",
    "AWS::ServiceDiscovery::HttpNamespace",
];

/// The property that names a resource of an App Mesh type.
fn name_property(ty: &str) -> &'static str {
    match ty {
        MESH => "MeshName",
        NODE => "VirtualNodeName",
        ROUTER => "VirtualRouterName",
        ROUTE => "RouteName",
        SERVICE => "VirtualServiceName",
        GATEWAY => "VirtualGatewayName",
        _ => "GatewayRouteName",
    }
}

fn label(ty: &str) -> &'static str {
    match ty {
        MESH => "mesh",
        NODE => "virtual node",
        ROUTER => "virtual router",
        ROUTE => "route",
        SERVICE => "virtual service",
        GATEWAY => "virtual gateway",
        _ => "gateway route",
    }
}

fn origin(r: &Resource) -> String {
    format!("from {}: {}", r.file, r.id)
}

fn place(r: &Resource) -> String {
    match r.location {
        Some(l) => format!("{}:{}:{} (`{}`)", r.file, l.line, l.column, r.id),
        None => format!("{} (`{}`)", r.file, r.id),
    }
}

/// An App Mesh resource with its name, mesh and (for routes) parent resolved.
struct Named<'r> {
    r: &'r Resource,
    name: String,
    mesh: String,
    owner: Option<String>,
    parent: Option<String>,
}

/// Tags of a resource without meshsynth's own (`meshsynth:source`), which synth adds again.
fn tags(b: &mut B, props: &Value) -> BTreeMap<String, String> {
    let mut t = b.key_values(props.get("Tags"), "Tags");
    t.retain(|k, _| !k.starts_with("meshsynth:"));
    t
}

pub fn assemble(
    resources: &[Resource],
    mut skipped: Vec<Skipped>,
    opts: &Options,
) -> Result<Imported, Vec<ImportError>> {
    let mut errors = Vec::new();
    let mut notes = Vec::new();

    // Some templates spell `Spec` keys in the API's camelCase (`baseEjectionDuration`); the
    // App Mesh spec's keys are all PascalCase, so they are read as such.
    let owned: Vec<Resource> = resources
        .iter()
        .map(|r| {
            let mut r = r.clone();
            if r.ty.starts_with("AWS::AppMesh::") {
                if let Some(spec) = r.props.get_mut("Spec") {
                    let mut renamed = Vec::new();
                    pascal_keys(spec, &mut renamed);
                    if !renamed.is_empty() {
                        renamed.sort();
                        renamed.dedup();
                        notes.push(format!(
                            "`{}` spells {} in the App Mesh API's camelCase; read as PascalCase",
                            r.id,
                            renamed
                                .iter()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                }
            }
            r
        })
        .collect();
    let resources = &owned[..];

    // Names first: everything else is keyed by them.
    let mut named: Vec<Named> = Vec::new();
    for r in resources
        .iter()
        .filter(|r| r.ty.starts_with("AWS::AppMesh::"))
    {
        let mut b = B {
            res: r,
            errors: &mut errors,
        };
        let Some(name) = b.str(r.props.get(name_property(&r.ty)), name_property(&r.ty)) else {
            if r.props.get(name_property(&r.ty)).is_none() {
                b.err("", format!("{} `{}` has no `{}`: CloudFormation would generate one, so the spec cannot know it", label(&r.ty), r.id, name_property(&r.ty)), Some(format!("set `{}` in the file", name_property(&r.ty))));
            }
            continue;
        };
        let Some(mesh) = b.str(r.props.get("MeshName"), "MeshName") else {
            if r.props.get("MeshName").is_none() {
                b.err(
                    "",
                    format!("{} `{}` has no `MeshName`", label(&r.ty), r.id),
                    None,
                );
            }
            continue;
        };
        let owner = b.str(r.props.get("MeshOwner"), "MeshOwner");
        let parent = match r.ty.as_str() {
            ROUTE => b.str(r.props.get("VirtualRouterName"), "VirtualRouterName"),
            GATEWAY_ROUTE => b.str(r.props.get("VirtualGatewayName"), "VirtualGatewayName"),
            _ => None,
        };
        named.push(Named {
            r,
            name,
            mesh,
            owner,
            parent,
        });
    }

    // One mesh per spec.
    let meshes: BTreeSet<&str> = named.iter().map(|n| n.mesh.as_str()).collect();
    let mesh_name = match (&opts.mesh, meshes.len()) {
        (Some(m), _) if meshes.contains(m.as_str()) => m.clone(),
        (Some(m), _) => {
            errors.push(ImportError::new(
                &resources
                    .first()
                    .map(|r| r.file.clone())
                    .unwrap_or_default(),
                None,
                "",
                format!(
                    "--mesh `{m}` names no mesh of the files; they hold {}",
                    super::build::list(&meshes.iter().copied().collect::<Vec<_>>())
                ),
            ));
            return Err(errors);
        }
        (None, 0) => {
            // Every App Mesh resource failed to name itself (reported), or there is none.
            if errors.is_empty() {
                let files: BTreeSet<&str> = resources.iter().map(|r| r.file.as_str()).collect();
                errors.push(super::no_app_mesh(&files.into_iter().collect::<Vec<_>>()));
            }
            return Err(errors);
        }
        (None, 1) => meshes
            .iter()
            .next()
            .map(|m| (*m).to_owned())
            .unwrap_or_default(),
        (None, _) => {
            let f = &named[0].r.file;
            errors.push(
                ImportError::new(
                    f,
                    None,
                    "",
                    format!(
                        "the files hold {} meshes ({}); a spec describes one",
                        meshes.len(),
                        meshes
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .help(format!(
                    "import them one at a time with --mesh NAME, e.g. --mesh {}",
                    meshes.iter().next().copied().unwrap_or_default()
                )),
            );
            return Err(errors);
        }
    };
    let (ours, others): (Vec<Named>, Vec<Named>) =
        named.into_iter().partition(|n| n.mesh == mesh_name);
    for o in others {
        skipped.push(Skipped {
            file: o.r.file.clone(),
            id: o.r.id.clone(),
            ty: format!("{} (mesh `{}`)", o.r.ty, o.mesh),
        });
    }

    // Each resource once: the same definition in two files is one resource, a different one is an error.
    let mut by_key: BTreeMap<(String, Option<String>, String), &Named> = BTreeMap::new();
    for n in &ours {
        let key = (n.r.ty.clone(), n.parent.clone(), n.name.clone());
        match by_key.get(&key) {
            Some(first) if first.r.props == n.r.props => {}
            Some(first) => errors.push(
                ImportError::new(&n.r.file, n.r.location, "", format!("{} `{}` is defined twice, differently: at {} and at {}", label(&n.r.ty), n.name, place(first.r), place(n.r)))
                    .help("keep one definition (App Mesh names are unique in a mesh), or import the files separately"),
            ),
            None => {
                by_key.insert(key, n);
            }
        }
    }
    let of =
        |ty: &str| -> Vec<&Named> { by_key.values().copied().filter(|n| n.r.ty == ty).collect() };

    // The mesh: defined here, shared from another account, or created by another stack.
    let mesh_res = of(MESH).into_iter().next();
    let owner = ours.iter().find_map(|n| n.owner.clone());
    let mut all_tags: Vec<BTreeMap<String, String>> = Vec::new();
    let mut mesh_y = M::new().set("name", &mesh_name);
    let mut mesh_tags = BTreeMap::new();
    let mut mesh_comment = Vec::new();
    if let (Some(_), Some(o)) = (mesh_res, &owner) {
        // With the mesh in the files, its owner is the account that deploys them: `MeshOwner` is
        // then the API's default.
        let shared: Vec<String> = ours
            .iter()
            .filter(|n| n.owner.is_some())
            .map(|n| format!("`{}`", n.r.id))
            .collect();
        notes.push(format!(
            "{} name account {o} as `MeshOwner` of mesh `{mesh_name}`, which the files create: the spec creates them in the mesh's account; if they deploy from another account, import their files separately",
            shared.join(", ")
        ));
    }
    match (mesh_res, &owner) {
        (Some(m), _) => {
            let mut b = B {
                res: m.r,
                errors: &mut errors,
            };
            mesh_comment.push(origin(m.r));
            if let Some(spec) = b.obj(
                m.r.props.get("Spec"),
                "Spec",
                &["EgressFilter", "ServiceDiscovery"],
            ) {
                let ef = b
                    .obj(spec.get("EgressFilter"), "Spec.EgressFilter", &["Type"])
                    .and_then(|e| {
                        b.one_of(
                            e.get("Type"),
                            "Spec.EgressFilter.Type",
                            &[("DROP_ALL", "drop_all"), ("ALLOW_ALL", "allow_all")],
                        )
                    });
                let ip = b
                    .obj(
                        spec.get("ServiceDiscovery"),
                        "Spec.ServiceDiscovery",
                        &["IpPreference"],
                    )
                    .and_then(|s| {
                        b.ip_preference(s.get("IpPreference"), "Spec.ServiceDiscovery.IpPreference")
                    });
                // DROP_ALL is App Mesh's default and meshsynth's.
                mesh_y = mesh_y
                    .opt("egress_filter", ef.filter(|e| *e != "drop_all"))
                    .opt("ip_preference", ip);
            }
            mesh_tags = tags(&mut b, &m.r.props);
            all_tags.push(mesh_tags.clone());
        }
        (None, Some(o)) => {
            mesh_y = mesh_y.set("owner", o.clone());
            notes.push(format!("mesh `{mesh_name}` is shared by account {o} (MeshOwner): the spec sets `mesh.owner` and synth creates no mesh"));
        }
        (None, None) => {
            mesh_y = mesh_y.set("existing", true);
            mesh_comment.push(
                "defined in none of the files: it already exists (another stack creates it)".into(),
            );
            notes.push(format!("mesh `{mesh_name}` is defined in none of the files: the spec says it already exists (`mesh.existing: true`)"));
        }
    }

    // Cloud Map: the namespaces and services of the files.
    let ns_by_id: BTreeMap<&str, (&Resource, String)> = resources
        .iter()
        .filter(|r| NAMESPACES.contains(&r.ty.as_str()))
        .filter_map(|r| {
            Some((
                r.id.as_str(),
                (r, r.props.get("Name")?.as_str()?.to_owned()),
            ))
        })
        .collect();
    let ns_names: BTreeSet<&str> = ns_by_id.values().map(|(_, n)| n.as_str()).collect();

    // Nodes.
    let mut logs_missing: Vec<String> = Vec::new();
    let mut default_logs: BTreeSet<String> = BTreeSet::new();
    let mut ns_use: BTreeMap<String, usize> = BTreeMap::new();
    let mut node_entries: Vec<(Part, Option<String>)> = Vec::new();
    for n in of(NODE) {
        let mut b = B {
            res: n.r,
            errors: &mut errors,
        };
        let Some(spec) = b.obj(
            n.r.props.get("Spec"),
            "Spec",
            &[
                "Listeners",
                "ServiceDiscovery",
                "Backends",
                "BackendDefaults",
                "Logging",
            ],
        ) else {
            continue;
        };
        let listeners: Vec<Y> = b
            .list(spec.get("Listeners"), "Spec.Listeners")
            .into_iter()
            .filter_map(|(p, l)| b.listener(l, &p, true))
            .collect();
        let (sd, cm_namespace) = b.service_discovery(spec.get("ServiceDiscovery"));
        if let Some(ns) = &cm_namespace {
            *ns_use.entry(ns.clone()).or_default() += 1;
        }
        let backends = b.backends(spec.get("Backends"));
        let bd = b.backend_defaults(spec.get("BackendDefaults"), "Spec.BackendDefaults");
        let logging = spec.get("Logging");
        if logging.is_none() {
            logs_missing.push(n.name.clone());
        } else if is_default_access_log(logging) {
            default_logs.insert(n.name.clone());
        }
        let al = b.access_log(logging, "Spec.Logging");
        let t = tags(&mut b, &n.r.props);
        all_tags.push(t.clone());
        let body = M::new()
            .nonempty("listeners", listeners)
            .opt("service_discovery", sd)
            .nonempty("backends", backends)
            .opt("backend_defaults", bd)
            .opt("access_log", al);
        node_entries.push(((n.name.clone(), body, vec![origin(n.r)], t), cm_namespace));
    }

    // The namespace meshsynth creates: the files' namespace most nodes use.
    // The files' namespace most nodes use; else, when the files define none, the one most nodes
    // name, marked as existing (another stack creates it and its services).
    let most_used = |in_files: bool| {
        ns_use
            .iter()
            .filter(|(ns, _)| ns_names.contains(ns.as_str()) == in_files)
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(ns, _)| ns.clone())
    };
    let (own_ns, ns_existing) = match most_used(true) {
        Some(ns) => (Some(ns), false),
        None => (most_used(false), true),
    };
    for ns in ns_use.keys() {
        if Some(ns) == own_ns.as_ref() {
            if ns_existing {
                notes.push(format!("Cloud Map namespace `{ns}` is defined in none of the files: the spec says it and its services already exist (`service_discovery.cloud_map.existing: true`), so synth creates neither"));
            }
        } else {
            notes.push(format!("Cloud Map namespace `{ns}` is {}: the nodes in it name it, and synth creates neither it nor its services", if ns_names.contains(ns.as_str()) { "a second namespace of the files" } else { "defined in none of the files" }));
        }
    }
    let mut sd_y = None;
    if let Some(ns) = &own_ns {
        // The TTL of the A records of the namespace's services, when not meshsynth's 60 s.
        let ns_ids: BTreeSet<&str> = ns_by_id
            .iter()
            .filter(|(_, (_, n))| n == ns)
            .map(|(id, _)| *id)
            .collect();
        let mut ttls = BTreeSet::new();
        for s in resources.iter().filter(|r| r.ty == CM_SERVICE) {
            let dc = s.props.get("DnsConfig");
            let nsid = dc
                .and_then(|d| d.get("NamespaceId"))
                .or_else(|| s.props.get("NamespaceId"));
            if nsid
                .and_then(as_reference)
                .is_some_and(|(id, _)| ns_ids.contains(id))
            {
                if let Some(ttl) = dc
                    .and_then(|d| d.get("DnsRecords"))
                    .and_then(|r| r.get(0))
                    .and_then(|r| r.get("TTL"))
                {
                    ttls.insert(
                        ttl.as_i64()
                            .or_else(|| ttl.as_str().and_then(|s| s.parse().ok()))
                            .unwrap_or(60),
                    );
                }
            }
        }
        // Services the nodes name that no file defines: synth creates them (one per name).
        if !ns_existing {
            let defined: BTreeSet<&str> = resources
                .iter()
                .filter(|r| r.ty == CM_SERVICE)
                .filter_map(|r| r.props.get("Name")?.as_str())
                .collect();
            let missing: BTreeSet<&str> = of(NODE)
                .iter()
                .filter_map(|n| n.r.props.pointer("/Spec/ServiceDiscovery/AWSCloudMap"))
                .filter(|cm| cm.get("NamespaceName").and_then(Value::as_str) == Some(ns.as_str()))
                .filter_map(|cm| cm.get("ServiceName")?.as_str())
                .filter(|s| !defined.contains(s))
                .collect();
            if !missing.is_empty() {
                notes.push(format!(
                    "Cloud Map service(s) {} of `{ns}` are defined in none of the files: synth creates them; if another stack does, remove them there or import its files too",
                    missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        let ttl = ttls.iter().next().copied().filter(|t| *t != 60);
        if ttls.len() > 1 {
            notes.push(format!("the Cloud Map services of `{ns}` have different DNS TTLs ({}); the spec has one, {}", ttls.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", "), ttls.iter().next().copied().unwrap_or(60)));
        }
        let cm = M::new().set("namespace", ns);
        let cm = if ns_existing {
            cm.set("existing", true)
        } else {
            cm.opt("dns_ttl", ttl)
        };
        sd_y = Some(M::new().set("cloud_map", cm));
    }
    // Nodes in the spec's namespace leave it implicit.
    let own = own_ns.clone();
    let node_entries: Vec<_> = node_entries
        .into_iter()
        .map(|((name, body, c, t), ns)| {
            let body = if ns.is_some() && ns == own {
                strip_namespace(body)
            } else {
                body
            };
            (name, body, c, t)
        })
        .collect();

    // Routers and their routes.
    let mut routes_of = children(
        &of(ROUTE),
        Parent {
            ty: ROUTER,
            label: "virtual router",
            property: "VirtualRouterName",
            what: "route",
            plural: "routes",
        },
        &by_key,
        &mut errors,
        &mut all_tags,
        |b, v| b.route(v),
    );
    let mut router_entries = Vec::new();
    for n in of(ROUTER) {
        let mut b = B {
            res: n.r,
            errors: &mut errors,
        };
        let Some(spec) = b.obj(n.r.props.get("Spec"), "Spec", &["Listeners"]) else {
            continue;
        };
        let listeners: Vec<Y> = b
            .list(spec.get("Listeners"), "Spec.Listeners")
            .into_iter()
            .filter_map(|(p, l)| {
                let l = b.obj(Some(l), &p, &["PortMapping"])?;
                let pm = format!("{p}.PortMapping");
                let m = b.obj(l.get("PortMapping"), &pm, &["Port", "Protocol"])?;
                let port = b.int(m.get("Port"), &format!("{pm}.Port"))?;
                let proto = b.one_of(
                    m.get("Protocol"),
                    &format!("{pm}.Protocol"),
                    &[
                        ("http", "http"),
                        ("http2", "http2"),
                        ("grpc", "grpc"),
                        ("tcp", "tcp"),
                    ],
                )?;
                Some(M::new().set("port", port).set("protocol", proto).into())
            })
            .collect();
        let t = tags(&mut b, &n.r.props);
        all_tags.push(t.clone());
        let routes = routes_of.remove(&n.name).unwrap_or_default();
        router_entries.push((n.name.clone(), listeners, routes, vec![origin(n.r)], t));
    }

    // Virtual services.
    let mut service_entries = Vec::new();
    for n in of(SERVICE) {
        let mut b = B {
            res: n.r,
            errors: &mut errors,
        };
        let mut body = M::new();
        if let Some(spec) = b.obj(n.r.props.get("Spec"), "Spec", &["Provider"]) {
            if let Some(p) = b.obj(
                spec.get("Provider"),
                "Spec.Provider",
                &["VirtualRouter", "VirtualNode"],
            ) {
                if let Some(r) = b.obj(
                    p.get("VirtualRouter"),
                    "Spec.Provider.VirtualRouter",
                    &["VirtualRouterName"],
                ) {
                    body = body.opt(
                        "router",
                        b.str(
                            r.get("VirtualRouterName"),
                            "Spec.Provider.VirtualRouter.VirtualRouterName",
                        ),
                    );
                }
                if let Some(v) = b.obj(
                    p.get("VirtualNode"),
                    "Spec.Provider.VirtualNode",
                    &["VirtualNodeName"],
                ) {
                    body = body.opt(
                        "node",
                        b.str(
                            v.get("VirtualNodeName"),
                            "Spec.Provider.VirtualNode.VirtualNodeName",
                        ),
                    );
                }
            }
        }
        let t = tags(&mut b, &n.r.props);
        all_tags.push(t.clone());
        service_entries.push((n.name.clone(), body, vec![origin(n.r)], t));
    }

    // Gateways and their routes.
    let mut groutes_of = children(
        &of(GATEWAY_ROUTE),
        Parent {
            ty: GATEWAY,
            label: "virtual gateway",
            property: "VirtualGatewayName",
            what: "gateway route",
            plural: "gateway routes",
        },
        &by_key,
        &mut errors,
        &mut all_tags,
        |b, v| b.gateway_route(v),
    );
    let mut gateway_entries = Vec::new();
    for n in of(GATEWAY) {
        let mut b = B {
            res: n.r,
            errors: &mut errors,
        };
        let Some(spec) = b.obj(
            n.r.props.get("Spec"),
            "Spec",
            &["Listeners", "BackendDefaults", "Logging"],
        ) else {
            continue;
        };
        let listeners: Vec<Y> = b
            .list(spec.get("Listeners"), "Spec.Listeners")
            .into_iter()
            .filter_map(|(p, l)| b.listener(l, &p, false))
            .collect();
        let bd = b.backend_defaults(spec.get("BackendDefaults"), "Spec.BackendDefaults");
        let logging = spec.get("Logging");
        if logging.is_none() {
            logs_missing.push(n.name.clone());
        } else if is_default_access_log(logging) {
            default_logs.insert(format!("gateway:{}", n.name));
        }
        let al = b.access_log(logging, "Spec.Logging");
        let t = tags(&mut b, &n.r.props);
        all_tags.push(t.clone());
        let routes = groutes_of.remove(&n.name).unwrap_or_default();
        gateway_entries.push((
            n.name.clone(),
            M::new()
                .nonempty("listeners", listeners)
                .opt("backend_defaults", bd)
                .opt("access_log", al),
            routes,
            vec![origin(n.r)],
            t,
        ));
    }

    // ECS services that run a virtual node.
    let node_ids: BTreeMap<&str, &str> = of(NODE)
        .iter()
        .map(|n| (n.r.id.as_str(), n.name.as_str()))
        .collect();
    let node_names: BTreeSet<&str> = node_ids.values().copied().collect();
    let mut workloads: Vec<(String, M, Vec<String>)> = Vec::new();
    let mut used_ecs: BTreeSet<(String, String)> = BTreeSet::new();
    for svc in resources.iter().filter(|r| r.ty == "AWS::ECS::Service") {
        // meshsynth's own Airflow components: `airflow:` describes them, not `workloads:`.
        let source = svc
            .props
            .get("Tags")
            .and_then(Value::as_array)
            .and_then(|t| {
                t.iter()
                    .find(|t| t.get("Key").and_then(Value::as_str) == Some("meshsynth:source"))?
                    .get("Value")?
                    .as_str()
            });
        if source.is_some_and(|s| s.starts_with("airflow")) {
            continue;
        }
        let Some(w) = super::workload::workload(svc, resources, &node_ids, &mesh_name, &mut errors)
        else {
            continue;
        };
        if !node_names.contains(w.node.as_str()) {
            continue;
        }
        used_ecs.insert((svc.file.clone(), svc.id.clone()));
        used_ecs.insert((w.task_definition.file.clone(), w.task_definition.id.clone()));
        workloads.push((
            w.node,
            w.body,
            vec![format!(
                "{} (task definition {})",
                origin(svc),
                w.task_definition.id
            )],
        ));
    }
    for r in resources.iter().filter(|r| r.ty.starts_with("AWS::ECS::")) {
        if !used_ecs.contains(&(r.file.clone(), r.id.clone())) {
            skipped.push(Skipped {
                file: r.file.clone(),
                id: r.id.clone(),
                ty: format!("{} (runs no virtual node of the mesh)", r.ty),
            });
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }

    // A workload's Cloud Map filter is the one meshsynth sets itself (its task definition
    // family, `<project>-<node>`), so the spec leaves it out; the family also tells the project.
    let mut project_from_family = None;
    let mut families: Vec<(String, String)> = Vec::new();
    let workload_nodes: BTreeSet<&str> = workloads.iter().map(|(n, _, _)| n.as_str()).collect();
    let node_entries: Vec<_> = node_entries
        .into_iter()
        .map(|(name, body, c, t)| {
            if !workload_nodes.contains(name.as_str()) {
                return (name, body, c, t);
            }
            let body = M(body
                .0
                .into_iter()
                .map(|mut e| {
                    if e.key == "service_discovery" {
                        e.value = map_entries(e.value, |cm| {
                            if cm.key != "cloud_map" {
                                return;
                            }
                            let fields =
                                entries(std::mem::replace(&mut cm.value, Y::Map(Vec::new())));
                            let fields = fields
                                .into_iter()
                                .filter(|x| {
                                    let Y::Map(attrs) = &x.value else { return true };
                                    let family = match &attrs[..] {
                                        [a] if x.key == "attributes"
                                            && a.key == "ECS_TASK_DEFINITION_FAMILY" =>
                                        {
                                            match &a.value {
                                                Y::Str(f) => f.clone(),
                                                _ => return true,
                                            }
                                        }
                                        _ => return true,
                                    };
                                    if let Some(p) =
                                        family.strip_suffix(&format!("-{}", name.replace('_', "-")))
                                    {
                                        project_from_family.get_or_insert_with(|| p.to_owned());
                                    }
                                    families.push((name.clone(), family));
                                    false
                                })
                                .collect();
                            cm.value = Y::Map(fields);
                        });
                    }
                    e
                })
                .collect());
            (name, body, c, t)
        })
        .collect();

    // Tags every imported App Mesh resource carries become the spec's `tags`.
    let common: BTreeMap<String, String> = match all_tags.split_first() {
        Some((first, rest)) => first
            .iter()
            .filter(|(k, v)| rest.iter().all(|t| t.get(*k) == Some(v)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        None => BTreeMap::new(),
    };
    let own_tags = |t: &BTreeMap<String, String>| -> Y {
        let mut o = M::new();
        for (k, v) in t {
            if common.get(k) != Some(v) {
                o = o.set(k, v);
            }
        }
        o.into()
    };
    mesh_y = mesh_y.nonempty("tags", own_tags(&mesh_tags));

    // Default access logs are meshsynth's default: leave them implicit, unless some Envoy logs
    // nothing, in which case the default is turned off and every log is written out.
    let access_logs_off = !logs_missing.is_empty();
    if access_logs_off {
        notes.push(format!(
            "{} {} nothing, so the spec turns meshsynth's default Envoy access logs off (`observability.access_logs: false`); remove that line to give every Envoy JSON access logs",
            logs_missing.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
            if logs_missing.len() == 1 { "logs" } else { "log" }
        ));
    }
    let strip_default = |name: &str, body: M| -> M {
        if access_logs_off || !default_logs.contains(name) {
            body
        } else {
            M(body
                .0
                .into_iter()
                .filter(|e| e.key != "access_log")
                .collect())
        }
    };

    let project = opts
        .name
        .clone()
        .or(project_from_family)
        .unwrap_or_else(|| project_name(&mesh_name));
    for (node, family) in &families {
        let ours = crate::spec::airflow_names::family(&project, node);
        if *family != ours {
            notes.push(format!(
                "workload `{node}`: meshsynth names its task definition family `{ours}` (the files say `{family}`), and the node's Cloud Map filter `ECS_TASK_DEFINITION_FAMILY` follows it"
            ));
        }
    }
    let mut root = M::new();
    root = root.set("name", project);
    root = root.commented("mesh", mesh_y, mesh_comment);
    root = root.opt("service_discovery", sd_y);
    let mut nodes = M::new();
    for (name, body, c, t) in node_entries {
        let body = strip_default(&name, body).nonempty("tags", own_tags(&t));
        nodes = nodes.commented(name, body, c);
    }
    root = root.nonempty("virtual_nodes", Y::from(nodes));
    let mut routers = M::new();
    for (name, listeners, routes, c, t) in router_entries {
        let mut rs = M::new();
        for (rn, body, rc, rt) in routes {
            rs = rs.commented(rn, body.nonempty("tags", own_tags(&rt)), rc);
        }
        routers = routers.commented(
            name,
            M::new()
                .nonempty("listeners", listeners)
                .nonempty("routes", Y::from(rs))
                .nonempty("tags", own_tags(&t)),
            c,
        );
    }
    root = root.nonempty("virtual_routers", Y::from(routers));
    let mut services = M::new();
    for (name, body, c, t) in service_entries {
        services = services.commented(name, body.nonempty("tags", own_tags(&t)), c);
    }
    root = root.nonempty("virtual_services", Y::from(services));
    let mut gateways = M::new();
    for (name, body, routes, c, t) in gateway_entries {
        let mut rs = M::new();
        for (rn, rbody, rc, rt) in routes {
            rs = rs.commented(rn, rbody.nonempty("tags", own_tags(&rt)), rc);
        }
        let body = strip_default(&format!("gateway:{name}"), body)
            .nonempty("routes", Y::from(rs))
            .nonempty("tags", own_tags(&t));
        gateways = gateways.commented(name, body, c);
    }
    root = root.nonempty("virtual_gateways", Y::from(gateways));
    let mut wl = M::new();
    for (name, body, c) in workloads.iter().cloned() {
        wl = wl.commented(name, body, c);
    }
    root = root.nonempty("workloads", Y::from(wl));
    if access_logs_off {
        root = root.commented(
            "observability",
            M::new().set("access_logs", false),
            vec!["Envoys in the files without an access log stay without one.".into()],
        );
    }
    let mut ct = M::new();
    for (k, v) in &common {
        ct = ct.set(k, v);
    }
    root = root.nonempty("tags", Y::from(ct));

    let counts = vec![
        ("virtual nodes", nodes_count(&root, "virtual_nodes")),
        ("virtual routers", nodes_count(&root, "virtual_routers")),
        ("routes", by_key.keys().filter(|k| k.0 == ROUTE).count()),
        ("virtual services", nodes_count(&root, "virtual_services")),
        ("virtual gateways", nodes_count(&root, "virtual_gateways")),
        (
            "gateway routes",
            by_key.keys().filter(|k| k.0 == GATEWAY_ROUTE).count(),
        ),
        ("workloads", workloads.len()),
    ];

    skipped.sort();
    skipped.dedup();
    let files: BTreeSet<&str> = resources.iter().map(|r| r.file.as_str()).collect();
    let mut header = vec![
        format!("yaml-language-server: $schema={}", opts.schema),
        format!(
            "Imported by `meshsynth import` from {}.",
            files.into_iter().collect::<Vec<_>>().join(", ")
        ),
        "Check it with `meshsynth validate --backend all`, then `meshsynth synth --backend all`."
            .into(),
    ];
    if !skipped.is_empty() {
        header.push(String::new());
        header.push(format!("Left out ({}, not App Mesh, Cloud Map, Route 53 or an ECS service that runs a virtual node):", skipped.len()));
        for s in &skipped {
            header.push(format!("  {}: {} ({})", s.file, s.id, s.ty));
        }
    }
    if !notes.is_empty() {
        header.push(String::new());
        header.push("Notes:".into());
        for n in &notes {
            header.push(format!("  {n}"));
        }
    }
    let text = emit::document(&header, &root.0);
    Ok(Imported {
        text,
        skipped,
        counts,
        notes,
    })
}

/// What a route or gateway route lives under.
struct Parent {
    ty: &'static str,
    label: &'static str,
    property: &'static str,
    what: &'static str,
    plural: &'static str,
}

type ByKey<'n, 'r> = BTreeMap<(String, Option<String>, String), &'n Named<'r>>;

/// Routes (or gateway routes) by the router (or gateway) they live under, which must be in the
/// files: a spec's routes are keyed under their parent.
fn children(
    routes: &[&Named],
    parent: Parent,
    by_key: &ByKey,
    errors: &mut Vec<ImportError>,
    all_tags: &mut Vec<BTreeMap<String, String>>,
    build: fn(&mut B, Option<&Value>) -> Option<M>,
) -> BTreeMap<String, Vec<Part>> {
    let mut out: BTreeMap<String, Vec<Part>> = BTreeMap::new();
    for n in routes {
        let mut b = B { res: n.r, errors };
        let owner = n.parent.clone().unwrap_or_default();
        if !by_key.contains_key(&(parent.ty.to_owned(), None, owner.clone())) {
            b.err(
                parent.property,
                format!("{} `{}` belongs to {} `{owner}`, which none of the files defines", parent.what, n.name, parent.label),
                Some(format!("import the file that defines `{owner}` together with this one: a spec's {} live under their {}", parent.plural, parent.label)),
            );
            continue;
        }
        let Some(body) = build(&mut b, n.r.props.get("Spec")) else {
            continue;
        };
        let t = tags(&mut b, &n.r.props);
        all_tags.push(t.clone());
        out.entry(owner)
            .or_default()
            .push((n.name.clone(), body, vec![origin(n.r)], t));
    }
    out
}

fn nodes_count(root: &M, key: &str) -> usize {
    root.0
        .iter()
        .find(|e| e.key == key)
        .map_or(0, |e| match &e.value {
            Y::Map(m) => m.len(),
            _ => 0,
        })
}
