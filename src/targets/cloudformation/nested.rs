//! The root template and its child stacks, for a plan that does not fit one template.
//!
//! The root declares every parameter the user passes, the shared resources and one
//! `AWS::CloudFormation::Stack` per child with a relative `TemplateURL`
//! (`stacks/Part042.json`), which `aws cloudformation package` uploads and rewrites. A child
//! reads what lives elsewhere through parameters the root passes: the root's own resources
//! directly, a sibling's through `Fn::GetAtt [Sibling, Outputs.X]`. Outputs users import keep
//! the export names of a single template (`<root stack>-<OutputId>`), wherever they are declared.

use serde_json::{json, Map, Value as Json};

use super::layout::{link_name, Layout, Place, Wait};
use super::{frame, interface, outputs, parameters, resource, Entry, Scope, Template, TEMPLATE};
use crate::case::pascal_case;
use crate::ir::{ParamType, Plan};
use crate::targets::ids::cfn_logical_id;
use crate::targets::{to_json_text, to_json_text_flat_below, Rendered};

/// The child parameter that carries the root stack's name, for export names.
const PARENT_STACK: &str = "ParentStackName";

/// CloudFormation's limit on a template description: 1,024 bytes.
const MAX_DESCRIPTION: usize = 1024;

pub(super) fn render(plan: &Plan, version: &str, l: &Layout) -> Rendered {
    let mut files = Rendered::new();
    for (s, c) in l.stacks.iter().enumerate() {
        files.insert(c.file.clone(), to_json_text(&child(plan, version, l, s)));
    }
    files.insert(TEMPLATE.into(), root_text(plan, version, l));
    files
}

/// The root template's text.
pub(super) fn root_text(plan: &Plan, version: &str, l: &Layout) -> String {
    // Resources > stack > Properties > Parameters > one line per parameter.
    to_json_text_flat_below(&root(plan, version, l), 4)
}

fn is_list(ty: ParamType) -> bool {
    matches!(ty, ParamType::SubnetIds | ParamType::SecurityGroupIds)
}

fn root<'a>(plan: &'a Plan, version: &str, l: &'a Layout) -> Template<'a> {
    let description = format!(
        "{} (root stack; {} nested stacks under stacks/)",
        plan.description,
        l.stacks.len()
    );
    let mut doc = frame(&description, plan, version);
    if !plan.params.is_empty() {
        interface(&mut doc, plan);
        let names: Vec<&String> = plan.params.keys().collect();
        doc.insert("Parameters".into(), parameters(plan, &names, true));
    }
    let here = Scope::In(l, Place::Root);
    let mut resources = Vec::new();
    for (i, id) in l.ids.iter().enumerate() {
        if l.place[i] != Place::Root {
            continue;
        }
        // Root resources only read root resources (the layout keeps them so).
        let deps: Vec<String> = plan.extra_depends_on(id).map(cfn_logical_id).collect();
        resources.push((
            cfn_logical_id(id),
            Entry::Resource(resource(plan, id, deps, here)),
        ));
    }
    for c in &l.stacks {
        let mut params = Map::new();
        for p in &c.params {
            let name = pascal_case(p);
            let v = if is_list(plan.params[p].ty) {
                // A stack parameter is a string; a list parameter is passed comma-delimited.
                json!({ "Fn::Join": [",", { "Ref": name }] })
            } else {
                json!({ "Ref": name })
            };
            params.insert(name, v);
        }
        for &(t, a) in &c.imports {
            params.insert(link_name(&l.ids[t], a), here.reference(&l.ids[t], a));
        }
        if !c.outputs.is_empty() {
            params.insert(PARENT_STACK.into(), json!({ "Ref": "AWS::StackName" }));
        }
        // What the parameters already read needs no `DependsOn` (cfn-lint W3005).
        let mut read_root = std::collections::BTreeSet::new();
        let mut read_stacks = std::collections::BTreeSet::new();
        for &(t, _) in &c.imports {
            match l.place[t] {
                Place::Root => read_root.insert(t),
                Place::Child(s) => read_stacks.insert(s),
            };
        }
        let deps: Vec<String> = c
            .depends_on
            .iter()
            .filter_map(|w| match *w {
                Wait::Resource(t) if !read_root.contains(&t) => Some(cfn_logical_id(&l.ids[t])),
                Wait::Stack(s) if !read_stacks.contains(&s) => Some(l.stacks[s].logical_id.clone()),
                _ => None,
            })
            .collect();
        let mut props = Map::new();
        props.insert("TemplateURL".into(), json!(c.file));
        if !params.is_empty() {
            props.insert("Parameters".into(), Json::Object(params));
        }
        let mut res = Map::new();
        res.insert("Type".into(), json!("AWS::CloudFormation::Stack"));
        // A relative TemplateURL is the design: `aws cloudformation package` uploads the child
        // and rewrites it. cfn-lint's W3002 ("may only work with 'package'") says exactly that;
        // a template-wide waiver would give way to a command line's own `--ignore-checks`.
        res.insert(
            "Metadata".into(),
            json!({ "cfn-lint": { "config": { "ignore_checks": ["W3002"] } } }),
        );
        if !deps.is_empty() {
            res.insert("DependsOn".into(), json!(deps));
        }
        res.insert("Properties".into(), Json::Object(props));
        resources.push((c.logical_id.clone(), Entry::Json(Json::Object(res))));
    }
    if !l.root_outputs.is_empty() {
        let keys: Vec<&String> = l.root_outputs.iter().collect();
        doc.insert(
            "Outputs".into(),
            outputs(plan, &keys, here, "AWS::StackName"),
        );
    }
    Template::new(doc, resources)
}

fn child<'a>(plan: &'a Plan, version: &str, l: &'a Layout, s: usize) -> Template<'a> {
    let c = &l.stacks[s];
    let mut description = format!(
        "{}: nested stack {} of {} ({})",
        plan.project,
        c.logical_id,
        l.stacks.len(),
        c.units.iter().cloned().collect::<Vec<_>>().join(", ")
    );
    if description.len() > MAX_DESCRIPTION {
        let mut cut = MAX_DESCRIPTION - 5;
        while !description.is_char_boundary(cut) {
            cut -= 1;
        }
        description.truncate(cut);
        description.push_str(", ...");
    }
    let mut doc = frame(&description, plan, version);
    let mut params = match parameters(plan, &c.params.iter().collect::<Vec<_>>(), false) {
        Json::Object(m) => m,
        _ => Map::new(),
    };
    for &(t, a) in &c.imports {
        let id = &l.ids[t];
        let from = match l.place[t] {
            Place::Root => "the root stack".to_owned(),
            Place::Child(o) => format!("the nested stack {}", l.stacks[o].logical_id),
        };
        params.insert(
            link_name(id, a),
            json!({
                "Type": "String",
                "Description": format!("{:?} of {} `{}`, from {from}", a, id.kind.info().label, id.name),
            }),
        );
    }
    if !c.outputs.is_empty() {
        params.insert(
            PARENT_STACK.into(),
            json!({ "Type": "String", "Description": "The root stack's name: exports keep the names a single template gives them" }),
        );
    }
    if !params.is_empty() {
        doc.insert("Parameters".into(), Json::Object(params));
    }
    let here = Scope::In(l, Place::Child(s));
    let mut resources = Vec::with_capacity(c.resources.len());
    for &i in &c.resources {
        let id = &l.ids[i];
        let deps: Vec<String> = plan
            .extra_depends_on(id)
            .filter(|d| l.place_of(d) == Place::Child(s))
            .map(cfn_logical_id)
            .collect();
        resources.push((
            cfn_logical_id(id),
            Entry::Resource(resource(plan, id, deps, here)),
        ));
    }
    let mut outs = match c.outputs.is_empty() {
        true => Map::new(),
        false => match outputs(
            plan,
            &c.outputs.iter().collect::<Vec<_>>(),
            here,
            PARENT_STACK,
        ) {
            Json::Object(m) => m,
            _ => Map::new(),
        },
    };
    for &(t, a) in &c.exports {
        let id = &l.ids[t];
        // A plan output can have the link's name (`task_definition_api_server_arn` is the
        // link `TaskDefinitionApiServerArn`): it reads the same attribute, and keeps its export.
        outs.entry(link_name(id, a)).or_insert_with(|| {
            json!({
                "Description": format!("{:?} of {} `{}`, for the root and sibling stacks", a, id.kind.info().label, id.name),
                "Value": here.reference(id, a),
            })
        });
    }
    if !outs.is_empty() {
        doc.insert("Outputs".into(), Json::Object(outs));
    }
    Template::new(doc, resources)
}
