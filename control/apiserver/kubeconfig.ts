// Builds a kubeconfig whose cluster, user and context are all named `meshlet`.

import { stringifyYaml as stringify } from '../registry/patch/index.ts';

export function kubeconfigFor(options: { server: string; token: string; namespace?: string }): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'meshlet', cluster: { server: options.server } }],
    users: [{ name: 'meshlet', user: { token: options.token } }],
    contexts: [{ name: 'meshlet', context: { cluster: 'meshlet', user: 'meshlet', ...(options.namespace ? { namespace: options.namespace } : {}) } }],
    'current-context': 'meshlet',
    preferences: {},
  });
}
