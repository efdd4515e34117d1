// Reads a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) file:
// strict about fields, as kube-scheduler's decoder is, so a typo fails
// `meshlet up` with its field path instead of being ignored. Fields
// kube-scheduler has but meshlet has no use for (leader election, client
// connection, backoff, parallelism, bind addresses) are accepted and ignored.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseYaml } from '../../api/index.ts';
import { IN_TREE_PLUGINS } from '../plugin-registry.ts';
import { DEFAULT_SCHEDULER_NAME } from '../profile.ts';
import type { ExtensionPoint, PluginConfigEntry, PluginRef, PluginSet, PluginsConfig, ProfileConfig, SchedulerConfiguration } from './types.ts';
import { EXTENSION_POINTS } from './types.ts';
import { SchedulerConfigError, checkFields, expectArray, expectInt, expectRecord, invalidValue, unsupportedValue } from './config-error.ts';
import { loadPluginModules } from './plugin-modules.ts';

export const SCHEDULER_CONFIG_API_VERSION = 'kubescheduler.config.k8s.io/v1';

const IGNORED_FIELDS = [
  'parallelism', 'leaderElection', 'clientConnection', 'healthzBindAddress', 'metricsBindAddress', 'enableProfiling', 'enableContentionProfiling',
  'podInitialBackoffSeconds', 'podMaxBackoffSeconds', 'delayCacheUntilActive',
];
const TOP_FIELDS = ['apiVersion', 'kind', 'profiles', 'percentageOfNodesToScore', 'extenders', 'pluginModules', ...IGNORED_FIELDS];

function parsePluginSet(raw: unknown, path: string, known: (name: string) => boolean): PluginSet {
  const set = expectRecord(raw, path);
  checkFields(set, path, ['enabled', 'disabled']);
  const refs = (key: 'enabled' | 'disabled'): PluginRef[] | undefined => {
    if (set[key] === undefined || set[key] === null) return undefined;
    return expectArray(set[key], `${path}.${key}`).map((r, i) => {
      const rPath = `${path}.${key}[${i}]`;
      const ref = expectRecord(r, rPath);
      checkFields(ref, rPath, ['name', 'weight']);
      const name = ref['name'];
      if (typeof name !== 'string' || !name) throw new SchedulerConfigError(`${rPath}.name`, 'Required value');
      if (!(key === 'disabled' && name === '*') && !known(name)) throw invalidValue(`${rPath}.name`, name, 'plugin does not exist (neither in-tree nor in pluginModules)');
      if (ref['weight'] === undefined) return { name };
      if (key === 'disabled') throw new SchedulerConfigError(`${rPath}.weight`, 'Forbidden: a disabled plugin has no weight');
      return { name, weight: expectInt(ref['weight'], `${rPath}.weight`, 0, 100) };
    });
  };
  const enabled = refs('enabled');
  const disabled = refs('disabled');
  return { ...(enabled ? { enabled } : {}), ...(disabled ? { disabled } : {}) };
}

function parsePlugins(raw: unknown, path: string, known: (name: string) => boolean): PluginsConfig {
  const plugins = expectRecord(raw, path);
  const points: readonly string[] = [...EXTENSION_POINTS, 'multiPoint'];
  checkFields(plugins, path, points);
  const out: PluginsConfig = {};
  for (const [point, set] of Object.entries(plugins)) {
    if (set === null || set === undefined) continue;
    out[point as ExtensionPoint | 'multiPoint'] = parsePluginSet(set, `${path}.${point}`, known);
  }
  return out;
}

function parsePluginConfig(raw: unknown, path: string, known: (name: string) => boolean): PluginConfigEntry[] {
  const seen = new Set<string>();
  return expectArray(raw, path).map((e, i) => {
    const ePath = `${path}[${i}]`;
    const entry = expectRecord(e, ePath);
    checkFields(entry, ePath, ['name', 'args']);
    const name = entry['name'];
    if (typeof name !== 'string' || !name) throw new SchedulerConfigError(`${ePath}.name`, 'Required value');
    if (!known(name)) throw invalidValue(`${ePath}.name`, name, 'plugin does not exist (neither in-tree nor in pluginModules)');
    if (seen.has(name)) throw new SchedulerConfigError(`${ePath}.name`, `Duplicate value: "${name}"`);
    seen.add(name);
    IN_TREE_PLUGINS.get(name)?.parseArgs?.(entry['args'], `${ePath}.args`);
    return { name, ...(entry['args'] !== undefined ? { args: entry['args'] } : {}) };
  });
}

function parseProfile(raw: unknown, path: string, known: (name: string) => boolean, only: boolean): ProfileConfig {
  const p = expectRecord(raw, path);
  checkFields(p, path, ['schedulerName', 'plugins', 'pluginConfig', 'percentageOfNodesToScore']);
  const schedulerName = p['schedulerName'] ?? (only ? DEFAULT_SCHEDULER_NAME : undefined);
  if (typeof schedulerName !== 'string' || !schedulerName) throw new SchedulerConfigError(`${path}.schedulerName`, 'Required value');
  return {
    schedulerName,
    ...(p['plugins'] !== undefined && p['plugins'] !== null ? { plugins: parsePlugins(p['plugins'], `${path}.plugins`, known) } : {}),
    ...(p['pluginConfig'] !== undefined ? { pluginConfig: parsePluginConfig(p['pluginConfig'], `${path}.pluginConfig`, known) } : {}),
    ...(p['percentageOfNodesToScore'] !== undefined ? { percentageOfNodesToScore: expectInt(p['percentageOfNodesToScore'], `${path}.percentageOfNodesToScore`, 0, 100) } : {}),
  };
}

/** Parses and checks a configuration; `baseDir` resolves pluginModules paths. Errors carry the field path. */
export async function parseSchedulerConfig(text: string, options: { baseDir: string; source?: string }): Promise<SchedulerConfiguration> {
  const source = options.source ?? 'KubeSchedulerConfiguration';
  try {
    const doc = expectRecord(parseYaml(text, source), '');
    checkFields(doc, '', TOP_FIELDS);
    if (doc['apiVersion'] !== SCHEDULER_CONFIG_API_VERSION) throw unsupportedValue('apiVersion', doc['apiVersion'], [SCHEDULER_CONFIG_API_VERSION]);
    if (doc['kind'] !== 'KubeSchedulerConfiguration') throw unsupportedValue('kind', doc['kind'], ['KubeSchedulerConfiguration']);
    if (doc['extenders'] !== undefined && expectArray(doc['extenders'], 'extenders').length > 0) {
      throw new SchedulerConfigError('extenders', 'Forbidden: scheduler extenders are not supported by meshlet; use pluginModules');
    }
    const userPlugins = await loadPluginModules(doc['pluginModules'], options.baseDir, new Set(IN_TREE_PLUGINS.keys()));
    const known = (name: string) => IN_TREE_PLUGINS.has(name) || userPlugins.has(name);
    const rawProfiles = doc['profiles'] === undefined || doc['profiles'] === null ? [{}] : expectArray(doc['profiles'], 'profiles');
    const profiles = (rawProfiles.length ? rawProfiles : [{}]).map((p, i, all) => parseProfile(p, `profiles[${i}]`, known, all.length === 1));
    const names = new Set<string>();
    profiles.forEach((p, i) => {
      if (names.has(p.schedulerName)) throw new SchedulerConfigError(`profiles[${i}].schedulerName`, `Duplicate value: "${p.schedulerName}"`);
      names.add(p.schedulerName);
    });
    const pct = doc['percentageOfNodesToScore'];
    return {
      profiles,
      userPlugins,
      source,
      ...(pct !== undefined ? { percentageOfNodesToScore: expectInt(pct, 'percentageOfNodesToScore', 0, 100) } : {}),
    };
  } catch (err) {
    throw err instanceof SchedulerConfigError ? err.withSource(source) : err;
  }
}

export async function loadSchedulerConfig(file: string): Promise<SchedulerConfiguration> {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SchedulerConfigError('', `cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseSchedulerConfig(text, { baseDir: dirname(path), source: file });
}
