import t from 'tap';
import type { CycleState, FilterPlugin } from '../../control/scheduler/index.ts';
import {
  ERR_AFFINITY, ERR_ANTI_AFFINITY, ERR_INSUFFICIENT_CPU, ERR_INSUFFICIENT_MEMORY, ERR_NODE_AFFINITY, ERR_NODE_NAME, ERR_NODE_NOT_READY,
  ERR_NODE_UNSCHEDULABLE, ERR_TOO_MANY_PODS, ERR_TOPOLOGY_SPREAD, interPodAffinity, leastAllocated, nodeAffinity, nodeName, nodeReady,
  nodeResourcesFit, nodeUnschedulable, podTopologySpread, taintToleration,
} from '../../control/scheduler/index.ts';
import type { NodeInfo } from '../../control/scheduler/index.ts';
import type { Pod } from '../../control/api/index.ts';
import { info, node, pod } from './nodes.ts';

function cycle(nodes: NodeInfo[], p: Pod, plugin: { preFilter?: (p: Pod, s: CycleState) => unknown }): CycleState {
  const state: CycleState = { nodes, data: new Map() };
  plugin.preFilter?.(p, state);
  return state;
}

interface FilterCase {
  name: string;
  plugin: FilterPlugin;
  pod: Pod;
  node: NodeInfo;
  others?: NodeInfo[];
  /** Expected reasons; [] means the node fits. */
  want: string[];
}

const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' as const };
const zoneA = { 'topology.kubernetes.io/zone': 'a' };
const zoneB = { 'topology.kubernetes.io/zone': 'b' };
const antiWeb = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } };

const cases: FilterCase[] = [
  { name: 'cordoned node', plugin: nodeUnschedulable, pod: pod('p'), node: info(node('n', { unschedulable: true })), want: [ERR_NODE_UNSCHEDULABLE] },
  { name: 'cordoned node, pod tolerates it', plugin: nodeUnschedulable, pod: pod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }), node: info(node('n', { unschedulable: true })), want: [] },
  { name: 'schedulable node', plugin: nodeUnschedulable, pod: pod('p'), node: info(node('n')), want: [] },
  { name: 'nodeName matches', plugin: nodeName, pod: pod('p', { nodeName: 'n' }), node: info(node('n')), want: [] },
  { name: 'nodeName elsewhere', plugin: nodeName, pod: pod('p', { nodeName: 'm' }), node: info(node('n')), want: [ERR_NODE_NAME] },
  { name: 'ready node', plugin: nodeReady, pod: pod('p'), node: info(node('n')), want: [] },
  { name: 'not ready node', plugin: nodeReady, pod: pod('p'), node: info(node('n', { ready: false })), want: [ERR_NODE_NOT_READY] },
  { name: 'node without a Ready condition', plugin: nodeReady, pod: pod('p'), node: info(node('n', { ready: 'missing' })), want: [ERR_NODE_NOT_READY] },
  { name: 'untolerated NoSchedule taint', plugin: taintToleration, pod: pod('p'), node: info(node('n', { taints: [taint] })), want: ['node(s) had untolerated taint {dedicated: gpu}'] },
  { name: 'taint tolerated by Equal', plugin: taintToleration, pod: pod('p', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }), node: info(node('n', { taints: [taint] })), want: [] },
  { name: 'taint tolerated by Exists without key', plugin: taintToleration, pod: pod('p', { tolerations: [{ operator: 'Exists' }] }), node: info(node('n', { taints: [taint] })), want: [] },
  { name: 'toleration for another value', plugin: taintToleration, pod: pod('p', { tolerations: [{ key: 'dedicated', value: 'cpu' }] }), node: info(node('n', { taints: [taint] })), want: ['node(s) had untolerated taint {dedicated: gpu}'] },
  { name: 'PreferNoSchedule does not filter', plugin: taintToleration, pod: pod('p'), node: info(node('n', { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] })), want: [] },
  { name: 'nodeSelector matches', plugin: nodeAffinity, pod: pod('p', { nodeSelector: { disk: 'ssd' } }), node: info(node('n', { labels: { disk: 'ssd' } })), want: [] },
  { name: 'nodeSelector mismatch', plugin: nodeAffinity, pod: pod('p', { nodeSelector: { disk: 'ssd' } }), node: info(node('n')), want: [ERR_NODE_AFFINITY] },
  {
    name: 'required node affinity In, second term matches',
    plugin: nodeAffinity,
    pod: pod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }] }, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] } } } }),
    node: info(node('n', { labels: { zone: 'b' } })),
    want: [],
  },
  {
    name: 'required node affinity NotIn / Gt',
    plugin: nodeAffinity,
    pod: pod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }, { key: 'cores', operator: 'Gt', values: ['8'] }] }] } } } }),
    node: info(node('n', { labels: { zone: 'b', cores: '4' } })),
    want: [ERR_NODE_AFFINITY],
  },
  { name: 'fits', plugin: nodeResourcesFit, pod: pod('p', {}, {}, { cpu: '1', memory: '1Gi' }), node: info(node('n', { cpu: '2', memory: '2Gi' })), want: [] },
  { name: 'insufficient cpu (500m + 1600m > 2)', plugin: nodeResourcesFit, pod: pod('p', {}, {}, { cpu: '1600m' }), node: info(node('n', { cpu: '2' }), [pod('q', {}, {}, { cpu: '500m' })]), want: [ERR_INSUFFICIENT_CPU] },
  { name: 'insufficient cpu and memory', plugin: nodeResourcesFit, pod: pod('p', {}, {}, { cpu: '3', memory: '9Gi' }), node: info(node('n', { cpu: '2', memory: '8Gi' })), want: [ERR_INSUFFICIENT_CPU, ERR_INSUFFICIENT_MEMORY] },
  { name: 'pod capacity reached', plugin: nodeResourcesFit, pod: pod('p'), node: info(node('n', { pods: '2' }), [pod('a'), pod('b')]), want: [ERR_TOO_MANY_PODS] },
  { name: 'no requests always fit cpu', plugin: nodeResourcesFit, pod: pod('p'), node: info(node('n', { cpu: '1' }), [pod('q', {}, {}, { cpu: '1' })]), want: [] },
  { name: 'anti-affinity: a web pod already on the node', plugin: interPodAffinity, pod: pod('p', { affinity: antiWeb }, { app: 'web' }), node: info(node('n'), [pod('w', {}, { app: 'web' })]), want: [ERR_ANTI_AFFINITY] },
  { name: 'anti-affinity: web pod on another node only', plugin: interPodAffinity, pod: pod('p', { affinity: antiWeb }, { app: 'web' }), node: info(node('n')), others: [info(node('m'), [pod('w', {}, { app: 'web' })])], want: [] },
  { name: 'anti-affinity is symmetric', plugin: interPodAffinity, pod: pod('p', {}, { app: 'web' }), node: info(node('n'), [pod('w', { affinity: antiWeb }, { app: 'other' })]), want: [ERR_ANTI_AFFINITY] },
  {
    name: 'affinity: needs a cache pod in the same zone',
    plugin: interPodAffinity,
    pod: pod('p', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: 'topology.kubernetes.io/zone' }] } } }),
    node: info(node('n', { labels: zoneB })),
    others: [info(node('m', { labels: zoneA }), [pod('c', {}, { app: 'cache' })])],
    want: [ERR_AFFINITY],
  },
  {
    name: 'topology spread: zone a already has 2, b has 0, maxSkew 1',
    plugin: podTopologySpread,
    pod: pod('p', { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }] }, { app: 'web' }),
    node: info(node('n', { labels: zoneA }), [pod('w1', {}, { app: 'web' }), pod('w2', {}, { app: 'web' })]),
    others: [info(node('m', { labels: zoneB }))],
    want: [ERR_TOPOLOGY_SPREAD],
  },
  {
    name: 'topology spread: the emptier zone is fine',
    plugin: podTopologySpread,
    pod: pod('p', { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }] }, { app: 'web' }),
    node: info(node('m', { labels: zoneB })),
    others: [info(node('n', { labels: zoneA }), [pod('w1', {}, { app: 'web' }), pod('w2', {}, { app: 'web' })])],
    want: [],
  },
];

for (const c of cases) {
  t.test(`${c.plugin.name}: ${c.name}`, async (t) => {
    const nodes = [c.node, ...(c.others ?? [])];
    const status = c.plugin.filter(c.pod, c.node, cycle(nodes, c.pod, c.plugin as never));
    t.same(status.reasons, c.want);
    t.equal(status.code === 'Success', c.want.length === 0);
  });
}

t.test('scores: least allocated prefers the emptier node; taints and preferred affinity rank', async (t) => {
  const p = pod('p', {}, {}, { cpu: '500m', memory: '512Mi' });
  const empty = info(node('empty'));
  const busy = info(node('busy'), [pod('q', {}, {}, { cpu: '2', memory: '4Gi' })]);
  const state = cycle([empty, busy], p, {});
  t.ok(leastAllocated.score(p, empty, state) > leastAllocated.score(p, busy, state));

  const tainted = info(node('t', { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] }));
  const scores = [taintToleration.score(p, tainted, state), taintToleration.score(p, empty, state)];
  taintToleration.normalize!(scores);
  t.same(scores, [0, 100]);

  const pref = pod('p', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] } } });
  const ssd = info(node('ssd', { labels: { disk: 'ssd' } }));
  const affinity = [nodeAffinity.score(pref, ssd, state), nodeAffinity.score(pref, empty, state)];
  nodeAffinity.normalize!(affinity);
  t.same(affinity, [100, 0]);
});
