//! Human-facing text, rendered with minijinja from `templates/` (embedded at build time).

use minijinja::{context, Environment, UndefinedBehavior};
use serde::Serialize;

use crate::plan::Plan;

const TERRAFORM_README: &str = include_str!("../../templates/terraform-README.md.j2");
const AIRFLOW_README: &str = include_str!("../../templates/airflow-README.md.j2");

fn env() -> Environment<'static> {
    let mut env = Environment::new();
    // A variable missing from the context is a bug, not an empty string.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_template("terraform-README.md", TERRAFORM_README)
        .expect("the bundled template parses");
    env.add_template("airflow-README.md", AIRFLOW_README)
        .expect("the bundled template parses");
    env
}

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
pub fn terraform_readme(plan: &Plan, spec_file: &str) -> String {
    let inputs: Vec<Input> =
        plan.params
            .iter()
            .map(|(name, p)| Input {
                name: name.clone(),
                ty: match p.ty {
                    crate::plan::ParamType::SubnetIds
                    | crate::plan::ParamType::SecurityGroupIds => "list(string)",
                    _ => "string",
                },
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
                        description: super::terraform::group_description(g).to_owned(),
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
    let resources: Vec<ResourceDoc> = plan
        .resources
        .iter()
        .map(|(id, r)| ResourceDoc {
            address: super::terraform::address(id),
            source: r.source.to_string(),
        })
        .collect();
    let stem = spec_file
        .rsplit('/')
        .next()
        .unwrap_or(spec_file)
        .trim_end_matches(".yaml")
        .trim_end_matches(".yml");
    let ctx = context! {
        project => &plan.project,
        description => &plan.description,
        spec_file => spec_file,
        module_source => format!("./out/{stem}/terraform"),
        inputs => inputs,
        outputs => outputs,
        resources => resources,
        provider_version => super::terraform::AWS_PROVIDER_VERSION,
        terraform_version => super::terraform::TERRAFORM_VERSION,
    };
    let mut s = env()
        .get_template("terraform-README.md")
        .and_then(|t| t.render(ctx))
        .expect("the bundled template renders with this context");
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// `airflow/README.md`: how DAGs use what was generated, when the spec has an `airflow:` section.
pub fn airflow_guide(plan: &Plan, spec_file: &str) -> Option<super::Rendered> {
    let doc = plan.airflow.as_ref()?;
    let ctx = context! {
        project => &plan.project,
        spec_file => spec_file,
        af => doc,
    };
    let mut s = env()
        .get_template("airflow-README.md")
        .and_then(|t| t.render(ctx))
        .expect("the bundled template renders with this context");
    if !s.ends_with('\n') {
        s.push('\n');
    }
    Some(super::Rendered::from([("README.md".to_owned(), s)]))
}
