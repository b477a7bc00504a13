//! VPC Lattice's own rules, run when the Lattice backend is rendered: its bounds on names,
//! rules, headers and paths (the strictest of API, CloudFormation and Terraform), its quotas
//! (warnings: they can be raised), and a warning for every spec feature Lattice drops.

pub mod model;

pub use model::Model;
