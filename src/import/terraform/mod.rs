//! Terraform HCL and Terraform JSON → [`crate::import::model::Resource`]s (to be written).
