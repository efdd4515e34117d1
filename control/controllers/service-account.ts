// ServiceAccount controller: every live namespace has a `default` ServiceAccount.

import type { Client } from '../api/index.ts';
import { NAMESPACES, SERVICE_ACCOUNTS, isApiError } from '../api/index.ts';
import type { Reconciler } from '../runtime/index.ts';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

export function createServiceAccountReconciler(options: { client: Client }): Reconciler {
  const { client } = options;
  return {
    name: 'serviceaccount',
    async reconcile(namespace) {
      const ns = await client.get(NAMESPACES, undefined, namespace);
      if (!ns || ns.metadata.deletionTimestamp) return;
      if (await client.get(SERVICE_ACCOUNTS, namespace, DEFAULT_SERVICE_ACCOUNT)) return;
      try {
        await client.create(SERVICE_ACCOUNTS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } });
      } catch (err) {
        if (!isApiError(err, 'AlreadyExists')) throw err;
      }
    },
  };
}
