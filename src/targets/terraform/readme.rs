//! The Terraform module's README: inputs, outputs, resources and a usage example.

use minijinja::context;
use serde::Serialize;

use super::kubernetes;
use super::names::{
    address, group_description, variable_type, AWS_PROVIDER_VERSION, TERRAFORM_VERSION,
};
use crate::ir::Plan;
use crate::params::CREATE_KUBERNETES_OBJECTS;
use crate::targets::text;

#[derive(Serialize)]
struct Input {
    name: String,
    #[serde(rename = "type")]
    ty: &'static str,
    description: String,
    default: Option<String>,
}

#[derive(Serialize)]
struct OutputDoc {
    name: String,
    description: String,
}

#[derive(Serialize)]
struct ResourceDoc {
    address: String,
    source: String,
}

/// The Terraform module's README: inputs, outputs, resources and a usage example.
pub fn render(plan: &Plan, spec_file: &str, folder: &str) -> String {
    let inputs: Vec<Input> = plan
        .params
        .iter()
        .map(|(name, p)| Input {
            name: name.clone(),
            ty: variable_type(p.ty),
            description: p.description.clone(),
            default: p.default.clone(),
        })
        .collect();
    let mut outputs: Vec<OutputDoc> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (name, o) in &plan.outputs {
        match &o.group {
            Some((g, _)) => {
                if seen.insert(g.clone()) {
                    outputs.push(OutputDoc {
                        name: g.clone(),
                        description: group_description(g).to_owned(),
                    });
                }
            }
            None => outputs.push(OutputDoc {
                name: name.clone(),
                description: o.description.clone(),
            }),
        }
    }
    outputs.sort_by(|a, b| a.name.cmp(&b.name));
    let mut inputs = inputs;
    let kube: Vec<ResourceDoc> = plan
        .kube
        .as_ref()
        .map(kubernetes::resources)
        .unwrap_or_default()
        .into_iter()
        .map(|r| ResourceDoc {
            address: format!("kubernetes_manifest.{}", r.name),
            source: format!("kubernetes/manifests/{}", r.file),
        })
        .collect();
    if !kube.is_empty() {
        inputs.push(Input {
            name: CREATE_KUBERNETES_OBJECTS.into(),
            ty: "bool",
            description: kubernetes::variable_description(),
            default: Some("false".into()),
        });
        inputs.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let resources: Vec<ResourceDoc> = plan
        .resources
        .iter()
        .map(|(id, r)| ResourceDoc {
            address: address(id),
            source: r.source.to_string(),
        })
        .collect();
    let ctx = context! {
        project => &plan.project,
        description => &plan.description,
        spec_file => spec_file,
        module_source => module_source(folder),
        inputs => inputs,
        outputs => outputs,
        resources => resources,
        kubernetes => kube,
        kubernetes_file => kubernetes::FILE,
        kubernetes_variable => CREATE_KUBERNETES_OBJECTS,
        kubernetes_provider_version => kubernetes::KUBERNETES_PROVIDER_VERSION,
        provider_version => AWS_PROVIDER_VERSION,
        terraform_version => TERRAFORM_VERSION,
        observability => &plan.observability,
    };
    text::render("terraform-README.md", ctx)
}

/// How a root module next to the output calls this one: Terraform reads a local module source
/// only when it starts with `./` or `../`; an absolute folder is written as it is.
fn module_source(folder: &str) -> String {
    if folder.starts_with('/') || folder.starts_with("./") || folder.starts_with("../") {
        folder.to_owned()
    } else {
        format!("./{folder}")
    }
}

#[cfg(test)]
mod tests {
    use super::module_source;

    #[test]
    fn module_sources_are_local_paths() {
        assert_eq!(
            module_source("out/orders/terraform"),
            "./out/orders/terraform"
        );
        assert_eq!(
            module_source("../build/orders/terraform"),
            "../build/orders/terraform"
        );
        assert_eq!(
            module_source("/srv/iac/orders/terraform"),
            "/srv/iac/orders/terraform"
        );
    }
}
