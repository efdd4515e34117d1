// Profiles: which plugins run at which extension point. The default set is
// one list (kube-scheduler's default multiPoint), one plugin per line; order
// is behaviour: filters run in this order and the first one that rejects a
// node names the reason counted for it, so cheap, decisive checks come first.
// A KubeSchedulerConfiguration profile is merged onto it as kube-scheduler
// merges (mergePluginSet, then multiPoint expansion with specific extension
// points taking precedence).

import type {
  BindPlugin, FilterPlugin, FrameworkHandle, Plugin, PermitPlugin, PostBindPlugin, PostFilterPlugin, PreBindPlugin, PreFilterPlugin, PreScorePlugin,
  Profile, QueueSortPlugin, ReservePlugin, ScorePlugin,
} from './framework.ts';
import type { ExtensionPoint, PluginFactory, PluginRef, PluginSet, ProfileConfig } from './config/types.ts';
import { EXTENSION_POINTS } from './config/types.ts';
import { SchedulerConfigError } from './config/config-error.ts';
import { IN_TREE_PLUGINS } from './plugin-registry.ts';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** The default profile's plugins (kube-scheduler's, less those for kinds meshlet lacks, plus NodeReady). */
export const DEFAULT_PLUGINS: readonly PluginRef[] = [
  { name: 'PrioritySort' },
  { name: 'NodeUnschedulable' },
  { name: 'NodeName' },
  { name: 'NodeReady' },
  { name: 'TaintToleration', weight: 3 },
  { name: 'NodeAffinity', weight: 2 },
  { name: 'NodeResourcesFit', weight: 1 },
  { name: 'VolumeRestrictions' },
  { name: 'VolumeBinding' },
  { name: 'PodTopologySpread', weight: 2 },
  { name: 'InterPodAffinity' },
  { name: 'DefaultPreemption' },
  { name: 'DefaultBinder' },
];

const METHOD: Record<ExtensionPoint, string> = {
  queueSort: 'less', preFilter: 'preFilter', filter: 'filter', postFilter: 'postFilter', preScore: 'preScore', score: 'score',
  reserve: 'reserve', permit: 'permit', preBind: 'preBind', bind: 'bind', postBind: 'postBind',
};

export function implementsPoint(plugin: Plugin, point: ExtensionPoint): boolean {
  return typeof (plugin as unknown as Record<string, unknown>)[METHOD[point]] === 'function';
}

/** kube-scheduler's mergePluginSet: defaults minus disabled ('*' = all), custom entries replace defaults in place, the rest appended. */
export function mergePluginSet(defaults: readonly PluginRef[], custom: PluginSet | undefined): PluginRef[] {
  const disabled = new Set((custom?.disabled ?? []).map((p) => p.name));
  const enabled = new Map((custom?.enabled ?? []).map((p) => [p.name, p]));
  const replaced = new Set<string>();
  const merged: PluginRef[] = [];
  if (!disabled.has('*')) {
    for (const d of defaults) {
      if (disabled.has(d.name)) continue;
      const c = enabled.get(d.name);
      if (c) replaced.add(d.name);
      merged.push(c ? { name: d.name, weight: c.weight || d.weight } : d);
    }
  }
  for (const c of custom?.enabled ?? []) if (!replaced.has(c.name)) merged.push(c);
  return merged;
}

/** One point's list: specific entries that override multiPoint ones, then multiPoint's, then other specific ones (kube-scheduler's order). */
function pointList(point: ExtensionPoint, multiPoint: readonly PluginRef[], specific: PluginSet | undefined, plugins: ReadonlyMap<string, Plugin>): PluginRef[] {
  const disabled = new Set((specific?.disabled ?? []).map((p) => p.name));
  const enabled = specific?.enabled ?? [];
  const enabledNames = new Set(enabled.map((p) => p.name));
  const multiNames = new Set(multiPoint.map((p) => p.name));
  const fromMulti = disabled.has('*')
    ? []
    : multiPoint.filter((p) => !disabled.has(p.name) && !enabledNames.has(p.name) && plugins.get(p.name) !== undefined && implementsPoint(plugins.get(p.name)!, point));
  const overrides = enabled.filter((p) => multiNames.has(p.name)).map((p) => ({ name: p.name, weight: p.weight || multiPoint.find((m) => m.name === p.name)?.weight }));
  const others = enabled.filter((p) => !multiNames.has(p.name));
  return [...overrides, ...fromMulti, ...others];
}

export interface BuildProfileOptions {
  userPlugins?: ReadonlyMap<string, PluginFactory>;
  /** Absent: a what-if profile with no binder or preemption (no cluster to act on). */
  handle?: FrameworkHandle;
  /** Field path of this profile in the configuration, for errors. */
  path?: string;
  percentageOfNodesToScore?: number;
}

function factoryFor(name: string, options: BuildProfileOptions): PluginFactory | undefined {
  return options.userPlugins?.get(name) ?? IN_TREE_PLUGINS.get(name)?.create;
}

export async function buildProfile(config: ProfileConfig, options: BuildProfileOptions = {}): Promise<Profile> {
  const path = options.path ?? 'profile';
  const multiPoint = mergePluginSet(DEFAULT_PLUGINS, config.plugins?.multiPoint);
  const names = new Set<string>([...multiPoint.map((p) => p.name)]);
  for (const point of EXTENSION_POINTS) for (const p of config.plugins?.[point]?.enabled ?? []) names.add(p.name);
  const instances = new Map<string, Plugin>();
  for (const name of names) {
    const factory = factoryFor(name, options);
    if (!factory) throw new SchedulerConfigError(`${path}.plugins`, `Invalid value: "${name}": plugin is not registered (not in-tree and not in pluginModules)`);
    const args = config.pluginConfig?.find((c) => c.name === name)?.args;
    const plugin = await factory(args, options.handle);
    if (plugin) instances.set(name, plugin);
  }
  const lists = new Map<ExtensionPoint, PluginRef[]>();
  for (const point of EXTENSION_POINTS) {
    const refs = pointList(point, multiPoint, config.plugins?.[point], instances);
    for (const ref of refs) {
      const plugin = instances.get(ref.name);
      // Handle-less (what-if) profiles drop the plugins that need a cluster.
      if (!plugin && !options.handle) continue;
      if (!plugin || !implementsPoint(plugin, point)) {
        const i = (config.plugins?.[point]?.enabled ?? []).findIndex((p) => p.name === ref.name);
        throw new SchedulerConfigError(`${path}.plugins.${point}.enabled[${i}].name`, `Invalid value: "${ref.name}": plugin does not extend ${point}`);
      }
    }
    lists.set(point, refs.filter((r) => instances.has(r.name)));
  }
  const pick = <T extends Plugin>(point: ExtensionPoint) => (lists.get(point) ?? []).map((r) => instances.get(r.name) as T);
  const queueSorts = pick<QueueSortPlugin>('queueSort');
  if (queueSorts.length > 1) throw new SchedulerConfigError(`${path}.plugins.queueSort`, `Invalid value: ${JSON.stringify(queueSorts.map((p) => p.name))}: only one queue sort plugin can be enabled`);
  const binds = pick<BindPlugin>('bind');
  if (options.handle && binds.length === 0) throw new SchedulerConfigError(`${path}.plugins.bind`, 'Required value: at least one bind plugin is needed');
  const scoreWeights = new Map<string, number>();
  for (const r of lists.get('score') ?? []) {
    const own = (instances.get(r.name) as ScorePlugin).weight;
    const weight = r.weight || own || 1;
    if (!Number.isInteger(weight) || weight < 1 || weight > 100) throw new SchedulerConfigError(`${path}.plugins.score.enabled`, `Invalid value: ${weight}: weight of plugin "${r.name}" must be an integer in the range [1, 100]`);
    scoreWeights.set(r.name, weight);
  }
  return {
    schedulerName: config.schedulerName,
    ...(queueSorts[0] ? { queueSort: queueSorts[0] } : {}),
    preFilters: pick<PreFilterPlugin>('preFilter'),
    filters: pick<FilterPlugin>('filter'),
    postFilters: pick<PostFilterPlugin>('postFilter'),
    preScores: pick<PreScorePlugin>('preScore'),
    scores: pick<ScorePlugin>('score'),
    scoreWeights,
    reserves: pick<ReservePlugin>('reserve'),
    permits: pick<PermitPlugin>('permit'),
    preBinds: pick<PreBindPlugin>('preBind'),
    binds,
    postBinds: pick<PostBindPlugin>('postBind'),
    ...(config.percentageOfNodesToScore ?? options.percentageOfNodesToScore ? { percentageOfNodesToScore: config.percentageOfNodesToScore ?? options.percentageOfNodesToScore } : {}),
  };
}

/**
 * The default pipeline without a cluster to act on (filters and scores only), for what-if
 * runs of schedulePod and the benchmark. The scheduler builds its own with binder and preemption.
 * `given`: instances for default plugins by name, e.g. VolumeBinding over fixed listers, which
 * without a handle would be left out.
 */
export function defaultProfile(schedulerName: string = DEFAULT_SCHEDULER_NAME, given?: ReadonlyMap<string, Plugin>): Profile {
  // Every default factory is synchronous; only user factories may be async.
  return {
    schedulerName,
    ...pipelineOf(DEFAULT_PLUGINS.map((ref) => [ref, given?.get(ref.name) ?? (IN_TREE_PLUGINS.get(ref.name)!.create(undefined, undefined) as Plugin | undefined)])),
  };
}

function pipelineOf(entries: [PluginRef, Plugin | undefined][]): Omit<Profile, 'schedulerName'> {
  const present = entries.filter((e): e is [PluginRef, Plugin] => e[1] !== undefined);
  const at = <T extends Plugin>(point: ExtensionPoint) => present.filter(([, p]) => implementsPoint(p, point)).map(([, p]) => p as T);
  const queueSort = at<QueueSortPlugin>('queueSort')[0];
  return {
    ...(queueSort ? { queueSort } : {}),
    preFilters: at<PreFilterPlugin>('preFilter'),
    filters: at<FilterPlugin>('filter'),
    preScores: at<PreScorePlugin>('preScore'),
    scores: at<ScorePlugin>('score'),
    scoreWeights: new Map(present.filter(([, p]) => implementsPoint(p, 'score')).map(([r, p]) => [r.name, r.weight || (p as ScorePlugin).weight || 1])),
  };
}
