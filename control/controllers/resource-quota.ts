// The resource quota controller (kube-controller-manager's resourcequota):
// status.hard mirrors spec.hard and status.used is recomputed from the
// namespace's objects, so charges the ResourceQuota admission plugin made for
// creates that then failed, and objects since deleted, are corrected. Quotas
// are looked at again when objects they count change, and every five minutes
// (Kubernetes' resync) for kinds counted only through count/<resource>.

import type { Client, KubeObject, ResourceList, ResourceQuota, ResourceType } from '../api/index.ts';
import { CONFIG_MAPS, PODS, RESOURCE_QUOTAS, SECRETS, SERVICES, objectKeyOf, resourceTypeForName } from '../api/index.ts';
import { add as addQuantities, coveredResources, formatQuantity, quotaSelects, usageOf } from '../quota/index.ts';
import type { Quantity } from '../quota/index.ts';
import type { InformerSet, ReconcileResult, Reconciler } from '../runtime/index.ts';
import { splitKey } from './keys.ts';

export const QUOTA_RESYNC_MS = 5 * 60 * 1000;

/** The kind a quota resource name counts (`pods`, `requests.cpu` → pods; `count/deployments.apps` → deployments). */
export function typeCounted(resource: string): ResourceType | undefined {
  if (resource.startsWith('count/')) return resourceTypeForName(resource.slice('count/'.length));
  if (resource === 'pods' || /^(requests\.|limits\.)?(cpu|memory|ephemeral-storage)$/.test(resource)) return PODS;
  if (resource.startsWith('services')) return SERVICES;
  if (resource === 'configmaps') return CONFIG_MAPS;
  if (resource === 'secrets') return SECRETS;
  if (resource === 'persistentvolumeclaims' || resource === 'requests.storage') return resourceTypeForName('persistentvolumeclaims');
  return undefined;
}

export function createResourceQuotaReconciler(options: { client: Client }): Reconciler {
  const { client } = options;
  return {
    name: 'resourcequota',
    async reconcile(key): Promise<ReconcileResult | void> {
      const { namespace, name } = splitKey(key);
      const quota = await client.get<ResourceQuota>(RESOURCE_QUOTAS, namespace, name);
      if (!quota || quota.metadata.deletionTimestamp) return;
      const hard = quota.spec?.hard ?? {};
      const totals = new Map<string, Quantity>(Object.keys(hard).map((k) => [k, { milli: 0n, format: 'DecimalSI' }]));
      const types = new Set(Object.keys(hard).map(typeCounted).filter((t): t is ResourceType => t !== undefined));
      for (const type of types) {
        for (const obj of (await client.list<KubeObject>(type, { namespace })).items) {
          if (!quotaSelects(quota, type, obj)) continue;
          const usage = usageOf(type, obj);
          for (const k of coveredResources(quota, type, obj)) {
            const u = usage.get(k);
            if (u) totals.set(k, addQuantities(totals.get(k)!, u));
          }
        }
      }
      const used: ResourceList = Object.fromEntries([...totals].map(([k, q]) => [k, formatQuantity(q)]));
      const status = { hard: { ...hard }, used };
      if (JSON.stringify(status) !== JSON.stringify(quota.status ?? {})) await client.updateStatus(RESOURCE_QUOTAS, { ...quota, status });
      return { requeueAfterMs: QUOTA_RESYNC_MS };
    },
  };
}

/** Enqueues a namespace's quotas when a quota or an object they may count changes. */
export function watchResourceQuotas(informers: InformerSet, enqueue: (key: string) => void): void {
  const quotas = informers.for<ResourceQuota>(RESOURCE_QUOTAS);
  const own = (q: ResourceQuota) => enqueue(objectKeyOf(q));
  quotas.addHandlers({ onAdd: own, onUpdate: (_old, q) => own(q), onDelete: () => undefined });
  const counted = (obj: KubeObject) => {
    for (const q of quotas.list()) if (q.metadata.namespace === obj.metadata.namespace) enqueue(objectKeyOf(q));
  };
  for (const type of [PODS, SERVICES, CONFIG_MAPS, SECRETS] as readonly ResourceType[]) {
    informers.for(type).addHandlers({ onAdd: counted, onUpdate: (old, obj) => counted(obj), onDelete: counted });
  }
}
