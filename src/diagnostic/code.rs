//! Every diagnostic code meshsynth reports, each with a one-line description.
//!
//! A code is a stable, kebab-case name for one rule (`unknown-virtual-node`); reports and the
//! JSON output print it as that string. The README's table of codes is generated from this list
//! by [`markdown_table`], and `tests/codes.rs` fails when the two differ.

use std::cmp::Ordering;
use std::fmt;

use serde::{Serialize, Serializer};

/// Declares [`Code`] once from `Variant = "text", "description";` entries, kept in alphabetical
/// order of the text (a unit test checks it): that is the order of [`Code::ALL`] and of the
/// README's table.
macro_rules! codes {
    ($($variant:ident = $text:literal, $description:literal;)*) => {
        /// A stable diagnostic code, e.g. `unknown-virtual-node`.
        ///
        /// Codes order by their text, so sorting diagnostics by code sorts them alphabetically.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $(
                #[doc = concat!("`", $text, "`: ", $description)]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in alphabetical order of [`Code::as_str`].
            pub const ALL: &[Code] = &[$(Code::$variant,)*];

            /// The code as reports print it, e.g. `unknown-virtual-node`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }

            /// What the rule checks, in one line, for users.
            pub const fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => $description,)*
                }
            }
        }
    };
}

codes! {
    AcmClientCertificate = "acm-client-certificate",
        "A client policy's TLS certificate is not from ACM, which cannot hand certificates to Envoy for mutual TLS.";
    AcmListenerTrust = "acm-listener-trust",
        "A listener does not validate client certificates with ACM Private CA trust, which only client policies can use.";
    AirflowCapacityProvider = "airflow-capacity-provider",
        "The Airflow capacity provider is a valid name and fits the launch type: a Fargate provider for Fargate, an EC2 one for `launch_type: ec2`.";
    AirflowConnectionNotBackend = "airflow-connection-not-backend",
        "An Airflow connection points at a virtual service listed in `workers.backends`, so tasks can call it through the mesh.";
    AirflowConnectionProtocol = "airflow-connection-protocol",
        "An Airflow connection's type fits the listener it calls: `grpc` not to an HTTP/1.1 listener, `http` not to a gRPC one.";
    AirflowConnectionWithoutProvider = "airflow-connection-without-provider",
        "An Airflow connection points at a virtual service that has a provider, so calls to it can succeed.";
    AirflowEgressBlocked = "airflow-egress-blocked",
        "Under the mesh's `drop_all` egress filter, the ports of the metadata database and the Celery broker are in `airflow.egress.ignored_ports`.";
    AirflowIgnoredMeshPort = "airflow-ignored-mesh-port",
        "A port in `airflow.egress.ignored_ports` is not also the port of an Airflow backend, whose calls would then bypass Envoy.";
    AirflowInvalidAdminUsername = "airflow-invalid-admin-username",
        "`airflow.admin_username` is 1 to 64 letters, digits, `.`, `_`, `-` or `@`, a name Airflow's FAB auth manager accepts.";
    AirflowInvalidCluster = "airflow-invalid-cluster",
        "`airflow.cluster` sets exactly one of `create: true` and `name`, and `name` is a valid ECS cluster name.";
    AirflowInvalidDagSource = "airflow-invalid-dag-source",
        "`airflow.dags` names a valid S3 bucket (not an ARN or URL) with a key prefix without a leading `/`, or valid EFS file system and access point IDs.";
    AirflowInvalidEgress = "airflow-invalid-egress",
        "Each entry of `airflow.egress.ignored_ips` is an IPv4 address or CIDR block.";
    AirflowInvalidId = "airflow-invalid-id",
        "DAG task names use only letters, digits, `_` and `-`; connection ids only letters, digits and `_`.";
    AirflowInvalidImage = "airflow-invalid-image",
        "The Airflow image and each DAG task image is a non-empty image reference without spaces.";
    AirflowInvalidLogRetention = "airflow-invalid-log-retention",
        "`airflow.log_retention_days` is a retention period CloudWatch Logs accepts.";
    AirflowInvalidSecret = "airflow-invalid-secret",
        "Each Airflow secret sets exactly one of a Secrets Manager or SSM parameter `arn` and a valid `parameter` name, and no two secrets share a source.";
    AirflowInvalidTaskSize = "airflow-invalid-task-size",
        "The CPU and memory of each Airflow component and DAG task form a valid Fargate task size.";
    AirflowMissingComponent = "airflow-missing-component",
        "The Airflow components the version needs are present: a scheduler, and on 3.x a DAG processor and an API server.";
    AirflowMissingNamespace = "airflow-missing-namespace",
        "The spec creates a Cloud Map namespace when the Airflow API server joins the mesh through Cloud Map.";
    AirflowMissingSecret = "airflow-missing-secret",
        "The secrets the Airflow version and executor need are set, e.g. `jwt_secret` on 3.x and `broker_url` with Celery.";
    AirflowNameCollision = "airflow-name-collision",
        "The names meshsynth derives for DAG tasks, connections and Airflow components collide neither with each other nor with the spec's nodes and Cloud Map services.";
    AirflowNameTooLong = "airflow-name-too-long",
        "The IAM role name derived for each DAG task fits IAM's 64 characters.";
    AirflowReservedParameter = "airflow-reserved-parameter",
        "An Airflow secret's `parameter` is not one of the parameters meshsynth declares itself, nor with an existing Cloud Map namespace named like their ARN parameters (`CloudMapService<Name>Arn`).";
    AirflowTaskTooSmall = "airflow-task-too-small",
        "The memory of each Airflow component and DAG task leaves its container enough after Envoy's share.";
    AirflowTooManyEnvoys = "airflow-too-many-envoys",
        "The Airflow tasks that can run at once stay within App Mesh's default quota of 50 Envoys per virtual node.";
    AirflowUnknownConnectionPort = "airflow-unknown-connection-port",
        "An Airflow connection's port is a listener port of its virtual service's provider.";
    AirflowUnknownVirtualService = "airflow-unknown-virtual-service",
        "Airflow backends and connections name virtual services of the spec.";
    AirflowUnpinnedImage = "airflow-unpinned-image",
        "The Airflow image and each DAG task image is pinned by a digest or a tag other than `latest`.";
    AirflowUnsupportedProvider = "airflow-unsupported-provider",
        "`airflow.amazon_provider` is a `MAJOR.MINOR[.PATCH]` version of the amazon provider, 9.2.0 or later.";
    AirflowUnsupportedVersion = "airflow-unsupported-version",
        "`airflow.version` is a `MAJOR.MINOR` version of a supported Airflow release (2.x or 3.x).";
    AirflowUnusedSecret = "airflow-unused-secret",
        "No Airflow secret is set that the executor does not use, e.g. `broker_url` without Celery.";
    AirflowUnusedSetting = "airflow-unused-setting",
        "No `airflow.workers` setting is set that has no effect with the chosen executor.";
    AirflowV2Only = "airflow-v2-only",
        "An Airflow 3.x spec uses no component that only Airflow 2.x has, such as `webserver`.";
    AirflowV3Only = "airflow-v3-only",
        "An Airflow 2.x spec uses no component or secret that only Airflow 3.x has, such as `api_server` or `jwt_secret`.";
    AirflowVersionMismatch = "airflow-version-mismatch",
        "`airflow.version` agrees with the Airflow version in the image's tag.";
    AllWeightsZero = "all-weights-zero",
        "At least one target of a route has a weight above 0.";
    AmbiguousCertificate = "ambiguous-certificate",
        "A TLS certificate sets only one of `acm`, `file` and `sds`.";
    AmbiguousHeaderMatch = "ambiguous-header-match",
        "A header or metadata match sets at most one of `exact`, `prefix`, `suffix`, `regex` and `range`.";
    AmbiguousHostnameMatch = "ambiguous-hostname-match",
        "A gateway route's hostname match sets only one of `exact` and `suffix`.";
    AmbiguousHttpMatch = "ambiguous-http-match",
        "A route's match sets only one of `prefix` and `path`.";
    AmbiguousLogFormat = "ambiguous-log-format",
        "An access log format sets only one of `json` and `text`.";
    AmbiguousPathMatch = "ambiguous-path-match",
        "A path match sets only one of `exact` and `regex`.";
    AmbiguousProvider = "ambiguous-provider",
        "A virtual service names at most one provider: a virtual router or a virtual node.";
    AmbiguousRouteKind = "ambiguous-route-kind",
        "A route or gateway route sets only one of `http`, `http2`, `grpc` and (routes only) `tcp`.";
    AmbiguousServiceDiscovery = "ambiguous-service-discovery",
        "A virtual node's service discovery sets only one of `cloud_map` and `dns`.";
    AmbiguousTrust = "ambiguous-trust",
        "A TLS validation's trust sets only one of `acm`, `file` and `sds`.";
    CaCountOutOfRange = "ca-count-out-of-range",
        "An ACM trust lists 1–3 certificate authorities.";
    CloudformationLimit = "cloudformation-limit",
        "Every CloudFormation template (the root and each nested stack) stays within 500 resources, 200 outputs, 200 parameters and 1 MB.";
    ConnectionPoolProtocol = "connection-pool-protocol",
        "A listener's connection pool sets only the fields of the listener's protocol, including the one it requires.";
    DependencyCycle = "dependency-cycle",
        "The generated resources do not depend on each other in a cycle.";
    DuplicateKey = "duplicate-key",
        "No key is given twice in the same YAML mapping.";
    DuplicateListenerPort = "duplicate-listener-port",
        "No two listeners of a virtual node, router or gateway share a port.";
    DuplicateRetryEvent = "duplicate-retry-event",
        "No retry event is listed twice.";
    EksInvalidName = "eks-invalid-name",
        "EKS names are valid: the cluster name, 12-digit account and region, DNS-1123 namespaces, and the service account, pod template and Service names derived from DAG tasks and workloads.";
    EksInvalidQuantity = "eks-invalid-quantity",
        "On EKS every `cpu` is a Kubernetes CPU quantity (`500m`, `\"1\"`) and every `memory` a memory quantity with a unit (`512Mi`, `2Gi`).";
    EksKubernetesVersion = "eks-kubernetes-version",
        "`eks.kubernetes_version` is `1.NN`; from 1.29 Envoy runs as a native sidecar, so App Mesh task pods finish when their task does.";
    EksNamespaceClash = "eks-namespace-clash",
        "`eks.task_namespace` differs from `eks.namespace`: task pods run apart from the control plane, which is never meshed.";
    EksPlatformMismatch = "eks-platform-mismatch",
        "`platform: eks` comes with an `eks:` section, the `kubernetes` or `celery` executor and no ECS-only setting; `platform: ecs` with neither `eks:` nor the `kubernetes` executor.";
    EksWorkloadDiscovery = "eks-workload-discovery",
        "On EKS each workload's virtual node uses DNS discovery with a `<service>.<namespace>.svc.cluster.local` hostname, the Kubernetes Service meshsynth creates for it.";
    EmptyJsonLogFormat = "empty-json-log-format",
        "A JSON access log format has at least one field.";
    EmptyMatchList = "empty-match-list",
        "A header or metadata name, or a query parameter, has at least one match in its list.";
    EmptySpec = "empty-spec",
        "A spec for a shared or existing mesh declares at least one resource.";
    ExistingMeshOwner = "existing-mesh-owner",
        "A shared mesh (`owner`) does not also say `existing: true`, which `owner` already implies (warning).";
    ExistingMeshSpec = "existing-mesh-spec",
        "A spec for an existing mesh sets none of its egress filter, IP preference and tags, which belong to the stack that created it.";
    ExistingNamespaceSpec = "existing-namespace-spec",
        "An existing Cloud Map namespace sets no `dns_ttl`, which only Cloud Map services meshsynth creates take.";
    HealthCheckPortMismatch = "health-check-port-mismatch",
        "A health check's port is its listener's port.";
    IdCollision = "id-collision",
        "No two names become the same CloudFormation or Terraform identifier.";
    InternalDanglingReference = "internal-dangling-reference",
        "Every generated resource refers only to generated resources; reported only if meshsynth itself is wrong.";
    IntervalOutOfRange = "interval-out-of-range",
        "A health-check interval is 5s–300s.";
    InvalidAccountId = "invalid-account-id",
        "A shared mesh's owner is a 12-digit AWS account ID.";
    InvalidEncoding = "invalid-encoding",
        "The spec is UTF-8 text (a byte-order mark only at the start) without control characters.";
    InvalidName = "invalid-name",
        "App Mesh names, virtual service DNS names and the project name follow their naming rules.";
    InvalidPath = "invalid-path",
        "An exact path match or a path rewrite starts with `/`.";
    InvalidPrefix = "invalid-prefix",
        "A prefix match or a prefix rewrite starts with `/`.";
    InvalidRange = "invalid-range",
        "A range match's start is below its end.";
    InvalidSpecShape = "invalid-spec-shape",
        "The YAML has the spec's shape: required fields, types, enum values and durations.";
    InvalidYaml = "invalid-yaml",
        "The spec is well-formed YAML: indentation, quotes, brackets, anchors and aliases.";
    LatticeAuthPolicySize = "lattice-auth-policy-size",
        "The auth policy of each IAM-auth Lattice service, listing the roles of its callers, stays within the 10 KB Lattice allows.";
    LatticeControllerApproximation = "lattice-controller-approximation",
        "On EKS, what the AWS Gateway API Controller's Lattice output does differently from the CloudFormation one: header values match ignoring case, gRPC services listen on HTTPS, a service without providers in the cluster stays in CloudFormation.";
    LatticeControllerLimit = "lattice-controller-limit",
        "On EKS, the AWS Gateway API Controller can publish each Lattice service as the model has it: in-cluster providers only, one route kind and one rule list per service, exact header matches with distinct names, Gateway API paths, gRPC and DNS names, 16 rules per route, one TargetGroupPolicy per Service.";
    LatticeCustomDomain = "lattice-custom-domain",
        "Each virtual-service name is a custom domain Lattice accepts: 3–255 characters, and unique in the service network ignoring case.";
    LatticeDropped = "lattice-dropped",
        "A spec feature VPC Lattice has no equivalent for (retries aside, which move to the client): a warning with what to do instead, an error under `--strict`.";
    LatticeExistingNetwork = "lattice-existing-network",
        "On VPC Lattice, the service network of an existing mesh belongs to the stack that created it: the spec sets no `security_group_ids` of its VPC association, and runs no Airflow on EKS, whose Gateway would take its VPC association, access logs and auth policy over.";
    LatticeHeaderMatch = "lattice-header-match",
        "A Lattice rule has at most 5 header matches, each with a name of at most 40 characters and a value of at most 128.";
    LatticeHostedZone = "lattice-hosted-zone",
        "The private hosted zone of the virtual-service names is known and valid: derived from their common DNS suffix, or `mesh.lattice.hosted_zone` with a zone that holds every name or a valid zone ID.";
    LatticeInvalidSetting = "lattice-invalid-setting",
        "The Lattice settings are well-formed: `vpc_id`, `prefix_list_id`, `access_log_destination_arn` (a log group, Firehose stream or S3 bucket ARN) and each node's `iam_role_arn`.";
    LatticeNameCollision = "lattice-name-collision",
        "No two virtual services, target groups or rules of one listener derive the same Lattice name.";
    LatticePathMatch = "lattice-path-match",
        "Lattice path matches and health-check paths fit Lattice's pattern and length (128 characters for matches, 2048 for health checks).";
    LatticeQuota = "lattice-quota",
        "A listener has at most 10 rules and a service at most 2 listeners, Lattice's default quotas (adjustable).";
    LatticeRulePriority = "lattice-rule-priority",
        "A Lattice listener has at most 100 rules, since rule priorities are 1–100 in CloudFormation and Terraform.";
    LatticeSecurityGroups = "lattice-security-groups",
        "`mesh.lattice.security_group_ids` lists 1 to 5 security group IDs (`sg-` and 8 or 17 hex digits), and is set on EKS, where the Gateway's VpcAssociationPolicy takes them.";
    LatticeSharedTargetGroup = "lattice-shared-target-group",
        "Each target group (a virtual node's listener port) serves one Lattice service only.";
    LatticeTooManyTargets = "lattice-too-many-targets",
        "A Lattice forward action, of a rule or a listener's default action, has at most 10 target groups.";
    LatticeUnknownCallerRole = "lattice-unknown-caller-role",
        "Under IAM auth, every node that calls a Lattice service has an IAM role its auth policy can name: one meshsynth creates, or `iam_role_arn`.";
    LatticeUnsignedClient = "lattice-unsigned-client",
        "No gRPC Airflow connection calls an IAM-auth Lattice service, which denies GrpcHook's unsigned requests.";
    LengthOutOfRange = "length-out-of-range",
        "Strings App Mesh bounds (names, paths, hostnames, match values) are non-empty and within their length limit.";
    MethodWithoutService = "method-without-service",
        "A gRPC match on a method name also names the service.";
    MissingCertificate = "missing-certificate",
        "`strict` or `permissive` TLS has a certificate, and a certificate sets one of `acm`, `file` and `sds`.";
    MissingHostnameMatch = "missing-hostname-match",
        "A gateway route's hostname match sets one of `exact` and `suffix`.";
    MissingHttpMatch = "missing-http-match",
        "A route's match sets one of `prefix` and `path` (a gateway route may match on the hostname instead).";
    MissingListener = "missing-listener",
        "Every virtual router and virtual gateway has a listener.";
    MissingLogFormat = "missing-log-format",
        "An access log format sets one of `json` and `text`.";
    MissingMatchPort = "missing-match-port",
        "A route or gateway route names the listener port it attaches to when its router or gateway has several listeners.";
    MissingNamespace = "missing-namespace",
        "A virtual node's Cloud Map discovery names a namespace, or the spec declares a top-level one.";
    MissingPathMatch = "missing-path-match",
        "A path match sets one of `exact` and `regex`.";
    MissingRetryEvent = "missing-retry-event",
        "A retry policy names at least one event to retry on.";
    MissingRouteKind = "missing-route-kind",
        "A route or gateway route sets one of `http`, `http2`, `grpc` and (routes only) `tcp`.";
    MissingServiceDiscovery = "missing-service-discovery",
        "A virtual node with listeners has service discovery, and it sets one of `cloud_map` and `dns`.";
    MissingTargetPort = "missing-target-port",
        "A target names a port when the virtual node it reaches has several listeners.";
    MissingTargets = "missing-targets",
        "A route has at least one target.";
    MissingTrust = "missing-trust",
        "A TLS validation's trust sets one of `acm`, `file` and `sds`.";
    MultipleDocuments = "multiple-documents",
        "The file holds one YAML document: no second one after a `---` line (an empty one is ignored).";
    ObservabilityDashboardSplit = "observability-dashboard-split",
        "The mesh's dashboard fits one CloudWatch dashboard (500 widgets, 2,500 metrics); beyond that it is split into several, each row whole (a warning).";
    ObservabilityNoNotification = "observability-no-notification",
        "Alarms notify someone: with thresholds set, `observability.alarms.notify` names or creates an SNS topic.";
    ObservabilityNotify = "observability-notify",
        "`observability.alarms.notify` sets exactly one of `topic_arn` and `create_topic: true`, and `topic_arn` is the ARN of a standard (not FIFO) SNS topic.";
    ObservabilityServiceAlarms = "observability-service-alarms",
        "A virtual service's `alarms: true` or `alarms: {}` finds a threshold in `observability.alarms`.";
    ObservabilityServiceUnmeasured = "observability-service-unmeasured",
        "A virtual service with alarm thresholds can be measured: on App Mesh a meshed node calls it (Envoy measures at the caller), on VPC Lattice the stack creates its service (the alarm needs its ID) (a warning).";
    ObservabilityTcpService = "observability-tcp-service",
        "A virtual service that would get alarms has a provider with an HTTP, HTTP/2 or gRPC listener: TCP calls have no status or response time to alarm on.";
    ObservabilityThreshold = "observability-threshold",
        "Alarm thresholds can be reached: `error_rate` above 0% and at most 100%, `latency_p99` above 0 and at most an hour.";
    OutlierDetectionLoadBalancer = "outlier-detection-load-balancer",
        "Outlier detection is not combined with the DNS response type `load_balancer`, where it has little effect.";
    PortOutOfRange = "port-out-of-range",
        "Every port is 1–65535.";
    PriorityOutOfRange = "priority-out-of-range",
        "A route priority is 0–1000.";
    ProtocolMismatch = "protocol-mismatch",
        "A route's kind matches the protocol of the listener it attaches to and of the listener each target receives it on.";
    ReservedPrefix = "reserved-prefix",
        "Gateway route paths and prefixes do not start with `/aws-appmesh` or `/aws-app-mesh`, which App Mesh reserves.";
    ReservedServiceName = "reserved-service-name",
        "A gRPC gateway route does not match a service name App Mesh reserves (`aws.appmesh`, `aws.app-mesh*`).";
    RetryEventProtocol = "retry-event-protocol",
        "A route's retry events fit its protocol, e.g. `grpc_events` only on gRPC routes.";
    RetryExceedsTimeout = "retry-exceeds-timeout",
        "A route's retries fit within its per-request timeout.";
    RewriteMatchMismatch = "rewrite-match-mismatch",
        "A gateway route's rewrite fits its match: a prefix rewrite needs a `prefix` match, a path rewrite an exact `path` match.";
    SharedMeshSpec = "shared-mesh-spec",
        "A spec for a shared mesh sets neither its egress filter nor its IP preference, which belong to the owner account.";
    SpecLimit = "spec-limit",
        "The spec stays within the loader's limits on size, nesting depth, key and value length and number of entries (see Limits).";
    TargetPortMismatch = "target-port-mismatch",
        "All targets of a route listen on the same port.";
    TargetWithoutListener = "target-without-listener",
        "The virtual node a route target names has a listener.";
    TerraformUnsupported = "terraform-unsupported",
        "The spec uses nothing the Terraform AWS provider cannot express (checked only when Terraform is rendered).";
    ThresholdOutOfRange = "threshold-out-of-range",
        "Health-check healthy and unhealthy thresholds are 2–10.";
    TimeoutOutOfRange = "timeout-out-of-range",
        "A health-check timeout is 2s–60s.";
    TimeoutProtocol = "timeout-protocol",
        "A listener's timeout fits its protocol: a `tcp` listener has no per-request timeout.";
    TooManyBackends = "too-many-backends",
        "A virtual node has at most 50 backends, the default quota (a hard limit of the Terraform provider).";
    TooManyGatewayRoutes = "too-many-gateway-routes",
        "A virtual gateway has at most 10 gateway routes, the default quota.";
    TooManyMatches = "too-many-matches",
        "A match has at most 10 header, query parameter or metadata matches.";
    TooManyResources = "too-many-resources",
        "The mesh has at most 200 virtual nodes, 200 virtual services and 200 virtual routers, the default quotas.";
    TooManyRoutes = "too-many-routes",
        "A virtual router has at most 50 routes, the default quota.";
    TooManyTargets = "too-many-targets",
        "A route has at most 10 targets.";
    UnknownKey = "unknown-key",
        "Every key is one the spec defines; the nearest known key is suggested.";
    UnknownListenerPort = "unknown-listener-port",
        "A port that picks a listener (of a route's router, a gateway route's gateway or a target's node) names one of its listeners.";
    UnknownRetryEvent = "unknown-retry-event",
        "Every retry event is one App Mesh knows for its protocol.";
    UnknownVirtualNode = "unknown-virtual-node",
        "Route targets and virtual service providers name virtual nodes of the spec.";
    UnknownVirtualRouter = "unknown-virtual-router",
        "A virtual service's router provider names a virtual router of the spec.";
    UnknownVirtualService = "unknown-virtual-service",
        "Backends and gateway route targets name virtual services of the spec.";
    UnsupportedHealthCheckPath = "unsupported-health-check-path",
        "A health-check path is set only for `http` and `http2` health checks.";
    UnsupportedProtocol = "unsupported-protocol",
        "A virtual gateway neither listens nor health-checks with `tcp`.";
    ValueOutOfRange = "value-out-of-range",
        "Connection pool and outlier detection values are within App Mesh's bounds.";
    WeightOutOfRange = "weight-out-of-range",
        "A target's weight is 0–100.";
    WorkloadCloudMapAttributes = "workload-cloud-map-attributes",
        "A workload's Cloud Map discovery filters on no attributes, since ECS registers its tasks with `ECS_*` attributes only.";
    WorkloadDnsDiscovery = "workload-dns-discovery",
        "A workload uses Cloud Map discovery: with DNS discovery meshsynth registers its tasks nowhere, so the hostname must resolve to them some other way.";
    WorkloadForeignNamespace = "workload-foreign-namespace",
        "A workload registers only in the Cloud Map namespace meshsynth creates.";
    WorkloadInvalidImage = "workload-invalid-image",
        "A workload's image is a non-empty image reference without spaces.";
    WorkloadInvalidTaskSize = "workload-invalid-task-size",
        "A workload's CPU and memory form a valid Fargate task size.";
    WorkloadNameCollision = "workload-name-collision",
        "The task definition families and IAM roles derived for workloads collide neither with each other nor with Airflow's.";
    WorkloadNameTooLong = "workload-name-too-long",
        "The IAM role name derived for each workload fits IAM's 64 characters.";
    WorkloadTaskTooSmall = "workload-task-too-small",
        "A workload's memory leaves its container enough after Envoy's share.";
    WorkloadTooManyEnvoys = "workload-too-many-envoys",
        "A workload's task count stays within App Mesh's default quota of 50 Envoys per virtual node.";
    WorkloadUnknownVirtualNode = "workload-unknown-virtual-node",
        "Each workload is named after a virtual node of the spec.";
    WorkloadUnpinnedImage = "workload-unpinned-image",
        "A workload's image is pinned by a digest or a tag other than `latest`.";
    WorkloadWithoutListener = "workload-without-listener",
        "A workload's virtual node has a listener, so mesh traffic can reach it.";
    YamlTag = "yaml-tag",
        "No value carries a YAML tag such as `!Ref` or `!!str`: a spec is plain YAML, not a CloudFormation template.";
}

impl Code {
    /// The code whose text is `s`, if any.
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Code {
    /// Alphabetical by [`Code::as_str`], as when codes were strings: report order depends on it.
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The README's table of codes: a Markdown table of every code and its description, between the
/// `<!-- codes:begin -->` and `<!-- codes:end -->` markers (which it does not include).
pub fn markdown_table() -> String {
    let mut out = String::from("| Code | What it checks |\n| --- | --- |\n");
    for c in Code::ALL {
        out.push_str(&format!("| `{}` | {} |\n", c.as_str(), c.description()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_sorted_and_unique() {
        assert!(
            Code::ALL.windows(2).all(|w| w[0].as_str() < w[1].as_str()),
            "declare the codes in strict alphabetical order of their text"
        );
        assert!(Code::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn codes_are_kebab_case_and_named_after_their_variant() {
        for c in Code::ALL {
            let s = c.as_str();
            assert!(
                !s.is_empty()
                    && !s.starts_with('-')
                    && !s.ends_with('-')
                    && !s.contains("--")
                    && s.chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'),
                "`{s}` is not kebab-case"
            );
            let camel: String = s
                .split('-')
                .map(|w| {
                    let mut cs = w.chars();
                    let first = cs.next().map(|f| f.to_ascii_uppercase());
                    first.into_iter().chain(cs).collect::<String>()
                })
                .collect();
            assert_eq!(format!("{c:?}"), camel, "the variant of `{s}`");
        }
    }

    #[test]
    fn descriptions_are_one_line_sentences() {
        for c in Code::ALL {
            let d = c.description();
            assert!(
                d.starts_with(|ch: char| ch.is_uppercase() || ch == '`'),
                "{c}: start with a capital letter or a `code`"
            );
            assert!(d.ends_with('.'), "{c}: end with a full stop");
            assert!(!d.contains('\n') && !d.contains('|'), "{c}: one table cell");
            assert_eq!(d.trim(), d, "{c}");
        }
    }

    #[test]
    fn text_round_trips() {
        for &c in Code::ALL {
            assert_eq!(Code::parse(c.as_str()), Some(c));
            assert_eq!(c.to_string(), c.as_str());
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.as_str())
            );
        }
        assert_eq!(Code::parse("no-such-code"), None);
    }

    #[test]
    fn table_has_a_row_per_code() {
        let table = markdown_table();
        assert_eq!(table.lines().count(), Code::ALL.len() + 2);
    }
}
