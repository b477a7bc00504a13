//! The AWS Gateway API Controller's objects for the Lattice backend: a Gateway for the service
//! network, a route per virtual service, and the controller's policies.

use super::Eks;
use crate::ir::KubeDoc;

pub(super) fn lower(_cx: &Eks, _doc: &mut KubeDoc) {}
