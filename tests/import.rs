//! `meshsynth import`: every example synthesizes, imports back from its CloudFormation (and its
//! Terraform module), validates clean, and synthesizes to the same App Mesh resources.

use std::collections::BTreeMap;

use serde_json::Value;

use meshsynth::import::model::{InputFile, Supplied};
use meshsynth::import::{self, Options};
use meshsynth::synth;
use meshsynth::targets;

mod common;
use common::appmesh::appmesh_resources;

fn examples() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// App Mesh synthesis of a spec: folder → file → text.
fn synth_app_mesh(text: &str, file: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let targets = targets::iac();
    let mut opts = synth::Options::new(file, &targets);
    opts.backends = Some(&[meshsynth::spec::MeshBackend::AppMesh]);
    let s = synth::synthesize_with(text, &opts);
    assert!(
        !s.diagnostics.has_errors(),
        "{file}:\n{}",
        s.diagnostics.render_human(file)
    );
    s.files.expect("files")
}

fn import_text(files: Vec<InputFile>) -> String {
    let files: Vec<(String, String)> = files.into_iter().map(|f| (f.path, f.text)).collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    try_import(&refs, &[], &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn assert_same(before: &BTreeMap<String, Value>, after: &BTreeMap<String, Value>, what: &str) {
    let keys_b: Vec<&String> = before.keys().collect();
    let keys_a: Vec<&String> = after.keys().collect();
    assert_eq!(keys_b, keys_a, "{what}: the App Mesh resources differ");
    for (k, b) in before {
        assert_eq!(b, &after[k], "{what}: {k} differs");
    }
}

#[test]
fn every_example_round_trips_through_its_cloudformation() {
    for (file, text) in examples() {
        let first = synth_app_mesh(&text, &file);
        let template = &first["cloudformation"]["template.json"];
        let imported = import_text(vec![InputFile {
            path: "template.json".into(),
            text: template.clone(),
        }]);
        let (diags, _) = synth::check(&imported, &targets::iac());
        assert!(
            !diags.has_errors(),
            "{file}: the imported spec is invalid:\n{}\n{imported}",
            diags.render_human("imported.yaml")
        );
        let second = synth_app_mesh(&imported, "imported.yaml");
        let before = appmesh_resources(&serde_json::from_str(template).unwrap());
        let after = appmesh_resources(
            &serde_json::from_str(&second["cloudformation"]["template.json"]).unwrap(),
        );
        assert!(!before.is_empty(), "{file}: no App Mesh resources");
        assert_same(&before, &after, &file);
    }
}

#[test]
fn every_example_round_trips_through_its_terraform_module() {
    for (file, text) in examples() {
        let first = synth_app_mesh(&text, &file);
        let module: Vec<InputFile> = first["terraform"]
            .iter()
            .filter(|(name, _)| name.ends_with(".tf.json"))
            .map(|(name, text)| InputFile {
                path: format!("terraform/{name}"),
                text: text.clone(),
            })
            .collect();
        let imported = import_text(module);
        let (diags, _) = synth::check(&imported, &targets::iac());
        assert!(
            !diags.has_errors(),
            "{file}: the spec imported from Terraform is invalid:\n{}\n{imported}",
            diags.render_human("imported.yaml")
        );
        let second = synth_app_mesh(&imported, "imported.yaml");
        let before = appmesh_resources(
            &serde_json::from_str(&first["cloudformation"]["template.json"]).unwrap(),
        );
        let after = appmesh_resources(
            &serde_json::from_str(&second["cloudformation"]["template.json"]).unwrap(),
        );
        assert_same(&before, &after, &format!("{file} (through Terraform)"));
    }
}

fn try_import(
    files: &[(&str, &str)],
    params: &[(&str, &str)],
    imports: &[(&str, &str)],
) -> Result<String, String> {
    let files: Vec<InputFile> = files
        .iter()
        .map(|(p, t)| InputFile {
            path: (*p).into(),
            text: (*t).into(),
        })
        .collect();
    let supplied = Supplied {
        parameters: params
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
        import_values: imports
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
    };
    import::import(
        &files,
        &supplied,
        &Options {
            schema: "schema.json".into(),
            ..Options::default()
        },
    )
    .map(|i| i.text)
    .map_err(|e| {
        e.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// Two stacks: the mesh exports its name; the app reads it with `!ImportValue !Sub`, uses
/// every short-form tag, a condition, a mapping and parameters.
const INFRA: &str = r#"
Parameters:
  ProjectName: { Type: String, Default: demo }
Resources:
  Mesh:
    Type: AWS::AppMesh::Mesh
    Properties:
      MeshName: !Sub "${ProjectName}-mesh"
      Spec: { EgressFilter: { Type: ALLOW_ALL } }
  Namespace:
    Type: AWS::ServiceDiscovery::PrivateDnsNamespace
    Properties: { Name: demo.local, Vpc: !Ref Vpc }
  Vpc:
    Type: AWS::EC2::VPC
    Properties: { CidrBlock: 10.0.0.0/16 }
Outputs:
  MeshName:
    Value: !GetAtt Mesh.MeshName
    Export: { Name: !Sub "${ProjectName}:Mesh" }
"#;

const APP: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  ProjectName: { Type: String, Default: demo }
  Canary: { Type: String, Default: "yes", AllowedValues: ["yes", "no"] }
  Weight: { Type: Number, Default: 10 }
Conditions:
  HasCanary: !Equals [!Ref Canary, "yes"]
Mappings:
  Ports: { app: { http: 8080 } }
Resources:
  Node1:
    Type: AWS::AppMesh::VirtualNode
    Properties:
      MeshName: !ImportValue
        Fn::Sub: "${ProjectName}:Mesh"
      VirtualNodeName: !Join ["-", [app, v1]]
      Spec:
        Listeners:
          - PortMapping: { Port: !FindInMap [Ports, app, http], Protocol: http }
        ServiceDiscovery:
          DNS: { Hostname: !Select [0, !Split [",", "app.demo.local,other"]] }
        Backends:
          - VirtualService: { VirtualServiceName: !GetAtt Service.VirtualServiceName }
  Node2:
    Type: AWS::AppMesh::VirtualNode
    Condition: HasCanary
    Properties:
      MeshName: !ImportValue { "Fn::Sub": "${ProjectName}:Mesh" }
      VirtualNodeName: app-v2
      Spec:
        Listeners: [{ PortMapping: { Port: 8080, Protocol: http } }]
        ServiceDiscovery: { DNS: { Hostname: app.demo.local } }
        Logging: !If [HasCanary, { AccessLog: { File: { Path: /dev/stdout } } }, !Ref AWS::NoValue]
  Router:
    Type: AWS::AppMesh::VirtualRouter
    Properties:
      MeshName: !ImportValue { "Fn::Sub": "${ProjectName}:Mesh" }
      VirtualRouterName: app
      Spec: { Listeners: [{ PortMapping: { Port: 8080, Protocol: http } }] }
  Route:
    Type: AWS::AppMesh::Route
    Properties:
      MeshName: !ImportValue { "Fn::Sub": "${ProjectName}:Mesh" }
      VirtualRouterName: !GetAtt Router.VirtualRouterName
      RouteName: default
      Spec:
        HttpRoute:
          Match: { Prefix: / }
          Action:
            WeightedTargets:
              - { VirtualNode: !GetAtt Node1.VirtualNodeName, Weight: !Ref Weight }
              - Fn::If:
                  - HasCanary
                  - { VirtualNode: app-v2, Weight: 90 }
                  - !Ref AWS::NoValue
          RetryPolicy:
            MaxRetries: 2
            PerRetryTimeout: { Unit: ms, Value: 1500 }
            HttpRetryEvents: [server-error]
  Service:
    Type: AWS::AppMesh::VirtualService
    Properties:
      MeshName: !ImportValue { "Fn::Sub": "${ProjectName}:Mesh" }
      VirtualServiceName: !Sub "app.${AWS::Region}.demo.local"
      Spec: { Provider: { VirtualRouter: { VirtualRouterName: !GetAtt Router.VirtualRouterName } } }
"#;

#[test]
fn two_stacks_with_every_short_form_tag_import_into_one_spec() {
    let text = try_import(
        &[("infra.yaml", INFRA), ("app.yaml", APP)],
        &[("AWS::Region", "eu-west-1")],
        &[],
    )
    .unwrap();
    let (diags, _) = synth::check(&text, &targets::iac());
    assert!(
        !diags.has_errors(),
        "{}\n{text}",
        diags.render_human("imported.yaml")
    );
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!(body);
    // The left-out VPC is named in the header.
    assert!(
        text.contains("#   infra.yaml: Vpc (AWS::EC2::VPC)"),
        "{text}"
    );
    // With the condition false, app-v2 and its target are gone.
    let text = try_import(
        &[("infra.yaml", INFRA), ("app.yaml", APP)],
        &[("AWS::Region", "eu-west-1"), ("Canary", "no")],
        &[],
    )
    .unwrap();
    assert!(!text.contains("app-v2:"), "{text}");
    assert!(text.contains("targets: { app-v1: 10 }"), "{text}");
}

#[test]
fn what_cannot_be_known_names_the_flag_that_supplies_it() {
    // Without infra.yaml the export is unknown: the error names --import-value.
    let err = try_import(&[("app.yaml", APP)], &[("AWS::Region", "eu-west-1")], &[]).unwrap_err();
    assert!(err.contains("error: `MeshName` of `Node1` is not known before deploy: `Fn::ImportValue` of `demo:Mesh`"), "{err}");
    assert!(
        err.contains("--> app.yaml:15:7 (Resources.Node1.Properties.MeshName)"),
        "{err}"
    );
    assert!(
        err.contains("help: pass --import-value 'demo:Mesh=VALUE' to `meshsynth import`"),
        "{err}"
    );
    // The region is a pseudo parameter.
    let err = try_import(&[("app.yaml", APP)], &[], &[("demo:Mesh", "demo-mesh")]).unwrap_err();
    assert!(
        err.contains("help: pass --parameter AWS::Region=VALUE"),
        "{err}"
    );
    // Given both, the app stack alone imports, its mesh existing elsewhere.
    let text = try_import(
        &[("app.yaml", APP)],
        &[("AWS::Region", "eu-west-1")],
        &[("demo:Mesh", "demo-mesh")],
    )
    .unwrap();
    assert!(
        text.contains("mesh: { name: demo-mesh, existing: true }"),
        "{text}"
    );
}

#[test]
fn files_that_are_not_app_mesh_iac_are_refused() {
    let err = try_import(&[("notes.yaml", "a: 1\nb: [2]\n")], &[], &[]).unwrap_err();
    assert!(
        err.contains("notes.yaml is neither a CloudFormation template nor Terraform"),
        "{err}"
    );
    let err = try_import(
        &[("vpc.yaml", "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n")],
        &[],
        &[],
    )
    .unwrap_err();
    assert!(err.contains("vpc.yaml holds no App Mesh resource"), "{err}");
    let err = try_import(&[("bad.yaml", "Resources:\n  X: [\n")], &[], &[]).unwrap_err();
    assert!(err.contains("bad.yaml is not valid YAML or JSON"), "{err}");
    assert!(err.contains("--> bad.yaml:3:1"), "{err}");
    let err = try_import(
        &[("tag.yaml", "Resources:\n  X: { Type: !Bogus 1 }\n")],
        &[],
        &[],
    )
    .unwrap_err();
    assert!(
        err.contains("`!Bogus` is not a CloudFormation function"),
        "{err}"
    );
}

#[test]
fn a_resource_defined_twice_differently_names_both_places() {
    let other = INFRA.replace("ALLOW_ALL", "DROP_ALL");
    let err = try_import(&[("a.yaml", INFRA), ("b.yaml", &other)], &[], &[]).unwrap_err();
    assert!(err.contains("mesh `demo-mesh` is defined twice, differently: at a.yaml:5:3 (`Mesh`) and at b.yaml:5:3 (`Mesh`)"), "{err}");
    // The same definition twice is one resource.
    try_import(
        &[("a.yaml", INFRA), ("b.yaml", INFRA), ("app.yaml", APP)],
        &[("AWS::Region", "eu-west-1")],
        &[],
    )
    .unwrap();
}

#[test]
fn what_the_spec_cannot_express_is_refused_at_its_line() {
    let t = r#"{
  "Resources": {
    "Mesh": { "Type": "AWS::AppMesh::Mesh", "Properties": { "MeshName": "m" } },
    "Node": {
      "Type": "AWS::AppMesh::VirtualNode",
      "Properties": {
        "MeshName": { "Fn::GetAtt": ["Mesh", "MeshName"] },
        "VirtualNodeName": "n",
        "Spec": { "Listeners": [ { "PortMapping": { "Port": 80, "Protocol": "http" }, "Bogus": 1 } ] }
      }
    }
  }
}"#;
    let err = try_import(&[("cdk.template.json", t)], &[], &[]).unwrap_err();
    assert!(
        err.contains("meshsynth's spec cannot express `Spec.Listeners[0].Bogus` of `Node`"),
        "{err}"
    );
    assert!(err.contains("--> cdk.template.json:9:"), "{err}");
}

#[test]
fn the_command_writes_the_spec_whole_or_not_at_all() {
    let dir = common::scratch("import", "cli");
    std::fs::create_dir_all(&dir).unwrap();
    let infra = dir.join("infra.yaml");
    let app = dir.join("app.yaml");
    std::fs::write(&infra, INFRA).unwrap();
    std::fs::write(&app, APP).unwrap();
    let spec = dir.join("mesh.yaml");

    // A missing value: exit 1, nothing written, the flag named.
    let out = common::bin()
        .args([
            "import",
            app.to_str().unwrap(),
            "-o",
            spec.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out.stderr));
    assert!(!spec.exists());
    assert!(
        common::text(&out.stderr).contains("--import-value 'demo:Mesh=VALUE'"),
        "{}",
        common::text(&out.stderr)
    );

    // Both stacks: exit 0, the spec written and valid, the summary on stderr.
    let out = common::bin()
        .args([
            "import",
            infra.to_str().unwrap(),
            app.to_str().unwrap(),
            "--parameter",
            "AWS::Region=eu-west-1",
            "-o",
            spec.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = common::text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(stderr.contains("wrote"), "{stderr}");
    assert!(
        stderr.contains("2 virtual nodes, 1 virtual router, 1 route, 1 virtual service"),
        "{stderr}"
    );
    assert!(stderr.contains("1 × AWS::EC2::VPC"), "{stderr}");
    assert!(stderr.contains("the spec validates clean"), "{stderr}");
    let written = std::fs::read_to_string(&spec).unwrap();
    assert!(
        written.starts_with("# yaml-language-server: $schema="),
        "{written}"
    );
    let out = common::bin()
        .args(["validate", spec.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));

    // A later failure leaves the previous spec as it was.
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "just text\n").unwrap();
    let out = common::bin()
        .args([
            "import",
            notes.to_str().unwrap(),
            "-o",
            spec.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), written);

    // Without -o the spec goes to stdout (the modeline then names the schema from the working directory).
    let out = common::bin()
        .args([
            "import",
            infra.to_str().unwrap(),
            app.to_str().unwrap(),
            "--parameter",
            "AWS::Region=eu-west-1",
        ])
        .output()
        .unwrap();
    let stdout = common::text(&out.stdout);
    assert_eq!(
        stdout.lines().next(),
        Some("# yaml-language-server: $schema=schemas/meshsynth.schema.json")
    );
    assert_eq!(
        stdout.split_once('\n').unwrap().1,
        written.split_once('\n').unwrap().1
    );
    assert!(
        written.starts_with("# yaml-language-server: $schema=../"),
        "{written}"
    );

    // Usage and I/O errors: exit 2.
    let out = common::bin()
        .args(["import", "missing.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = common::bin()
        .args(["import", app.to_str().unwrap(), "--parameter", "novalue"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(common::text(&out.stderr).contains("--parameter `novalue` is not NAME=VALUE"));
    let out = common::bin().args(["import"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_command_protects_its_inputs_and_reads_folders() {
    let dir = common::scratch("import", "protect");
    std::fs::create_dir_all(&dir).unwrap();
    let infra = dir.join("infra.yaml");
    std::fs::write(&infra, INFRA).unwrap();
    // -o naming an input: refused before anything is written.
    let out = common::bin()
        .args([
            "import",
            infra.to_str().unwrap(),
            "-o",
            infra.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::text(&out.stderr).contains("is one of the input files"),
        "{}",
        common::text(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&infra).unwrap(), INFRA);
    // A folder is its files; a byte-order mark is ignored.
    let app = dir.join("app.yaml");
    std::fs::write(&app, format!("\u{feff}{APP}")).unwrap();
    let spec = dir.join("out.yaml");
    let out = common::bin()
        .args([
            "import",
            dir.to_str().unwrap(),
            "--parameter",
            "AWS::Region=eu-west-1",
            "-o",
            spec.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    let stderr = common::text(&out.stderr);
    assert!(
        stderr.contains("App Mesh: the spec validates clean"),
        "{stderr}"
    );
    assert!(stderr.contains("VPC Lattice:"), "{stderr}");
    // Text that is not UTF-8 is not a template: exit 1.
    let bin = dir.join("blob.json");
    std::fs::write(&bin, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let out = common::bin()
        .args(["import", bin.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        common::text(&out.stderr).contains("is not UTF-8 text"),
        "{}",
        common::text(&out.stderr)
    );
}

#[test]
fn a_node_with_two_discoveries_and_a_target_without_weight_are_refused() {
    let t = r#"
Resources:
  Mesh: { Type: AWS::AppMesh::Mesh, Properties: { MeshName: m } }
  Node:
    Type: AWS::AppMesh::VirtualNode
    Properties:
      MeshName: m
      VirtualNodeName: n
      Spec:
        Listeners: [{ PortMapping: { Port: 80, Protocol: tcp }, ConnectionPool: { TCP: { MaxConnections: 1, MaxPendingRequests: 2 } } }]
        ServiceDiscovery: { DNS: { Hostname: n.local }, AWSCloudMap: { NamespaceName: local, ServiceName: n } }
  Router: { Type: AWS::AppMesh::VirtualRouter, Properties: { MeshName: m, VirtualRouterName: r, Spec: { Listeners: [{ PortMapping: { Port: 80, Protocol: tcp } }] } } }
  Route:
    Type: AWS::AppMesh::Route
    Properties: { MeshName: m, VirtualRouterName: r, RouteName: x, Spec: { TcpRoute: { Action: { WeightedTargets: [{ VirtualNode: n }] } } } }
"#;
    let err = try_import(&[("t.yaml", t)], &[], &[]).unwrap_err();
    assert!(err.contains("sets both `AWSCloudMap` and `DNS`"), "{err}");
    assert!(
        err.contains("weighted target `n` of `Route` has no `Weight`"),
        "{err}"
    );
    assert!(
        err.contains("cannot express `Spec.Listeners[0].ConnectionPool.TCP.MaxPendingRequests`"),
        "{err}"
    );
}
