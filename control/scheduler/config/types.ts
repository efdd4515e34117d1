// KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1), the parts
// meshlet acts on, plus meshlet's `pluginModules` extension. Field names are
// kube-scheduler's.

import type { FrameworkHandle, Plugin } from '../framework.ts';

export const EXTENSION_POINTS = [
  'queueSort', 'preFilter', 'filter', 'postFilter', 'preScore', 'score', 'reserve', 'permit', 'preBind', 'bind', 'postBind',
] as const;
export type ExtensionPoint = (typeof EXTENSION_POINTS)[number];

export interface PluginRef {
  name: string;
  /** Score plugins only; 0 or absent means the default weight. */
  weight?: number;
}

export interface PluginSet {
  enabled?: PluginRef[];
  /** `{name: '*'}` disables every default plugin of the set. */
  disabled?: PluginRef[];
}

export type PluginsConfig = Partial<Record<ExtensionPoint | 'multiPoint', PluginSet>>;

export interface PluginConfigEntry {
  name: string;
  args?: unknown;
}

export interface ProfileConfig {
  schedulerName: string;
  plugins?: PluginsConfig;
  pluginConfig?: PluginConfigEntry[];
  percentageOfNodesToScore?: number;
}

/** A plugin factory: in-tree ones and user modules alike. `handle` is absent for what-if profiles (no cluster). */
export type PluginFactory = (args: unknown, handle: FrameworkHandle | undefined) => Plugin | undefined | Promise<Plugin | undefined>;

export interface SchedulerConfiguration {
  profiles: ProfileConfig[];
  percentageOfNodesToScore?: number;
  /** User plugins by name (from pluginModules), next to the in-tree ones. */
  userPlugins: ReadonlyMap<string, PluginFactory>;
  /** Where the configuration came from, for messages. */
  source?: string;
}
