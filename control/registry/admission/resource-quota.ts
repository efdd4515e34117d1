// The ResourceQuota admission plugin: a create that would take a namespace
// past a quota's hard limits is refused with Kubernetes' `exceeded quota`
// message, a pod that leaves a quota-covered cpu/memory request or limit unset
// with `must specify …`. An admitted create is charged to each quota's
// status.used by compare-and-swap before the object is written, as
// kube-apiserver's quota evaluator does, so two racing creates cannot both
// take the last unit; the quota controller recomputes `used` from the objects
// (control/controllers/resource-quota.ts), correcting a charge whose create failed.

import type { Client, ObjectInput, ResourceList, ResourceQuota, ResourceType } from '../../api/index.ts';
import { ApiError, PODS, RESOURCE_QUOTAS, isApiError } from '../../api/index.ts';
import { CONTAINER_REQUIRED, ZERO, add, compare, containerUsageKeys, coveredResources, formatQuantity, parseQuantity, quotaSelects, usageOf } from '../../quota/index.ts';
import type { Quantity } from '../../quota/index.ts';

export function forbidden(type: ResourceType, name: string, reason: string): ApiError {
  const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
  return new ApiError('Forbidden', `${resource} "${name}" is forbidden: ${reason}`, { name, kind: type.plural, group: type.group });
}

function missingContainerResources(obj: ObjectInput, required: string[]): string | undefined {
  const needed = required.filter((k) => CONTAINER_REQUIRED.has(k));
  if (needed.length === 0) return undefined;
  const spec = obj.spec as { containers?: { name: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }[]; initContainers?: { name: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }[] } | undefined;
  const missing = new Map<string, Set<string>>();
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    const has = containerUsageKeys(c.resources);
    for (const k of needed) if (!has.has(k)) missing.set(k, (missing.get(k) ?? new Set()).add(c.name));
  }
  if (missing.size === 0) return undefined;
  return `must specify ${[...missing.keys()].sort().map((k) => `${k} for: ${[...missing.get(k)!].sort().join(',')}`).join('; ')}`;
}

function pretty(list: Map<string, Quantity>): string {
  return [...list.keys()].sort().map((k) => `${k}=${formatQuantity(list.get(k)!)}`).join(',');
}

function quantitiesOf(list: ResourceList | undefined, keys: readonly string[]): Map<string, Quantity> {
  return new Map(keys.map((k) => [k, list?.[k] !== undefined ? parseQuantity(list[k]!) : ZERO]));
}

/**
 * Checks the create against every quota of the namespace and charges them
 * (a dry run only checks).
 * Throws the 403 Kubernetes answers with; retries on a lost CAS race.
 */
export async function admitResourceQuota(client: Client, type: ResourceType, obj: ObjectInput, options: { dryRun?: boolean } = {}): Promise<void> {
  if (!type.namespaced || type === RESOURCE_QUOTAS) return;
  const namespace = obj.metadata.namespace ?? 'default';
  const name = obj.metadata.name ?? '';
  for (let attempt = 0; ; attempt++) {
    const quotas = (await client.list<ResourceQuota>(RESOURCE_QUOTAS, { namespace })).items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const usage = usageOf(type, obj);
    const charges: ResourceQuota[] = [];
    for (const quota of quotas) {
      if (!quotaSelects(quota, type, obj)) continue;
      const covered = coveredResources(quota, type, obj);
      if (covered.length === 0) continue;
      if (type === PODS) {
        const missing = missingContainerResources(obj, covered);
        if (missing) throw forbidden(type, name, `failed quota: ${quota.metadata.name}: ${missing}`);
      }
      const hardStatus = quota.status?.hard ?? {};
      const unknown = covered.filter((k) => hardStatus[k] === undefined);
      if (unknown.length) throw forbidden(type, name, `status unknown for quota: ${quota.metadata.name}, resources: ${unknown.join(',')}`);
      const charged = covered.filter((k) => usage.has(k));
      const hard = quantitiesOf(hardStatus, charged);
      const used = quantitiesOf(quota.status?.used, charged);
      const next = new Map(charged.map((k) => [k, add(used.get(k)!, usage.get(k)!)]));
      const exceeded = charged.filter((k) => compare(next.get(k)!, hard.get(k)!) > 0);
      if (exceeded.length) {
        const mask = (m: Map<string, Quantity>) => new Map(exceeded.map((k) => [k, m.get(k)!]));
        throw forbidden(type, name, `exceeded quota: ${quota.metadata.name}, requested: ${pretty(mask(usage))}, used: ${pretty(mask(used))}, limited: ${pretty(mask(hard))}`);
      }
      const newUsed: ResourceList = { ...(quota.status?.used ?? {}) };
      for (const k of charged) newUsed[k] = formatQuantity(next.get(k)!);
      charges.push({ ...quota, status: { ...quota.status, used: newUsed } });
    }
    if (options.dryRun) return;
    try {
      // Each write carries the quota's resourceVersion: a concurrent charge makes it a 409 and we start over.
      for (const charge of charges) await client.updateStatus(RESOURCE_QUOTAS, charge);
      return;
    } catch (err) {
      if (isApiError(err, 'Conflict') && attempt < 20) continue;
      throw err;
    }
  }
}
