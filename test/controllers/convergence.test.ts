// Randomized but seeded: three Deployments (two RollingUpdate, one Recreate)
// take a burst of template changes, kubectl-scale changes and pod deletions
// while a stand-in node agent starts and stops pods with random latency.
// Whatever the interleaving, everything must settle: every Deployment
// complete at its final spec, exactly that many pods, all controllers idle.

import t from 'tap';
import type { Deployment, Pod } from '../../control/api/index.ts';
import { DEPLOYMENTS, PODS } from '../../control/api/index.ts';
import { startControllers } from '../../control/controllers/index.ts';
import { Informer } from '../../control/runtime/index.ts';
import { startScheduler } from '../../control/scheduler/index.ts';
import { createNode, deploymentManifest, markPodRunning, newCluster, nodeManifest, waitFor } from './cluster.ts';

function prng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

for (const seed of [2, 5, 11]) {
  t.test(`seed ${seed}: a burst of rollouts, scales and pod deletions converges`, async (t) => {
    const rand = prng(seed);
    const { client, close } = await newCluster();
    for (let i = 0; i < 3; i++) await createNode(client, nodeManifest(`n${i}`));
    const controllers = await startControllers({ client });
    const scheduler = await startScheduler({ client, recordEvents: false });
    const agentTimers = new Set<NodeJS.Timeout>();
    const agent = new Informer<Pod>(client, PODS);
    const act = (pod: Pod) => {
      const timer = setTimeout(() => {
        agentTimers.delete(timer);
        void (async () => {
          const cur = await client.get<Pod>(PODS, pod.metadata.namespace, pod.metadata.name);
          if (!cur?.spec?.nodeName) return;
          if (cur.metadata.deletionTimestamp) await client.delete(PODS, 'default', cur.metadata.name, { gracePeriodSeconds: 0 });
          else if (cur.status?.phase !== 'Running') await markPodRunning(client, cur);
        })().catch(() => undefined);
      }, pod.metadata.deletionTimestamp ? 50 + rand() * 50 : rand() * 30); // stopping a pod takes a while
      agentTimers.add(timer);
    };
    agent.addHandlers({ onAdd: act, onUpdate: (_old, pod) => act(pod) });
    agent.start();
    t.teardown(async () => {
      agent.stop();
      for (const timer of agentTimers) clearTimeout(timer);
      await scheduler.stop();
      await controllers.stop();
      await close();
    });

    const names = ['a', 'b', 'c'];
    for (const n of names) await client.create(DEPLOYMENTS, deploymentManifest(n, { replicas: 3, ...(n === 'c' ? { strategy: { type: 'Recreate' as const } } : {}) }));
    for (let round = 0; round < 30; round++) {
      const n = names[Math.floor(rand() * names.length)]!;
      const r = rand();
      try {
        if (r < 0.4) {
          const d = (await client.get<Deployment>(DEPLOYMENTS, 'default', n))!;
          d.spec!.template.spec.containers[0]!.image = `example/app:${round}`;
          await client.update(DEPLOYMENTS, d);
        } else if (r < 0.7) {
          await client.patch(DEPLOYMENTS, 'default', n, 'merge', { spec: { replicas: Math.floor(rand() * 6) } }, { subresource: 'scale' });
        } else {
          const pods = (await client.list<Pod>(PODS, { namespace: 'default' })).items;
          const victim = pods[Math.floor(rand() * pods.length)];
          if (victim) await client.delete(PODS, 'default', victim.metadata.name);
        }
      } catch {
        // A conflicting write or an already deleted pod: part of the chaos.
      }
      await new Promise((resolve) => setTimeout(resolve, rand() * 40));
    }

    let last = '';
    const settled = waitFor('all Deployments settled', async () => {
      const ds = await Promise.all(names.map((n) => client.get<Deployment>(DEPLOYMENTS, 'default', n)));
      const pods = (await client.list<Pod>(PODS, { namespace: 'default' })).items;
      last = JSON.stringify(ds.map((d) => ({ spec: d!.spec!.replicas, gen: d!.metadata.generation, status: d!.status && { ...d!.status, conditions: undefined } }))) + ` pods=${pods.length}`;
      const settled = ds.every((d) => {
        const s = d!.status ?? {};
        const want = d!.spec!.replicas!;
        return (s.observedGeneration ?? 0) >= d!.metadata.generation! && s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want;
      });
      const want = ds.reduce((n, d) => n + d!.spec!.replicas!, 0);
      return settled && pods.length === want && pods.every((p) => p.status?.phase === 'Running') && controllers.idle() && scheduler.idle();
    }, 20_000);
    const done = await settled.catch((err: unknown) => {
      throw new Error(`${String(err)}; last seen: ${last}`);
    });
    t.equal(done, true, `settled: ${last}`);
  });
}
