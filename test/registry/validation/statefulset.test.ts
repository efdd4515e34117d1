// StatefulSets through the registry: Kubernetes' defaults (OrderedReady,
// RollingUpdate partition 0, Retain/Retain, history 10, claim template
// apiVersion/kind/volumeMode) and precise 422 causes for bad specs.

import t from 'tap';
import type { StatefulSet } from '../../../control/api/index.ts';
import { CONTROLLER_REVISIONS, STATEFUL_SETS } from '../../../control/api/index.ts';
import { createRegistry } from '../../../control/registry/index.ts';
import { MemoryStore } from '../../../control/store/index.ts';
import { expectApiError } from '../../helpers/expect-error.ts';
import { statefulSetManifest } from '../../controllers/statefulset-fixtures.ts';

async function registry() {
  const r = createRegistry({ store: new MemoryStore() });
  await r.ensureNamespaces();
  return r;
}

t.test('defaults as the API server sets them', async (t) => {
  const r = await registry();
  const manifest = statefulSetManifest('web');
  const { replicas: _replicas, ...spec } = manifest.spec;
  const set = await r.create<StatefulSet>(STATEFUL_SETS, { ...manifest, spec });
  t.match(set.spec, {
    replicas: 1,
    podManagementPolicy: 'OrderedReady',
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    revisionHistoryLimit: 10,
    volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', spec: { volumeMode: 'Filesystem' } }],
    template: { spec: { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' } },
  });
  const onDelete = await r.create<StatefulSet>(STATEFUL_SETS, statefulSetManifest('db', { updateStrategy: { type: 'OnDelete' } }));
  t.same(onDelete.spec?.updateStrategy, { type: 'OnDelete' }, 'no rollingUpdate block for OnDelete');
});

t.test('bad specs get a 422 naming the field', async (t) => {
  const r = await registry();
  const base = statefulSetManifest('web');
  const cases: [what: string, spec: Record<string, unknown>, field: string, message: RegExp][] = [
    ['restartPolicy Never', { template: { ...base.spec.template, spec: { ...base.spec.template.spec, restartPolicy: 'Never' } } }, 'spec.template.spec.restartPolicy', /supported values: "Always"/],
    ['unknown policy', { podManagementPolicy: 'Sometimes' }, 'spec.podManagementPolicy', /Unsupported value: "Sometimes"/],
    ['negative partition', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } }, 'spec.updateStrategy.rollingUpdate.partition', /must be greater than or equal to 0/],
    ['unknown strategy', { updateStrategy: { type: 'Recreate' } }, 'spec.updateStrategy.type', /supported values: "OnDelete", "RollingUpdate"/],
    ['selector not matching', { selector: { matchLabels: { app: 'other' } } }, 'spec.template.metadata.labels', /`selector` does not match template `labels`/],
    ['duplicate claim templates', { volumeClaimTemplates: [{ metadata: { name: 'www' } }, { metadata: { name: 'www' } }] }, 'spec.volumeClaimTemplates[1].metadata.name', /Duplicate value: "www"/],
    ['negative ordinal start', { ordinals: { start: -2 } }, 'spec.ordinals.start', /must be greater than or equal to 0/],
    ['schema (kubernetes-models): replicas of the wrong type', { replicas: 'three' }, 'spec.replicas', /must be of type integer/],
    ['schema: claim template field of the wrong type', { volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: 'ReadWriteOnce' } }] }, 'spec.volumeClaimTemplates[0].spec.accessModes', /must be of type array/],
  ];
  for (const [what, patch, field, message] of cases) {
    const err = await expectApiError(r.create(STATEFUL_SETS, { ...base, spec: { ...base.spec, ...patch } }), 'Invalid');
    t.match(err.details?.causes, [{ field, message }], what);
  }
  t.ok(await r.create(STATEFUL_SETS, base), 'the good one is accepted');
});

t.test('updates may change only replicas, ordinals, template, updateStrategy, revisionHistoryLimit, retention policy and minReadySeconds', async (t) => {
  const r = await registry();
  await r.create(STATEFUL_SETS, statefulSetManifest('web'));
  const scaled = await r.patch<StatefulSet>(STATEFUL_SETS, 'default', 'web', 'merge', { spec: { replicas: 5, minReadySeconds: 3, revisionHistoryLimit: 2, updateStrategy: { rollingUpdate: { partition: 2 } } } });
  t.match(scaled.spec, { replicas: 5, minReadySeconds: 3, revisionHistoryLimit: 2, updateStrategy: { rollingUpdate: { partition: 2 } } });
  for (const patch of [{ serviceName: 'other' }, { volumeClaimTemplates: [{ metadata: { name: 'data' } }] }, { podManagementPolicy: 'Parallel' }]) {
    const err = await expectApiError(r.patch(STATEFUL_SETS, 'default', 'web', 'merge', { spec: patch }), 'Invalid');
    t.match(err.details?.causes, [{ field: 'spec', reason: 'FieldValueForbidden', message: /updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit'/ }], JSON.stringify(patch));
  }
});

t.test('ControllerRevisions are checked against their schema too', async (t) => {
  const r = await registry();
  const err = await expectApiError(r.create(CONTROLLER_REVISIONS, { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'web-1' }, data: {} }), 'Invalid');
  t.match(err.details?.causes, [{ field: 'revision', reason: 'FieldValueRequired' }]);
});
