// What the API server allocates for a Service and frees again: its ClusterIP
// and the nodePorts of NodePort and LoadBalancer Services (the latter unless
// spec.allocateLoadBalancerNodePorts is false). Allocation happens before the
// store write; the returned handle undoes it when the write fails, and on
// update releases what the old object held and the new one dropped.

import { invalid } from '../api/index.ts';
import type { KubeObject, ObjectInput, ServicePort, ServiceSpec, StatusCause } from '../api/index.ts';

/** Allocates Service ClusterIPs (overlay/ipam's ServiceIpAllocator fits). */
export interface ClusterIpAllocator {
  /** `serviceName` names the Service in errors (422 on a taken or out-of-range IP). */
  allocate(requested?: string, serviceName?: string): Promise<string>;
  release(ip: string): Promise<void>;
}

/** Allocates nodePorts (overlay/ipam's NodePortAllocator fits). */
export interface NodePortAllocator {
  /** A 422 on `field` for a taken or out-of-range port; 0/undefined picks a free one. */
  allocate(requested: number | undefined, field: string, serviceName?: string): Promise<number>;
  release(port: number): Promise<void>;
}

export interface AllocationHandle {
  /** The write succeeded: free what only the previous object held. */
  commit(): Promise<void>;
  /** The write failed: free what this attempt allocated. */
  rollback(): Promise<void>;
}

type Spec = ServiceSpec & { allocateLoadBalancerNodePorts?: boolean };
/** A Service being written: input, stored or about to be stored. */
type Writable = { metadata: { name?: string }; spec?: unknown };

const NOTHING: AllocationHandle = { commit: async () => undefined, rollback: async () => undefined };

export function needsNodePorts(spec: Spec | undefined): boolean {
  return spec?.type === 'NodePort' || (spec?.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

function specOf(obj: Writable): Spec {
  return (obj.spec ?? {}) as Spec;
}

function nodePortsOf(spec: Spec): number[] {
  return (spec.ports ?? []).map((p) => p.nodePort ?? 0).filter((p) => p > 0);
}

/** `type: ClusterIP` (or ExternalName) with a nodePort is the API server's Forbidden. */
function forbiddenNodePorts(spec: Spec): StatusCause[] {
  if (needsNodePorts(spec) || spec.type === 'LoadBalancer') return [];
  return (spec.ports ?? []).flatMap((p, i) =>
    p.nodePort ? [{ field: `spec.ports[${i}].nodePort`, reason: 'FieldValueForbidden', message: `Forbidden: may not be used when \`type\` is '${spec.type ?? 'ClusterIP'}'` }] : [],
  );
}

/**
 * On update, before allocation: nodePorts the user left out are kept from the
 * current object (matched by port and protocol), and dropped when the type no
 * longer needs them and the user did not change them (the API server's
 * patchAllocatedValues and dropTypeDependentFields); so is
 * allocateLoadBalancerNodePorts once the type is no longer LoadBalancer.
 */
export function keepNodePorts(current: KubeObject, next: ObjectInput): void {
  const cur = specOf(current);
  const spec = specOf(next);
  if (spec.type !== 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts === cur.allocateLoadBalancerNodePorts) {
    const { allocateLoadBalancerNodePorts: _dropped, ...rest } = spec;
    next.spec = rest;
    return keepNodePorts(current, next);
  }
  if (!spec.ports) return;
  const sameKey = (a: ServicePort, b: ServicePort) => a.port === b.port && (a.protocol ?? 'TCP') === (b.protocol ?? 'TCP');
  const ports = spec.ports.map((p) => {
    const old = (cur.ports ?? []).find((o) => sameKey(o, p));
    if (needsNodePorts(spec)) return !p.nodePort && old?.nodePort ? { ...p, nodePort: old.nodePort } : p;
    if (p.nodePort && old?.nodePort === p.nodePort && needsNodePorts(cur)) {
      const { nodePort: _dropped, ...rest } = p;
      return rest;
    }
    return p;
  });
  next.spec = { ...spec, ports };
}

export class ServiceAllocations {
  constructor(
    private readonly clusterIps: ClusterIpAllocator | undefined,
    private readonly nodePorts: NodePortAllocator | undefined,
  ) {}

  /** Fills spec.clusterIP(s) and missing nodePorts of a new Service (mutates `obj`). */
  async onCreate(obj: Writable): Promise<AllocationHandle> {
    const spec = specOf(obj);
    const name = obj.metadata.name ?? '';
    const forbidden = forbiddenNodePorts(spec);
    if (forbidden.length) throw invalid('Service', name, forbidden);
    let ip: string | undefined;
    if (this.clusterIps && spec.type !== 'ExternalName' && spec.clusterIP !== 'None') {
      ip = await this.clusterIps.allocate(spec.clusterIP || undefined, name);
      obj.spec = { ...spec, clusterIP: ip, clusterIPs: [ip] };
    }
    let ports: number[];
    try {
      ports = await this.allocatePorts(obj, new Set());
    } catch (err) {
      if (ip) await this.clusterIps?.release(ip);
      throw err;
    }
    return {
      commit: async () => undefined,
      rollback: async () => {
        if (ip) await this.clusterIps?.release(ip);
        await this.releasePorts(ports);
      },
    };
  }

  /** Allocates the nodePorts `next` needs beyond what `current` holds (run after keepNodePorts). */
  async onUpdate(current: KubeObject, next: ObjectInput): Promise<AllocationHandle> {
    const spec = specOf(next);
    const forbidden = forbiddenNodePorts(spec);
    if (forbidden.length) throw invalid('Service', next.metadata.name ?? '', forbidden);
    if (!this.nodePorts) return NOTHING;
    const held = nodePortsOf(specOf(current));
    const allocated = await this.allocatePorts(next, new Set(held));
    const kept = new Set(nodePortsOf(specOf(next)));
    return {
      commit: async () => this.releasePorts(held.filter((p) => !kept.has(p))),
      rollback: async () => this.releasePorts(allocated),
    };
  }

  /** Frees everything a deleted Service held. */
  async onDelete(obj: KubeObject): Promise<void> {
    const spec = specOf(obj);
    if (this.clusterIps && spec.clusterIP && spec.clusterIP !== 'None') await this.clusterIps.release(spec.clusterIP);
    await this.releasePorts(nodePortsOf(spec));
  }

  /** Allocates each nodePort of `obj` not in `held` (mutates `obj`); returns the ones it allocated. */
  private async allocatePorts(obj: Writable, held: Set<number>): Promise<number[]> {
    const spec = specOf(obj);
    if (!this.nodePorts || !needsNodePorts(spec) || !spec.ports) return [];
    const allocated: number[] = [];
    const ports: ServicePort[] = [];
    try {
      for (const [i, p] of spec.ports.entries()) {
        if (p.nodePort && held.has(p.nodePort)) {
          held.delete(p.nodePort); // one port of the Service keeps it; a second asking for it collides
          ports.push(p);
          continue;
        }
        const nodePort = await this.nodePorts.allocate(p.nodePort || undefined, `spec.ports[${i}].nodePort`, obj.metadata.name ?? '');
        allocated.push(nodePort);
        ports.push({ ...p, nodePort });
      }
    } catch (err) {
      await this.releasePorts(allocated);
      throw err;
    }
    obj.spec = { ...spec, ports };
    return allocated;
  }

  private async releasePorts(ports: readonly number[]): Promise<void> {
    for (const port of ports) await this.nodePorts?.release(port);
  }
}
