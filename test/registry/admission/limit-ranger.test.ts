// LimitRanger admission against the in-process registry: Container defaults
// and default requests filled in with the `LimitRanger plugin set: …`
// annotation, the LimitRange object's own defaulting (default ← max,
// defaultRequest ← default ← min), and min / max / maxLimitRequestRatio for
// Container, Pod and PersistentVolumeClaim items with Kubernetes' messages.

import t from 'tap';
import type { LimitRange, ObjectInput, Pod } from '../../../control/api/index.ts';
import { LIMIT_RANGER_ANNOTATION, LIMIT_RANGES, PODS, resourceTypeForName } from '../../../control/api/index.ts';
import { createRegistry } from '../../../control/registry/index.ts';
import type { Registry } from '../../../control/registry/index.ts';
import { admitLimitRanges } from '../../../control/registry/admission/limit-ranger.ts';
import { MemoryStore } from '../../../control/store/index.ts';
import { expectApiError } from '../../helpers/expect-error.ts';

async function setup(t: Tap.Test, limits: unknown[]): Promise<Registry> {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const registry = createRegistry({ store });
  await registry.ensureNamespaces(['default']);
  await registry.create(LIMIT_RANGES, { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'limits', namespace: 'default' }, spec: { limits } });
  return registry;
}

function pod(name: string, containers: { name: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }[]): ObjectInput {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: containers.map((c) => ({ image: 'x', ...c })) } };
}

t.test('defaults and default requests fill what containers leave unset, with the annotation', async (t) => {
  const registry = await setup(t, [{ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '250m' } }]);
  const created = await registry.create<Pod>(PODS, pod('p', [{ name: 'app' }, { name: 'side', resources: { limits: { cpu: '1' } } }]));
  const [app, side] = created.spec!.containers;
  t.same(app!.resources, { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '250m', memory: '512Mi' } }, 'memory request defaults to the default limit');
  t.same(side!.resources, { limits: { cpu: '1', memory: '512Mi' }, requests: { cpu: '1', memory: '512Mi' } }, 'a stated limit is its own request');
  t.equal(created.metadata.annotations?.[LIMIT_RANGER_ANNOTATION], 'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app; memory request for container side; memory limit for container side');
});

t.test('the LimitRange object is stored defaulted', async (t) => {
  const registry = await setup(t, [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } }]);
  const lr = (await registry.get<LimitRange>(LIMIT_RANGES, 'default', 'limits'))!;
  t.same(lr.spec!.limits[0], { type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' }, default: { cpu: '2' }, defaultRequest: { memory: '64Mi', cpu: '2' } });
});

t.test('max, min and ratio per Container are refused with Kubernetes\' messages', async (t) => {
  const registry = await setup(t, [{ type: 'Container', max: { cpu: '1' }, min: { memory: '64Mi' }, maxLimitRequestRatio: { memory: '2' } }]);
  const tooBig = await expectApiError(registry.create(PODS, pod('big', [{ name: 'app', resources: { limits: { cpu: '2', memory: '128Mi' } } }])), 'Forbidden');
  t.equal(tooBig.httpStatus, 403);
  t.equal(tooBig.message, 'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
  const tooSmall = await expectApiError(registry.create(PODS, pod('small', [{ name: 'app', resources: { requests: { memory: '32Mi' }, limits: { cpu: '1', memory: '64Mi' } } }])), 'Forbidden');
  t.equal(tooSmall.message, 'pods "small" is forbidden: minimum memory usage per Container is 64Mi, but request is 32Mi');
  const ratio = await expectApiError(registry.create(PODS, pod('ratio', [{ name: 'app', resources: { requests: { memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } } }])), 'Forbidden');
  t.equal(ratio.message, 'pods "ratio" is forbidden: memory max limit to request ratio per Container is 2, but provided ratio is 4.000000');
  const both = await expectApiError(registry.create(PODS, pod('both', [{ name: 'app', resources: { requests: { memory: '32Mi' }, limits: { cpu: '3', memory: '32Mi' } } }])), 'Forbidden');
  t.equal(both.message, 'pods "both" is forbidden: [minimum memory usage per Container is 64Mi, but request is 32Mi, maximum cpu usage per Container is 1, but limit is 3]');
  await registry.create(PODS, pod('fine', [{ name: 'app', resources: { requests: { memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } } }]));
});

t.test('Pod items bound the sum of the containers', async (t) => {
  const registry = await setup(t, [{ type: 'Pod', max: { memory: '1Gi' } }]);
  const err = await expectApiError(registry.create(PODS, pod('p', [
    { name: 'a', resources: { limits: { memory: '768Mi' } } },
    { name: 'b', resources: { limits: { memory: '512Mi' } } },
  ])), 'Forbidden');
  t.equal(err.message, 'pods "p" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1280Mi');
});

t.test('PersistentVolumeClaim items bound the requested storage', async (t) => {
  const registry = await setup(t, [{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } }]);
  // The claim kind is another part's; admission takes its type by name and works once it is served.
  const pvcType = resourceTypeForName('persistentvolumeclaims') ?? { ...PODS, kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim', shortNames: ['pvc'], subresources: [] };
  const claim = (storage: string): ObjectInput => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { resources: { requests: { storage } } } });
  const small = await expectApiError(admitLimitRanges(registry, pvcType, claim('500Mi')), 'Forbidden');
  t.equal(small.message, 'persistentvolumeclaims "data" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi');
  const big = await expectApiError(admitLimitRanges(registry, pvcType, claim('20Gi')), 'Forbidden');
  t.equal(big.message, 'persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi');
});

import type * as Tap from 'tap';
