#!/usr/bin/env node
// CDK for Terraform (cdktf + @cdktf/provider-aws) version of the meshsynth
// benchmark topology (see README.md): for N services `svc-NNNN`, two App Mesh
// virtual nodes, a virtual router with one weighted route, a virtual service,
// a Cloud Map service, and per version a Fargate task definition (app + Envoy)
// with a task role and its inline policy, and an ECS service. Plain
// JavaScript, no compile step. Terraform itself is not needed: app.synth()
// only writes the JSON configuration.
//
//   node cdktf-app.js N [OUTDIR]    (or N / CDKTF_OUTDIR from the environment)
//
// Resources are imported from their own modules
// (`@cdktf/provider-aws/lib/<resource>`), as the provider's docs recommend:
// requiring the package root loads all ~1,500 resource classes.
'use strict';

const { performance } = require('perf_hooks');
const path = require('path');
const { App, TerraformStack, TerraformVariable, Fn } = require('cdktf');
const { AwsProvider } = require('@cdktf/provider-aws/lib/provider');
const { AppmeshMesh } = require('@cdktf/provider-aws/lib/appmesh-mesh');
const { AppmeshVirtualNode } = require('@cdktf/provider-aws/lib/appmesh-virtual-node');
const { AppmeshVirtualRouter } = require('@cdktf/provider-aws/lib/appmesh-virtual-router');
const { AppmeshRoute } = require('@cdktf/provider-aws/lib/appmesh-route');
const { AppmeshVirtualService } = require('@cdktf/provider-aws/lib/appmesh-virtual-service');
const { CloudwatchLogGroup } = require('@cdktf/provider-aws/lib/cloudwatch-log-group');
const { DataAwsRegion } = require('@cdktf/provider-aws/lib/data-aws-region');
const { EcsCluster } = require('@cdktf/provider-aws/lib/ecs-cluster');
const { EcsService } = require('@cdktf/provider-aws/lib/ecs-service');
const { EcsTaskDefinition } = require('@cdktf/provider-aws/lib/ecs-task-definition');
const { IamRole } = require('@cdktf/provider-aws/lib/iam-role');
const { IamRolePolicy } = require('@cdktf/provider-aws/lib/iam-role-policy');
const { ServiceDiscoveryPrivateDnsNamespace } = require('@cdktf/provider-aws/lib/service-discovery-private-dns-namespace');
const { ServiceDiscoveryService } = require('@cdktf/provider-aws/lib/service-discovery-service');

const tLoaded = performance.now();

const n = parseInt(process.argv[2] || process.env.N || '10', 10);
if (!Number.isInteger(n) || n < 1) {
  console.error('usage: node cdktf-app.js N [OUTDIR]   (N >= 1 services)');
  process.exit(2);
}
const outdir = path.resolve(process.argv[3] || process.env.CDKTF_OUTDIR || path.join(__dirname, 'cdktf.out'));

const MESH = 'bench';
const NAMESPACE = 'bench.internal';
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const TAGS = { team: 'platform' };

const svcName = (i) => `svc-${String(i).padStart(4, '0')}`;
const ident = (s) => s.replace(/[^A-Za-z0-9]+/g, '_');
const assumeEcsTasks = Fn.jsonencode({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'ecs-tasks.amazonaws.com' } }],
});
const seconds = (value) => ({ unit: 's', value });

const app = new App({ outdir });
const stack = new TerraformStack(app, 'bench');
new AwsProvider(stack, 'aws', { region: REGION, defaultTags: [{ tags: TAGS }] });
const region = new DataAwsRegion(stack, 'current', {});

// Inputs, as in meshsynth's module.
const vpcId = new TerraformVariable(stack, 'vpc_id', { type: 'string', description: 'VPC of the Cloud Map namespace' });
const subnetIds = new TerraformVariable(stack, 'subnet_ids', { type: 'list(string)', description: 'Private subnets the ECS tasks run in' });
const securityGroupIds = new TerraformVariable(stack, 'security_group_ids', { type: 'list(string)', description: 'Security groups of the ECS tasks' });
const envoyImage = new TerraformVariable(stack, 'envoy_image', {
  type: 'string',
  default: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.34.13.3-prod',
  description: 'The App Mesh Envoy image',
});

// Shared: mesh, cluster, namespace, log group, execution role.
const mesh = new AppmeshMesh(stack, 'mesh', {
  name: MESH,
  spec: { egressFilter: { type: 'DROP_ALL' } },
});
const cluster = new EcsCluster(stack, 'cluster', {
  name: MESH,
  setting: [{ name: 'containerInsights', value: 'enabled' }],
});
const namespace = new ServiceDiscoveryPrivateDnsNamespace(stack, 'namespace', {
  name: NAMESPACE,
  vpc: vpcId.stringValue,
  description: `Service discovery for the ${MESH} mesh`,
});
const logGroup = new CloudwatchLogGroup(stack, 'log_group', {
  name: `/meshsynth/${MESH}`,
  retentionInDays: 30,
});
const executionRole = new IamRole(stack, 'execution', {
  name: `${MESH}-execution`,
  assumeRolePolicy: assumeEcsTasks,
  description: 'ECS task execution role: image pulls and awslogs',
});
const repoArns = [];
for (let i = 0; i < n; i++) repoArns.push(`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${svcName(i)}`);
const executionPolicy = new IamRolePolicy(stack, 'execution_policy', {
  name: `${MESH}-execution`,
  role: executionRole.name,
  policy: Fn.jsonencode({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [`${logGroup.arn}:*`] },
      { Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
      { Effect: 'Allow', Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], Resource: repoArns },
    ],
  }),
});

const awslogs = (streamPrefix) => ({
  logDriver: 'awslogs',
  options: { 'awslogs-group': logGroup.name, 'awslogs-region': region.region, 'awslogs-stream-prefix': streamPrefix },
});

for (let i = 0; i < n; i++) {
  const name = svcName(i);
  const id = ident(name);
  const cloudMapService = new ServiceDiscoveryService(stack, `${id}_cloud_map`, {
    name,
    description: `Tasks of ${name} in the ${MESH} mesh`,
    dnsConfig: {
      namespaceId: namespace.id,
      routingPolicy: 'MULTIVALUE',
      dnsRecords: [{ ttl: 60, type: 'A' }],
    },
    healthCheckCustomConfig: { failureThreshold: 1 },
  });

  const nodes = {};
  for (const version of ['v1', 'v2']) {
    const full = `${name}-${version}`;
    const vid = ident(full);
    const family = `${MESH}-${full}`;
    const node = new AppmeshVirtualNode(stack, `${vid}_node`, {
      name: full,
      meshName: mesh.name,
      spec: {
        listener: [{
          portMapping: { port: 8080, protocol: 'http' },
          healthCheck: {
            protocol: 'http',
            path: '/healthz',
            port: 8080,
            intervalMillis: 10000,
            timeoutMillis: 2000,
            healthyThreshold: 2,
            unhealthyThreshold: 2,
          },
          timeout: { http: { perRequest: seconds(15) } },
        }],
        serviceDiscovery: {
          awsCloudMap: {
            namespaceName: NAMESPACE,
            serviceName: cloudMapService.name,
            attributes: { ECS_TASK_DEFINITION_FAMILY: family },
          },
        },
        logging: { accessLog: { file: { path: '/dev/stdout' } } },
      },
    });
    nodes[version] = node;

    const taskRole = new IamRole(stack, `${vid}_task_role`, {
      name: family,
      assumeRolePolicy: assumeEcsTasks,
      description: `Task role of ${family}`,
    });
    const taskPolicy = new IamRolePolicy(stack, `${vid}_task_policy`, {
      name: family,
      role: taskRole.name,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['appmesh:StreamAggregatedResources'], Resource: [node.arn] }],
      }),
    });

    const taskDefinition = new EcsTaskDefinition(stack, `${vid}_task`, {
      family,
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      taskRoleArn: taskRole.arn,
      executionRoleArn: executionRole.arn,
      proxyConfiguration: {
        type: 'APPMESH',
        containerName: 'envoy',
        properties: {
          IgnoredUID: '1337',
          ProxyIngressPort: '15000',
          ProxyEgressPort: '15001',
          AppPorts: '8080',
          EgressIgnoredIPs: '169.254.170.2,169.254.169.254',
        },
      },
      containerDefinitions: Fn.jsonencode([
        {
          name: 'app',
          image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${name}:${version}`,
          essential: true,
          portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
          dependsOn: [{ containerName: 'envoy', condition: 'HEALTHY' }],
          logConfiguration: awslogs(full),
        },
        {
          name: 'envoy',
          image: envoyImage.stringValue,
          essential: true,
          user: '1337',
          cpu: 64,
          memoryReservation: 128,
          stopTimeout: 30,
          environment: [{ name: 'APPMESH_RESOURCE_ARN', value: node.arn }],
          healthCheck: {
            command: ['CMD-SHELL', 'curl -s http://localhost:9901/server_info | grep state | grep -q LIVE'],
            interval: 5,
            timeout: 2,
            retries: 3,
            startPeriod: 10,
          },
          ulimits: [{ name: 'nofile', softLimit: 15000, hardLimit: 15000 }],
          logConfiguration: awslogs(`${full}-envoy`),
        },
      ]),
    });

    new EcsService(stack, `${vid}_service`, {
      name: family,
      cluster: cluster.arn,
      taskDefinition: taskDefinition.arn,
      desiredCount: 1,
      launchType: 'FARGATE',
      propagateTags: 'SERVICE',
      networkConfiguration: {
        assignPublicIp: false,
        subnets: subnetIds.listValue,
        securityGroups: securityGroupIds.listValue,
      },
      serviceRegistries: { registryArn: cloudMapService.arn },
      dependsOn: [executionPolicy, taskPolicy],
    });
  }

  const router = new AppmeshVirtualRouter(stack, `${id}_router`, {
    name,
    meshName: mesh.name,
    spec: { listener: [{ portMapping: { port: 8080, protocol: 'http' } }] },
  });
  new AppmeshRoute(stack, `${id}_route_default`, {
    name: 'default',
    meshName: mesh.name,
    virtualRouterName: router.name,
    spec: {
      httpRoute: {
        match: { prefix: '/' },
        action: {
          weightedTarget: [
            { virtualNode: nodes.v1.name, weight: 90 },
            { virtualNode: nodes.v2.name, weight: 10 },
          ],
        },
        retryPolicy: {
          maxRetries: 2,
          perRetryTimeout: seconds(2),
          httpRetryEvents: ['server-error', 'gateway-error'],
        },
        timeout: { perRequest: seconds(15) },
      },
    },
  });
  new AppmeshVirtualService(stack, `${id}_virtual_service`, {
    name: `${name}.${NAMESPACE}`,
    meshName: mesh.name,
    spec: { provider: { virtualRouter: { virtualRouterName: router.name } } },
  });
}

const tBuilt = performance.now();
app.synth();
if (process.env.BENCH_VERBOSE) {
  // performance.now() counts from process start, so the first figure includes Node's own startup.
  const tDone = performance.now();
  console.error(`cdktf: N=${n}: startup+require ${tLoaded.toFixed(0)} ms, build ${(tBuilt - tLoaded).toFixed(0)} ms, `
    + `synth ${(tDone - tBuilt).toFixed(0)} ms -> ${outdir}`);
}
