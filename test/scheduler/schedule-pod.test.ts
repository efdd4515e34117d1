// The scheduling cycle's extension points, pure: PreFilter narrowing the
// nodes and Skip, Filter order, PreScore Skip, Score normalize and weights
// (a profile's weight overriding the plugin's own).

import t from 'tap';
import type { Pod } from '../../control/api/index.ts';
import { SKIP, SUCCESS, runSchedulingCycle, schedulePod, unschedulable } from '../../control/scheduler/index.ts';
import type { FilterPlugin, PreFilterPlugin, PreScorePlugin, Profile, ScorePlugin } from '../../control/scheduler/index.ts';
import { info, node, pod } from './nodes.ts';

const nodes = () => [info(node('a')), info(node('b')), info(node('c'))];
const calls: string[] = [];

const rejectA: FilterPlugin = { name: 'RejectA', filter: (_p, n) => (calls.push(`filter:${n.name}`), n.name === 'a' ? unschedulable('node(s) were a') : SUCCESS) };
const onlyBC: PreFilterPlugin = { name: 'OnlyBC', preFilter: () => ({ ...SUCCESS, nodeNames: new Set(['b', 'c']) }) };
const onlyC: PreFilterPlugin = { name: 'OnlyC', preFilter: () => ({ ...SUCCESS, nodeNames: new Set(['c', 'a']) }) };
const skipper: PreFilterPlugin & FilterPlugin = { name: 'Skipper', preFilter: () => SKIP, filter: () => unschedulable('never called') };
const prefer = (name: string, favourite: string, weight?: number): ScorePlugin => ({ name, ...(weight ? { weight } : {}), score: (_p, n) => (n.name === favourite ? 10 : 0), normalize: (s) => s.forEach((v, i) => (s[i] = v * 10)) });

const profile = (p: Partial<Profile>): Profile => ({ schedulerName: 's', preFilters: [], filters: [], scores: [], ...p });
const p = (): Pod => pod('p');

t.test('PreFilter nodeNames narrow the cycle (intersected); excluded nodes are unresolvable', async (t) => {
  calls.length = 0;
  const cycle = runSchedulingCycle(profile({ preFilters: [onlyBC, onlyC], filters: [rejectA] }), p(), nodes());
  t.match(cycle.result, { ok: true, node: 'c', feasibleNodes: 1 });
  t.same(calls, ['filter:c'], 'filters ran only on the node both PreFilters allow');
  const none = runSchedulingCycle(profile({ preFilters: [{ name: 'OnlyZ', preFilter: () => ({ ...SUCCESS, nodeNames: new Set(['z']) }) }] }), p(), nodes());
  t.match(none.result, { ok: false, message: "0/3 nodes are available: 3 node(s) didn't satisfy plugin(s) [OnlyZ]." });
  t.equal(none.statuses.get('a')?.code, 'UnschedulableAndUnresolvable', 'preemption would not try them');
});

t.test('a PreFilter that rejects ends the cycle for every node', async (t) => {
  const result = schedulePod(profile({ preFilters: [{ name: 'No', preFilter: () => unschedulable('pod(s) had no ticket') }] }), p(), nodes());
  t.match(result, { ok: false, message: '0/3 nodes are available: pod(s) had no ticket.' });
});

t.test('PreFilter Skip: that plugin\'s Filter is not called', async (t) => {
  const cycle = runSchedulingCycle(profile({ preFilters: [skipper], filters: [skipper] }), p(), nodes());
  t.equal(cycle.result.ok, true);
  t.ok(cycle.state.skipFilter?.has('Skipper'));
});

t.test('Filter: the first rejecting plugin names the node\'s status', async (t) => {
  const cycle = runSchedulingCycle(profile({ filters: [rejectA, { name: 'Second', filter: () => unschedulable('second') }] }), p(), nodes());
  t.match(cycle.statuses.get('a'), { plugin: 'RejectA', reasons: ['node(s) were a'] });
  t.match(cycle.statuses.get('b'), { plugin: 'Second' });
});

t.test('Score: normalized scores times weights; a profile weight overrides the plugin\'s', async (t) => {
  const plugins = [prefer('LikesA', 'a', 1), prefer('LikesB', 'b', 2)];
  t.match(schedulePod(profile({ scores: plugins }), p(), nodes()), { ok: true, node: 'b', scores: new Map([['a', 100], ['b', 200], ['c', 0]]) });
  const reweighted = profile({ scores: plugins, scoreWeights: new Map([['LikesA', 5]]) });
  t.match(schedulePod(reweighted, p(), nodes()), { ok: true, node: 'a', scores: new Map([['a', 500], ['b', 200]]) });
});

t.test('PreScore runs once over the feasible nodes; Skip drops that plugin\'s Score', async (t) => {
  const seen: string[][] = [];
  const pre: PreScorePlugin & ScorePlugin = { name: 'Pre', preScore: (_p, ns) => (seen.push(ns.map((n) => n.name)), SKIP), score: () => 1000 };
  const result = schedulePod(profile({ filters: [rejectA], preScores: [pre], scores: [pre, prefer('LikesC', 'c')] }), p(), nodes());
  t.same(seen, [['b', 'c']]);
  t.match(result, { ok: true, node: 'c', scores: new Map([['b', 0], ['c', 100]]) });
});

t.test('percentageOfNodesToScore comes from the profile when the caller sets none', async (t) => {
  const many = Array.from({ length: 200 }, (_, i) => info(node(`n${i}`)));
  t.match(schedulePod(profile({ percentageOfNodesToScore: 100 }), p(), many), { ok: true, feasibleNodes: 200 });
  t.match(schedulePod(profile({}), p(), many), { ok: true, feasibleNodes: 100 });
});
