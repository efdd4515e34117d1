// kubectl's columns for StatefulSets (NAME READY AGE; -o wide adds
// CONTAINERS IMAGES) and ControllerRevisions (NAME CONTROLLER REVISION AGE).

import t from 'tap';
import type { KubeObject } from '../../control/api/index.ts';
import { CONTROLLER_REVISIONS, STATEFUL_SETS } from '../../control/api/index.ts';
import { columnsFor } from '../../control/apiserver/table-columns.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const meta = { uid: 'u', resourceVersion: '1', creationTimestamp: '2026-01-01T11:00:00Z' };

function row(type: typeof STATEFUL_SETS | typeof CONTROLLER_REVISIONS, obj: KubeObject, wide = false): Record<string, unknown> {
  const cols = columnsFor(type).filter((c) => wide || !c.priority);
  return Object.fromEntries(cols.map((c) => [c.name, c.value(obj, NOW)]));
}

t.test('statefulset columns', async (t) => {
  const sts: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', ...meta },
    spec: { replicas: 3, template: { spec: { containers: [{ name: 'nginx', image: 'registry.k8s.io/nginx-slim:0.7' }] } } },
    status: { replicas: 2, readyReplicas: 1 },
  };
  t.same(row(STATEFUL_SETS, sts), { Name: 'web', Ready: '1/3', Age: '60m' });
  t.same(row(STATEFUL_SETS, sts, true), { Name: 'web', Ready: '1/3', Age: '60m', Containers: 'nginx', Images: 'registry.k8s.io/nginx-slim:0.7' });
  t.same(row(STATEFUL_SETS, { ...sts, status: undefined }), { Name: 'web', Ready: '0/3', Age: '60m' }, 'no status yet');
});

t.test('controllerrevision columns', async (t) => {
  const rev: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { name: 'web-684969496f', ...meta, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 's', controller: true }] },
    revision: 2,
  };
  t.same(row(CONTROLLER_REVISIONS, rev), { Name: 'web-684969496f', Controller: 'statefulset.apps/web', Revision: 2, Age: '60m' });
  t.same(row(CONTROLLER_REVISIONS, { ...rev, metadata: { ...rev.metadata, ownerReferences: [] } }).Controller, '<none>');
});
