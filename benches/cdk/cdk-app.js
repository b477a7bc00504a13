#!/usr/bin/env node
// AWS CDK (aws-cdk-lib v2, L2 constructs) version of the meshsynth benchmark
// topology (see README.md): for N services `svc-NNNN`, two App Mesh virtual
// nodes, a virtual router with one weighted route, a virtual service, a Cloud
// Map service, and per version a Fargate task definition (app + Envoy) and
// service. Plain JavaScript, no compile step.
//
//   node cdk-app.js N [OUTDIR]      (or N / CDK_OUTDIR from the environment)
//
// CloudFormation allows 500 resources per stack, so the services are split
// into nested stacks of CDK_SERVICES_PER_STACK (default 25) services each; the
// parent stack holds the mesh, the ECS cluster, the Cloud Map namespace, the
// log group and the shared execution role. CDK wires the cross-stack
// references (mesh name, cluster ARN, ...) as nested-stack parameters.
'use strict';

const { performance } = require('perf_hooks');
const path = require('path');
const cdk = require('aws-cdk-lib');
const { Duration } = cdk;
const appmesh = require('aws-cdk-lib/aws-appmesh');
const ec2 = require('aws-cdk-lib/aws-ec2');
const ecr = require('aws-cdk-lib/aws-ecr');
const ecs = require('aws-cdk-lib/aws-ecs');
const iam = require('aws-cdk-lib/aws-iam');
const logs = require('aws-cdk-lib/aws-logs');
const servicediscovery = require('aws-cdk-lib/aws-servicediscovery');

const tLoaded = performance.now();

const n = parseInt(process.argv[2] || process.env.N || '10', 10);
if (!Number.isInteger(n) || n < 1) {
  console.error('usage: node cdk-app.js N [OUTDIR]   (N >= 1 services)');
  process.exit(2);
}
const outdir = path.resolve(process.argv[3] || process.env.CDK_OUTDIR || path.join(__dirname, 'cdk.out'));
const perStack = parseInt(process.env.CDK_SERVICES_PER_STACK || '25', 10);

const MESH = 'bench';
const NAMESPACE = 'bench.internal';
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const TAGS = { team: 'platform' };

const svcName = (i) => `svc-${String(i).padStart(4, '0')}`;
const camel = (s) => s.split(/[^A-Za-z0-9]+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

const app = new cdk.App({ outdir, analyticsReporting: false });
const stack = new cdk.Stack(app, 'Bench', {
  description: `meshsynth benchmark topology, ${n} services (AWS CDK)`,
});
for (const [k, v] of Object.entries(TAGS)) cdk.Tags.of(app).add(k, v);

// Inputs, as in meshsynth's template: VPC, subnets, security group, Envoy image.
const vpcId = new cdk.CfnParameter(stack, 'VpcId', { type: 'AWS::EC2::VPC::Id' });
// A String, not List<AWS::EC2::Subnet::Id>: CloudFormation cannot pass a list
// parameter into a nested stack, so each nested stack splits it itself.
const subnetIds = new cdk.CfnParameter(stack, 'SubnetIds', {
  type: 'String',
  description: 'Two private subnet IDs for the Fargate tasks, comma-separated',
});
const securityGroupId = new cdk.CfnParameter(stack, 'SecurityGroupId', { type: 'AWS::EC2::SecurityGroup::Id' });
const envoyImage = new cdk.CfnParameter(stack, 'EnvoyImage', {
  type: 'String',
  default: '840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.29.12.1-prod',
});

const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
  vpcId: vpcId.valueAsString,
  availabilityZones: [`${REGION}a`, `${REGION}b`],
  privateSubnetIds: cdk.Fn.split(',', subnetIds.valueAsString, 2),
});
const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'TaskSecurityGroup', securityGroupId.valueAsString);

// Shared: mesh, cluster, namespace, log group, execution role.
const mesh = new appmesh.Mesh(stack, 'Mesh', {
  meshName: MESH,
  egressFilter: appmesh.MeshFilterType.DROP_ALL,
});
const cluster = new ecs.Cluster(stack, 'Cluster', {
  clusterName: MESH,
  vpc,
  containerInsightsV2: ecs.ContainerInsights.ENABLED,
});
const namespace = new servicediscovery.PrivateDnsNamespace(stack, 'Namespace', {
  name: NAMESPACE,
  vpc,
  description: `Service discovery for the ${MESH} mesh`,
});
const logGroup = new logs.LogGroup(stack, 'LogGroup', {
  logGroupName: `/meshsynth/${MESH}`,
  retention: logs.RetentionDays.ONE_MONTH,
  removalPolicy: cdk.RemovalPolicy.DESTROY,
});
const executionRole = new iam.Role(stack, 'ExecutionRole', {
  roleName: `${MESH}-execution`,
  assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
  description: 'ECS task execution role: image pulls and awslogs',
});

function buildServices(scope, first, last) {
  for (let i = first; i < last; i++) {
    const name = svcName(i);
    const id = camel(name);
    const repo = ecr.Repository.fromRepositoryArn(scope, `${id}Repo`, `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`);
    const cloudMapService = new servicediscovery.Service(scope, `${id}CloudMap`, {
      namespace,
      name,
      description: `Tasks of ${name} in the ${MESH} mesh`,
      dnsRecordType: servicediscovery.DnsRecordType.A,
      dnsTtl: Duration.seconds(60),
      customHealthCheck: { failureThreshold: 1 },
    });

    const nodes = {};
    for (const version of ['v1', 'v2']) {
      const full = `${name}-${version}`;
      const vid = camel(full);
      const family = `${MESH}-${full}`;
      const node = new appmesh.VirtualNode(scope, `${vid}Node`, {
        mesh,
        virtualNodeName: full,
        serviceDiscovery: appmesh.ServiceDiscovery.cloudMap(cloudMapService, { ECS_TASK_DEFINITION_FAMILY: family }),
        listeners: [appmesh.VirtualNodeListener.http({
          port: 8080,
          healthCheck: appmesh.HealthCheck.http({
            path: '/healthz',
            interval: Duration.seconds(10),
            timeout: Duration.seconds(2),
            healthyThreshold: 2,
            unhealthyThreshold: 2,
          }),
          timeout: { perRequest: Duration.seconds(15) },
        })],
        accessLog: appmesh.AccessLog.fromFilePath('/dev/stdout'),
      });
      nodes[version] = node;

      const taskRole = new iam.Role(scope, `${vid}TaskRole`, {
        roleName: family,
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
        description: `Task role of ${family}`,
      });
      node.grants.streamAggregatedResources(taskRole);

      const taskDefinition = new ecs.FargateTaskDefinition(scope, `${vid}TaskDef`, {
        family,
        cpu: 256,
        memoryLimitMiB: 512,
        taskRole,
        executionRole,
        proxyConfiguration: new ecs.AppMeshProxyConfiguration({
          containerName: 'envoy',
          properties: {
            ignoredUID: 1337,
            proxyIngressPort: 15000,
            proxyEgressPort: 15001,
            appPorts: [8080],
            egressIgnoredIPs: ['169.254.170.2', '169.254.169.254'],
          },
        }),
      });
      const envoy = taskDefinition.addContainer('envoy', {
        containerName: 'envoy',
        image: ecs.ContainerImage.fromRegistry(envoyImage.valueAsString),
        essential: true,
        user: '1337',
        cpu: 64,
        memoryReservationMiB: 128,
        stopTimeout: Duration.seconds(30),
        environment: { APPMESH_RESOURCE_ARN: node.virtualNodeArn },
        healthCheck: {
          command: ['CMD-SHELL', 'curl -s http://localhost:9901/server_info | grep state | grep -q LIVE'],
          interval: Duration.seconds(5),
          timeout: Duration.seconds(2),
          retries: 3,
          startPeriod: Duration.seconds(10),
        },
        logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: `${full}-envoy` }),
      });
      envoy.addUlimits({ name: ecs.UlimitName.NOFILE, softLimit: 15000, hardLimit: 15000 });
      const appContainer = taskDefinition.addContainer('app', {
        containerName: 'app',
        image: ecs.ContainerImage.fromEcrRepository(repo, version),
        essential: true,
        portMappings: [{ containerPort: 8080, protocol: ecs.Protocol.TCP }],
        logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: full }),
      });
      appContainer.addContainerDependencies({ container: envoy, condition: ecs.ContainerDependencyCondition.HEALTHY });

      const service = new ecs.FargateService(scope, `${vid}Service`, {
        cluster,
        taskDefinition,
        serviceName: family,
        desiredCount: 1,
        minHealthyPercent: 100,
        assignPublicIp: false,
        securityGroups: [securityGroup],
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        propagateTags: ecs.PropagatedTagSource.SERVICE,
      });
      service.associateCloudMapService({ service: cloudMapService });
    }

    const router = new appmesh.VirtualRouter(scope, `${id}Router`, {
      mesh,
      virtualRouterName: name,
      listeners: [appmesh.VirtualRouterListener.http(8080)],
    });
    router.addRoute('default', { // addRoute uses its id as the route name
      routeSpec: appmesh.RouteSpec.http({
        match: { path: appmesh.HttpRoutePathMatch.startsWith('/') },
        weightedTargets: [
          { virtualNode: nodes.v1, weight: 90 },
          { virtualNode: nodes.v2, weight: 10 },
        ],
        retryPolicy: {
          retryAttempts: 2,
          retryTimeout: Duration.seconds(2),
          httpRetryEvents: [appmesh.HttpRetryEvent.SERVER_ERROR, appmesh.HttpRetryEvent.GATEWAY_ERROR],
        },
        timeout: { perRequest: Duration.seconds(15) },
      }),
    });
    new appmesh.VirtualService(scope, `${id}VirtualService`, {
      virtualServiceName: `${name}.${NAMESPACE}`,
      virtualServiceProvider: appmesh.VirtualServiceProvider.virtualRouter(router),
    });
  }
}

for (let first = 0, k = 0; first < n; first += perStack, k++) {
  const last = Math.min(n, first + perStack);
  const nested = new cdk.NestedStack(stack, `Services${k}`, {
    description: `services ${svcName(first)}..${svcName(last - 1)}`,
  });
  buildServices(nested, first, last);
}

const tBuilt = performance.now();
app.synth();
if (process.env.BENCH_VERBOSE) {
  // performance.now() counts from process start, so the first figure includes Node's own startup.
  const tDone = performance.now();
  console.error(`cdk: N=${n}: startup+require ${tLoaded.toFixed(0)} ms, build ${(tBuilt - tLoaded).toFixed(0)} ms, `
    + `synth ${(tDone - tBuilt).toFixed(0)} ms -> ${outdir}`);
}
