// What an object costs against a ResourceQuota, as Kubernetes' quota
// evaluators count it: pods (count, requests.*, limits.* and the bare cpu /
// memory aliases of requests), services (with nodeports / loadbalancers),
// persistentvolumeclaims (+ requests.storage), and `count/<resource>[.<group>]`
// for any namespaced kind. Also the pod scopes (Terminating, BestEffort …).

import type { KubeObject, ObjectInput, Pod, ResourceType } from '../api/index.ts';
import { PODS, SERVICES } from '../api/index.ts';
import { add, compare, parseQuantity, ZERO } from './quantity.ts';
import type { Quantity } from './quantity.ts';

export type Usage = Map<string, Quantity>;

const one = (): Quantity => ({ milli: 1000n, format: 'DecimalSI' });

function countKey(type: ResourceType): string {
  return type.group ? `count/${type.plural}.${type.group}` : `count/${type.plural}`;
}

/** Object counts with their own quota names (`pods`, `services` …) besides count/<resource>. */
const LEGACY_COUNTS = new Set(['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas']);

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> } | undefined;

function sumInto(target: Map<string, Quantity>, list: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(list ?? {})) target.set(k, add(target.get(k) ?? ZERO, parseQuantity(v)));
}

/** The pod's requests / limits per resource: the sum over containers, or more if one init container asks for more. */
export function podResources(pod: { spec?: { containers?: { resources?: Resources }[]; initContainers?: { resources?: Resources }[] } }): { requests: Map<string, Quantity>; limits: Map<string, Quantity> } {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  for (const c of pod.spec?.containers ?? []) {
    sumInto(requests, c.resources?.requests);
    sumInto(limits, c.resources?.limits);
  }
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [target, list] of [[requests, c.resources?.requests], [limits, c.resources?.limits]] as const) {
      for (const [k, v] of Object.entries(list ?? {})) {
        const q = parseQuantity(v);
        if (compare(q, target.get(k) ?? ZERO) > 0) target.set(k, q);
      }
    }
  }
  return { requests, limits };
}

/** The per-container usage keys the pod evaluator compares against required resources. */
export function containerUsageKeys(resources: Resources): Set<string> {
  const keys = new Set<string>();
  for (const k of Object.keys(resources?.requests ?? {})) {
    keys.add(`requests.${k}`);
    if (k === 'cpu' || k === 'memory') keys.add(k);
  }
  for (const k of Object.keys(resources?.limits ?? {})) keys.add(`limits.${k}`);
  return keys;
}

export function isTerminalPod(pod: ObjectInput): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export function usageOf(type: ResourceType, obj: ObjectInput | KubeObject): Usage {
  const usage: Usage = new Map();
  if (!type.namespaced) return usage;
  usage.set(countKey(type), one());
  if (LEGACY_COUNTS.has(type.plural) && type.group === '') usage.set(type.plural, one());
  if (type === PODS) {
    if (isTerminalPod(obj)) return new Map();
    const { requests, limits } = podResources(obj as Pod);
    for (const [k, v] of requests) {
      usage.set(`requests.${k}`, v);
      if (k === 'cpu' || k === 'memory' || k === 'ephemeral-storage') usage.set(k, v);
    }
    for (const [k, v] of limits) usage.set(`limits.${k}`, v);
  }
  if (type === SERVICES) {
    const spec = (obj.spec ?? {}) as { type?: string; ports?: unknown[] };
    const ports = spec.ports?.length ?? 0;
    if (spec.type === 'LoadBalancer') usage.set('services.loadbalancers', one());
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') usage.set('services.nodeports', { milli: BigInt(ports) * 1000n, format: 'DecimalSI' });
  }
  if (type.plural === 'persistentvolumeclaims' && type.group === '') {
    const storage = (obj.spec as { resources?: Resources } | undefined)?.resources?.requests?.['storage'];
    if (storage !== undefined) usage.set('requests.storage', parseQuantity(storage));
  }
  return usage;
}

/** Whether a pod falls in a quota scope (Terminating, NotTerminating, BestEffort, NotBestEffort). Other scopes never match. */
export function podInScope(scope: string, pod: ObjectInput): boolean {
  const spec = pod.spec as { activeDeadlineSeconds?: number; containers?: { resources?: Resources }[]; initContainers?: { resources?: Resources }[] } | undefined;
  const terminating = typeof spec?.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds >= 0;
  const all = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  const bestEffort = all.every((c) => Object.keys(c.resources?.requests ?? {}).length === 0 && Object.keys(c.resources?.limits ?? {}).length === 0);
  switch (scope) {
    case 'Terminating': return terminating;
    case 'NotTerminating': return !terminating;
    case 'BestEffort': return bestEffort;
    case 'NotBestEffort': return !bestEffort;
    default: return false;
  }
}

/** Resource names a scoped quota may track (pods only): a BestEffort quota counts pods alone. */
export function scopeAllows(scope: string, resource: string): boolean {
  if (scope === 'BestEffort') return resource === 'pods' || resource === 'count/pods';
  return resource === 'pods' || resource === 'count/pods' || /^(requests\.|limits\.)?(cpu|memory|ephemeral-storage)$/.test(resource);
}
