// kube-controller-manager's root-ca-cert-publisher: every live namespace has a
// `kube-root-ca.crt` ConfigMap holding the API server's CA as `ca.crt`, which
// the kube-api-access volume of each pod projects. A ConfigMap edited or
// deleted by hand is put back.

import type { Client, ConfigMap } from '../api/index.ts';
import { CONFIG_MAPS, NAMESPACES, isApiError } from '../api/index.ts';
import type { Reconciler } from '../runtime/index.ts';

export const ROOT_CA_CONFIG_MAP_NAME = 'kube-root-ca.crt';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export function createRootCaPublisher(options: { client: Client; caPem: string }): Reconciler {
  const { client, caPem } = options;
  return {
    name: 'root-ca-cert-publisher',
    async reconcile(namespace) {
      const ns = await client.get(NAMESPACES, undefined, namespace);
      if (!ns || ns.metadata.deletionTimestamp) return;
      const current = await client.get<ConfigMap>(CONFIG_MAPS, namespace, ROOT_CA_CONFIG_MAP_NAME);
      const data = { 'ca.crt': caPem };
      if (current) {
        if (current.data?.['ca.crt'] === caPem && Object.keys(current.data).length === 1) return;
        await client.update(CONFIG_MAPS, { ...current, data });
        return;
      }
      try {
        await client.create(CONFIG_MAPS, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: ROOT_CA_CONFIG_MAP_NAME, namespace, annotations: { 'kubernetes.io/description': DESCRIPTION } },
          data,
        });
      } catch (err) {
        if (!isApiError(err, 'AlreadyExists')) throw err;
      }
    },
  };
}
