// Attach/detach and in-use protection: a ReadWriteOnce volume is attached to
// one node (a VolumeAttachment with status.attached); a pod using it from
// another node gets the Multi-Attach FailedAttachVolume event and the node
// agent's gate keeps it waiting until the first node's pod is gone; a
// ReadWriteMany volume attaches everywhere. A claim a running pod uses
// stays (Terminating) until the pod is gone.

import t from 'tap';
import type { PersistentVolume, PersistentVolumeClaim, Pod, VolumeAttachment } from '../../control/api/index.ts';
import { PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, PODS, VOLUME_ATTACHMENTS } from '../../control/api/index.ts';
import type { EventRecorder } from '../../control/runtime/index.ts';
import {
  MESHLET_ATTACHER, createAttachDetachReconciler, createPersistentVolumeClaimBinder, createPvcProtectionReconciler, multiAttachMessage, volumeAttachmentName,
} from '../../control/controllers/index.ts';
import { volumesNotReady, waitingForVolumesStatus } from '../../control/agent/volume-attach-gate.ts';
import { newCluster, setPodPhase } from './cluster.ts';
import { pvManifest, pvcManifest } from './storage-manifests.ts';

function recorder(): EventRecorder & { events: { reason: string; message: string; name: string; type: string }[] } {
  const events: { reason: string; message: string; name: string; type: string }[] = [];
  return { events, record: (obj, type, reason, message) => events.push({ type, reason, message, name: obj.metadata.name }) };
}

const podOn = (name: string, nodeName: string, claimName: string, namespace = 'default') => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace },
  spec: { nodeName, containers: [{ name: 'app', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
});

async function setup(modes: string[]) {
  const cluster = await newCluster();
  const { client } = cluster;
  const events = recorder();
  await client.create(PERSISTENT_VOLUMES, pvManifest('disk', { modes }));
  await client.create(PERSISTENT_VOLUME_CLAIMS, pvcManifest('data', { modes }));
  await createPersistentVolumeClaimBinder({ client, recorder: events }).reconcile('default/data');
  const attach = createAttachDetachReconciler({ client, recorder: events });
  const attachments = async () =>
    (await client.list<VolumeAttachment>(VOLUME_ATTACHMENTS)).items.filter((va) => va.status?.attached).map((va) => va.spec?.nodeName).sort();
  return { ...cluster, events, attach, attachments };
}

t.test('ReadWriteOnce: one node; a pod elsewhere gets Multi-Attach and waits until the first pod is gone', async (t) => {
  const c = await setup(['ReadWriteOnce']);
  t.teardown(c.close);
  t.equal((await c.client.get<PersistentVolume>(PERSISTENT_VOLUMES, undefined, 'disk'))!.status?.phase, 'Bound');
  await c.client.create(PODS, podOn('first', 'node-1', 'data'));
  await c.attach.reconcile('disk');
  t.same(await c.attachments(), ['node-1']);
  const va = (await c.client.get<VolumeAttachment>(VOLUME_ATTACHMENTS, undefined, volumeAttachmentName('disk', 'node-1')))!;
  t.match(va.spec, { attacher: MESHLET_ATTACHER, nodeName: 'node-1', source: { persistentVolumeName: 'disk' } });
  t.match(va.metadata.name, /^csi-[0-9a-f]{64}$/, "named as Kubernetes names CSI attachments");
  const first = (await c.client.get<Pod>(PODS, 'default', 'first'))!;
  t.same(await volumesNotReady(c.client, first, 'node-1'), [], 'the first pod may start');

  await c.client.create(PODS, podOn('second', 'node-2', 'data'));
  await c.client.create(PODS, podOn('same-node', 'node-1', 'data'));
  await c.attach.reconcile('disk');
  t.same(await c.attachments(), ['node-1'], 'still only node-1');
  const warning = c.events.events.find((e) => e.name === 'second');
  t.same(warning, {
    type: 'Warning', reason: 'FailedAttachVolume', name: 'second',
    message: 'Multi-Attach error for volume "disk" Volume is already used by pod(s) first, same-node',
  });
  t.notOk(c.events.events.some((e) => e.name === 'same-node'), 'a second pod on the same node is fine');
  const second = (await c.client.get<Pod>(PODS, 'default', 'second'))!;
  t.same(await volumesNotReady(c.client, second, 'node-2'), ['data'], 'the agent on node-2 holds the pod back');
  const waiting = waitingForVolumesStatus(second, '127.244.2.1', '2026-12-03T08:00:00Z');
  t.match(waiting, { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, state: { waiting: { reason: 'ContainerCreating' } } }] });

  // The node-1 pods finish: the volume detaches there and attaches to node-2.
  await setPodPhase(c.client, first, 'Succeeded');
  await c.client.delete(PODS, 'default', 'same-node', { gracePeriodSeconds: 0 });
  await c.attach.reconcile('disk');
  t.same(await c.attachments(), ['node-2']);
  t.same(await volumesNotReady(c.client, second, 'node-2'), [], 'now it may start');
});

t.test('ReadWriteMany attaches to every node that uses it', async (t) => {
  const c = await setup(['ReadWriteMany']);
  t.teardown(c.close);
  await c.client.create(PODS, podOn('a', 'node-1', 'data'));
  await c.client.create(PODS, podOn('b', 'node-2', 'data'));
  await c.attach.reconcile('disk');
  t.same(await c.attachments(), ['node-1', 'node-2']);
  t.equal(c.events.events.filter((e) => e.reason === 'FailedAttachVolume').length, 0);
  await c.client.delete(PODS, 'default', 'a', { gracePeriodSeconds: 0 });
  await c.client.delete(PODS, 'default', 'b', { gracePeriodSeconds: 0 });
  await c.attach.reconcile('disk');
  t.same(await c.attachments(), [], 'detached when no pod uses it');
});

t.test('the Multi-Attach message counts pods of other namespaces as kube-controller-manager does', async (t) => {
  const p = (name: string, namespace: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, uid: name, resourceVersion: '1', creationTimestamp: '' } }) as Pod;
  t.equal(multiAttachMessage('pvc-1', p('w', 'a'), [p('x', 'a'), p('y', 'b')]), 'Multi-Attach error for volume "pvc-1" Volume is already used by pod(s) x and 1 pod(s) in different namespaces');
  t.equal(multiAttachMessage('pvc-1', p('w', 'a'), [p('y', 'b')]), 'Multi-Attach error for volume "pvc-1" Volume is already used by 1 pod(s) in different namespaces');
  t.equal(multiAttachMessage('pvc-1', p('w', 'a'), []), 'Multi-Attach error for volume "pvc-1" Volume is already exclusively attached to one node and can\'t be attached to another');
});

t.test('a claim in use by a running pod stays until the pod is gone', async (t) => {
  const c = await setup(['ReadWriteOnce']);
  t.teardown(c.close);
  const protection = createPvcProtectionReconciler({ client: c.client });
  await c.client.create(PODS, podOn('user', 'node-1', 'data'));
  await c.client.delete(PERSISTENT_VOLUME_CLAIMS, 'default', 'data');
  await protection.reconcile('default/data');
  const held = await c.client.get<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, 'default', 'data');
  t.ok(held?.metadata.deletionTimestamp, 'marked for deletion');
  t.ok(held, 'but kept while the pod runs');
  const user = (await c.client.get<Pod>(PODS, 'default', 'user'))!;
  t.same(await volumesNotReady(c.client, user, 'node-1'), ['data'], 'a pod (re)starting on a claim being deleted waits');
  await c.client.delete(PODS, 'default', 'user', { gracePeriodSeconds: 0 });
  await protection.reconcile('default/data');
  t.notOk(await c.client.get(PERSISTENT_VOLUME_CLAIMS, 'default', 'data'), 'gone once unused');
});
