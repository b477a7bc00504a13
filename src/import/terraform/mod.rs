//! Terraform HCL (`*.tf`) and Terraform JSON (`*.tf.json`, cdktf's `cdk.tf.json`) →
//! [`model::ReadFile`]s whose resources are in CloudFormation's shape.
//!
//! The files of one module are read together, since references cross them. Values are
//! evaluated statically ([`eval`]); resources of the types import reads are mapped to the
//! CloudFormation type's properties ([`shape`]); every other resource is listed as skipped.

mod ast;
mod eval;
mod shape;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;

use crate::import::model::{ImportError, ReadFile, Resource, Skipped, Supplied};
use ast::{Body, Item};
use eval::{Eval, FileInfo, Handle, Module, ResDecl, Val, VarDecl};

/// Reads every Terraform file of one module together (references cross files of a module).
/// `files` are (path as given, text, is_json). Returns one ReadFile per input file, in input
/// order.
pub fn read_module(
    files: &[(&str, &str, bool)],
    supplied: &Supplied,
) -> Result<Vec<ReadFile>, Vec<ImportError>> {
    let mut errors = Vec::new();
    let mut module = Module::default();
    let mut bodies: Vec<Option<Body>> = Vec::new();
    for (path, text, is_json) in files {
        let dir = Path::new(path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        module.files.push(FileInfo {
            path: (*path).to_owned(),
            dir,
        });
        let parsed = if *is_json {
            ast::parse_json(text).and_then(|root| ast::json_file(&root))
        } else {
            ast::parse_hcl(text)
        };
        match parsed {
            Ok(b) => bodies.push(Some(b)),
            Err(e) => {
                let lang = if *is_json { "Terraform JSON" } else { "HCL" };
                errors.push(
                    ImportError::new(
                        path,
                        Some(e.loc),
                        "",
                        format!("this is not valid {lang}: {}", e.message),
                    )
                    .help("fix the syntax there; `terraform validate` reports it too"),
                );
                bodies.push(None);
            }
        }
    }

    // Declarations, in file order.
    let mut order: Vec<(usize, String, String)> = Vec::new();
    let mut skipped_modules: Vec<(usize, String)> = Vec::new();
    for (fi, body) in bodies.iter().enumerate() {
        let Some(body) = body else { continue };
        let path = files[fi].0;
        for item in &body.items {
            let Item::Block(b) = item else { continue };
            match (b.ty.as_str(), b.labels.as_slice()) {
                ("resource", [ty, name]) => {
                    let k = (ty.clone(), name.clone());
                    if module.resources.contains_key(&k) {
                        errors.push(
                            ImportError::new(
                                path,
                                b.loc,
                                format!("{ty}.{name}"),
                                format!("`{ty}.{name}` is declared twice in this module"),
                            )
                            .help("a resource's type and name are unique in a module; rename one"),
                        );
                        continue;
                    }
                    module.resources.insert(
                        k,
                        ResDecl {
                            file: fi,
                            body: b.body.clone(),
                            loc: b.loc,
                        },
                    );
                    order.push((fi, ty.clone(), name.clone()));
                }
                ("data", [ty, name]) => {
                    module
                        .data
                        .insert((ty.clone(), name.clone()), (fi, b.body.clone()));
                }
                ("variable", [name]) => {
                    if module.vars.contains_key(name) {
                        errors.push(ImportError::new(
                            path,
                            b.loc,
                            format!("var.{name}"),
                            format!("variable `{name}` is declared twice in this module"),
                        ));
                        continue;
                    }
                    let ty = match b.body.attr("type").map(|a| &a.expr.kind) {
                        Some(ast::Kind::Var(t)) => t.clone(),
                        Some(ast::Kind::Call(t, _, _)) => t.clone(),
                        Some(ast::Kind::Str(t)) => t.split('(').next().unwrap_or("").to_owned(),
                        _ => String::new(),
                    };
                    module.vars.insert(
                        name.clone(),
                        VarDecl {
                            file: fi,
                            default: b.body.attr("default").map(|a| a.expr.clone()),
                            ty,
                        },
                    );
                }
                ("locals", []) => {
                    for i in &b.body.items {
                        if let Item::Attr(a) = i {
                            if module.locals.contains_key(&a.key) {
                                errors.push(ImportError::new(
                                    path,
                                    a.loc,
                                    format!("local.{}", a.key),
                                    format!("`local.{}` is declared twice in this module", a.key),
                                ));
                                continue;
                            }
                            module
                                .locals
                                .insert(a.key.clone(), (fi, a.expr.clone(), a.loc));
                        }
                    }
                }
                ("module", [name]) => {
                    module.modules.insert(name.clone());
                    skipped_modules.push((fi, name.clone()));
                }
                _ => {}
            }
        }
    }

    let mut out: Vec<ReadFile> = (0..files.len()).map(|_| ReadFile::default()).collect();
    let mut ev = Eval::new(&module, supplied);

    // Expand count/for_each of every mapped resource.
    let mut instances: Vec<(usize, Handle)> = Vec::new();
    for (fi, ty, name) in &order {
        let path = files[*fi].0;
        if shape::cfn_type(ty).is_none() {
            out[*fi].skipped.push(Skipped {
                file: path.to_owned(),
                id: format!("{ty}.{name}"),
                ty: ty.clone(),
            });
            continue;
        }
        match ev.instances(ty, name) {
            Ok(inst) => {
                for key in inst.keys() {
                    instances.push((
                        *fi,
                        Handle {
                            ty: ty.clone(),
                            name: name.clone(),
                            key,
                        },
                    ));
                }
            }
            Err(u) => {
                let decl = &module.resources[&(ty.clone(), name.clone())];
                let (arg, loc) = match decl.body.attr("count") {
                    Some(a) => ("count", a.loc),
                    None => ("for_each", decl.body.attr("for_each").and_then(|a| a.loc)),
                };
                let (why, flag) = match &u {
                    Val::Unknown(w, f) => (w.clone(), f.clone()),
                    _ => ("it is not known statically".to_owned(), None),
                };
                let mut e = ImportError::new(
                    path,
                    loc.or(decl.loc),
                    format!("{ty}.{name}.{arg}"),
                    format!("the {arg} of `{ty}.{name}` cannot be expanded: {why}"),
                );
                e = match flag {
                    Some(f) => e.help(format!("supply the value with {f}")),
                    None => e.help(format!(
                        "import reads {arg} only when its value is known without deploying"
                    )),
                };
                ev.errors.push(e);
            }
        }
    }
    for (fi, name) in skipped_modules {
        out[fi].skipped.push(Skipped {
            file: files[fi].0.to_owned(),
            id: format!("module.{name}"),
            ty: "module".into(),
        });
    }

    // Task definition families, for services naming theirs by family.
    let mut families = BTreeMap::new();
    for (_, h) in &instances {
        if h.ty == "aws_ecs_task_definition" {
            if let Some(Val::Str(f)) = ev.item(h, "family") {
                families.insert(f, h.address());
            }
        }
    }

    for (fi, h) in &instances {
        let path = files[*fi].0;
        let args = ev.resource(h);
        let addr = h.address();
        let tf_locs = ev.locs.get(&addr).cloned().unwrap_or_default();
        let mut mapper = shape::Mapper::new(&tf_locs, &families);
        let props = mapper.map(&h.ty, &args);
        let decl = &module.resources[&(h.ty.clone(), h.name.clone())];
        for (p, message) in mapper.errors {
            errors.push(ImportError::new(
                path,
                tf_locs.get(&p).copied().or(decl.loc),
                format!("{addr}.{p}"),
                message,
            ));
        }
        out[*fi].resources.push(Resource {
            file: path.to_owned(),
            id: addr,
            ty: shape::cfn_type(&h.ty).unwrap_or_default().to_owned(),
            location: decl.loc,
            props,
            locations: mapper.locations,
        });
    }

    errors.append(&mut ev.errors);
    if errors.is_empty() {
        Ok(out)
    } else {
        let mut unique: Vec<ImportError> = Vec::new();
        for e in errors {
            if !unique.contains(&e) {
                unique.push(e);
            }
        }
        Err(unique)
    }
}
