// Admission plugins the registry runs on create, in kube-apiserver's order:
// mutating ones (ServiceAccount, LimitRanger, DefaultIngressClass) on the defaulted object, before
// validation, then validating ones (ResourceQuota, which also charges the
// quota) just before the object is written. They read the cluster through the
// registry's own Client.

import type { Client, ObjectInput, ResourceType } from '../../api/index.ts';
import { PODS, SERVICE_ACCOUNTS } from '../../api/index.ts';
import { admitServiceAccount } from '../service-account-admission.ts';
import { admitDefaultIngressClass } from './default-ingress-class.ts';
import { admitLimitRanges } from './limit-ranger.ts';
import { admitResourceQuota } from './resource-quota.ts';

/** Mutates `obj` in place (a copy the registry owns), or throws the 403. */
export async function admitMutating(client: Client, type: ResourceType, obj: ObjectInput): Promise<void> {
  if (type === PODS) await admitServiceAccount(obj, (ns, name) => client.get(SERVICE_ACCOUNTS, ns, name));
  await admitLimitRanges(client, type, obj);
  await admitDefaultIngressClass(client, type, obj);
}

/** Checks the defaulted, validated object; charges quotas unless it is a dry run. */
export async function admitValidating(client: Client, type: ResourceType, obj: ObjectInput, options: { dryRun?: boolean } = {}): Promise<void> {
  await admitResourceQuota(client, type, obj, options);
}

export { forbidden } from './resource-quota.ts';
export { defaultLimitRangeItem } from './limit-ranger.ts';
