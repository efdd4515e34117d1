// Builds a kubeconfig whose cluster, user and context are all named `meshlet`.

import { stringifyYaml as stringify } from '../registry/patch/index.ts';

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
