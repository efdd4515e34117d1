// KubeSchedulerConfiguration files: profiles and how their plugin sets merge
// onto the defaults (enabled/disabled, '*', multiPoint, weights, args,
// percentageOfNodesToScore), user plugin modules, and a precise field path
// for every bad input.

import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProfile, schedulePod } from '../../../control/scheduler/index.ts';
import { loadSchedulerConfig, parseSchedulerConfig } from '../../../control/scheduler/config/load-config.ts';
import { info, node, pod } from '../nodes.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const parse = (yaml: string) => parseSchedulerConfig(yaml, { baseDir: FIXTURES, source: 'sched.yaml' });
const header = 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n';

t.test('no profiles: one default-scheduler profile with the default pipeline', async (t) => {
  const config = await parse(header);
  t.same(config.profiles, [{ schedulerName: 'default-scheduler' }]);
  const profile = await buildProfile(config.profiles[0]!);
  t.same(profile.filters.map((p) => p.name), ['NodeUnschedulable', 'NodeName', 'NodeReady', 'TaintToleration', 'NodeAffinity', 'NodeResourcesFit', 'PodTopologySpread', 'InterPodAffinity']);
  t.same([...profile.scoreWeights!], [['TaintToleration', 3], ['NodeAffinity', 2], ['NodeResourcesFit', 1], ['PodTopologySpread', 2]]);
  t.equal(profile.queueSort?.name, 'PrioritySort');
});

t.test('enabled / disabled / * / multiPoint / weights / args, merged as kube-scheduler merges', async (t) => {
  const config = await parse(`${header}percentageOfNodesToScore: 70
profiles:
  - schedulerName: packer
    percentageOfNodesToScore: 40
    plugins:
      score:
        disabled: [{name: '*'}]
        enabled: [{name: NodeResourcesFit, weight: 7}]
      filter:
        disabled: [{name: NodeReady}]
    pluginConfig:
      - name: NodeResourcesFit
        args: {scoringStrategy: {type: MostAllocated}}
  - schedulerName: custom
    plugins:
      multiPoint:
        enabled: [{name: TestPlugin, weight: 5}]
        disabled: [{name: TaintToleration}]
      score:
        enabled: [{name: TestPlugin, weight: 9}]
pluginModules:
  - {name: TestPlugin, path: ./test-plugin.ts}
`);
  t.same(config.profiles.map((p) => p.schedulerName), ['packer', 'custom']);
  t.equal(config.percentageOfNodesToScore, 70);
  const packer = await buildProfile(config.profiles[0]!, { userPlugins: config.userPlugins });
  t.same(packer.scores.map((p) => p.name), ['NodeResourcesFit']);
  t.same([...packer.scoreWeights!], [['NodeResourcesFit', 7]]);
  t.notOk(packer.filters.some((p) => p.name === 'NodeReady'), 'NodeReady disabled at filter');
  t.equal(packer.percentageOfNodesToScore, 40);
  // MostAllocated packs: the pod goes to the fuller node.
  const nodes = [info(node('empty', { cpu: '4' })), info(node('busy', { cpu: '4' }), [pod('x', {}, {}, { cpu: '2' })])];
  t.match(schedulePod(packer, pod('p', {}, {}, { cpu: '1' }), nodes), { ok: true, node: 'busy' });

  const custom = await buildProfile(config.profiles[1]!, { userPlugins: config.userPlugins });
  t.notOk(custom.filters.some((p) => p.name === 'TaintToleration') || custom.scores.some((p) => p.name === 'TaintToleration'), 'disabled at every point');
  t.equal(custom.filters.at(-1)?.name, 'TestPlugin', 'multiPoint adds it to filter after the defaults');
  t.equal(custom.scores[0]?.name, 'TestPlugin', 'the specific score entry overrides multiPoint and comes first');
  t.equal(custom.scoreWeights?.get('TestPlugin'), 9);
  t.same(custom.permits?.map((p) => p.name), ['TestPlugin']);
});

t.test('a user plugin takes part: its Filter rejects, its Score decides', async (t) => {
  const config = await parse(`${header}profiles:
  - schedulerName: default-scheduler
    plugins:
      multiPoint:
        enabled: [{name: TestPlugin, weight: 50}]
pluginModules:
  - {name: TestPlugin, path: ./test-plugin.ts}
`);
  const profile = await buildProfile(config.profiles[0]!, { userPlugins: config.userPlugins });
  const nodes = [info(node('a', { labels: { 'meshlet.test/avoid': 'true' } })), info(node('b')), info(node('c', { labels: { 'meshlet.test/preferred': 'true' } }))];
  for (let i = 0; i < 5; i++) t.match(schedulePod(profile, pod(`p${i}`), nodes), { ok: true, node: 'c' });
  t.match(schedulePod(profile, pod('q'), nodes.slice(0, 1)), { ok: false, message: '0/1 nodes are available: 1 node(s) were avoided by TestPlugin.' });
});

t.test('bad input fails with the field path', async (t) => {
  const cases: [string, string, RegExp][] = [
    ['wrong apiVersion', 'apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n', /apiVersion: Unsupported value: "kubescheduler.config.k8s.io\/v1beta3"/],
    ['unknown top-level field', `${header}profile: []\n`, /KubeSchedulerConfiguration is invalid: profile: unknown field/],
    ['unknown plugin', `${header}profiles:\n  - schedulerName: s\n    plugins:\n      filter:\n        enabled: [{name: NodeFoo}]\n`, /profiles\[0\]\.plugins\.filter\.enabled\[0\]\.name: Invalid value: "NodeFoo": plugin does not exist/],
    ['unknown extension point', `${header}profiles:\n  - schedulerName: s\n    plugins:\n      filters: {}\n`, /profiles\[0\]\.plugins\.filters: unknown field/],
    ['weight out of range', `${header}profiles:\n  - schedulerName: s\n    plugins:\n      score:\n        enabled: [{name: NodeAffinity, weight: 101}]\n`, /profiles\[0\]\.plugins\.score\.enabled\[0\]\.weight: Invalid value: 101/],
    ['missing schedulerName with two profiles', `${header}profiles:\n  - schedulerName: a\n  - plugins: {}\n`, /profiles\[1\]\.schedulerName: Required value/],
    ['duplicate schedulerName', `${header}profiles:\n  - schedulerName: a\n  - schedulerName: a\n`, /profiles\[1\]\.schedulerName: Duplicate value: "a"/],
    ['bad scoring strategy', `${header}profiles:\n  - schedulerName: a\n    pluginConfig:\n      - name: NodeResourcesFit\n        args: {scoringStrategy: {type: Balanced}}\n`, /profiles\[0\]\.pluginConfig\[0\]\.args\.scoringStrategy\.type: Unsupported value: "Balanced"/],
    ['unknown args field', `${header}profiles:\n  - schedulerName: a\n    pluginConfig:\n      - name: DefaultPreemption\n        args: {minCandidateNodes: 3}\n`, /profiles\[0\]\.pluginConfig\[0\]\.args\.minCandidateNodes: unknown field/],
    ['percentage out of range', `${header}percentageOfNodesToScore: 120\n`, /percentageOfNodesToScore: Invalid value: 120/],
    ['missing module', `${header}pluginModules:\n  - {name: Mine, path: ./nope.mjs}\n`, /pluginModules\[0\]\.path: Invalid value: ".\/nope.mjs": cannot load plugin module/],
    ['module name mismatch', `${header}pluginModules:\n  - {name: Other, path: ./test-plugin.ts}\n`, /pluginModules\[0\]\.name: Invalid value: "Other": the module's plugin is named "TestPlugin"/],
    ['in-tree name taken', `${header}pluginModules:\n  - {name: NodeName, path: ./test-plugin.ts}\n`, /pluginModules\[0\]\.name: Duplicate value: "NodeName": an in-tree plugin has this name/],
    ['extenders', `${header}extenders: [{urlPrefix: 'http://127.0.0.1:1'}]\n`, /extenders: Forbidden/],
  ];
  for (const [name, yaml, want] of cases) {
    const err = await parse(yaml).then(
      async (config) => {
        // A factory module's plugin name is only known once it is built.
        for (const p of config.profiles) await buildProfile({ ...p, plugins: { multiPoint: { enabled: [...config.userPlugins.keys()].map((n) => ({ name: n })) } } }, { userPlugins: config.userPlugins });
        return undefined;
      },
      (e: unknown) => e,
    ).catch((e: unknown) => e);
    t.ok(err instanceof Error, `${name}: fails`);
    t.match((err as Error).message, want, name);
    t.match((err as { code?: string }).code, 'MESHLET_SCHEDULER_CONFIG', `${name}: stable code`);
  }
});

t.test('loadSchedulerConfig reads a file and resolves module paths next to it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-sched-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, `${header}pluginModules:\n  - {name: TestPlugin, path: ${JSON.stringify(join(FIXTURES, 'test-plugin.ts'))}}\n`);
  const config = await loadSchedulerConfig(file);
  t.same([...config.userPlugins.keys()], ['TestPlugin']);
  const missing = await loadSchedulerConfig(join(dir, 'absent.yaml')).catch((e: unknown) => e);
  t.match((missing as Error).message, /cannot read/);
});
