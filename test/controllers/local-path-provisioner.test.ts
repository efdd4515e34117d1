// Dynamic provisioning with the built-in local-path provisioner, reconcile by
// reconcile: the DefaultStorageClass admission names `standard`, the claim
// waits for its first consumer, the scheduler's selected-node sends it to the
// provisioner, which makes a directory and a pre-bound PV with hostPath and
// nodeAffinity that the PV controller binds. Deleting the claim (once
// protection lets it go) releases the volume: Delete removes the directory
// and the PV, Retain keeps both. Then the same through startControllers.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import type { PersistentVolume, PersistentVolumeClaim } from '../../control/api/index.ts';
import {
  ANN_PROVISIONED_BY, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, ManualClock, PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, PVC_PROTECTION_FINALIZER,
  PV_PROTECTION_FINALIZER, STORAGE_CLASSES,
} from '../../control/api/index.ts';
import type { EventRecorder } from '../../control/runtime/index.ts';
import {
  MSG_NO_NODE, MSG_WAIT_FOR_FIRST_CONSUMER, createLocalPathProvisioner, createPersistentVolumeClaimBinder, createPersistentVolumeReconciler,
  createPvProtectionReconciler, createPvcProtectionReconciler, ensureDefaultStorageClass, externalProvisioningMessage, isInside, startControllers,
} from '../../control/controllers/index.ts';
import { newCluster, waitFor } from './cluster.ts';

function recorder(): EventRecorder & { events: { reason: string; message: string; name: string }[] } {
  const events: { reason: string; message: string; name: string }[] = [];
  return { events, record: (obj, _type, reason, message) => events.push({ reason, message, name: obj.metadata.name }) };
}

const claim = (name: string, storageClassName?: string) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '128Mi' } }, ...(storageClassName !== undefined ? { storageClassName } : {}) },
});

async function setup(t: Test) {
  const cluster = await newCluster();
  const root = mkdtempSync(join(tmpdir(), 'meshlet-local-path-'));
  t.teardown(async () => {
    await cluster.close();
    rmSync(root, { recursive: true, force: true });
  });
  const clock = new ManualClock(Date.parse('2026-12-03T08:00:00Z'));
  const events = recorder();
  const { client } = cluster;
  await ensureDefaultStorageClass(client);
  const r = {
    binder: createPersistentVolumeClaimBinder({ client, clock, recorder: events }),
    volumes: createPersistentVolumeReconciler({ client, clock, recorder: events }),
    provisioner: createLocalPathProvisioner({ client, clock, recorder: events, root }),
    pvcProtection: createPvcProtectionReconciler({ client }),
    pvProtection: createPvProtectionReconciler({ client }),
  };
  const pvc = async (name: string) => client.get<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, 'default', name);
  const pv = async (name: string) => client.get<PersistentVolume>(PERSISTENT_VOLUMES, undefined, name);
  /** Plays the scheduler's VolumeBinding PreBind. */
  const selectNode = async (name: string, node: string) =>
    client.patch(PERSISTENT_VOLUME_CLAIMS, 'default', name, 'merge', { metadata: { annotations: { [ANN_SELECTED_NODE]: node } } });
  /** Provisions and binds a claim on node-1; returns the bound volume. */
  const provision = async (name: string) => {
    await r.binder.reconcile(`default/${name}`);
    await selectNode(name, 'node-1');
    await r.binder.reconcile(`default/${name}`);
    await r.provisioner.claims.reconcile(`default/${name}`);
    await r.binder.reconcile(`default/${name}`);
    return (await pv((await pvc(name))!.spec!.volumeName!))!;
  };
  const deleteClaim = async (name: string, volume: string) => {
    await client.delete(PERSISTENT_VOLUME_CLAIMS, 'default', name);
    await r.pvcProtection.reconcile(`default/${name}`);
    await r.volumes.reconcile(volume);
    await r.provisioner.volumes.reconcile(volume);
    await r.pvProtection.reconcile(volume);
  };
  return { client, root, clock, events, r, pvc, pv, selectNode, provision, deleteClaim };
}

t.test('a claim without a class gets the default class, waits for its consumer, then is provisioned on the selected node', async (t) => {
  const c = await setup(t);
  const created = await c.client.create<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, claim('data'));
  t.equal(created.spec?.storageClassName, 'standard', 'DefaultStorageClass admission filled the class');
  t.same(created.metadata.finalizers, [PVC_PROTECTION_FINALIZER], 'protected from deletion while in use');
  const empty = await c.client.create<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, claim('static-only', ''));
  t.equal(empty.spec?.storageClassName, '', 'an explicit "" stays: the claim wants no class');

  await c.r.binder.reconcile('default/data');
  t.equal((await c.pvc('data'))!.status?.phase, 'Pending');
  t.same(c.events.events.at(-1), { reason: 'WaitForFirstConsumer', message: MSG_WAIT_FOR_FIRST_CONSUMER, name: 'data' });
  await c.r.provisioner.claims.reconcile('default/data');
  t.equal((await c.client.list(PERSISTENT_VOLUMES)).items.length, 0, 'nothing is provisioned before a node is chosen');

  await c.selectNode('data', 'node-1');
  await c.r.binder.reconcile('default/data');
  const handed = (await c.pvc('data'))!;
  t.equal(handed.metadata.annotations?.[ANN_STORAGE_PROVISIONER], 'rancher.io/local-path', 'handed to the class provisioner');
  t.same(c.events.events.at(-1), { reason: 'ExternalProvisioning', message: externalProvisioningMessage('rancher.io/local-path'), name: 'data' });

  await c.r.provisioner.claims.reconcile('default/data');
  const name = `pvc-${handed.metadata.uid}`;
  const volume = (await c.pv(name))!;
  const dir = join(c.root, 'node-1', `${name}_default_data`);
  t.ok(existsSync(dir), 'the directory exists on disk');
  t.match(volume, {
    metadata: { annotations: { [ANN_PROVISIONED_BY]: 'rancher.io/local-path' }, finalizers: [PV_PROTECTION_FINALIZER] },
    spec: {
      capacity: { storage: '128Mi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: 'standard',
      hostPath: { path: dir },
      claimRef: { name: 'data', namespace: 'default', uid: handed.metadata.uid },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] }] }] } },
    },
  });
  t.ok(c.events.events.some((e) => e.reason === 'ProvisioningSucceeded' && e.message === `Successfully provisioned volume ${name}`));

  await c.r.binder.reconcile('default/data');
  const bound = (await c.pvc('data'))!;
  t.equal(bound.spec?.volumeName, name);
  t.equal(bound.status?.phase, 'Bound');
  t.equal((await c.pv(name))!.status?.phase, 'Bound');
  await c.r.provisioner.claims.reconcile('default/data');
  t.equal((await c.client.list(PERSISTENT_VOLUMES)).items.length, 1, 'provisioning twice makes one volume');
});

t.test('reclaimPolicy Delete removes the directory and the PV; Retain keeps both Released', async (t) => {
  const c = await setup(t);
  await c.client.create(PERSISTENT_VOLUME_CLAIMS, claim('scratch'));
  const scratch = await c.provision('scratch');
  const dir = scratch.spec!.hostPath!.path;
  writeFileSync(join(dir, 'file.txt'), 'bytes');
  await c.deleteClaim('scratch', scratch.metadata.name);
  t.notOk(await c.pvc('scratch'), 'the unused claim is gone');
  t.notOk(existsSync(dir), 'the directory is removed');
  t.notOk(await c.pv(scratch.metadata.name), 'and the volume');

  await c.client.create(STORAGE_CLASSES, {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'keep' }, provisioner: 'rancher.io/local-path', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer',
  });
  await c.client.create(PERSISTENT_VOLUME_CLAIMS, claim('precious', 'keep'));
  const precious = await c.provision('precious');
  t.equal(precious.spec?.persistentVolumeReclaimPolicy, 'Retain', 'the class policy is the volume policy');
  writeFileSync(join(precious.spec!.hostPath!.path, 'file.txt'), 'keep me');
  await c.deleteClaim('precious', precious.metadata.name);
  t.notOk(await c.pvc('precious'));
  const kept = (await c.pv(precious.metadata.name))!;
  t.equal(kept.status?.phase, 'Released');
  t.ok(existsSync(join(precious.spec!.hostPath!.path, 'file.txt')), 'the data stays');
});

t.test('without a selected node the provisioner refuses, as rancher.io/local-path does', async (t) => {
  const c = await setup(t);
  await c.client.create(STORAGE_CLASSES, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'now' }, provisioner: 'rancher.io/local-path' });
  await c.client.create(PERSISTENT_VOLUME_CLAIMS, claim('eager', 'now'));
  await c.r.binder.reconcile('default/eager');
  t.equal((await c.pvc('eager'))!.metadata.annotations?.[ANN_STORAGE_PROVISIONER], 'rancher.io/local-path', 'an Immediate class hands over at once');
  await c.r.provisioner.claims.reconcile('default/eager');
  t.equal((await c.client.list(PERSISTENT_VOLUMES)).items.length, 0);
  t.ok(c.events.events.some((e) => e.reason === 'ProvisioningFailed' && e.message.endsWith(MSG_NO_NODE)));
});

t.test('the deleter removes nothing outside its root', async (t) => {
  t.ok(isInside('/data/lp', '/data/lp/node-1/pvc-1_default_x'));
  t.notOk(isInside('/data/lp', '/data/lp'));
  t.notOk(isInside('/data/lp', '/data/lp/../etc'));
  t.notOk(isInside('/data/lp', '/etc/passwd'));
  t.notOk(isInside('/data/lp', '/data/lp-other/x'));
});

t.test('through startControllers: selected node → Bound; claim deleted → directory and volume gone', async (t) => {
  const c = await setup(t);
  const controllers = await startControllers({ client: c.client, localPathRoot: c.root });
  t.teardown(() => controllers.stop());
  await c.client.create(PERSISTENT_VOLUME_CLAIMS, claim('web'));
  await c.selectNode('web', 'node-2');
  const bound = await waitFor('claim Bound', async () => {
    const p = await c.pvc('web');
    return p?.status?.phase === 'Bound' ? p : undefined;
  }, 30_000);
  const volume = (await c.pv(bound.spec!.volumeName!))!;
  t.ok(existsSync(volume.spec!.hostPath!.path), 'directory made under the node');
  t.ok(volume.spec!.hostPath!.path.startsWith(join(c.root, 'node-2')));
  await c.client.delete(PERSISTENT_VOLUME_CLAIMS, 'default', 'web');
  await waitFor('volume deleted', async () => !(await c.pv(volume.metadata.name)), 30_000);
  t.notOk(existsSync(volume.spec!.hostPath!.path), 'directory removed');
});
