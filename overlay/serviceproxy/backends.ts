// Which endpoints may serve a Service port, and which one gets the next
// connection: round robin over ready endpoints, or the client's previous
// endpoint when sessionAffinity is ClientIP (kube-proxy userspace mode).

import type { Endpoints, Service, ServicePort } from '../../control/api/index.ts';
import type { Clock } from '../../control/api/index.ts';

export interface Backend {
  ip: string;
  port: number;
}

/** Kubernetes' default ClientIP affinity timeout: 3 hours. */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10_800;

/** Ready endpoint addresses whose subset carries the Service port (matched by port name). */
export function readyBackends(service: Service, servicePort: ServicePort, endpoints: Endpoints | undefined): Backend[] {
  const backends: Backend[] = [];
  const wanted = servicePort.name ?? '';
  const protocol = servicePort.protocol ?? 'TCP';
  for (const subset of endpoints?.subsets ?? []) {
    const ports = subset.ports ?? [];
    const port = ports.find((p) => (p.name ?? '') === wanted && (p.protocol ?? 'TCP') === protocol) ?? (ports.length === 1 && (service.spec?.ports?.length ?? 0) === 1 ? ports[0] : undefined);
    if (!port) continue;
    for (const address of subset.addresses ?? []) backends.push({ ip: address.ip, port: port.port });
  }
  return backends;
}

export class BackendPicker {
  private next = 0;
  private readonly affinity = new Map<string, { backend: Backend; lastUsed: number }>();

  constructor(private readonly clock: Clock) {}

  /** The backend for a new connection from `clientIp`; undefined when none is ready. */
  pick(backends: readonly Backend[], clientIp: string, affinityTimeoutSeconds: number | undefined): Backend | undefined {
    if (backends.length === 0) return undefined;
    const now = this.clock.now();
    if (affinityTimeoutSeconds !== undefined) {
      const sticky = this.affinity.get(clientIp);
      if (sticky && now - sticky.lastUsed <= affinityTimeoutSeconds * 1000) {
        const still = backends.find((b) => b.ip === sticky.backend.ip && b.port === sticky.backend.port);
        if (still) {
          sticky.lastUsed = now;
          return still;
        }
      }
    }
    const backend = backends[this.next++ % backends.length]!;
    if (this.next >= 1_000_000_000) this.next = 0;
    if (affinityTimeoutSeconds !== undefined) this.affinity.set(clientIp, { backend, lastUsed: now });
    return backend;
  }

  /** Forgets a backend that refused a connection, so affinity moves elsewhere. */
  forget(clientIp: string): void {
    this.affinity.delete(clientIp);
  }
}

export function affinityTimeout(service: Service): number | undefined {
  if (service.spec?.sessionAffinity !== 'ClientIP') return undefined;
  const config = (service.spec as { sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } } }).sessionAffinityConfig;
  return config?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS;
}
