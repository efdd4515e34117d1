// The Eviction API's semantics (control/registry/eviction.ts) against the
// in-process registry: a budget that allows a disruption is charged by CAS and
// the pod deleted gracefully with the Eviction's deleteOptions; a budget at
// its minimum answers 429 with Kubernetes' message and DisruptionBudget cause;
// two PDBs → 500; racing evictions cannot both spend the last disruption;
// unhealthy pods follow unhealthyPodEvictionPolicy; not-running pods skip the
// budget. Then over HTTPS: discovery names pods/eviction and the Status codes.

import t from 'tap';
import type { Pod, PodDisruptionBudget, PodDisruptionBudgetStatus } from '../../control/api/index.ts';
import { ManualClock, PODS, POD_DISRUPTION_BUDGETS } from '../../control/api/index.ts';
import { EVICTION_VIOLATES_BUDGET, createRegistry, evictPod } from '../../control/registry/index.ts';
import type { Registry } from '../../control/registry/index.ts';
import { MemoryStore } from '../../control/store/index.ts';
import { startApiServer } from '../../control/apiserver/index.ts';
import { expectApiError } from '../helpers/expect-error.ts';
import { markPodRunning, podManifest } from '../controllers/cluster.ts';
import { clientFor } from '../apiserver/http-client.ts';

async function setup(t: Tap.Test): Promise<Registry> {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const registry = createRegistry({ store });
  await registry.ensureNamespaces(['default']);
  return registry;
}

async function runningPod(registry: Registry, name: string, options: { ready?: boolean; labels?: Record<string, string> } = {}): Promise<Pod> {
  const pod = await registry.create<Pod>(PODS, podManifest(name, options.labels ?? { app: 'zk' }, { nodeName: 'n1', terminationGracePeriodSeconds: 20 }));
  return markPodRunning(registry, pod, { ready: options.ready ?? true });
}

/** A budget whose status the disruption controller would have written. */
async function budget(registry: Registry, name: string, status: PodDisruptionBudgetStatus, spec: Record<string, unknown> = {}): Promise<PodDisruptionBudget> {
  const pdb = await registry.create<PodDisruptionBudget>(POD_DISRUPTION_BUDGETS, {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default' },
    spec: { minAvailable: 2, selector: { matchLabels: { app: 'zk' } }, ...spec },
  });
  return registry.updateStatus<PodDisruptionBudget>(POD_DISRUPTION_BUDGETS, { ...pdb, status: { observedGeneration: 1, ...status } });
}

const evict = (registry: Registry, name: string, deleteOptions?: Record<string, unknown>, clock?: ManualClock) =>
  evictPod(registry, 'default', name, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...(deleteOptions ? { deleteOptions } : {}) }, clock ? { clock } : {});

t.test('an allowed eviction charges the budget and deletes the pod gracefully', async (t) => {
  const registry = await setup(t);
  await runningPod(registry, 'zk-0');
  await budget(registry, 'zk-pdb', { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 });
  const clock = new ManualClock(Date.parse('2026-12-03T10:00:00Z'));
  await evict(registry, 'zk-0', { gracePeriodSeconds: 7 }, clock);
  const pod = (await registry.get<Pod>(PODS, 'default', 'zk-0'))!;
  t.ok(pod.metadata.deletionTimestamp, 'the pod is being deleted');
  t.equal(pod.metadata.deletionGracePeriodSeconds, 7, 'with the grace period the Eviction asked for');
  const pdb = (await registry.get<PodDisruptionBudget>(POD_DISRUPTION_BUDGETS, 'default', 'zk-pdb'))!;
  t.equal(pdb.status!.disruptionsAllowed, 0);
  t.same(pdb.status!.disruptedPods, { 'zk-0': '2026-12-03T10:00:00Z' });
});

t.test('a budget at its minimum refuses with 429 and the DisruptionBudget cause', async (t) => {
  const registry = await setup(t);
  await runningPod(registry, 'zk-0');
  await budget(registry, 'zk-pdb', { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 3 });
  const err = await expectApiError(evict(registry, 'zk-0'), 'TooManyRequests');
  t.equal(err.httpStatus, 429);
  t.equal(err.message, EVICTION_VIOLATES_BUDGET);
  t.equal(err.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  t.match(err.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget zk-pdb needs 2 healthy pods and has 2 currently' }]);
  t.notOk((await registry.get<Pod>(PODS, 'default', 'zk-0'))!.metadata.deletionTimestamp, 'the pod stays');
});

t.test('a budget the controller has not seen yet is 429 too', async (t) => {
  const registry = await setup(t);
  await runningPod(registry, 'zk-0');
  await budget(registry, 'zk-pdb', { disruptionsAllowed: 5, observedGeneration: 0 });
  const err = await expectApiError(evict(registry, 'zk-0'), 'TooManyRequests');
  t.match(err.details?.causes, [{ reason: 'DisruptionBudget', message: 'the disruption budget zk-pdb is still being processed by the server' }]);
});

t.test('two budgets over one pod are a 500, as in Kubernetes', async (t) => {
  const registry = await setup(t);
  await runningPod(registry, 'zk-0');
  await budget(registry, 'a', { disruptionsAllowed: 1 });
  await budget(registry, 'b', { disruptionsAllowed: 1 });
  const err = await expectApiError(evict(registry, 'zk-0'), 'InternalError');
  t.equal(err.httpStatus, 500);
  t.equal(err.message, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
});

t.test('racing evictions cannot both spend the last allowed disruption', async (t) => {
  const registry = await setup(t);
  await runningPod(registry, 'zk-0');
  await runningPod(registry, 'zk-1');
  await budget(registry, 'zk-pdb', { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2 });
  const outcomes = await Promise.allSettled([evict(registry, 'zk-0'), evict(registry, 'zk-1')]);
  t.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1, 'one passes');
  const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  t.equal(refused.length, 1, 'one is refused');
  t.match(refused[0]!.reason, { reason: 'TooManyRequests' });
  const deleting = (await registry.list<Pod>(PODS, { namespace: 'default' })).items.filter((p) => p.metadata.deletionTimestamp);
  t.equal(deleting.length, 1, 'exactly one pod is being deleted');
});

t.test('unhealthy pods: IfHealthyBudget evicts while the budget holds, AlwaysAllow always', async (t) => {
  const registry = await setup(t);
  await runningPod(registry, 'sick', { ready: false });
  await budget(registry, 'zk-pdb', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2 });
  await expectApiError(evict(registry, 'sick'), 'TooManyRequests');
  await registry.patch(POD_DISRUPTION_BUDGETS, 'default', 'zk-pdb', 'merge', { status: { currentHealthy: 2 } }, { subresource: 'status' });
  await evict(registry, 'sick');
  t.ok((await registry.get<Pod>(PODS, 'default', 'sick'))!.metadata.deletionTimestamp, 'evicted once the budget is met');
  t.equal((await registry.get<PodDisruptionBudget>(POD_DISRUPTION_BUDGETS, 'default', 'zk-pdb'))!.status!.disruptionsAllowed, 0, 'without spending a disruption');

  await runningPod(registry, 'sick2', { ready: false, labels: { app: 'other' } });
  await budget(registry, 'other-pdb', { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 2 }, { selector: { matchLabels: { app: 'other' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  await evict(registry, 'sick2');
  t.ok((await registry.get<Pod>(PODS, 'default', 'sick2'))!.metadata.deletionTimestamp, 'AlwaysAllow evicts an unready pod regardless');
});

t.test('pods without a budget, pending pods and a mismatched name', async (t) => {
  const registry = await setup(t);
  await runningPod(registry, 'free', { labels: { app: 'free' } });
  await budget(registry, 'zk-pdb', { disruptionsAllowed: 0 });
  await evict(registry, 'free');
  t.ok((await registry.get<Pod>(PODS, 'default', 'free'))!.metadata.deletionTimestamp, 'no budget: evicted');
  await registry.create(PODS, podManifest('waiting', { app: 'zk' }));
  await evict(registry, 'waiting');
  t.notOk(await registry.get(PODS, 'default', 'waiting'), 'a Pending pod is deleted without consulting its budget');
  const err = await expectApiError(evictPod(registry, 'default', 'free', { metadata: { name: 'other' } }), 'BadRequest');
  t.equal(err.message, 'name in URL does not match name in Eviction object');
  await expectApiError(evict(registry, 'missing'), 'NotFound');
});

t.test('over HTTPS: discovery offers pods/eviction; 201, 429 and 404 Status bodies', async (t) => {
  const registry = await setup(t);
  const server = await startApiServer({ client: registry, token: 'tok' });
  t.teardown(() => server.close());
  const http = clientFor(server, 'tok');
  const v1 = await http.call('GET', '/api/v1');
  t.match((v1.json['resources'] as unknown[]).find((r) => (r as { name: string }).name === 'pods/eviction'), { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  const policy = await http.call('GET', '/apis/policy/v1');
  t.ok((policy.json['resources'] as { name: string }[]).some((r) => r.name === 'poddisruptionbudgets'), 'PDBs are served');

  await runningPod(registry, 'zk-0');
  await runningPod(registry, 'zk-1');
  await budget(registry, 'zk-pdb', { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2 });
  const body = (name: string) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } });
  const ok = await http.call('POST', '/api/v1/namespaces/default/pods/zk-0/eviction', { body: body('zk-0') });
  t.equal(ok.status, 201);
  t.match(ok.json, { kind: 'Status', status: 'Success' });
  const refused = await http.call('POST', '/api/v1/namespaces/default/pods/zk-1/eviction', { body: { ...body('zk-1'), apiVersion: 'policy/v1beta1' } });
  t.equal(refused.status, 429);
  t.match(refused.json, { kind: 'Status', reason: 'TooManyRequests', code: 429, message: EVICTION_VIOLATES_BUDGET, details: { causes: [{ reason: 'DisruptionBudget' }] } });
  const missing = await http.call('POST', '/api/v1/namespaces/default/pods/nope/eviction', { body: body('nope') });
  t.equal(missing.status, 404);
});

import type * as Tap from 'tap';
