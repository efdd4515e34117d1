// DefaultTolerationSeconds admission: new pods get 300 s tolerations for the
// not-ready / unreachable NoExecute taints unless they tolerate them already.

import t from 'tap';
import type { Pod, Toleration } from '../../control/api/index.ts';
import { PODS, TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from '../../control/api/index.ts';
import { addDefaultTolerations } from '../../control/registry/default-toleration-seconds.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { MemoryStore } from '../../control/store/index.ts';

const notReady300: Toleration = { key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const unreachable300: Toleration = { key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const ownUnreachable: Toleration = { key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 };
const gpu: Toleration = { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' };

const cases: { name: string; given: Toleration[] | undefined; want: Toleration[] }[] = [
  { name: 'no tolerations: both defaults', given: undefined, want: [notReady300, unreachable300] },
  { name: 'unrelated toleration kept, defaults added', given: [gpu], want: [gpu, notReady300, unreachable300] },
  { name: 'the pod\'s own unreachable toleration wins', given: [ownUnreachable], want: [ownUnreachable, notReady300] },
  { name: 'a toleration of every taint needs no defaults', given: [{ operator: 'Exists' }], want: [{ operator: 'Exists' }] },
  { name: 'a NoSchedule toleration does not cover NoExecute', given: [{ key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoSchedule' }], want: [{ key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoSchedule' }, notReady300, unreachable300] },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const spec: { tolerations?: Toleration[] } = c.given ? { tolerations: c.given.map((x) => ({ ...x })) } : {};
    addDefaultTolerations(spec);
    t.same(spec.tolerations, c.want);
  });
}

t.test('the registry applies it to pods it creates', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const registry = createRegistry({ store });
  await registry.ensureNamespaces(['default']);
  const pod = await registry.create<Pod>(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }], tolerations: [ownUnreachable] } });
  t.same(pod.spec!.tolerations, [ownUnreachable, notReady300]);
});
