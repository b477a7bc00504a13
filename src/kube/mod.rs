//! Typed Kubernetes objects meshsynth writes (kube-rs style, only the fields it sets), and the
//! YAML they are written as. Lowering builds these values; the `kubernetes`, `helm` and
//! `terraform` targets only serialize them.

pub mod core;
pub mod gateway;
pub mod helm;
pub mod meta;
pub mod yaml;

pub use meta::{object, ObjectMeta, Resource};
