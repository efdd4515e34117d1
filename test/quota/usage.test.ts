// What objects cost against a quota (control/quota/usage.ts): pods' requests
// and limits (init containers taking the max), the bare cpu/memory aliases,
// terminal pods costing nothing, Services' nodeports and loadbalancers,
// claims' requests.storage, and count/<resource>.<group> for any kind.

import t from 'tap';
import { DEPLOYMENTS, PODS, SERVICES } from '../../control/api/index.ts';
import type { ObjectInput, ResourceType } from '../../control/api/index.ts';
import { formatQuantity, usageOf } from '../../control/quota/index.ts';

function printed(type: ResourceType, obj: ObjectInput): Record<string, string> {
  return Object.fromEntries([...usageOf(type, obj)].map(([k, q]) => [k, formatQuantity(q)]));
}

const meta = { name: 'x', namespace: 'default' };

t.test('a pod: sums of containers, an init container taking the max', async (t) => {
  const pod: ObjectInput = {
    apiVersion: 'v1', kind: 'Pod', metadata: meta,
    spec: {
      containers: [
        { name: 'a', resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } } },
        { name: 'b', resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } } },
      ],
      initContainers: [{ name: 'init', resources: { requests: { cpu: '2' } } }],
    },
  };
  t.same(printed(PODS, pod), {
    'count/pods': '1', pods: '1', 'requests.cpu': '2', cpu: '2', 'requests.memory': '512Mi', memory: '512Mi', 'limits.memory': '1Gi',
  });
  t.same(printed(PODS, { ...pod, status: { phase: 'Succeeded' } }), {}, 'a finished pod costs nothing');
});

t.test('services, claims and other kinds', async (t) => {
  const lb: ObjectInput = { apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { type: 'LoadBalancer', ports: [{ port: 80 }, { port: 443 }] } };
  t.same(printed(SERVICES, lb), { 'count/services': '1', services: '1', 'services.loadbalancers': '1', 'services.nodeports': '2' });
  // The claim kind is another part's; its counting only needs the type's name.
  const pvc: ResourceType = { ...PODS, kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim', shortNames: ['pvc'], subresources: [] };
  t.same(printed(pvc, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta, spec: { resources: { requests: { storage: '5Gi' } } } }), {
    'count/persistentvolumeclaims': '1', persistentvolumeclaims: '1', 'requests.storage': '5Gi',
  });
  t.same(printed(DEPLOYMENTS, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta }), { 'count/deployments.apps': '1' });
});
