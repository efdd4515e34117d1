// The PersistentVolume controller, reconcile by reconcile against the
// registry: binding by capacity, access modes, class, selector and
// pre-binding (spec.volumeName, claimRef), the phases and annotations
// Kubernetes writes, Retain → Released, a hand-made Delete volume → Failed,
// and a bound claim whose volume vanished → Lost. A ManualClock stamps the
// phase transitions.

import t from 'tap';
import type { CoreEvent, PersistentVolume, PersistentVolumeClaim } from '../../control/api/index.ts';
import {
  ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, EVENTS, ManualClock, PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, STORAGE_CLASSES,
} from '../../control/api/index.ts';
import type { EventRecorder } from '../../control/runtime/index.ts';
import {
  MSG_CLAIM_LOST, MSG_NO_VOLUME_NO_CLASS, createPersistentVolumeClaimBinder, createPersistentVolumeReconciler, noDeleterMessage,
} from '../../control/controllers/index.ts';
import { newCluster, waitFor } from './cluster.ts';
import { pvManifest, pvcManifest } from './storage-manifests.ts';

const T0 = Date.parse('2026-12-03T08:00:00Z');

function recorder(): EventRecorder & { events: { reason: string; message: string; type: string; name: string }[] } {
  const events: { reason: string; message: string; type: string; name: string }[] = [];
  return { events, record: (obj, type, reason, message) => events.push({ type, reason, message, name: obj.metadata.name }) };
}

async function setup() {
  const cluster = await newCluster();
  const clock = new ManualClock(T0);
  const events = recorder();
  const claims = createPersistentVolumeClaimBinder({ client: cluster.client, clock, recorder: events });
  const volumes = createPersistentVolumeReconciler({ client: cluster.client, clock, recorder: events });
  const pv = async (name: string) => (await cluster.client.get<PersistentVolume>(PERSISTENT_VOLUMES, undefined, name))!;
  const pvc = async (name: string) => (await cluster.client.get<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, 'default', name))!;
  return { ...cluster, clock, events, claims, volumes, pv, pvc };
}

t.test('a claim binds to the smallest available volume that satisfies it', async (t) => {
  const c = await setup();
  t.teardown(c.close);
  await c.client.create(PERSISTENT_VOLUMES, pvManifest('big', { storage: '10Gi' }));
  await c.client.create(PERSISTENT_VOLUMES, pvManifest('small', { storage: '2Gi' }));
  await c.client.create(PERSISTENT_VOLUMES, pvManifest('tiny', { storage: '500Mi' }));
  await c.client.create(PERSISTENT_VOLUMES, pvManifest('rox', { storage: '2Gi', modes: ['ReadOnlyMany'] }));
  await c.client.create(PERSISTENT_VOLUMES, pvManifest('fast', { storage: '2Gi', className: 'fast' }));
  t.equal((await c.pv('small')).status?.phase, 'Pending', 'a new volume starts Pending');
  for (const name of ['big', 'small', 'tiny', 'rox', 'fast']) await c.volumes.reconcile(name);
  t.equal((await c.pv('small')).status?.phase, 'Available');
  t.equal((await c.pv('small')).status?.lastPhaseTransitionTime, new Date(T0).toISOString());

  await c.client.create(PERSISTENT_VOLUME_CLAIMS, pvcManifest('data', { storage: '1Gi' }));
  t.equal((await c.pvc('data')).status?.phase, 'Pending');
  c.clock.advance(5000);
  await c.claims.reconcile('default/data');

  const claim = await c.pvc('data');
  const volume = await c.pv('small');
  t.equal(claim.spec?.volumeName, 'small', 'tiny is too small, rox lacks RWO, fast is another class, big is bigger');
  t.equal(claim.status?.phase, 'Bound');
  t.same(claim.status?.capacity, { storage: '2Gi' }, 'the claim reports the volume capacity');
  t.same(claim.status?.accessModes, ['ReadWriteOnce']);
  t.equal(claim.metadata.annotations?.[ANN_BIND_COMPLETED], 'yes');
  t.equal(claim.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER], 'yes');
  t.match(volume.spec?.claimRef, { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: claim.metadata.uid });
  t.equal(volume.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER], 'yes');
  t.equal(volume.status?.phase, 'Bound');
  t.equal(volume.status?.lastPhaseTransitionTime, new Date(T0 + 5000).toISOString());

  await c.volumes.reconcile('small');
  t.equal((await c.pv('small')).status?.phase, 'Bound', 'the volume sync agrees');
  await c.claims.reconcile('default/data');
  t.equal((await c.pvc('data')).spec?.volumeName, 'small', 'a second pass changes nothing');
});

t.test('selector, pre-bound volumeName and pre-bound claimRef', async (t) => {
  const c = await setup();
  t.teardown(c.close);
  await c.client.create(PERSISTENT_VOLUMES, pvManifest('plain', { storage: '1Gi' }));
  await c.client.create(PERSISTENT_VOLUMES, pvManifest('ssd', { storage: '5Gi', labels: { disk: 'ssd' } }));
  await c.client.create(PERSISTENT_VOLUMES, pvManifest('wanted', { storage: '8Gi' }));
  await c.client.create(PERSISTENT_VOLUMES, pvManifest('reserved', { storage: '1Gi', claimRef: { namespace: 'default', name: 'owner' } }));
  for (const name of ['plain', 'ssd', 'wanted', 'reserved']) await c.volumes.reconcile(name);
  t.equal((await c.pv('reserved')).status?.phase, 'Available', 'a volume pre-bound to a claim not seen yet is Available');

  await c.client.create(PERSISTENT_VOLUME_CLAIMS, pvcManifest('fast', { selector: { matchLabels: { disk: 'ssd' } } }));
  await c.claims.reconcile('default/fast');
  t.equal((await c.pvc('fast')).spec?.volumeName, 'ssd', 'the selector picks the labelled volume');

  await c.client.create(PERSISTENT_VOLUME_CLAIMS, pvcManifest('named', { volumeName: 'wanted' }));
  await c.claims.reconcile('default/named');
  t.equal((await c.pvc('named')).status?.phase, 'Bound', 'spec.volumeName binds that volume');
  t.equal((await c.pv('wanted')).spec?.claimRef?.name, 'named');
  t.notOk((await c.pvc('named')).metadata.annotations?.[ANN_BOUND_BY_CONTROLLER], 'the user chose it, not the controller');

  await c.client.create(PERSISTENT_VOLUME_CLAIMS, pvcManifest('other'));
  await c.claims.reconcile('default/other');
  t.equal((await c.pvc('other')).spec?.volumeName, 'plain', 'a volume reserved for another claim is skipped');

  await c.client.create(PERSISTENT_VOLUME_CLAIMS, pvcManifest('owner'));
  await c.claims.reconcile('default/owner');
  const owner = await c.pvc('owner');
  t.equal(owner.spec?.volumeName, 'reserved', 'the claim a volume names gets it');
  t.equal((await c.pv('reserved')).spec?.claimRef?.uid, owner.metadata.uid, 'and the claimRef gains the uid');

  await c.client.create(PERSISTENT_VOLUME_CLAIMS, pvcManifest('taken', { volumeName: 'wanted' }));
  await c.claims.reconcile('default/taken');
  t.equal((await c.pvc('taken')).status?.phase, 'Pending', 'a volume bound elsewhere is not taken');
  t.ok(c.events.events.some((e) => e.name === 'taken' && e.reason === 'FailedBinding' && e.message === 'volume "wanted" already bound to a different claim.'));
});

t.test('no matching volume and no class: Pending with FailedBinding', async (t) => {
  const c = await setup();
  t.teardown(c.close);
  await c.client.create(PERSISTENT_VOLUMES, pvManifest('small', { storage: '1Gi' }));
  await c.volumes.reconcile('small');
  await c.client.create(PERSISTENT_VOLUME_CLAIMS, pvcManifest('huge', { storage: '100Gi' }));
  await c.claims.reconcile('default/huge');
  t.equal((await c.pvc('huge')).status?.phase, 'Pending');
  t.notOk((await c.pvc('huge')).spec?.volumeName);
  t.same(c.events.events.at(-1), { type: 'Normal', reason: 'FailedBinding', message: MSG_NO_VOLUME_NO_CLASS, name: 'huge' });
  t.equal((await c.pv('small')).status?.phase, 'Available', 'the small volume stays free');
});

t.test('deleting the claim: Retain keeps the volume Released, a hand-made Delete volume fails', async (t) => {
  const c = await setup();
  t.teardown(c.close);
  await c.client.create(PERSISTENT_VOLUMES, pvManifest('kept', { policy: 'Retain' }));
  await c.client.create(PERSISTENT_VOLUME_CLAIMS, pvcManifest('a'));
  await c.claims.reconcile('default/a');
  t.equal((await c.pv('kept')).status?.phase, 'Bound');
  // Nothing uses the claim, so protection would let it go: remove the finalizer as the protection controller does.
  await c.client.delete(PERSISTENT_VOLUME_CLAIMS, 'default', 'a');
  const marked = await c.pvc('a');
  await c.client.update(PERSISTENT_VOLUME_CLAIMS, { ...marked, metadata: { ...marked.metadata, finalizers: [] } });
  t.notOk(await c.client.get(PERSISTENT_VOLUME_CLAIMS, 'default', 'a'));
  c.clock.advance(1000);
  await c.volumes.reconcile('kept');
  const released = await c.pv('kept');
  t.equal(released.status?.phase, 'Released');
  t.equal(released.status?.lastPhaseTransitionTime, new Date(T0 + 1000).toISOString());
  t.equal(released.spec?.claimRef?.name, 'a', 'the claimRef stays, so no other claim takes the data');

  await c.client.create(PERSISTENT_VOLUME_CLAIMS, pvcManifest('a'));
  await c.claims.reconcile('default/a');
  t.notOk((await c.pvc('a')).spec?.volumeName, 'a new claim of the same name does not get the Released volume');
  await c.volumes.reconcile('kept');
  t.equal((await c.pv('kept')).status?.phase, 'Released');

  await c.client.create(PERSISTENT_VOLUMES, pvManifest('gone', { policy: 'Delete' }));
  await c.client.create(PERSISTENT_VOLUME_CLAIMS, pvcManifest('b'));
  await c.claims.reconcile('default/b');
  t.equal((await c.pvc('b')).spec?.volumeName, 'gone');
  const b = await c.pvc('b');
  await c.client.delete(PERSISTENT_VOLUME_CLAIMS, 'default', 'b');
  await c.client.update(PERSISTENT_VOLUME_CLAIMS, { ...b, metadata: { ...(await c.pvc('b')).metadata, finalizers: [] } });
  await c.volumes.reconcile('gone');
  const failed = await c.pv('gone');
  t.equal(failed.status?.phase, 'Failed', 'no deleter for a hand-made hostPath volume');
  t.equal(failed.status?.message, noDeleterMessage('gone'));
  t.ok(c.events.events.some((e) => e.reason === 'VolumeFailedDelete' && e.name === 'gone'));
});

t.test('a bound claim whose volume is gone is Lost, with an event', async (t) => {
  const c = await setup();
  t.teardown(c.close);
  await c.client.create(PERSISTENT_VOLUMES, pvManifest('v'));
  await c.client.create(PERSISTENT_VOLUME_CLAIMS, pvcManifest('c'));
  await c.claims.reconcile('default/c');
  t.equal((await c.pvc('c')).status?.phase, 'Bound');
  const v = await c.pv('v');
  await c.client.update(PERSISTENT_VOLUMES, { ...v, metadata: { ...v.metadata, finalizers: [] } });
  await c.client.delete(PERSISTENT_VOLUMES, undefined, 'v');
  t.notOk(await c.client.get(PERSISTENT_VOLUMES, undefined, 'v'));
  await c.claims.reconcile('default/c');
  t.equal((await c.pvc('c')).status?.phase, 'Lost');
  t.same(c.events.events.at(-1), { type: 'Warning', reason: 'ClaimLost', message: MSG_CLAIM_LOST, name: 'c' });
});

t.test('events go to the claim through the default recorder', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  const claims = createPersistentVolumeClaimBinder({ client, clock: new ManualClock(T0) });
  await client.create(PERSISTENT_VOLUME_CLAIMS, pvcManifest('lonely'));
  await claims.reconcile('default/lonely');
  const event = await waitFor('FailedBinding event', async () => (await client.list<CoreEvent>(EVENTS, { namespace: 'default' })).items.find((e) => e.reason === 'FailedBinding'));
  t.match(event, { involvedObject: { kind: 'PersistentVolumeClaim', name: 'lonely' }, source: { component: 'persistentvolume-controller' } });
});

t.test('a claim made before any default class gets the default once one exists (retroactive assignment)', async (t) => {
  const c = await setup();
  t.teardown(c.close);
  const { storageClassName: _none, ...spec } = pvcManifest('early').spec;
  await c.client.create(PERSISTENT_VOLUME_CLAIMS, { ...pvcManifest('early'), spec });
  await c.client.create(PERSISTENT_VOLUME_CLAIMS, pvcManifest('classless'));
  await c.claims.reconcile('default/early');
  t.equal((await c.pvc('early')).spec?.storageClassName, undefined, 'no default class yet');
  await c.client.create(STORAGE_CLASSES, {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'late', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'example.com/disk',
  });
  await c.claims.reconcile('default/early');
  t.equal((await c.pvc('early')).spec?.storageClassName, 'late');
  await c.claims.reconcile('default/classless');
  t.equal((await c.pvc('classless')).spec?.storageClassName, '', 'a claim that asked for no class keeps ""');
});
