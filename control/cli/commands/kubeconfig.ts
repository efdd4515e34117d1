// `meshlet kubeconfig [--write]`: print a kubeconfig for the running cluster,
// or merge it into $KUBECONFIG (~/.kube/config) under the name `meshlet`.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseYaml, stringifyYaml } from '../../api/index.ts';
import { parseArgs, bool } from '../args.ts';
import { meshletHome, requireRunning } from '../home.ts';

interface Named {
  name: string;
  [k: string]: unknown;
}

interface KubeconfigShape {
  clusters?: Named[];
  users?: Named[];
  contexts?: Named[];
  'current-context'?: string;
  [k: string]: unknown;
}

export function mergeKubeconfig(existing: KubeconfigShape, ours: KubeconfigShape): KubeconfigShape {
  const merge = (a: Named[] = [], b: Named[] = []) => [...a.filter((x) => !b.some((y) => y.name === x.name)), ...b];
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    ...existing,
    clusters: merge(existing.clusters, ours.clusters),
    users: merge(existing.users, ours.users),
    contexts: merge(existing.contexts, ours.contexts),
    'current-context': ours['current-context'],
  };
}

export async function kubeconfigCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, [{ names: ['--write'], key: 'write', kind: 'boolean' }]);
  const state = requireRunning(meshletHome());
  const ours = readFileSync(state.kubeconfig, 'utf8');
  if (!bool(args, 'write')) {
    process.stdout.write(ours);
    return 0;
  }
  const target = (process.env.KUBECONFIG ?? '').split(':').filter(Boolean)[0] ?? join(homedir(), '.kube', 'config');
  const existing = existsSync(target) ? ((parseYaml(readFileSync(target, 'utf8'), target) ?? {}) as KubeconfigShape) : {};
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, stringifyYaml(mergeKubeconfig(existing, parseYaml(ours, state.kubeconfig) as KubeconfigShape)), { mode: 0o600 });
  process.stdout.write(`meshlet: wrote context "meshlet" to ${target} and made it current\n`);
  return 0;
}
