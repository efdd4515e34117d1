import t from 'tap';
import { NO_NODES_MESSAGE, defaultProfile, feasibleNodesToFind, formatFitError, parseQuantity, podRequests, schedulePod } from '../../control/scheduler/index.ts';
import { info, node, pod } from './nodes.ts';

const table: { name: string; total: number; failures: { node: string; reasons: string[] }[]; want: string }[] = [
  {
    name: 'kube-scheduler shape: counts per reason, sorted',
    total: 3,
    failures: [
      { node: 'a', reasons: ['Insufficient cpu'] },
      { node: 'b', reasons: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'] },
      { node: 'c', reasons: ['Insufficient cpu'] },
    ],
    want: '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu.',
  },
  {
    name: 'a node failing for two resources counts for both',
    total: 2,
    failures: [
      { node: 'a', reasons: ['Insufficient cpu', 'Insufficient memory'] },
      { node: 'b', reasons: ['Insufficient memory'] },
    ],
    want: '0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.',
  },
  { name: 'no nodes at all', total: 0, failures: [], want: NO_NODES_MESSAGE },
];

for (const c of table) t.test(c.name, async (t) => t.equal(formatFitError(c.total, c.failures), c.want));

t.test('quantities', async (t) => {
  const q: [string, number][] = [['500m', 0.5], ['2', 2], ['1.5', 1.5], ['1Ki', 1024], ['128Mi', 128 * 2 ** 20], ['1G', 1e9], ['1e3', 1000]];
  for (const [text, want] of q) t.equal(parseQuantity(text), want, text);
  t.throws(() => parseQuantity('lots'), { code: 'MESHLET_SCHEDULER_BAD_QUANTITY' });
  const r = podRequests({ ...pod('p'), spec: { containers: [{ name: 'a', resources: { requests: { cpu: '250m' } } }, { name: 'b' }], initContainers: [{ name: 'i', resources: { requests: { cpu: '1' } } }] } });
  t.same(r.requested, { milliCpu: 1000, memory: 0 }, 'an init container asking for more wins');
  t.same(r.nonZero, { milliCpu: 350, memory: 400 * 2 ** 20 }, 'containers without requests count as 100m / 200Mi for scoring');
});

t.test('the whole pipeline: the first failing filter names the reason per node', async (t) => {
  const nodes = [
    info(node('small-1', { cpu: '1' })),
    info(node('small-2', { cpu: '1' })),
    info(node('gpu', { cpu: '8', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] })),
    info(node('down', { cpu: '8', ready: false })),
  ];
  const result = schedulePod(defaultProfile(), pod('big', {}, {}, { cpu: '2' }), nodes);
  t.same(result, {
    ok: false,
    message: '0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were not ready, 2 Insufficient cpu.',
    failures: [
      { node: 'small-1', reasons: ['Insufficient cpu'] },
      { node: 'small-2', reasons: ['Insufficient cpu'] },
      { node: 'gpu', reasons: ['node(s) had untolerated taint {dedicated: gpu}'] },
      { node: 'down', reasons: ['node(s) were not ready'] },
    ],
    nextStartIndex: 0,
  });
  const ok = schedulePod(defaultProfile(), pod('small', {}, {}, { cpu: '500m' }), nodes);
  t.match(ok, { ok: true, feasibleNodes: 2 });
  t.ok(ok.ok && ['small-1', 'small-2'].includes(ok.node));
});

t.test('ties are broken at random; scores spread pods over equal nodes', async (t) => {
  const nodes = [info(node('a')), info(node('b')), info(node('c'))];
  const seen = new Set<string>();
  for (let i = 0; i < 30; i++) {
    const p = pod(`p${i}`);
    const r = schedulePod(defaultProfile(), p, nodes);
    if (!r.ok) throw new Error('expected a fit');
    nodes.find((n) => n.name === r.node)!.addPod({ ...p, spec: { ...p.spec!, nodeName: r.node } });
    seen.add(r.node);
  }
  t.same([...seen].sort(), ['a', 'b', 'c']);
  t.same(nodes.map((n) => n.pods.size), [10, 10, 10], 'least-allocated keeps equal nodes level');
});

t.test('big clusters: filtering stops at kube-scheduler\'s share of feasible nodes, rotating the start', async (t) => {
  const table: [number, number | undefined, number][] = [
    [50, undefined, 50],
    [100, undefined, 100],
    [1000, undefined, 420],
    [5000, undefined, 500],
    [6000, undefined, 300],
    [1000, 20, 200],
    [1000, 100, 1000],
  ];
  for (const [total, pct, want] of table) t.equal(feasibleNodesToFind(total, pct), want, `${total} nodes, ${pct ?? 'adaptive'}%`);

  const nodes = Array.from({ length: 1000 }, (_, i) => info(node(`n${String(i).padStart(4, '0')}`)));
  const first = schedulePod(defaultProfile(), pod('p'), nodes);
  t.match(first, { ok: true, feasibleNodes: 420, nextStartIndex: 420 });
  const second = schedulePod(defaultProfile(), pod('q'), nodes, { startIndex: first.nextStartIndex });
  t.match(second, { ok: true, feasibleNodes: 420, nextStartIndex: 840 });
  t.ok(second.ok && Number(second.node.slice(1)) >= 420 && Number(second.node.slice(1)) < 840, 'the second cycle looked at the next nodes');

  const none = schedulePod(defaultProfile(), pod('big', {}, {}, { cpu: '64' }), nodes);
  t.match(none, { ok: false, message: '0/1000 nodes are available: 1000 Insufficient cpu.' }, 'a failure still counts every node');
});
