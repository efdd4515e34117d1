// `meshlet kubeconfig [--write]`: print a kubeconfig for the running cluster,
// or merge it into $KUBECONFIG (~/.kube/config) under the name `meshlet`.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { mergeKubeconfig } from '../../apiserver/index.ts';
import { bool } from '../args.ts';
import type { CommandSpec, ParsedArgs } from '../args.ts';
import { meshletHome, requireRunning } from '../home.ts';

export const kubeconfigCommand: CommandSpec = {
  name: 'kubeconfig',
  summary: 'print a kubeconfig for the cluster, or merge it into ~/.kube/config',
  flags: [{ names: ['--write'], key: 'write', kind: 'boolean', help: 'merge as context "meshlet" into $KUBECONFIG (~/.kube/config) and make it current' }],
  run: printOrWriteKubeconfig,
};

async function printOrWriteKubeconfig(args: ParsedArgs): Promise<number> {
  const state = requireRunning(meshletHome());
  const ours = readFileSync(state.kubeconfig, 'utf8');
  if (!bool(args, 'write')) {
    process.stdout.write(ours);
    return 0;
  }
  const target = (process.env.KUBECONFIG ?? '').split(':').filter(Boolean)[0] ?? join(homedir(), '.kube', 'config');
  const existing = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, mergeKubeconfig(existing, { server: state.apiServer, token: state.token, caData: state.caData }), { mode: 0o600 });
  process.stdout.write(`meshlet: wrote context "meshlet" to ${target} and made it current\n`);
  return 0;
}
