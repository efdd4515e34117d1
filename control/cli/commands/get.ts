// `meshlet get <kind> [name] [-n ns | -A] [-o json|yaml|wide|name] [-l selector]`

import { RESOURCE_TYPES, resourceTypeForName, stringifyYaml } from '../../api/index.ts';
import { collectionPath, objectPath } from '../../client/index.ts';
import { str, bool, UsageError } from '../args.ts';
import type { CommandSpec, ParsedArgs } from '../args.ts';
import { connect } from './connect.ts';
import { formatTable, isTable } from './table.ts';
import { discoveredKinds } from '../../cluster/kind-resolvers.ts';

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

export const getCommand: CommandSpec = {
  name: 'get',
  summary: 'list objects of a kind, or show one',
  operands: '[kind] [name]',
  completeOperand: RESOURCE_TYPES.map((t) => t.plural),
  flags: [
    { names: ['-n', '--namespace'], key: 'namespace', kind: 'string', value: 'NS', help: 'namespace (default "default")' },
    { names: ['-A', '--all-namespaces'], key: 'all', kind: 'boolean', help: 'list across all namespaces' },
    { names: ['-o', '--output'], key: 'output', kind: 'string', value: 'json|yaml|wide|name', help: 'output format (default: a table)' },
    { names: ['-l', '--selector'], key: 'selector', kind: 'string', value: 'SELECTOR', help: 'label selector, e.g. app=reviews' },
  ],
  run: getObjects,
};

async function getObjects(args: ParsedArgs): Promise<number> {
  const [kind, name] = args.positional;
  if (!kind) throw new UsageError('get needs a resource kind, e.g. "meshlet get pods"');
  const { client } = connect();
  try {
    // Built-in names resolve at once; others (CRD-defined kinds) through the server's discovery.
    const type = resourceTypeForName(kind) ?? (await discoveredKinds((path, accept) => client.getJson(path, accept))).forName(kind);
    if (!type) throw new UsageError(`the server doesn't have a resource type "${kind}"`);
    const output = str(args, 'output');
    const all = bool(args, 'all');
    const namespace = type.namespaced && !all ? (str(args, 'namespace') ?? 'default') : undefined;
    const query = new URLSearchParams();
    if (str(args, 'selector')) query.set('labelSelector', str(args, 'selector')!);
    const base = name ? objectPath(type, namespace, name) : collectionPath(type, namespace);
    if (output === 'json' || output === 'yaml') {
      const value = await client.getJson<unknown>(`${base}?${query}`, 'application/json');
      process.stdout.write(output === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringifyYaml(value));
      return 0;
    }
    if (output === 'name') {
      const list = await client.list(type, { namespace, labelSelector: str(args, 'selector') });
      const items = name ? list.items.filter((i) => i.metadata.name === name) : list.items;
      for (const item of items) process.stdout.write(`${type.singular}${type.group ? `.${type.group}` : ''}/${item.metadata.name}\n`);
      return 0;
    }
    if (output && output !== 'wide') throw new UsageError(`unsupported output format "${output}" (json, yaml, wide, name)`);
    query.set('includeObject', 'Metadata');
    const table = await client.getJson<unknown>(`${base}?${query}`, TABLE_ACCEPT);
    if (!isTable(table)) throw new UsageError('the API server did not return a Table');
    if (table.rows.length === 0) {
      process.stderr.write(namespace ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
      return 0;
    }
    process.stdout.write(`${formatTable(table, { wide: output === 'wide', withNamespace: all && type.namespaced })}\n`);
    return 0;
  } finally {
    client.close();
  }
}
