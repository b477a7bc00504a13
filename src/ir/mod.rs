//! The provider-neutral resource graph.
//!
//! A [`Plan`] holds resources keyed by a neutral [`ResourceId`]. Properties are a small
//! [`Value`] tree shaped like the AWS API model (the shape both CloudFormation and Terraform
//! derive from); each renderer maps it to its own spelling. References between resources are
//! stored once, as [`Value::Ref`], and become `Fn::GetAtt` or `${type.name.attr}` in rendering;
//! they also are the graph's edges. `depends_on` carries ordering that no reference implies.
//! What each [`Kind`] of resource is called and how it is read, in every tool, is declared once,
//! in its [`TypeInfo`].

mod eks_guide;
mod graph;
mod guide;
mod index;
mod kinds;
mod kube;
mod migration;

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::FieldPath;

mod map;
mod observe_doc;
pub(crate) mod ser;
pub use eks_guide::{ChartDoc, EksDoc, EksIdentityDoc, EksSecretDoc, EksTaskDoc, EksUiDoc};
pub use graph::check_graph;
pub use guide::{
    AirflowDoc, ConnectionDoc, DagTaskDoc, DagsDoc, LatticeAirflowDoc, LatticeConnectionDoc,
    SecretDoc, SidecarStopDoc, UiDoc,
};
pub use index::Index;
pub use kinds::{CfnRef, Kind, NameField, TypeInfo};
pub use kube::KubeDoc;
pub use map::{Key, Map};
pub use migration::*;
pub use observe_doc::{AlarmDoc, DashboardDoc, ObservabilityDoc};
pub use ser::to_value as value_of;

/// A resource's neutral identity. `name` is the spec's own name (`orders-v1`), or
/// `parent/child` for routes and gateway routes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId {
    pub kind: Kind,
    pub name: String,
}

impl ResourceId {
    pub fn new(kind: Kind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
        }
    }
}

/// An attribute of a resource that another resource or an output refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Attr {
    Arn,
    Name,
    Id,
    /// A Lattice service's generated DNS name (`DnsEntry.DomainName`).
    DnsName,
    /// The hosted zone of that DNS name (`DnsEntry.HostedZoneId`), for alias records.
    DnsZoneId,
}

/// A value known only at deploy time from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pseudo {
    Region,
    AccountId,
    Partition,
}

/// A property value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Bool(bool),
    Int(i64),
    /// A number with a fraction, as its decimal text (`0.5`): an alarm threshold.
    Decimal(String),
    Str(String),
    List(Vec<Value>),
    Map(Map),
    /// An attribute of another resource of the plan.
    Ref(ResourceId, Attr),
    /// A parameter / input variable, by its neutral snake_case name.
    Param(String),
    Pseudo(Pseudo),
    /// The parts concatenated into one string.
    Join(Vec<Value>),
    /// The items of a list-valued expression (a list parameter) joined with a separator.
    JoinList(String, Box<Value>),
    /// Lists (list parameters or literal lists) concatenated into one list.
    Concat(Vec<Value>),
    /// An object whose keys are computed strings (an IRSA trust policy's `<issuer>:sub`).
    /// Neither CloudFormation nor Terraform JSON can compute a key of a literal object, so it
    /// only appears inside [`Value::JsonText`].
    Entries(Vec<(Value, Value)>),
    /// The value as JSON text: a policy document whose keys are computed. CloudFormation
    /// writes it as one `Fn::Sub` string (no intrinsic function may stand in a key),
    /// Terraform as `jsonencode(...)` of an HCL object (whose quoted keys are templates).
    JsonText(Box<Value>),
}

impl Value {
    pub fn str(s: impl Into<String>) -> Self {
        Value::Str(s.into())
    }
    pub fn int(n: impl Into<i64>) -> Self {
        Value::Int(n.into())
    }
    /// Calls `f` with every (resource, attribute) this value reads, as often as it does, in
    /// order: the one walk of references that the graph checks and the layout share.
    pub fn visit_refs<'a>(&'a self, f: &mut impl FnMut(&'a ResourceId, Attr)) {
        match self {
            Value::Ref(id, a) => f(id, *a),
            Value::List(v) | Value::Join(v) | Value::Concat(v) => {
                v.iter().for_each(|x| x.visit_refs(f))
            }
            Value::Map(m) => m.values().for_each(|x| x.visit_refs(f)),
            Value::JoinList(_, v) | Value::JsonText(v) => v.visit_refs(f),
            Value::Entries(e) => e.iter().for_each(|(k, v)| {
                k.visit_refs(f);
                v.visit_refs(f);
            }),
            _ => {}
        }
    }
    /// Every parameter this value uses.
    pub fn params(&self, out: &mut BTreeSet<String>) {
        match self {
            // Most parameters are read by many resources: a name already there is not copied.
            Value::Param(p) if !out.contains(p) => {
                out.insert(p.clone());
            }
            Value::List(v) | Value::Join(v) | Value::Concat(v) => {
                v.iter().for_each(|x| x.params(out))
            }
            Value::Map(m) => m.values().for_each(|x| x.params(out)),
            Value::JoinList(_, v) | Value::JsonText(v) => v.params(out),
            Value::Entries(e) => e.iter().for_each(|(k, v)| {
                k.params(out);
                v.params(out);
            }),
            _ => {}
        }
    }
    pub fn pseudos(&self, out: &mut BTreeSet<Pseudo>) {
        match self {
            Value::Pseudo(p) => {
                out.insert(*p);
            }
            Value::List(v) | Value::Join(v) | Value::Concat(v) => {
                v.iter().for_each(|x| x.pseudos(out))
            }
            Value::Map(m) => m.values().for_each(|x| x.pseudos(out)),
            Value::JoinList(_, v) | Value::JsonText(v) => v.pseudos(out),
            Value::Entries(e) => e.iter().for_each(|(k, v)| {
                k.pseudos(out);
                v.pseudos(out);
            }),
            _ => {}
        }
    }
}

/// Builds a `Value::Map` from `(key, value)` pairs, skipping `None`s.
#[derive(Debug, Default, Clone)]
pub struct Obj(Map);

impl Obj {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn set(mut self, k: impl Into<Key>, v: impl Into<Value>) -> Self {
        self.0.insert(k, v.into());
        self
    }
    pub fn opt(self, k: impl Into<Key>, v: Option<impl Into<Value>>) -> Self {
        match v {
            Some(v) => self.set(k, v),
            None => self,
        }
    }
    /// Sets a list only when it is not empty.
    pub fn list(self, k: impl Into<Key>, v: Vec<Value>) -> Self {
        if v.is_empty() {
            self
        } else {
            self.set(k, Value::List(v))
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Obj> for Value {
    fn from(o: Obj) -> Self {
        Value::Map(o.0)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}
impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Str(s.clone())
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Int(n.into())
    }
}
impl From<u64> for Value {
    fn from(n: u64) -> Self {
        // The rules bound every u64 of the spec to i64 (the APIs' `long`); saturate rather than
        // wrap should one slip through.
        Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::List(v)
    }
}

/// One resource of the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub id: ResourceId,
    /// Where in the spec the resource comes from (for errors about it).
    pub source: FieldPath,
    /// API-shaped properties.
    pub props: Map,
    /// Tags (rendered as a list in CloudFormation and a map in Terraform).
    pub tags: BTreeMap<String, String>,
    /// Ordering that no reference implies.
    pub depends_on: BTreeSet<ResourceId>,
}

impl Resource {
    /// Resources this one refers to through its properties.
    pub fn references(&self) -> BTreeSet<&ResourceId> {
        let mut out = BTreeSet::new();
        self.props.values().for_each(|v| {
            v.visit_refs(&mut |id, _| {
                out.insert(id);
            })
        });
        out
    }
}

/// The type of an input the spec leaves to the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    VpcId,
    SubnetIds,
    SecurityGroupIds,
    String,
    /// A string that must match a pattern (CloudFormation `AllowedPattern`, a Terraform
    /// `validation` block).
    Matching(&'static StringPattern),
}

/// What a [`ParamType::Matching`] input must look like.
#[derive(Debug, PartialEq, Eq)]
pub struct StringPattern {
    /// A regular expression that both CloudFormation (Java) and Terraform (RE2) read alike.
    pub regex: &'static str,
    /// What is wrong when it does not match (CloudFormation's `ConstraintDescription`,
    /// Terraform's `error_message`): one sentence.
    pub message: &'static str,
}

/// An input the environment supplies (CloudFormation parameter, Terraform variable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub ty: ParamType,
    pub description: String,
    /// A short label for the CloudFormation console.
    pub label: String,
    /// The parameter group it is shown in.
    pub group: String,
    pub default: Option<String>,
}

/// One output value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub description: String,
    pub value: Value,
    /// Terraform gathers outputs of one group into one map output named after the group,
    /// keyed by `member`; CloudFormation outputs are always scalar.
    pub group: Option<(String, String)>,
}

/// The whole graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The project name (`Spec::name`).
    pub project: String,
    pub description: String,
    pub resources: BTreeMap<ResourceId, Resource>,
    /// Parameters by neutral snake_case name.
    pub params: BTreeMap<String, Param>,
    /// Outputs by neutral snake_case name (unique across groups).
    pub outputs: BTreeMap<String, Output>,
    /// What the Airflow guide documents, when the spec has an `airflow:` section.
    pub airflow: Option<AirflowDoc>,
    /// The backend this graph renders the mesh with.
    pub backend: crate::spec::MeshBackend,
    /// What the Lattice output keeps of the spec (Lattice graphs only); its `spec_file` is set
    /// when it is rendered.
    pub migration: Option<MigrationDoc>,
    /// The Kubernetes objects and Helm values of Airflow on EKS.
    pub kube: Option<KubeDoc>,
    /// What the guides say about the dashboards, queries and alarms.
    pub observability: Option<ObservabilityDoc>,
    /// Each meshed node's IAM roles (task roles, IRSA roles), as the backend's lowering made
    /// them: who signs a node's calls.
    pub node_roles: BTreeMap<String, Vec<ResourceId>>,
    /// The graph's edges, found on first use (after lowering).
    pub index: index::IndexCell,
}

impl Plan {
    /// Positions of the resources and the edges between them, found on first use; the plan
    /// must not change after that.
    pub fn index(&self) -> &Index {
        self.index.get(self)
    }

    /// Adds a resource with the spec's `tags` when its kind takes tags, and returns it (for its
    /// own tags and dependencies).
    pub fn add(
        &mut self,
        id: ResourceId,
        source: FieldPath,
        props: Obj,
        tags: &BTreeMap<String, String>,
    ) -> &mut Resource {
        let tags = if id.kind.taggable() {
            tags.clone()
        } else {
            BTreeMap::new()
        };
        let r = Resource {
            id: id.clone(),
            source,
            props: props.0,
            tags,
            depends_on: BTreeSet::new(),
        };
        match self.resources.entry(id) {
            std::collections::btree_map::Entry::Occupied(mut e) => {
                e.insert(r);
                e.into_mut()
            }
            std::collections::btree_map::Entry::Vacant(e) => e.insert(r),
        }
    }

    /// How many resources the graph has, for summaries.
    pub fn count(&self) -> usize {
        self.resources.len()
    }

    /// Adds an output; `group` is `(map output name, member)` for Terraform's map outputs.
    pub fn add_output(
        &mut self,
        key: String,
        description: String,
        value: Value,
        group: Option<(&str, &str)>,
    ) {
        self.outputs.insert(
            key,
            Output {
                description,
                value,
                group: group.map(|(g, m)| (g.to_owned(), m.to_owned())),
            },
        );
    }
}
