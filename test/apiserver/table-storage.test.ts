// kubectl's columns for pv, pvc and sc: names and order as its printers have
// them, access modes abbreviated in kubectl's order, the claim as ns/name,
// Terminating while deleted, an unbound claim's capacity blank, and the
// default class marked "(default)".

import t from 'tap';
import type { KubeObject } from '../../control/api/index.ts';
import { PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, STORAGE_CLASSES } from '../../control/api/index.ts';
import { columnsFor } from '../../control/apiserver/table-columns.ts';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, uid: 'u', resourceVersion: '1', creationTimestamp: '2026-12-03T11:59:00Z', ...extra });
const row = (type: Parameters<typeof columnsFor>[0], obj: KubeObject, wide = false) => columnsFor(type).filter((c) => wide || !c.priority).map((c) => c.value(obj, NOW));
const names = (type: Parameters<typeof columnsFor>[0]) => columnsFor(type).filter((c) => !c.priority).map((c) => c.name);

t.test('column names as kubectl prints them', async (t) => {
  t.same(names(PERSISTENT_VOLUMES), ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age']);
  t.same(names(PERSISTENT_VOLUME_CLAIMS), ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age']);
  t.same(names(STORAGE_CLASSES), ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']);
});

t.test('cells', async (t) => {
  const pv = {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: meta('pvc-1'),
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'standard', claimRef: { namespace: 'default', name: 'data' }, volumeMode: 'Filesystem' },
    status: { phase: 'Bound' },
  } as KubeObject;
  t.same(row(PERSISTENT_VOLUMES, pv, true), ['pvc-1', '1Gi', 'RWO,RWX', 'Delete', 'Bound', 'default/data', 'standard', '<unset>', '', '60s', 'Filesystem']);
  const terminating = { ...pv, metadata: meta('pvc-1', { deletionTimestamp: '2026-12-03T11:59:30Z' }) } as KubeObject;
  t.equal(row(PERSISTENT_VOLUMES, terminating)[4], 'Terminating');

  const pending = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta('data', { namespace: 'default' }), spec: { accessModes: ['ReadWriteOncePod'], storageClassName: 'standard' }, status: { phase: 'Pending' } } as KubeObject;
  t.same(row(PERSISTENT_VOLUME_CLAIMS, pending), ['data', 'Pending', '', '', '', 'standard', '<unset>', '60s'], 'an unbound claim shows no volume, capacity or modes');
  const bound = { ...pending, spec: { accessModes: ['ReadWriteOncePod'], storageClassName: 'standard', volumeName: 'pvc-1' }, status: { phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOncePod'] } } as KubeObject;
  t.same(row(PERSISTENT_VOLUME_CLAIMS, bound), ['data', 'Bound', 'pvc-1', '2Gi', 'RWOP', 'standard', '<unset>', '60s']);

  const sc = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: meta('standard', { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }), provisioner: 'rancher.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' } as KubeObject;
  t.same(row(STORAGE_CLASSES, sc), ['standard (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', 'false', '60s']);
  const plain = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: meta('fast'), provisioner: 'x.io/disk', allowVolumeExpansion: true } as KubeObject;
  t.same(row(STORAGE_CLASSES, plain), ['fast', 'x.io/disk', 'Delete', 'Immediate', 'true', '60s']);
});
