// Usage of nodes in other processes: the control plane scrapes each joined
// node's /stats/usage on its kubelet endpoint (a real node log server here)
// and serves the reports with its own nodes' samples.

import t from 'tap';
import type { Node } from '../../control/api/index.ts';
import { ManualClock } from '../../control/api/index.ts';
import { startNodeLogServer } from '../../control/agent/index.ts';
import type { NodeUsageReport } from '../../control/agent/index.ts';
import { RemoteUsage } from '../../control/cluster/remote-usage.ts';
import { createResourceMetricsSource } from '../../control/cluster/metrics-source.ts';

const report: NodeUsageReport = {
  node: { nodeName: 'joined-1', timestampMs: 1000, windowMs: 15_000, cpuCores: 0.5, memoryBytes: 2 ** 20 },
  pods: [{ namespace: 'default', name: 'web-a', nodeName: 'joined-1', timestampMs: 1000, windowMs: 15_000, containers: [{ name: 'app', cpuCores: 0.5, memoryBytes: 2 ** 20 }] }],
};

function node(name: string, port: number | undefined): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: name, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' },
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], ...(port ? { daemonEndpoints: { kubeletEndpoint: { Port: port } } } : {}) },
  } as Node;
}

t.test('joined nodes are scraped; local and unreachable ones are not reported', async (t) => {
  const server = await startNodeLogServer({ host: '127.0.0.1', port: 0, logs: { stream: async function* () {} }, usage: () => report });
  t.teardown(() => server.close());
  const closed = await startNodeLogServer({ host: '127.0.0.1', port: 0, logs: { stream: async function* () {} } });
  const deadPort = closed.port;
  await closed.close();
  const nodes = [node('joined-1', server.port), node('local-1', server.port), node('gone-1', deadPort), node('no-endpoint', undefined)];
  const clock = new ManualClock(0);
  const remote = new RemoteUsage({ nodes: () => nodes, isLocalNode: (n) => n === 'local-1', clock, resolutionMs: 5_000 });
  await remote.poll();
  t.same(remote.current(), [report], 'only the reachable joined node');
  const source = createResourceMetricsSource(() => [], () => remote.current());
  t.same(source.podUsage().map((p) => `${p.nodeName}/${p.name}`), ['joined-1/web-a']);
  t.same(source.nodeUsage().map((n) => n.nodeName), ['joined-1']);
  nodes.splice(0, 1);
  await remote.poll();
  t.same(remote.current(), [], 'a node that left is forgotten');
  remote.start();
  t.equal(clock.pendingTimers(), 1, 'polls again after the resolution');
  remote.stop();
});
