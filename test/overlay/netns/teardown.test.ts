// teardown(clusterId) finds a cluster's namespaces by their ml-<clusterId>-
// prefix, so it cleans up after a builder that was SIGKILLed mid-life —
// including processes it left running inside pod namespaces — and touches no
// other cluster's namespaces.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { clusterNetnsNames, createRouter, teardown } from '../../../overlay/netns/index.ts';
import { alive, processTree } from '../../helpers/processes.ts';
import { waitFor } from '../../helpers/wait.ts';
import { hostNetwork, nonTestNetns, rootOnly, uniqueClusterId } from './helpers.ts';

const helpersUrl = new URL('./helpers.ts', import.meta.url).href;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

// Builds the two-rack cluster, leaves a server running in a pod, reports, then waits to be killed.
const BUILDER = `
const { buildTwoRackCluster, startPodServer } = await import(${JSON.stringify(helpersUrl)});
const cluster = await buildTwoRackCluster(process.argv[1]);
const server = await startPodServer(cluster.pod1.netns, 'orphan');
console.log(JSON.stringify({ ready: true, serverPid: server.pid }));
setInterval(() => undefined, 1000);
`;

t.test('teardown removes everything a SIGKILLed builder left, and only that cluster', { skip: rootOnly }, async (t) => {
  const clusterId = uniqueClusterId();
  const bystander = uniqueClusterId();
  t.teardown(async () => {
    await teardown(clusterId);
    await teardown(bystander);
  });
  const before = await hostNetwork();
  await createRouter(bystander, [{ name: 'r1', cidr: '192.168.1.0/24' }]);

  const builder = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', BUILDER, clusterId], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  builder.stdout.on('data', (d: Buffer) => (out += d.toString()));
  builder.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const report = await waitFor('the builder to build its cluster', () => {
    if (builder.exitCode !== null) throw new Error(`builder exited ${builder.exitCode}: ${out}`);
    const line = out.split('\n').find((l) => l.startsWith('{"ready"'));
    return line === undefined ? undefined : (JSON.parse(line) as { serverPid: number });
  }, { timeoutMs: 60_000 });

  builder.kill('SIGKILL');
  await waitFor('the builder to die', () => builder.exitCode !== null || builder.signalCode !== null);
  t.equal((await clusterNetnsNames(clusterId)).length, 5, 'the SIGKILL left all five namespaces behind');
  t.same(alive([report.serverPid]), [report.serverPid], 'and the server it started inside a pod is still running');

  const result = await teardown(clusterId);
  t.equal(result.namespaces.length, 5, 'teardown found the five namespaces by prefix');
  t.ok(result.killedPids.includes(report.serverPid), 'and killed the orphaned server inside the pod namespace');
  await waitFor('the orphaned server to be gone', () => alive([report.serverPid]).length === 0, { timeoutMs: 20_000 });
  t.same(await clusterNetnsNames(clusterId), [], 'no namespace of the cluster is left');
  t.same(await clusterNetnsNames(bystander), [`ml-${bystander}-router`], 'another cluster\'s namespace is untouched');

  t.same(await teardown(clusterId), { namespaces: [], killedPids: [] }, 'a second teardown finds nothing to do');
  await teardown(bystander);
  const after = await hostNetwork();
  t.same(after.links, before.links, 'host links as before');
  t.same(after.addresses, before.addresses, 'host addresses as before');
  t.same(after.routes, before.routes, 'host routes as before');
  t.same(after.netns.filter((n) => n.startsWith(`ml-${clusterId}-`) || n.startsWith(`ml-${bystander}-`)), [], 'no namespace of either cluster is left');
  t.same(nonTestNetns(before.netns).filter((n) => !after.netns.includes(n)), [], 'and no other namespace that was there before is gone');
});

t.test('teardown also cleans up a builder SIGKILLed half-way through building', { skip: rootOnly }, async (t) => {
  const clusterId = uniqueClusterId();
  t.teardown(() => teardown(clusterId).then(() => undefined));
  const before = await hostNetwork();
  const builder = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', BUILDER, clusterId], { cwd: repoRoot, stdio: 'ignore', detached: true });
  const group = builder.pid!;
  // Kill as soon as the router and a node exist: whatever state it was in, teardown must cope.
  const seen = await waitFor('the builder to create its first namespaces', async () => {
    const names = await clusterNetnsNames(clusterId);
    return names.length >= 2 ? names : undefined;
  }, { timeoutMs: 60_000, intervalMs: 5 });
  builder.kill('SIGKILL');
  await waitFor('the builder to die', () => builder.exitCode !== null || builder.signalCode !== null);
  // Only the builder was killed; an `ip` it had in flight finishes on its own. Let it, so the check below is exact.
  await waitFor('the builder\'s in-flight commands to finish', () => processTree(group, [group]).length === 0, { timeoutMs: 30_000 });
  t.ok(seen.length >= 2, `killed with ${seen.length} namespaces made`);
  const result = await teardown(clusterId);
  t.ok(result.namespaces.length >= 2, `teardown removed ${result.namespaces.length}`);
  t.same(await clusterNetnsNames(clusterId), [], 'nothing of the cluster is left');
  const after = await hostNetwork();
  t.same(after.links, before.links, 'host links as before');
  t.same(after.routes, before.routes, 'host routes as before');
  t.same(after.addresses, before.addresses, 'host addresses as before');
});
