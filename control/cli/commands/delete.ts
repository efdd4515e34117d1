// `meshlet delete <kind> <name>... [-n ns]` or `meshlet delete -f FILE|DIR`

import { RESOURCE_TYPES, resourceTypeForKind, resourceTypeForName, isApiError } from '../../api/index.ts';
import type { KindCatalog, ResourceType } from '../../api/index.ts';
import { discoveredKinds } from '../../cluster/kind-resolvers.ts';
import { loadManifests } from '../../cluster/manifests.ts';
import { str, strs, UsageError } from '../args.ts';
import type { CommandSpec, ParsedArgs } from '../args.ts';
import { connect } from './connect.ts';

export const deleteCommand: CommandSpec = {
  name: 'delete',
  summary: 'delete objects by kind and name, or those in manifests',
  operands: '[kind] [names...]',
  completeOperand: RESOURCE_TYPES.map((t) => t.plural),
  flags: [
    { names: ['-n', '--namespace'], key: 'namespace', kind: 'string', value: 'NS', help: 'namespace (default "default")' },
    { names: ['-f', '--filename'], key: 'files', kind: 'strings', value: 'FILE|DIR', help: 'delete the objects in this manifest (repeatable)' },
  ],
  run: deleteObjects,
};

async function deleteObjects(args: ParsedArgs): Promise<number> {
  const targets: { type: ResourceType; namespace: string | undefined; name: string }[] = [];
  const defaultNs = str(args, 'namespace') ?? 'default';
  const { client } = connect();
  // Built-in kinds resolve at once; others (CRD-defined kinds) through the server's discovery, asked once.
  let discovered: KindCatalog | undefined;
  const kinds = async (): Promise<KindCatalog> => (discovered ??= await discoveredKinds((path, accept) => client.getJson(path, accept)));
  let failed = false;
  try {
    for (const m of loadManifests(strs(args, 'files'))) {
      const type = resourceTypeForKind(m.object.apiVersion, m.object.kind) ?? (await kinds()).forKind(m.object.apiVersion, m.object.kind);
      if (!type) throw new UsageError(`no matches for kind "${m.object.kind}" in version "${m.object.apiVersion}"`);
      targets.push({ type, namespace: type.namespaced ? (m.object.metadata.namespace ?? defaultNs) : undefined, name: m.object.metadata.name ?? '' });
    }
    if (args.positional.length) {
      const [kind, ...names] = args.positional;
      const type = resourceTypeForName(kind!) ?? (await kinds()).forName(kind!);
      if (!type) throw new UsageError(`the server doesn't have a resource type "${kind}"`);
      if (names.length === 0) throw new UsageError('delete needs a name, e.g. "meshlet delete pod web-1"');
      for (const name of names) targets.push({ type, namespace: type.namespaced ? defaultNs : undefined, name });
    }
    if (targets.length === 0) throw new UsageError('delete needs a kind and name, or -f FILE');
    for (const t of targets) {
      const ref = `${t.type.singular}${t.type.group ? `.${t.type.group}` : ''} "${t.name}"`;
      try {
        await client.delete(t.type, t.namespace, t.name, { propagationPolicy: 'Background' });
        process.stdout.write(`${ref} deleted\n`);
      } catch (err) {
        failed = true;
        const reason = isApiError(err) ? ` (${err.reason})` : '';
        process.stderr.write(`Error from server${reason}: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  } finally {
    client.close();
  }
  return failed ? 1 : 0;
}
