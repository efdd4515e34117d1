// kubectl's printing rules reproduced server-side: pod STATUS/READY/RESTARTS
// precedence, AGE formatting, and per-kind columns.

import t from 'tap';
import type { KubeObject } from '../../control/api/index.ts';
import { PODS, SERVICES, NODES, EVENTS, VIRTUAL_SERVICES, RATE_LIMIT_POLICIES } from '../../control/api/index.ts';
import { podCells } from '../../control/apiserver/table-pods.ts';
import { humanDuration } from '../../control/apiserver/human-duration.ts';
import { columnsFor } from '../../control/apiserver/table-columns.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');

function pod(status: Record<string, unknown>, extra: { deletionTimestamp?: string; containers?: number; initContainers?: number } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', uid: 'u', resourceVersion: '1', creationTimestamp: '2026-01-01T11:00:00Z', ...(extra.deletionTimestamp ? { deletionTimestamp: extra.deletionTimestamp } : {}) },
    spec: {
      containers: Array.from({ length: extra.containers ?? 1 }, (_, i) => ({ name: `c${i}` })),
      ...(extra.initContainers ? { initContainers: Array.from({ length: extra.initContainers }, (_, i) => ({ name: `i${i}` })) } : {}),
    },
    status,
  } as KubeObject;
}

const running = { running: { startedAt: '2026-01-01T11:00:00Z' } };

t.test('pod cells follow printPod', async (t) => {
  const table: [string, KubeObject, { ready: string; status: string; restarts: string }][] = [
    ['pending, no statuses', pod({ phase: 'Pending' }), { ready: '0/1', status: 'Pending', restarts: '0' }],
    ['running and ready', pod({ phase: 'Running', containerStatuses: [{ ready: true, restartCount: 0, state: running }] }), { ready: '1/1', status: 'Running', restarts: '0' }],
    [
      'waiting reason wins',
      pod({ phase: 'Running', containerStatuses: [{ ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { finishedAt: '2026-01-01T11:55:00Z' } } }] }),
      { ready: '0/1', status: 'CrashLoopBackOff', restarts: '4 (5m ago)' },
    ],
    ['terminated with exit code', pod({ phase: 'Failed', containerStatuses: [{ ready: false, restartCount: 0, state: { terminated: { exitCode: 2 } } }] }), { ready: '0/1', status: 'ExitCode:2', restarts: '0' }],
    ['completed', pod({ phase: 'Succeeded', containerStatuses: [{ ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }), { ready: '0/1', status: 'Completed', restarts: '0' }],
    [
      'init container still running',
      pod({ phase: 'Pending', initContainerStatuses: [{ ready: false, restartCount: 0, state: running }] }, { initContainers: 2 }),
      { ready: '0/1', status: 'Init:0/2', restarts: '0' },
    ],
    [
      'init container failing',
      pod({ phase: 'Pending', initContainerStatuses: [{ ready: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, { initContainers: 1 }),
      { ready: '0/1', status: 'Init:CrashLoopBackOff', restarts: '1' },
    ],
    [
      'terminating',
      pod({ phase: 'Running', containerStatuses: [{ ready: true, restartCount: 0, state: running }] }, { deletionTimestamp: '2026-01-01T11:59:00Z' }),
      { ready: '1/1', status: 'Terminating', restarts: '0' },
    ],
    [
      'two containers, one ready',
      pod({ phase: 'Running', containerStatuses: [{ ready: true, restartCount: 1, state: running }, { ready: false, restartCount: 2, state: running }] }, { containers: 2 }),
      { ready: '1/2', status: 'Running', restarts: '3' },
    ],
  ];
  for (const [name, p, want] of table) t.match(podCells(p, NOW), want, name);
});

t.test('AGE is formatted like kubectl', async (t) => {
  const table: [number, string][] = [
    [-5000, '<invalid>'],
    [0, '0s'],
    [59_000, '59s'],
    [119_000, '119s'],
    [150_000, '2m30s'],
    [600_000, '10m'],
    [3 * 3600_000 + 5 * 60_000, '3h5m'],
    [30 * 3600_000, '30h'],
    [3 * 86400_000 + 4 * 3600_000, '3d4h'],
    [40 * 86400_000, '40d'],
    [3 * 365 * 86400_000, '3y'],
  ];
  for (const [ms, want] of table) t.equal(humanDuration(ms), want, `${ms} ms`);
});

t.test('columns per kind', async (t) => {
  const names = (type: Parameters<typeof columnsFor>[0]) => columnsFor(type).filter((c) => !c.priority).map((c) => c.name);
  t.same(names(PODS), ['Name', 'Ready', 'Status', 'Restarts', 'Age']);
  t.same(names(SERVICES), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age']);
  t.same(names(NODES), ['Name', 'Status', 'Roles', 'Age', 'Version']);
  t.same(names(EVENTS), ['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
  t.same(names(VIRTUAL_SERVICES), ['Name', 'Gateways', 'Hosts', 'Age']);
  t.same(names(RATE_LIMIT_POLICIES), ['Name', 'Age'], 'default for other kinds');
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', uid: 'u', resourceVersion: '1', creationTimestamp: '2026-01-01T11:59:00Z' }, spec: { type: 'NodePort', clusterIP: '127.96.0.9', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] } } as KubeObject;
  t.same(columnsFor(SERVICES).map((c) => c.value(svc, NOW)), ['s', 'NodePort', '127.96.0.9', '<none>', '80:30080/TCP,53/UDP', '60s', '<none>']);
});
