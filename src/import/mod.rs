//! `meshsynth import`: existing App Mesh CloudFormation and Terraform → a spec.
//!
//! Readers turn each file into [`model::Resource`]s in CloudFormation's shape with every value
//! that can be known statically resolved; the builder turns those into the spec.

pub mod model;
pub mod terraform;
