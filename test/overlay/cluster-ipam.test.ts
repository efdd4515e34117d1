// IP exhaustion in a running cluster: with /29 node subnets (5 pod IPs) a
// sixth pod on the node stays Pending with an event saying why.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { startCluster as bootCluster } from '../../control/cluster/cluster.ts';
import { EVENTS, PODS } from '../../control/api/index.ts';
import type { CoreEvent, Pod } from '../../control/api/index.ts';
import { startCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';

const YAML = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: idle, namespace: default }
spec:
  replicas: 7
  selector: { matchLabels: { app: idle } }
  template:
    metadata:
      labels: { app: idle }
      annotations: { sidecar.istio.io/inject: "false" }
    spec:
      containers:
        - name: app
          image: node
          command: ["node", "-e", "setInterval(() => {}, 1 << 30)"]
`;

t.test('a full node subnet leaves the extra pods Pending with an event', async (t) => {
  const cluster = await startCluster({ yaml: YAML, nodes: 1, nodeSubnetLength: 29 });
  t.teardown(() => cluster.stop());
  t.match(cluster.nodes[0]!.podCidr, /\/29$/);

  const pods = await waitFor('5 pods with IPs and 2 without', async () => {
    const list = (await cluster.client.list<Pod>(PODS, { namespace: 'default', labelSelector: 'app=idle' })).items;
    const withIp = list.filter((p) => p.status?.podIP);
    return list.length === 7 && withIp.length === 5 ? list : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  const ips = pods.map((p) => p.status?.podIP).filter(Boolean);
  t.equal(new Set(ips).size, 5, 'five distinct pod IPs');
  const pending = pods.filter((p) => !p.status?.podIP);
  t.ok(pending.every((p) => (p.status?.phase ?? 'Pending') === 'Pending'), 'the other two stay Pending');

  const event = await waitFor('an IP exhaustion event for a pending pod', async () => {
    const events = (await cluster.client.list<CoreEvent>(EVENTS, { namespace: 'default' })).items;
    return events.find((e) => e.involvedObject.name === pending[0]!.metadata.name && /no free pod IP/.test(e.message));
  }, { timeoutMs: 20_000, intervalMs: 100 });
  t.equal(event.type, 'Warning');
  t.match(event.message, /overlay\/ipam: no free pod IP in node subnet 127\.\d+\.\d+\.\d+\/29 .*\(all 5 addresses in use\)/);
});

t.test('a bad address plan fails at start with a clear message (table)', async (t) => {
  const cases: { name: string; options: { clusterCidr: string; serviceCidr: string }; message: RegExp }[] = [
    { name: 'cluster CIDR outside 127/8', options: { clusterCidr: '10.244.0.0/16', serviceCidr: '127.96.0.0/12' }, message: /cluster CIDR 10\.244\.0\.0\/16 is outside 127\.0\.0\.0\/8/ },
    { name: 'overlapping CIDRs', options: { clusterCidr: '127.96.0.0/16', serviceCidr: '127.96.0.0/12' }, message: /overlaps service CIDR/ },
  ];
  for (const c of cases) {
    // Straight to control/cluster with our own home, so the failed start leaves nothing behind.
    const home = await mkdtemp(path.join(os.tmpdir(), 'meshlet-overlay-plan-'));
    try {
      await t.rejects(bootCluster({ home, nodes: 1, log: () => undefined, ...c.options }), { code: 'MESHLET_OVERLAY_CONFIG', message: c.message }, c.name);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }
});
