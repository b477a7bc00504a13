#!/usr/bin/env node
// Reads what run.sh measured (WORK/results.tsv) and wrote (WORK/<N>/<tool>/),
// counts the resources in each tool's output, checks that the CDK and cdktf
// outputs hold the benchmark topology, and prints the Markdown tables.
//
//   node report.js WORK
//
// Exit status: 0 when every check passed and meshsynth `--target all`
// succeeded at every N; 1 when a check failed; 3 when only meshsynth
// `--target all` failed (the table then shows the fallback, marked).
'use strict';

const fs = require('fs');
const path = require('path');

const work = process.argv[2];
if (!work) {
  console.error('usage: node report.js WORK');
  process.exit(2);
}

// ---- timings ---------------------------------------------------------------

// results.tsv: tool  N  run  ms  rc  cpu_ms
const rows = fs.readFileSync(path.join(work, 'results.tsv'), 'utf8')
  .split('\n').filter((l) => l.trim() && !l.startsWith('#'))
  .map((l) => {
    const [tool, n, run, ms, rc, cpu] = l.split('\t');
    return { tool, n: Number(n), run: Number(run), ms: Number(ms), rc: Number(rc), cpu: Number(cpu) };
  });
const ns = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);

function stats(tool, n, field = 'ms') {
  const rs = rows.filter((r) => r.tool === tool && r.n === n);
  if (rs.length === 0) return null;
  const ok = rs.filter((r) => r.rc === 0).map((r) => r[field]).sort((a, b) => a - b);
  if (ok.length !== rs.length) return { failed: true, rc: rs.find((r) => r.rc !== 0).rc, runs: rs.length };
  const mid = ok.length >> 1;
  const median = ok.length % 2 ? ok[mid] : (ok[mid - 1] + ok[mid]) / 2;
  return { failed: false, median, best: ok[0], runs: ok.length };
}

// ---- resource counting -----------------------------------------------------

function walk(dir, pred, acc = []) {
  if (!fs.existsSync(dir)) return acc;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, pred, acc);
    else if (pred(p)) acc.push(p);
  }
  return acc;
}
const readJson = (p) => JSON.parse(fs.readFileSync(p, 'utf8'));

// CloudFormation: every JSON file with a Resources object (nested templates too).
function countCfn(dir) {
  const byType = {};
  let files = 0;
  for (const f of walk(dir, (p) => p.endsWith('.json'))) {
    let t;
    try { t = readJson(f); } catch { continue; }
    if (!t || typeof t.Resources !== 'object' || Array.isArray(t.Resources)) continue;
    files++;
    for (const r of Object.values(t.Resources)) byType[r.Type] = (byType[r.Type] || 0) + 1;
  }
  return files ? { files, byType } : null;
}

// Terraform JSON: the `resource` blocks of every *.tf.json.
function countTf(dir) {
  const byType = {};
  let files = 0;
  for (const f of walk(dir, (p) => p.endsWith('.tf.json'))) {
    const t = readJson(f);
    files++;
    for (const [type, blocks] of Object.entries(t.resource || {})) {
      byType[type] = (byType[type] || 0) + Object.keys(blocks).length;
    }
  }
  return files ? { files, byType } : null;
}

const total = (c) => (c ? Object.values(c.byType).reduce((a, b) => a + b, 0) : 0);

// One row per kind of resource, with its CloudFormation and Terraform types.
const KINDS = [
  ['App Mesh mesh', ['AWS::AppMesh::Mesh'], ['aws_appmesh_mesh']],
  ['App Mesh virtual node', ['AWS::AppMesh::VirtualNode'], ['aws_appmesh_virtual_node']],
  ['App Mesh virtual router', ['AWS::AppMesh::VirtualRouter'], ['aws_appmesh_virtual_router']],
  ['App Mesh route', ['AWS::AppMesh::Route'], ['aws_appmesh_route']],
  ['App Mesh virtual service', ['AWS::AppMesh::VirtualService'], ['aws_appmesh_virtual_service']],
  ['Cloud Map namespace', ['AWS::ServiceDiscovery::PrivateDnsNamespace'], ['aws_service_discovery_private_dns_namespace']],
  ['Cloud Map service', ['AWS::ServiceDiscovery::Service'], ['aws_service_discovery_service']],
  ['ECS cluster', ['AWS::ECS::Cluster'], ['aws_ecs_cluster']],
  ['ECS task definition', ['AWS::ECS::TaskDefinition'], ['aws_ecs_task_definition']],
  ['ECS service', ['AWS::ECS::Service'], ['aws_ecs_service']],
  ['IAM role', ['AWS::IAM::Role'], ['aws_iam_role']],
  ['IAM policy', ['AWS::IAM::Policy', 'AWS::IAM::RolePolicy', 'AWS::IAM::ManagedPolicy'],
    ['aws_iam_policy', 'aws_iam_role_policy', 'aws_iam_role_policy_attachment']],
  ['CloudWatch log group', ['AWS::Logs::LogGroup'], ['aws_cloudwatch_log_group']],
  ['nested stack', ['AWS::CloudFormation::Stack'], []],
];
function kindCount(c, types) {
  if (!c) return 0;
  return types.reduce((a, t) => a + (c.byType[t] || 0), 0);
}
function otherTypes(c) {
  if (!c) return {};
  const known = new Set(KINDS.flatMap(([, cfn, tf]) => [...cfn, ...tf]));
  return Object.fromEntries(Object.entries(c.byType).filter(([t]) => !known.has(t)));
}

// What the CDK and cdktf apps must produce for N services.
function expected(n, nestedStacks) {
  return {
    'App Mesh mesh': 1,
    'App Mesh virtual node': 2 * n,
    'App Mesh virtual router': n,
    'App Mesh route': n,
    'App Mesh virtual service': n,
    'Cloud Map namespace': 1,
    'Cloud Map service': n,
    'ECS cluster': 1,
    'ECS task definition': 2 * n,
    'ECS service': 2 * n,
    'IAM role': 2 * n + 1, // a task role per version + the shared execution role
    'CloudWatch log group': 1,
    'nested stack': nestedStacks,
  };
}

const failures = [];
function check(label, n, c, exp, { atLeast = false } = {}) {
  if (!c) {
    failures.push(`${label} N=${n}: no output found`);
    return;
  }
  for (const [kind, want] of Object.entries(exp)) {
    const [, cfn, tf] = KINDS.find(([k]) => k === kind);
    const got = kindCount(c, [...cfn, ...tf]);
    if (atLeast ? got < want : got !== want) {
      failures.push(`${label} N=${n}: ${kind}: ${got}, expected ${atLeast ? 'at least ' : ''}${want}`);
    }
  }
}

const perStack = Number(process.env.CDK_SERVICES_PER_STACK || 25);
const counts = {};
for (const n of ns) {
  const d = (t) => path.join(work, String(n), t);
  const c = {
    msCfn: countCfn(path.join(d('meshsynth'))),
    msTf: countTf(d('meshsynth')),
    cdk: countCfn(d('cdk')),
    cdktf: countTf(d('cdktf')),
  };
  counts[n] = c;
  check('CDK', n, c.cdk, expected(n, Math.ceil(n / perStack)));
  const tfExp = expected(n, 0);
  check('cdktf', n, c.cdktf, tfExp);
  // meshsynth's spec also has Airflow, dashboards and alarms: its output holds
  // at least the benchmark topology.
  const msExp = { ...tfExp };
  delete msExp['nested stack'];
  if (c.msCfn) check('meshsynth CloudFormation', n, c.msCfn, msExp, { atLeast: true });
  if (c.msTf) check('meshsynth Terraform', n, c.msTf, msExp, { atLeast: true });
  if (!c.msCfn && !c.msTf) failures.push(`meshsynth N=${n}: no output found`);
  // CloudFormation's own per-template limit, which CDK enforces at synth anyway.
  if (c.cdk) {
    for (const f of walk(d('cdk'), (p) => p.endsWith('.template.json'))) {
      const k = Object.keys(readJson(f).Resources).length;
      if (k > 500) failures.push(`CDK N=${n}: ${path.basename(f)} has ${k} resources (> 500)`);
    }
  }
}

// ---- tables ----------------------------------------------------------------

const fmtMs = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const notes = [];
let msAllFailed = false;

function cell(tool, n) {
  const s = stats(tool, n);
  if (!s) return { text: 'n/a', median: null };
  if (s.failed) return { text: `FAILED (exit ${s.rc})`, median: null };
  return { text: fmtMs(s.median), median: s.median, best: s.best };
}

console.log('| N | meshsynth ms (median / best) | CDK ms | CDK ms, validation off | cdktf ms | CDK / meshsynth | cdktf / meshsynth | resources: meshsynth (CFN / TF) | CDK (templates) | cdktf |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const n of ns) {
  const all = stats('meshsynth', n);
  let ms;
  let mark = '';
  if (all && !all.failed) {
    ms = all;
  } else {
    msAllFailed = true;
    const tf = stats('meshsynth-terraform', n);
    if (tf && !tf.failed) {
      ms = tf;
      mark = ' †';
    } else {
      ms = null;
    }
  }
  const msText = ms ? `${fmtMs(ms.median)} / ${fmtMs(ms.best)}${mark}` : `FAILED (exit ${all ? all.rc : '?'})`;
  const cdk = cell('cdk', n);
  const cdkNv = cell('cdk-novalidate', n);
  const tf = cell('cdktf', n);
  const ratio = (x) => {
    if (x.median == null || !ms) return 'n/a';
    const r = x.median / ms.median;
    return `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}×`;
  };
  const c = counts[n];
  const msRes = `${c.msCfn ? total(c.msCfn) : '—'} / ${c.msTf ? total(c.msTf) : '—'}${mark}`;
  const cdkRes = c.cdk ? `${total(c.cdk)} (${c.cdk.files})` : '—';
  console.log(`| ${n} | ${msText} | ${cdk.text} | ${cdkNv.text} | ${tf.text} | ${ratio(cdk)} | ${ratio(tf)} | ${msRes} | ${cdkRes} | ${c.cdktf ? total(c.cdktf) : '—'} |`);
}
if (msAllFailed) {
  const errs = [];
  for (const n of ns) {
    const st = stats('meshsynth', n);
    if (!st || !st.failed) continue;
    let log = '';
    try { log = fs.readFileSync(path.join(work, String(n), 'meshsynth.log'), 'utf8'); } catch { /* none */ }
    const lines = log.split('\n').filter((l) => /^error/.test(l));
    errs.push(`N=${n}: exit ${st.rc}${lines.length ? `: ${lines.join('; ')}` : ''}`);
  }
  notes.push(`meshsynth \`synth --target all\` FAILED — ${errs.join(' — ')}`);
  notes.push('† `meshsynth synth --target all` failed at this N (the error is quoted above); the figures are for '
    + '`--target terraform`, and the CloudFormation count is missing. The ratios use the `--target terraform` median.');
}
console.log('');
console.log('Whole-process wall time, median of the runs (meshsynth: median / best). meshsynth runs `synth SPEC --target all`, '
  + 'which also renders Airflow, dashboards and alarms; CDK and cdktf build only the mesh topology (see the counts below). '
  + '"validation off" is the same CDK app with `CDK_VALIDATION=false`, which skips the CloudFormation Validate pass '
  + 'aws-cdk-lib runs on every synth by default. CDK splits the services into nested stacks of '
  + `${perStack} (CloudFormation allows 500 resources per template); "(templates)" counts the parent and nested templates.`);
for (const note of notes) console.log(`\n${note}`);

console.log('');
console.log('CPU time (user + system of the process and its threads and children), median ms:');
console.log('');
console.log('| N | meshsynth | CDK | CDK, validation off | cdktf | CDK / meshsynth | cdktf / meshsynth |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const n of ns) {
  const all = stats('meshsynth', n, 'cpu');
  let ms = all && !all.failed ? all : null;
  let mark = '';
  if (!ms) {
    const tf = stats('meshsynth-terraform', n, 'cpu');
    if (tf && !tf.failed) { ms = tf; mark = ' †'; }
  }
  const c = (tool) => {
    const st = stats(tool, n, 'cpu');
    return st && !st.failed ? st.median : null;
  };
  const r = (x) => {
    if (x == null || !ms || ms.median <= 0) return 'n/a';
    const q = x / ms.median;
    return `${q >= 10 ? q.toFixed(0) : q.toFixed(1)}×`;
  };
  const t = (x) => (x == null ? 'n/a' : String(Math.round(x)));
  const cdk = c('cdk'); const nv = c('cdk-novalidate'); const tf = c('cdktf');
  console.log(`| ${n} | ${ms ? Math.round(ms.median) : 'FAILED'}${mark} | ${t(cdk)} | ${t(nv)} | ${t(tf)} | ${r(cdk)} | ${r(tf)} |`);
}
console.log('');
console.log('Wall time is what a user waits for; CPU time can exceed it (Node.js runs garbage collection and, in CDK, '
  + 'validation work on other threads) and is less disturbed when other processes share the machine.');

const nMax = ns[ns.length - 1];
const c = counts[nMax];
console.log('');
console.log(`Resources by kind at N=${nMax}:`);
console.log('');
console.log('| kind | meshsynth CFN | meshsynth TF | CDK | cdktf |');
console.log('|---|---:|---:|---:|---:|');
const v = (x, types) => (x ? String(kindCount(x, types)) : '—');
for (const [kind, cfn, tfTypes] of KINDS) {
  console.log(`| ${kind} | ${v(c.msCfn, cfn)} | ${v(c.msTf, tfTypes)} | ${v(c.cdk, cfn)} | ${v(c.cdktf, tfTypes)} |`);
}
const others = (x) => {
  const o = otherTypes(x);
  const k = Object.values(o).reduce((a, b) => a + b, 0);
  return x ? String(k) : '—';
};
console.log(`| other (Airflow-only, dashboards, alarms, ...) | ${others(c.msCfn)} | ${others(c.msTf)} | ${others(c.cdk)} | ${others(c.cdktf)} |`);
console.log(`| **total** | ${c.msCfn ? total(c.msCfn) : '—'} | ${c.msTf ? total(c.msTf) : '—'} | ${total(c.cdk)} | ${total(c.cdktf)} |`);
const otherList = { ...otherTypes(c.msCfn), ...otherTypes(c.msTf), ...otherTypes(c.cdk), ...otherTypes(c.cdktf) };
if (Object.keys(otherList).length) {
  console.log('');
  console.log(`"other": ${Object.entries(otherList).map(([t, k]) => `${t} ${k}`).join(', ')}.`);
}

console.log('');
if (failures.length) {
  console.log(`Checks: ${failures.length} FAILED`);
  for (const f of failures) console.log(`  - ${f}`);
  process.exit(1);
}
console.log(`Checks: ok — at every N the CDK and cdktf outputs hold exactly the topology (2N virtual nodes, N routers, N routes, `
  + 'N virtual services, N Cloud Map services, 2N task definitions and ECS services, 2N+1 roles, one mesh, cluster, namespace and log group), '
  + 'every CDK template has at most 500 resources, and meshsynth\'s output holds at least the same.');
process.exit(msAllFailed ? 3 : 0);
