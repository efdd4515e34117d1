// LoadBalancer controller, in the model of MetalLB's layer-2 mode on one
// host: each LoadBalancer Service gets its own address from a loopback pool
// as status.loadBalancer.ingress[0].ip (the service proxy then serves the
// Service's ports there). A Service may ask for one with spec.loadBalancerIP.
// Addresses are read from the Services themselves on every reconcile, so
// nothing is cached; run it with one worker so two Services never race for
// the same address. When two claim one (a restored backup), the older keeps it.

import type { Client, Clock, Service } from '../api/index.ts';
import { SERVICES, systemClock } from '../api/index.ts';
import type { Reconciler } from '../runtime/index.ts';
import { createEventRecorder } from '../runtime/index.ts';
import { splitKey } from './keys.ts';

export interface LoadBalancerReconcilerOptions {
  client: Client;
  /** Addresses to hand out, in order (every one on 127/8). */
  pool: readonly string[];
  clock?: Clock;
}

/** How long a Service waits for an address when the pool is full. */
export const POOL_FULL_RETRY_MS = 30_000;

function ingressIp(service: Service): string | undefined {
  return service.status?.loadBalancer?.ingress?.[0]?.ip;
}

function isLoadBalancer(service: Service): boolean {
  return service.spec?.type === 'LoadBalancer' && !service.metadata.deletionTimestamp;
}

/** Older first, then by namespace/name: who keeps an address two Services claim. */
function precedes(a: Service, b: Service): boolean {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb;
  return `${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}`;
}

export function createLoadBalancerReconciler(options: LoadBalancerReconcilerOptions): Reconciler {
  const { client, pool } = options;
  const inPool = new Set(pool);
  const events = createEventRecorder(client, 'loadbalancer-controller', undefined, options.clock ?? systemClock);

  const writeIngress = async (service: Service, ip: string | undefined): Promise<void> => {
    const { resourceVersion: _rv, ...metadata } = service.metadata;
    const loadBalancer = ip ? { ingress: [{ ip, ipMode: 'VIP' as const }] } : {};
    await client.updateStatus(SERVICES, { ...service, metadata, status: { ...service.status, loadBalancer } });
  };

  return {
    name: 'loadbalancer',
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      const service = await client.get<Service>(SERVICES, namespace, name);
      if (!service) return;
      const current = ingressIp(service);
      if (!isLoadBalancer(service)) {
        // Changed away from LoadBalancer: the address goes back to the pool.
        if (current !== undefined && inPool.has(current)) await writeIngress(service, undefined);
        return;
      }
      const others = (await client.list<Service>(SERVICES)).items.filter((s) => s.metadata.uid !== service.metadata.uid && isLoadBalancer(s));
      const holder = (ip: string) => others.find((s) => ingressIp(s) === ip);
      const mayKeep = (ip: string) => {
        const other = holder(ip);
        return !other || precedes(service, other);
      };
      if (current !== undefined && inPool.has(current) && mayKeep(current)) return;
      const requested = service.spec?.loadBalancerIP;
      if (requested) {
        if (!inPool.has(requested) || !mayKeep(requested)) {
          events.record(service, 'Warning', 'AllocationFailed', `Failed to allocate IP for "${key}": requested ${requested} is not free in the pool`);
          return { requeueAfterMs: POOL_FULL_RETRY_MS };
        }
        await writeIngress(service, requested);
        return;
      }
      const free = pool.find((ip) => !holder(ip));
      if (!free) {
        events.record(service, 'Warning', 'AllocationFailed', `Failed to allocate IP for "${key}": no available IPs`);
        return { requeueAfterMs: POOL_FULL_RETRY_MS };
      }
      await writeIngress(service, free);
      events.record(service, 'Normal', 'IPAllocated', `Assigned IP ["${free}"]`);
    },
  };
}
