// meshlet's extension to KubeSchedulerConfiguration: `pluginModules`, a list
// of {name, path}. Each module's default export is either a plugin object
// (with `name` and the methods of the extension points it takes part in) or
// a factory `(args, handle) => plugin` (may be async) that receives its
// pluginConfig args and the framework handle. Paths are relative to the
// configuration file; .ts, .mjs and .js modules load (the CLI runs on tsx).

import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from '../framework.ts';
import type { PluginFactory } from './types.ts';
import { SchedulerConfigError, checkFields, expectArray, expectRecord, invalidValue, isRecord } from './config-error.ts';

function isPlugin(v: unknown): v is Plugin {
  return isRecord(v) && typeof v['name'] === 'string';
}

/** The factory for one module; a constant plugin is checked against its configured name right away. */
async function loadModule(name: string, path: string, baseDir: string, field: string): Promise<PluginFactory> {
  const file = isAbsolute(path) ? path : resolve(baseDir, path);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw invalidValue(`${field}.path`, path, `cannot load plugin module: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const exported = mod['default'];
  if (typeof exported === 'function') {
    const factory = exported as (args: unknown, handle: unknown) => unknown;
    return async (args, handle) => {
      const plugin = await factory(args, handle);
      if (!isPlugin(plugin)) throw invalidValue(`${field}.path`, path, 'the default export returned no plugin object with a name');
      if (plugin.name !== name) throw invalidValue(`${field}.name`, name, `the module's plugin is named "${plugin.name}"`);
      return plugin;
    };
  }
  if (!isPlugin(exported)) throw invalidValue(`${field}.path`, path, 'the module has no default export that is a plugin object or a factory function');
  if (exported.name !== name) throw invalidValue(`${field}.name`, name, `the module's plugin is named "${exported.name}"`);
  return () => exported;
}

export async function loadPluginModules(raw: unknown, baseDir: string, inTree: ReadonlySet<string>): Promise<Map<string, PluginFactory>> {
  const factories = new Map<string, PluginFactory>();
  if (raw === undefined) return factories;
  const entries = expectArray(raw, 'pluginModules');
  for (const [i, entry] of entries.entries()) {
    const field = `pluginModules[${i}]`;
    const e = expectRecord(entry, field);
    checkFields(e, field, ['name', 'path']);
    const name = e['name'];
    const path = e['path'];
    if (typeof name !== 'string' || !name) throw new SchedulerConfigError(`${field}.name`, 'Required value');
    if (typeof path !== 'string' || !path) throw new SchedulerConfigError(`${field}.path`, 'Required value');
    if (inTree.has(name)) throw new SchedulerConfigError(`${field}.name`, `Duplicate value: "${name}": an in-tree plugin has this name`);
    if (factories.has(name)) throw new SchedulerConfigError(`${field}.name`, `Duplicate value: "${name}"`);
    factories.set(name, await loadModule(name, path, baseDir, field));
  }
  return factories;
}
