// Preemption's pure part: reprieve keeps as many victims as fit back, PDB-
// protected pods are reprieved first, and pickCandidate applies
// kube-scheduler's order (PDB violations, highest victim priority, sum, count).

import t from 'tap';
import type { Pod } from '../../control/api/index.ts';
import { findCandidates, pickCandidate, podRequests, selectVictimsOnNode, unschedulable, unresolvable } from '../../control/scheduler/index.ts';
import type { Candidate, FitCheck, NodeInfo } from '../../control/scheduler/index.ts';
import { info, node, pod } from './nodes.ts';

const prio = (name: string, priority: number, cpu: string, labels: Record<string, string> = {}): Pod => pod(name, { priority }, labels, { cpu });

/** Fits when the node's free cpu covers the pod's request (what NodeResourcesFit checks). */
const cpuFits: FitCheck = (p, n: NodeInfo) => n.allocatable.milliCpu - n.requested.milliCpu >= podRequests(p).requested.milliCpu;

t.test('only the pods that must go are victims, least important first out', async (t) => {
  const n = info(node('n', { cpu: '2' }), [prio('a', 5, '500m'), prio('b', 1, '500m'), prio('c', 3, '500m'), prio('d', 100, '500m')]);
  const candidate = selectVictimsOnNode(prio('p', 10, '1'), n, cpuFits, []);
  t.same(candidate?.victims.map((v) => v.metadata.name), ['c', 'b'], 'a (5) is reprieved before c (3) and b (1); d outranks the pod');
  t.equal(n.pods.size, 4, 'the snapshot itself is untouched');
  t.notOk(selectVictimsOnNode(prio('p', 10, '3'), n, cpuFits, []), 'no room even without every lower pod');
  t.notOk(selectVictimsOnNode(prio('p', 1, '500m'), n, cpuFits, []), 'nobody of lower priority');
});

t.test('pods a PodDisruptionBudget protects are reprieved first', async (t) => {
  const n = info(node('n', { cpu: '1' }), [prio('guarded', 1, '500m', { app: 'db' }), prio('free', 5, '500m', { app: 'web' })]);
  const budget = { namespace: 'default', selector: { matchLabels: { app: 'db' } }, disruptionsAllowed: 0 };
  const withBudget = selectVictimsOnNode(prio('p', 10, '500m'), n, cpuFits, [budget]);
  t.same(withBudget?.victims.map((v) => v.metadata.name), ['free'], 'the higher-priority but unprotected pod goes');
  t.equal(withBudget?.pdbViolations, 0);
  const without = selectVictimsOnNode(prio('p', 10, '500m'), n, cpuFits, []);
  t.same(without?.victims.map((v) => v.metadata.name), ['guarded'], 'without the budget, the lowest priority goes');
  const both = selectVictimsOnNode(prio('p', 10, '1'), n, cpuFits, [budget]);
  t.equal(both?.pdbViolations, 1, 'a violation is counted when the protected pod must go too');
});

t.test('candidates: only nodes preemption can help; pick by kube-scheduler order', async (t) => {
  const nodes = [info(node('n1', { cpu: '1' }), [prio('x', 1, '1')]), info(node('n2', { cpu: '1' }), [prio('y', 1, '1')])];
  const failures = new Map([['n1', unschedulable('Insufficient cpu')], ['n2', unresolvable('node(s) didn\'t match Pod\'s node affinity/selector')]]);
  t.same(findCandidates(prio('p', 10, '1'), nodes, failures, cpuFits, []).map((c) => c.node), ['n1'], 'UnschedulableAndUnresolvable nodes are not tried');

  const c = (node: string, priorities: number[], pdbViolations = 0): Candidate => ({ node, victims: priorities.map((p, i) => prio(`${node}-${i}`, p, '1')), pdbViolations });
  t.equal(pickCandidate([c('a', [1], 1), c('b', [50])])?.node, 'b', 'fewer PDB violations first');
  t.equal(pickCandidate([c('a', [50]), c('b', [10, 10])])?.node, 'b', 'then the lower highest-priority victim');
  t.equal(pickCandidate([c('a', [10, 5]), c('b', [10, 1])])?.node, 'b', 'then the smaller sum');
  t.equal(pickCandidate([c('a', [10, 0, 0]), c('b', [10, 0])])?.node, 'b', 'then fewer victims (each adds the offset to the sum)');
  t.equal(pickCandidate([c('a', [10]), c('b', [10])])?.node, 'a', 'then the first');
  t.equal(pickCandidate([]), undefined);
});
