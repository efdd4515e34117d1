// Updates of objects an earlier run stored: errors the stored object already
// had, on fields the update leaves alone, do not block the update; errors the
// update introduces still do.

import t from 'tap';
import { MemoryStore } from '../../../control/store/index.ts';
import { createRegistry } from '../../../control/registry/index.ts';
import { DEPLOYMENTS, NODES, SERVICES, objectKey } from '../../../control/api/index.ts';
import type { KubeObject, Node } from '../../../control/api/index.ts';
import { fieldPathSegments } from '../../../control/registry/validation/ratchet.ts';
import { expectApiError } from '../../helpers/expect-error.ts';

async function setup() {
  const store = new MemoryStore();
  const registry = createRegistry({ store });
  await registry.ensureNamespaces();
  return { store, registry };
}

/** A Node exactly as meshlet before nodeInfo was complete registered it: create, then a status update (status writes are not validated). */
async function nodeFromAnOlderRun(registry: ReturnType<typeof createRegistry>): Promise<Node> {
  const created = await registry.create<Node>(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { podCIDR: '127.244.1.0/24' } });
  return registry.updateStatus<Node>(NODES, {
    ...created,
    status: { nodeInfo: { kubeletVersion: 'v1.32.0-meshlet', operatingSystem: 'linux', architecture: 'x64', containerRuntimeVersion: 'meshlet://process' } },
  });
}

t.test('a Node stored with an incomplete nodeInfo can be labelled, tainted and cordoned', async (t) => {
  const { registry } = await setup();
  const old = await nodeFromAnOlderRun(registry);
  const labelled = await registry.update<Node>(NODES, { ...old, metadata: { ...old.metadata, labels: { tier: 'gold' } } });
  t.equal(labelled.metadata.labels?.['tier'], 'gold');
  const tainted = await registry.patch<Node>(NODES, undefined, 'node-1', 'merge', { spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] } });
  t.same(tainted.spec?.taints, [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }]);
  const cordoned = await registry.patch<Node>(NODES, undefined, 'node-1', 'strategic', { spec: { unschedulable: true } });
  t.equal(cordoned.spec?.unschedulable, true);
  t.equal(cordoned.status?.nodeInfo?.['architecture'], 'x64', 'the stored status is kept as it was');
});

t.test('an error the update introduces is still reported, and only that one', async (t) => {
  const { registry } = await setup();
  await nodeFromAnOlderRun(registry);
  const err = await expectApiError(registry.patch(NODES, undefined, 'node-1', 'merge', { spec: { taints: [{ key: 'k', effect: 'Sometimes' }] } }), 'Invalid');
  const fields = (err.details?.causes ?? []).map((c) => c.field);
  t.ok(fields.includes('spec.taints[0].effect'), `the new bad field is named: ${fields.join(', ')}`);
  t.notOk(fields.some((f) => f.startsWith('status.')), 'the inherited status errors are not');
});

t.test('a stored invalid field may stay, but not change to another invalid value', async (t) => {
  const { registry, store } = await setup();
  const svc = await registry.create<KubeObject>(SERVICES, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'legacy' }, spec: { ports: [{ port: 80 }] } });
  // As if a looser earlier rule had let port 70000 in.
  const key = objectKey(SERVICES, 'default', 'legacy');
  const kv = await store.get<Record<string, unknown>>(key);
  await store.update(key, { ...kv!.value, spec: { ...(svc.spec as object), ports: [{ port: 70000, protocol: 'TCP', targetPort: 70000 }] } });

  const current = (await registry.get<KubeObject>(SERVICES, 'default', 'legacy'))!;
  const relabelled = await registry.update<KubeObject>(SERVICES, { ...current, metadata: { ...current.metadata, labels: { app: 'legacy' } } });
  t.equal(relabelled.metadata.labels?.['app'], 'legacy', 'an update that leaves the bad port alone is accepted');

  const spec = relabelled.spec as { ports: { port: number }[] };
  const err = await expectApiError(registry.update(SERVICES, { ...relabelled, spec: { ...spec, ports: [{ ...spec.ports[0], port: 70001 }] } }), 'Invalid');
  t.match(err.message, /spec\.ports\[0\]\.port/);
});

t.test('a cross-field rule the stored object passed is checked in full', async (t) => {
  const { registry } = await setup();
  const deployment = await registry.create<KubeObject>(DEPLOYMENTS, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  });
  const spec = deployment.spec as Record<string, unknown>;
  // The template labels do not change, yet the new selector no longer matches them.
  const err = await expectApiError(registry.update(DEPLOYMENTS, { ...deployment, spec: { ...spec, selector: { matchLabels: { app: 'other' } } } }), 'Invalid');
  t.match(err.message, /spec\.template\.metadata\.labels/);
});

t.test('field paths split into member names', async (t) => {
  const cases: [string, string[]][] = [
    ['spec.ports[0].port', ['spec', 'ports', '0', 'port']],
    ['metadata.annotations[example.com/x]', ['metadata', 'annotations', 'example.com/x']],
    ['status.nodeInfo.machineID', ['status', 'nodeInfo', 'machineID']],
  ];
  for (const [path, segments] of cases) t.same(fieldPathSegments(path), segments, path);
});
