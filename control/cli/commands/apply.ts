// `meshlet apply -f FILE|DIR...`: create or update objects in the running cluster.

import { ApiError } from '../../api/index.ts';
import { applyObjects } from '../../cluster/apply.ts';
import { discoveryResolver } from '../../cluster/kind-resolvers.ts';
import type { ApplyResult } from '../../cluster/apply.ts';
import { loadManifests } from '../../cluster/manifests.ts';
import { str, strs, UsageError } from '../args.ts';
import type { CommandSpec, ParsedArgs } from '../args.ts';
import { connect } from './connect.ts';

export function printApplyResults(results: readonly ApplyResult[]): boolean {
  let ok = true;
  for (const r of results) {
    if (r.action === 'failed') {
      ok = false;
      const reason = r.error instanceof ApiError ? ` (${r.error.reason})` : '';
      process.stderr.write(`Error from server${reason}: error when applying ${r.ref}${r.namespace ? ` in namespace ${r.namespace}` : ''}: ${r.error?.message}\n`);
    } else {
      process.stdout.write(`${r.ref} ${r.action}\n`);
    }
  }
  return ok;
}

export const applyCommand: CommandSpec = {
  name: 'apply',
  summary: 'create or update objects from manifests',
  flags: [
    { names: ['-f', '--filename'], key: 'files', kind: 'strings', value: 'FILE|DIR', help: 'manifest file or directory (repeatable)' },
    { names: ['-n', '--namespace'], key: 'namespace', kind: 'string', value: 'NS', help: 'namespace for objects without one (default "default")' },
  ],
  run: applyFiles,
};

async function applyFiles(args: ParsedArgs): Promise<number> {
  const files = strs(args, 'files');
  if (files.length === 0) throw new UsageError('apply needs -f FILE or -f DIR');
  const manifests = loadManifests(files);
  const { client } = connect();
  try {
    const objects = manifests.map((m) => m.object);
    const results = await applyObjects(client, objects, str(args, 'namespace') ?? 'default', discoveryResolver((path) => client.getText(path), objects));
    return printApplyResults(results) ? 0 : 1;
  } finally {
    client.close();
  }
}
