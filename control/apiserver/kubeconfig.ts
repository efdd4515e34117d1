// Builds (or merges into an existing one) a kubeconfig whose cluster, user and
// context are all named `meshlet`.

import { ApiError } from '../api/index.ts';
import { parseYamlDocument, stringifyYaml as stringify } from '../registry/patch/index.ts';

/**
 * `caData` is the API server's certificate PEM (ApiServer.caData); without it
 * the cluster entry says insecure-skip-tls-verify. The server must be https:
 * kubectl does not send tokens over plain http.
 */
export function kubeconfigFor(options: { server: string; token: string; namespace?: string; caData?: string }): string {
  const tlsTrust = options.caData
    ? { 'certificate-authority-data': Buffer.from(options.caData, 'utf8').toString('base64') }
    : { 'insecure-skip-tls-verify': true };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'meshlet', cluster: { server: options.server, ...tlsTrust } }],
    users: [{ name: 'meshlet', user: { token: options.token } }],
    contexts: [{ name: 'meshlet', context: { cluster: 'meshlet', user: 'meshlet', ...(options.namespace ? { namespace: options.namespace } : {}) } }],
    'current-context': 'meshlet',
    preferences: {},
  });
}

interface Named {
  name: string;
  [key: string]: unknown;
}

function upsert(list: unknown, entry: Named): Named[] {
  const items = Array.isArray(list) ? (list.filter((e) => e && typeof e === 'object') as Named[]) : [];
  const at = items.findIndex((e) => e.name === entry.name);
  if (at >= 0) items[at] = entry;
  else items.push(entry);
  return items;
}

/**
 * Merges meshlet's cluster, user and context (all named `meshlet`) into an
 * existing kubeconfig (`meshlet kubeconfig --write`), replacing entries of that
 * name, keeping everything else, and making `meshlet` the current context.
 * `existing` undefined or empty: the same as kubeconfigFor.
 */
export function mergeKubeconfig(existing: string | undefined, options: { server: string; token: string; namespace?: string; caData?: string }): string {
  const ours = parseYamlDocument(kubeconfigFor(options), 'apiserver/kubeconfig') as Record<string, Named[]>;
  if (!existing || existing.trim() === '') return kubeconfigFor(options);
  const parsed = parseYamlDocument(existing, 'apiserver/kubeconfig: existing kubeconfig');
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ApiError('BadRequest', 'apiserver/kubeconfig: the existing kubeconfig is not a YAML mapping');
  }
  const config = parsed as Record<string, unknown>;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    ...config,
    clusters: upsert(config['clusters'], ours['clusters']![0]!),
    users: upsert(config['users'], ours['users']![0]!),
    contexts: upsert(config['contexts'], ours['contexts']![0]!),
    'current-context': 'meshlet',
  });
}
