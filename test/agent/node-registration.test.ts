// Node registration against a real registry (MemoryStore): the status a node
// agent posts passes the Node schema, and re-registering a Node an older run
// stored upgrades its status while keeping what users set on it.

import t from 'tap';
import { MemoryStore } from '../../control/store/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { ManualClock, NODES } from '../../control/api/index.ts';
import type { Node, ObjectInput } from '../../control/api/index.ts';
import { registerNode } from '../../control/agent/node-registration.ts';
import { validateObject } from '../../control/registry/validation/index.ts';

async function setup() {
  const registry = createRegistry({ store: new MemoryStore() });
  await registry.ensureNamespaces();
  return registry;
}

const register = (registry: ReturnType<typeof createRegistry>, clock: ManualClock) =>
  registerNode({ client: registry, nodeName: 'node-1', nodeAddress: '127.244.1.1', podCidr: '127.244.1.0/24', clock });

t.test('a registered Node is valid as a whole, status included', async (t) => {
  const registry = await setup();
  const registration = await register(registry, new ManualClock(1_000));
  t.teardown(() => registration.stop());
  const node = (await registry.get<Node>(NODES, undefined, 'node-1'))!;
  t.same(validateObject(NODES, node as unknown as ObjectInput), [], 'no schema cause, nodeInfo included');
  for (const field of ['machineID', 'systemUUID', 'bootID', 'kernelVersion', 'osImage', 'kubeProxyVersion', 'kubeletVersion', 'containerRuntimeVersion']) {
    t.ok(node.status?.nodeInfo?.[field], `nodeInfo.${field}`);
  }
  t.match(node.status?.nodeInfo?.['containerRuntimeVersion'], /^meshlet-process:\/\/\d+\.\d+\.\d+/);
});

t.test('re-registering a Node from an older run upgrades its status and keeps taints and labels', async (t) => {
  const registry = await setup();
  const created = await registry.create<Node>(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', labels: { tier: 'gold' } }, spec: { podCIDR: '127.244.1.0/24', taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] } });
  await registry.updateStatus(NODES, { ...created, status: { nodeInfo: { kubeletVersion: 'v1.32.0-meshlet', architecture: 'x64' } } });

  const registration = await register(registry, new ManualClock(2_000));
  t.teardown(() => registration.stop());
  const node = (await registry.get<Node>(NODES, undefined, 'node-1'))!;
  t.match(node.status?.nodeInfo?.['machineID'], /^[0-9a-f]{32}$/);
  t.not(node.status?.nodeInfo?.['architecture'], 'x64', 'architecture is a GOARCH name, as kubelets report it');
  t.same(node.spec?.taints, [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }], 'taints survive');
  t.equal(node.metadata.labels?.['tier'], 'gold', 'user labels survive');
  t.equal(node.metadata.uid, created.metadata.uid, 'the same Node, not a new one');
  t.same(validateObject(NODES, node as unknown as ObjectInput), []);
});
