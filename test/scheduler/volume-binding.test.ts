// VolumeBinding and VolumeRestrictions: one scheduling cycle over a snapshot
// (claims and volumes given as listers), with kube-scheduler's reasons; then
// the scheduler loop against the registry: a WaitForFirstConsumer claim gets
// the chosen node as volume.kubernetes.io/selected-node, a pod whose claim is
// missing stays Pending with `persistentvolumeclaim "x" not found` until the
// claim appears.

import t from 'tap';
import type { PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../../control/api/index.ts';
import { ANN_SELECTED_NODE, PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES, PODS, STORAGE_CLASSES } from '../../control/api/index.ts';
import type { Plugin } from '../../control/scheduler/index.ts';
import { DEFAULT_PLUGINS, defaultProfile, schedulePod, startScheduler } from '../../control/scheduler/index.ts';
import type { VolumeListers } from '../../control/scheduler/plugins/volume-binding.ts';
import {
  ERR_BIND_CONFLICT, ERR_NODE_CONFLICT, ERR_UNBOUND_IMMEDIATE, createVolumeBinding,
} from '../../control/scheduler/plugins/volume-binding.ts';
import { ERR_RWOP_CONFLICT, createVolumeRestrictions } from '../../control/scheduler/plugins/volume-restrictions.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { MemoryStore } from '../../control/store/index.ts';
import { createNode, newCluster, nodeManifest, waitFor } from '../controllers/cluster.ts';
import { info, node, pod } from './nodes.ts';

const meta = (name: string, namespace?: string) => ({ name, uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: '2026-12-03T08:00:00Z', ...(namespace ? { namespace } : {}) });

function claim(name: string, spec: PersistentVolumeClaim['spec'] = {}): PersistentVolumeClaim {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta(name, 'default'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec } };
}

function volume(name: string, spec: PersistentVolume['spec'] = {}): PersistentVolume {
  return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: meta(name), spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/x' }, ...spec }, status: { phase: 'Available' } };
}

const onNode = (n: string): PersistentVolume['spec'] => ({
  nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } },
});

function storageClass(name: string, provisioner: string, mode: 'Immediate' | 'WaitForFirstConsumer'): StorageClass {
  return { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: meta(name), provisioner, volumeBindingMode: mode };
}

function listers(claims: PersistentVolumeClaim[], volumes: PersistentVolume[], classes: StorageClass[]): VolumeListers {
  return {
    claim: (ns, name) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === name),
    volume: (name) => volumes.find((v) => v.metadata.name === name),
    volumes: () => volumes,
    storageClass: (name) => classes.find((c) => c.metadata.name === name),
  };
}

/** The cycle never writes; pre-bind (which does) is exercised by the loop test below. */
const idleClient = createRegistry({ store: new MemoryStore() });

/** The two plugins over fixed listers, by the names the default profile lists them under. */
function storagePlugins(l: VolumeListers): ReadonlyMap<string, Plugin> {
  return new Map<string, Plugin>([
    ['VolumeRestrictions', createVolumeRestrictions(l)],
    ['VolumeBinding', createVolumeBinding({ listers: l, client: idleClient })],
  ]);
}

const withClaims = (name: string, ...claims: string[]) =>
  pod(name, { volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })) });

const CLASSES = [storageClass('local', 'rancher.io/local-path', 'WaitForFirstConsumer'), storageClass('manual', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'), storageClass('now', 'example.com/disk', 'Immediate')];
const nodes = () => [info(node('node-1')), info(node('node-2'))];

t.test('default plugins: VolumeRestrictions then VolumeBinding right after NodeResourcesFit, as kube-scheduler orders them', async (t) => {
  const names = DEFAULT_PLUGINS.map((p) => p.name);
  const fit = names.indexOf('NodeResourcesFit');
  t.same(names.slice(fit, fit + 3), ['NodeResourcesFit', 'VolumeRestrictions', 'VolumeBinding']);
  const profile = defaultProfile(undefined, storagePlugins(listers([], [], CLASSES)));
  t.same(profile.filters.map((f) => f.name).slice(profile.filters.findIndex((f) => f.name === 'NodeResourcesFit')), ['NodeResourcesFit', 'VolumeRestrictions', 'VolumeBinding', 'PodTopologySpread', 'InterPodAffinity']);
  t.ok(profile.preFilters.some((p) => p.name === 'VolumeBinding'), 'VolumeBinding is a PreFilter');
  t.notOk(defaultProfile().filters.some((f) => f.name.startsWith('Volume')), 'without listers (no handle) the what-if profile leaves them out');
});

t.test('pre-filter: missing, deleted and unbound Immediate claims fit nowhere, worded as kube-scheduler', async (t) => {
  const deleting = claim('old');
  deleting.metadata.deletionTimestamp = '2026-12-03T08:00:00Z';
  const profile = defaultProfile(undefined, storagePlugins(listers([deleting, claim('eager', { storageClassName: 'now' })], [], CLASSES)));
  const cases: [string, Pod, string][] = [
    ['missing', withClaims('p1', 'data'), '0/2 nodes are available: persistentvolumeclaim "data" not found.'],
    ['deleting', withClaims('p2', 'old'), '0/2 nodes are available: persistentvolumeclaim "old" is being deleted.'],
    ['immediate', withClaims('p3', 'eager'), `0/2 nodes are available: ${ERR_UNBOUND_IMMEDIATE}.`],
  ];
  for (const [what, p, message] of cases) {
    const result = schedulePod(profile, p, nodes());
    t.match(result, { ok: false, message }, what);
  }
  t.match(schedulePod(profile, pod('plain'), nodes()), { ok: true }, 'pods without claims are untouched');
});
t.teardown(() => idleClient.store.close());

t.test('filter: a bound volume pins the pod to its node; WaitForFirstConsumer needs a volume or a provisioner', async (t) => {
  const claims = [
    claim('bound', { volumeName: 'pv-on-2' }),
    claim('dynamic', { storageClassName: 'local' }),
    claim('static', { storageClassName: 'manual' }),
    claim('nothing', { storageClassName: 'manual', resources: { requests: { storage: '50Gi' } } }),
  ];
  const volumes = [volume('pv-on-2', { ...onNode('node-2'), claimRef: { name: 'bound', namespace: 'default', uid: 'uid-bound' } }), volume('static-on-1', { ...onNode('node-1'), storageClassName: 'manual' })];
  const profile = defaultProfile(undefined, storagePlugins(listers(claims, volumes, CLASSES)));
  t.match(schedulePod(profile, withClaims('a', 'bound'), nodes()), { ok: true, node: 'node-2' });
  t.match(schedulePod(profile, withClaims('a2', 'bound'), [info(node('node-1'))]), { ok: false, message: `0/1 nodes are available: 1 ${ERR_NODE_CONFLICT}.` });
  t.match(schedulePod(profile, withClaims('b', 'dynamic'), nodes()), { ok: true, feasibleNodes: 2 }, 'a provisioner can serve any node');
  t.match(schedulePod(profile, withClaims('c', 'static'), nodes()), { ok: true, node: 'node-1' }, 'only the node the free volume sits on');
  t.match(schedulePod(profile, withClaims('d', 'nothing'), nodes()), { ok: false, message: `0/2 nodes are available: 2 ${ERR_BIND_CONFLICT}.` });
  t.match(schedulePod(profile, withClaims('e', 'bound', 'static'), nodes()), { ok: false, message: `0/2 nodes are available: 1 ${ERR_BIND_CONFLICT}, 1 ${ERR_NODE_CONFLICT}.` }, 'both claims must fit one node');
});

t.test('VolumeRestrictions: a ReadWriteOncePod claim serves one pod', async (t) => {
  const claims = [claim('solo', { accessModes: ['ReadWriteOncePod'], volumeName: 'pv' }), claim('shared', { volumeName: 'pv2' })];
  const volumes = [volume('pv', { accessModes: ['ReadWriteOncePod'] }), volume('pv2')];
  const profile = defaultProfile(undefined, storagePlugins(listers(claims, volumes, CLASSES)));
  const first = withClaims('first', 'solo');
  t.match(schedulePod(profile, first, nodes()), { ok: true }, 'the first pod fits');
  const taken = [info(node('node-1'), [first]), info(node('node-2'))];
  t.match(schedulePod(profile, withClaims('second', 'solo'), taken), { ok: false, message: `0/2 nodes are available: 2 ${ERR_RWOP_CONFLICT}.` });
  const done = { ...first, status: { phase: 'Succeeded' as const } };
  t.match(schedulePod(profile, withClaims('third', 'solo'), [info(node('node-1'), [done]), info(node('node-2'))]), { ok: true }, 'a finished pod no longer holds it');
  t.match(schedulePod(profile, withClaims('rwo', 'shared'), [info(node('node-1'), [withClaims('holder', 'shared')]), info(node('node-2'))]), { ok: true, feasibleNodes: 2 }, 'ReadWriteOnce is a node matter, not the scheduler’s');
});

t.test('KubeSchedulerConfiguration: the storage plugins are in-tree plugins a profile can disable', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  const scheduler = await startScheduler({ client, config: { profiles: [{ schedulerName: 'default-scheduler' }, { schedulerName: 'no-volumes', plugins: { multiPoint: { disabled: [{ name: 'VolumeBinding' }] } } }], userPlugins: new Map() } });
  t.teardown(() => scheduler.stop());
  await createNode(client, nodeManifest('node-1'));
  await client.create(PODS, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unchecked', namespace: 'default' },
    spec: { schedulerName: 'no-volumes', containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'nowhere' } }] },
  });
  await waitFor('the profile without VolumeBinding binds a pod whose claim is missing', async () => (await client.get<Pod>(PODS, 'default', 'unchecked'))?.spec?.nodeName, 30_000);
  await client.create(PODS, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'checked', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'nowhere' } }] },
  });
  const cond = await waitFor('the default profile refuses it', async () =>
    (await client.get<Pod>(PODS, 'default', 'checked'))?.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'), 30_000);
  t.equal(cond.message, '0/1 nodes are available: persistentvolumeclaim "nowhere" not found.');
});

t.test('the scheduler loop: selected-node on a WaitForFirstConsumer claim; a missing claim keeps the pod Pending until it exists', async (t) => {
  const { client, close } = await newCluster();
  await createNode(client, nodeManifest('node-1'));
  await createNode(client, nodeManifest('node-2'));
  await client.create(STORAGE_CLASSES, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' });
  const scheduler = await startScheduler({ client });
  t.teardown(async () => {
    await scheduler.stop();
    await close();
  });
  const claimManifest = (name: string) => ({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local' },
  });
  const podManifest = (name: string, claimName: string) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
  });

  await client.create(PERSISTENT_VOLUME_CLAIMS, claimManifest('data'));
  await client.create(PODS, podManifest('web', 'data'));
  const bound = await waitFor('pod bound', async () => {
    const p = await client.get<Pod>(PODS, 'default', 'web');
    return p?.spec?.nodeName ? p : undefined;
  }, 30_000);
  const selected = (await client.get<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, 'default', 'data'))!.metadata.annotations?.[ANN_SELECTED_NODE];
  t.equal(selected, bound.spec!.nodeName, 'the claim names the node the pod went to');

  await client.create(PODS, podManifest('orphan', 'later'));
  const cond = await waitFor('PodScheduled=False', async () =>
    (await client.get<Pod>(PODS, 'default', 'orphan'))?.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'), 30_000);
  t.match(cond, { reason: 'Unschedulable', message: '0/2 nodes are available: persistentvolumeclaim "later" not found.' });
  await client.create(PERSISTENT_VOLUME_CLAIMS, claimManifest('later'));
  await waitFor('orphan scheduled once its claim exists', async () => (await client.get<Pod>(PODS, 'default', 'orphan'))?.spec?.nodeName, 30_000);

  // A claim of a class that does not exist yet waits like an unbound Immediate one; the class appearing sends the pod round again.
  await client.create(PERSISTENT_VOLUME_CLAIMS, { ...claimManifest('classless'), spec: { ...claimManifest('classless').spec, storageClassName: 'late' } });
  await client.create(PODS, podManifest('early', 'classless'));
  const waiting = await waitFor('early waits for its class', async () =>
    (await client.get<Pod>(PODS, 'default', 'early'))?.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'), 30_000);
  t.equal(waiting.message, `0/2 nodes are available: ${ERR_UNBOUND_IMMEDIATE}.`);
  await client.create(STORAGE_CLASSES, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'late' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' });
  await waitFor('early scheduled once the class exists', async () => (await client.get<Pod>(PODS, 'default', 'early'))?.spec?.nodeName, 30_000);

  // A static volume for a WaitForFirstConsumer claim is pre-bound to it on the chosen node.
  await client.create(STORAGE_CLASSES, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'manual' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' });
  await client.create(PERSISTENT_VOLUMES, {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'disk-2' },
    spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: '/tmp/disk-2' }, ...onNode('node-2') },
  });
  await client.create(PERSISTENT_VOLUME_CLAIMS, { ...claimManifest('manual-claim'), spec: { ...claimManifest('manual-claim').spec, storageClassName: 'manual' } });
  await client.create(PODS, podManifest('static', 'manual-claim'));
  const placed = await waitFor('static pod bound', async () => (await client.get<Pod>(PODS, 'default', 'static'))?.spec?.nodeName, 30_000);
  t.equal(placed, 'node-2', 'the pod goes where the volume is');
  const pv = (await client.get<PersistentVolume>(PERSISTENT_VOLUMES, undefined, 'disk-2'))!;
  t.match(pv.spec?.claimRef, { name: 'manual-claim', namespace: 'default' }, 'PreBind reserved the volume for the claim');
});
