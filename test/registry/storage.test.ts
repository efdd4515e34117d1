// Storage kinds at the API edge: defaults (PV Retain/Filesystem/Pending, class
// Delete/Immediate), semantic validation with Kubernetes' field paths and
// messages, schema validation of storage.k8s.io, the DefaultStorageClass
// admission (newest default wins, "" and the beta annotation are left alone)
// and the protection finalizers.

import t from 'tap';
import type { Test } from 'tap';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../control/api/index.ts';
import {
  PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, PVC_PROTECTION_FINALIZER, PV_PROTECTION_FINALIZER, STORAGE_CLASSES, ManualClock,
} from '../../control/api/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { MemoryStore } from '../../control/store/index.ts';
import { expectApiError } from '../helpers/expect-error.ts';

async function registry(t: Test, clock = new ManualClock(Date.parse('2026-12-03T08:00:00Z'))) {
  const store = new MemoryStore();
  const r = createRegistry({ store, clock });
  await r.ensureNamespaces(['default']);
  t.teardown(() => store.close());
  return { r, clock };
}

const pv = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'v' }, spec });
const pvc = (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) }, spec,
});
const sc = (name: string, isDefault: boolean) => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', provisioner: 'rancher.io/local-path',
  metadata: { name, ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
});
const request = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } };

t.test('defaults and protection finalizers', async (t) => {
  const { r } = await registry(t);
  const volume = await r.create<PersistentVolume>(PERSISTENT_VOLUMES, pv({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/x' } }));
  t.match(volume, { spec: { persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
  t.same(volume.metadata.finalizers, [PV_PROTECTION_FINALIZER]);
  const claim = await r.create<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, pvc('c', request));
  t.match(claim, { spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
  t.same(claim.metadata.finalizers, [PVC_PROTECTION_FINALIZER]);
  const cls = await r.create<StorageClass>(STORAGE_CLASSES, sc('plain', false));
  t.match(cls, { reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
});

t.test('bad claims and volumes get 422 with field paths', async (t) => {
  const { r } = await registry(t);
  const cases: [string, Promise<unknown>, { field: string; message: string }[]][] = [
    ['claim without access modes', r.create(PERSISTENT_VOLUME_CLAIMS, pvc('a', { resources: { requests: { storage: '1Gi' } } })), [{ field: 'spec.accessModes', message: 'Required value: at least 1 access mode is required' }]],
    ['claim without storage', r.create(PERSISTENT_VOLUME_CLAIMS, pvc('b', { accessModes: ['ReadWriteOnce'] })), [{ field: 'spec.resources.requests[storage]', message: 'Required value' }]],
    ['RWOP with another mode', r.create(PERSISTENT_VOLUME_CLAIMS, pvc('c', { ...request, accessModes: ['ReadWriteOncePod', 'ReadWriteOnce'] })), [{ field: 'spec.accessModes', message: 'Forbidden: may not use ReadWriteOncePod with other access modes' }]],
    ['volume without a source', r.create(PERSISTENT_VOLUMES, pv({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] })), [{ field: 'spec', message: 'Required value: must specify a volume type' }]],
    ['volume of no size', r.create(PERSISTENT_VOLUMES, pv({ capacity: { storage: '0' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/x' } })), [{ field: 'spec.capacity[storage]', message: 'Invalid value: "0": must be greater than zero' }]],
  ];
  for (const [what, attempt, causes] of cases) {
    const err = await expectApiError(attempt, 'Invalid');
    t.match(err.details?.causes, causes, what);
  }
  const schema = await expectApiError(r.create(STORAGE_CLASSES, { ...sc('bad', false), reclaimPolicy: 7 }), 'Invalid');
  t.match(schema.details?.causes, [{ field: 'reclaimPolicy' }], 'storage.k8s.io is checked against its schema');
});

t.test('DefaultStorageClass: the newest default class fills an absent storageClassName', async (t) => {
  const { r, clock } = await registry(t);
  const none = await r.create<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, pvc('before', request));
  t.equal(none.spec?.storageClassName, undefined, 'no default class: left unset');
  await r.create(STORAGE_CLASSES, sc('old-default', true));
  clock.advance(1000);
  await r.create(STORAGE_CLASSES, sc('new-default', true));
  await r.create(STORAGE_CLASSES, sc('not-default', false));
  t.equal((await r.create<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, pvc('auto', request))).spec?.storageClassName, 'new-default');
  t.equal((await r.create<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, pvc('none', { ...request, storageClassName: '' }))).spec?.storageClassName, '', '"" asks for no class');
  t.equal((await r.create<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, pvc('named', { ...request, storageClassName: 'not-default' }))).spec?.storageClassName, 'not-default');
  const beta = await r.create<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, pvc('beta', request, { 'volume.beta.kubernetes.io/storage-class': 'x' }));
  t.equal(beta.spec?.storageClassName, undefined, 'the beta annotation still names a class');
});

t.test('updates: a claim spec is fixed but may be bound; volume sources and class settings are immutable', async (t) => {
  const { r } = await registry(t);
  const claim = await r.create<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, pvc('c', request));
  const bound = await r.update<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, { ...claim, spec: { ...claim.spec, volumeName: 'v', storageClassName: 'late-default' } });
  t.equal(bound.spec?.volumeName, 'v', 'binding sets volumeName, and an absent class may be filled in');
  const resized = await r.update<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, { ...bound, spec: { ...bound.spec, resources: { requests: { storage: '2Gi' } } } });
  t.same(resized.spec?.resources?.requests, { storage: '2Gi' }, 'requests may change');
  for (const [what, spec] of [
    ['access modes', { ...resized.spec, accessModes: ['ReadWriteMany'] }],
    ['another volume', { ...resized.spec, volumeName: 'w' }],
    ['another class', { ...resized.spec, storageClassName: 'other' }],
  ] as const) {
    const err = await expectApiError(r.update(PERSISTENT_VOLUME_CLAIMS, { ...resized, spec }), 'Invalid');
    t.match(err.details?.causes, [{ field: 'spec', reason: 'FieldValueForbidden', message: 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims' }], what);
  }

  const volume = await r.create<PersistentVolume>(PERSISTENT_VOLUMES, pv({ capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/a' } }));
  const moved = await expectApiError(r.update(PERSISTENT_VOLUMES, { ...volume, spec: { ...volume.spec, hostPath: { path: '/tmp/b' } } }), 'Invalid');
  t.match(moved.details?.causes, [{ field: 'spec.persistentvolumesource', message: 'Forbidden: spec.persistentvolumesource is immutable after creation' }]);
  const claimed = await r.update<PersistentVolume>(PERSISTENT_VOLUMES, { ...volume, spec: { ...volume.spec, claimRef: { namespace: 'default', name: 'c' }, capacity: { storage: '2Gi' } } });
  t.equal(claimed.spec?.claimRef?.name, 'c', 'claimRef and capacity may change');

  const cls = await r.create<StorageClass>(STORAGE_CLASSES, sc('s', false));
  const err = await expectApiError(r.update(STORAGE_CLASSES, { ...cls, provisioner: 'other.io/x', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' }), 'Invalid');
  t.match(err.details?.causes, [
    { field: 'provisioner', message: 'Forbidden: updates to provisioner are forbidden.' },
    { field: 'reclaimPolicy', message: 'Forbidden: updates to reclaimPolicy are forbidden.' },
    { field: 'volumeBindingMode', message: 'Invalid value: "WaitForFirstConsumer": field is immutable' },
  ]);
  const annotated = await r.update<StorageClass>(STORAGE_CLASSES, { ...cls, metadata: { ...cls.metadata, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } });
  t.equal(annotated.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true', 'a class can be made the default');
});
