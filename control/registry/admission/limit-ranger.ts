// The LimitRanger admission plugin: a namespace's LimitRanges give containers
// that leave them unset their `default` limits and `defaultRequest` requests
// (noting what was set in the `kubernetes.io/limit-ranger` annotation, as
// Kubernetes does), then every Container, Pod and PersistentVolumeClaim item's
// min / max / maxLimitRequestRatio is enforced with Kubernetes' messages.

import type { Client, LimitRange, LimitRangeItem, ObjectInput, ResourceList, ResourceType } from '../../api/index.ts';
import { LIMIT_RANGER_ANNOTATION, LIMIT_RANGES, PODS } from '../../api/index.ts';
import { compare, formatQuantity, parseQuantity, podResources, ratio } from '../../quota/index.ts';
import type { Quantity } from '../../quota/index.ts';
import { forbidden } from './resource-quota.ts';

interface Requirements { requests?: ResourceList; limits?: ResourceList }
interface ContainerShape { name: string; resources?: Requirements }
interface PodShape { containers?: ContainerShape[]; initContainers?: ContainerShape[] }

const PVC_PLURAL = 'persistentvolumeclaims';

/** SetDefaults_LimitRangeItem: a Container item's default limit falls back to max, its default request to the default limit, then to min. */
export function defaultLimitRangeItem(item: LimitRangeItem): LimitRangeItem {
  if (item.type !== 'Container') return item;
  const def: ResourceList = { ...(item.max ?? {}), ...(item.default ?? {}) };
  const defaultRequest: ResourceList = { ...(item.min ?? {}), ...def, ...(item.defaultRequest ?? {}) };
  return { ...item, default: def, defaultRequest };
}

/** Fills unset requests / limits from the Container items; returns the annotation parts (`cpu, memory request for container app`). */
function applyContainerDefaults(pod: PodShape, items: readonly LimitRangeItem[]): string[] {
  const limits: ResourceList = {};
  const requests: ResourceList = {};
  for (const item of items) {
    if (item.type !== 'Container') continue;
    const d = defaultLimitRangeItem(item);
    Object.assign(limits, d.default);
    Object.assign(requests, d.defaultRequest);
  }
  const notes: string[] = [];
  const merge = (c: ContainerShape, prefix: string) => {
    const resources = (c.resources ??= {});
    const setLimits = Object.keys(limits).filter((k) => resources.limits?.[k] === undefined);
    const setRequests = Object.keys(requests).filter((k) => resources.requests?.[k] === undefined);
    if (setLimits.length) resources.limits = { ...(resources.limits ?? {}), ...Object.fromEntries(setLimits.map((k) => [k, limits[k]!])) };
    if (setRequests.length) resources.requests = { ...(resources.requests ?? {}), ...Object.fromEntries(setRequests.map((k) => [k, requests[k]!])) };
    if (setRequests.length) notes.push(`${setRequests.sort().join(', ')} request for ${prefix} ${c.name}`);
    if (setLimits.length) notes.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${c.name}`);
  };
  for (const c of pod.containers ?? []) merge(c, 'container');
  for (const c of pod.initContainers ?? []) merge(c, 'init container');
  return notes;
}

function toQuantities(list: ResourceList | undefined): Map<string, Quantity> {
  return new Map(Object.entries(list ?? {}).map(([k, v]) => [k, parseQuantity(v)]));
}

/** min / max / maxLimitRequestRatio of one item against observed requests and limits (limitranger's *Constraint functions). */
function constraintErrors(limitType: string, item: LimitRangeItem, requests: Map<string, Quantity>, limits: Map<string, Quantity>): string[] {
  const errors: string[] = [];
  // A claim's max bounds its request (maxRequestConstraint): claims state no limits.
  const claim = limitType === 'PersistentVolumeClaim';
  for (const [resource, text] of Object.entries(item.min ?? {})) {
    const enforced = parseQuantity(text);
    const req = requests.get(resource);
    const lim = limits.get(resource);
    if (!req) errors.push(`minimum ${resource} usage per ${limitType} is ${formatQuantity(enforced)}.  No request is specified`);
    else if (compare(req, enforced) < 0) errors.push(`minimum ${resource} usage per ${limitType} is ${formatQuantity(enforced)}, but request is ${formatQuantity(req)}`);
    else if (lim && compare(lim, enforced) < 0) errors.push(`minimum ${resource} usage per ${limitType} is ${formatQuantity(enforced)}, but limit is ${formatQuantity(lim)}`);
  }
  for (const [resource, text] of Object.entries(item.max ?? {})) {
    const enforced = parseQuantity(text);
    const req = requests.get(resource);
    const lim = limits.get(resource);
    if (claim) {
      if (!req) errors.push(`maximum ${resource} usage per ${limitType} is ${formatQuantity(enforced)}.  No request is specified`);
      else if (compare(req, enforced) > 0) errors.push(`maximum ${resource} usage per ${limitType} is ${formatQuantity(enforced)}, but request is ${formatQuantity(req)}`);
    } else if (!lim) errors.push(`maximum ${resource} usage per ${limitType} is ${formatQuantity(enforced)}.  No limit is specified`);
    else if (compare(lim, enforced) > 0) errors.push(`maximum ${resource} usage per ${limitType} is ${formatQuantity(enforced)}, but limit is ${formatQuantity(lim)}`);
    else if (req && compare(req, enforced) > 0) errors.push(`maximum ${resource} usage per ${limitType} is ${formatQuantity(enforced)}, but request is ${formatQuantity(req)}`);
  }
  for (const [resource, text] of Object.entries(claim ? {} : (item.maxLimitRequestRatio ?? {}))) {
    const enforced = parseQuantity(text);
    const req = requests.get(resource);
    const lim = limits.get(resource);
    if (!req || req.milli === 0n) errors.push(`${resource} max limit to request ratio per ${limitType} is ${formatQuantity(enforced)}, but no request is specified or request is 0`);
    else if (!lim || lim.milli === 0n) errors.push(`${resource} max limit to request ratio per ${limitType} is ${formatQuantity(enforced)}, but no limit is specified or limit is 0`);
    else if (ratio(lim, req) > Number(enforced.milli) / 1000) {
      errors.push(`${resource} max limit to request ratio per ${limitType} is ${formatQuantity(enforced)}, but provided ratio is ${ratio(lim, req).toFixed(6)}`);
    }
  }
  return errors;
}

/** Kubernetes' utilerrors aggregate: one message alone, several in brackets. */
function aggregate(errors: string[]): string {
  return errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`;
}

/** Applies the namespace's LimitRanges to a pod or claim being created (in place); throws 403 on a violated bound. */
export async function admitLimitRanges(client: Client, type: ResourceType, obj: ObjectInput): Promise<void> {
  const isPvc = type.group === '' && type.plural === PVC_PLURAL;
  if (type !== PODS && !isPvc) return;
  const namespace = obj.metadata.namespace ?? 'default';
  const ranges = (await client.list<LimitRange>(LIMIT_RANGES, { namespace })).items;
  const items = ranges.flatMap((r) => r.spec?.limits ?? []);
  if (items.length === 0) return;
  const name = obj.metadata.name ?? '';
  const errors: string[] = [];
  if (type === PODS) {
    const spec = (obj.spec ?? {}) as PodShape;
    const notes = applyContainerDefaults(spec, items);
    if (notes.length) obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
    for (const item of items) {
      if (item.type === 'Container') {
        for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
          errors.push(...constraintErrors('Container', item, toQuantities(c.resources?.requests), toQuantities(c.resources?.limits)));
        }
      } else if (item.type === 'Pod') {
        const { requests, limits } = podResources({ spec });
        errors.push(...constraintErrors('Pod', item, requests, limits));
      }
    }
  } else {
    const resources = (obj.spec as { resources?: Requirements } | undefined)?.resources;
    for (const item of items) {
      if (item.type !== 'PersistentVolumeClaim') continue;
      errors.push(...constraintErrors('PersistentVolumeClaim', item, toQuantities(resources?.requests), toQuantities(resources?.limits)));
    }
  }
  if (errors.length) throw forbidden(type, name, aggregate(errors));
}
