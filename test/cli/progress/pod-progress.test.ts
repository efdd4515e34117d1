// The progress line `meshlet up` prints while it waits: counts, and the
// most specific reason each pod is not Ready yet.

import t from 'tap';
import type { Pod } from '../../../control/api/index.ts';
import { expectedPodCount, formatPodProgress, podProgress } from '../../../control/cli/progress/pod-progress.ts';

function pod(name: string, status: Pod['status'], nodeName: string | undefined = 'node-1'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: name, resourceVersion: '1' },
    spec: { containers: [{ name: 'main', image: 'busybox' }], ...(nodeName ? { nodeName } : {}) },
    status,
  } as Pod;
}

const ready = (name: string) => pod(name, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] });

t.test('expected pods: workload replicas (default 1) plus bare pods; Jobs and Services add none', async (t) => {
  const count = expectedPodCount([
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' }, spec: { replicas: 3 } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'b' }, spec: {} },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'c' }, spec: { replicas: 0 } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'd' } },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'e' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'f' } },
  ]);
  t.equal(count, 5);
});

t.test('reasons, counts and pods not created yet', async (t) => {
  const cases: { name: string; pods: Pod[]; expected: number; line: string; done: boolean }[] = [
    { name: 'nothing created yet', pods: [], expected: 2, line: 'waiting for pods: 0/2 ready (2 not created yet)', done: false },
    {
      name: 'unscheduled, creating, not ready',
      pods: [
        pod('a-1', { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] }, undefined),
        pod('b-1', { phase: 'Pending', containerStatuses: [{ name: 'main', image: 'busybox', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] }),
        pod('c-1', { phase: 'Running', conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }] }),
        ready('d-1'),
      ],
      expected: 4,
      line: 'waiting for pods: 1/4 ready (a-1: Unschedulable, b-1: ContainerCreating, c-1: ContainersNotReady)',
      done: false,
    },
    {
      name: 'more waiting than shown',
      pods: ['a', 'b', 'c', 'd', 'e'].map((n) => pod(n, { phase: 'Pending' })),
      expected: 5,
      line: 'waiting for pods: 0/5 ready (a: Pending, b: Pending, c: Pending, +2 more)',
      done: false,
    },
    {
      name: 'finished and terminating pods are not waited for',
      pods: [ready('a'), pod('job-1', { phase: 'Succeeded' }), { ...pod('old', { phase: 'Running' }), metadata: { ...pod('old', {}).metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }],
      expected: 1,
      line: 'pods: 1/1 ready',
      done: true,
    },
    { name: 'more pods than the manifests asked for count too', pods: [ready('a'), pod('b', { phase: 'Pending' })], expected: 1, line: 'waiting for pods: 1/2 ready (b: Pending)', done: false },
  ];
  for (const c of cases) {
    const progress = podProgress(c.pods, c.expected);
    t.equal(formatPodProgress(progress), c.line, c.name);
    t.equal(progress.done, c.done, `${c.name}: done`);
  }
});
