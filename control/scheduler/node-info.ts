// What the scheduler knows about one node: the Node object, the pods assigned
// to it (bound or assumed) and the sums of their requests.

import type { Node, Pod } from '../api/index.ts';
import { parseBytes, parseMilliCpu, podRequests } from './resources.ts';
import type { Resources } from './resources.ts';

/** A node without `allocatable` pods is taken to hold the kubelet default, 110. */
export const DEFAULT_MAX_PODS = 110;

export interface Allocatable extends Resources {
  pods: number;
}

export class NodeInfo {
  node: Node;
  allocatable: Allocatable;
  readonly pods = new Map<string, Pod>();
  readonly requested: Resources = { milliCpu: 0, memory: 0 };
  readonly nonZeroRequested: Resources = { milliCpu: 0, memory: 0 };
  /** Assigned pods with required pod anti-affinity terms (checked symmetrically). */
  readonly podsWithAntiAffinity = new Set<string>();

  constructor(node: Node) {
    this.node = node;
    this.allocatable = allocatableOf(node);
  }

  get name(): string {
    return this.node.metadata.name;
  }

  /** A copy whose pods can be added or removed without touching this one (preemption's what-ifs). */
  clone(): NodeInfo {
    const copy = new NodeInfo(this.node);
    for (const pod of this.pods.values()) copy.addPod(pod);
    return copy;
  }

  setNode(node: Node): void {
    this.node = node;
    this.allocatable = allocatableOf(node);
  }

  addPod(pod: Pod): void {
    if (this.pods.has(pod.metadata.uid)) this.removePod(pod.metadata.uid);
    this.pods.set(pod.metadata.uid, pod);
    const r = podRequests(pod);
    this.requested.milliCpu += r.requested.milliCpu;
    this.requested.memory += r.requested.memory;
    this.nonZeroRequested.milliCpu += r.nonZero.milliCpu;
    this.nonZeroRequested.memory += r.nonZero.memory;
    if (hasRequiredAntiAffinity(pod)) this.podsWithAntiAffinity.add(pod.metadata.uid);
  }

  removePod(uid: string): void {
    const pod = this.pods.get(uid);
    if (!pod) return;
    this.pods.delete(uid);
    const r = podRequests(pod);
    this.requested.milliCpu -= r.requested.milliCpu;
    this.requested.memory -= r.requested.memory;
    this.nonZeroRequested.milliCpu -= r.nonZero.milliCpu;
    this.nonZeroRequested.memory -= r.nonZero.memory;
    this.podsWithAntiAffinity.delete(uid);
  }
}

function allocatableOf(node: Node): Allocatable {
  const source = node.status?.allocatable ?? node.status?.capacity ?? {};
  return {
    milliCpu: source['cpu'] !== undefined ? parseMilliCpu(source['cpu']) : Infinity,
    memory: source['memory'] !== undefined ? parseBytes(source['memory']) : Infinity,
    pods: source['pods'] !== undefined ? Number(source['pods']) : DEFAULT_MAX_PODS,
  };
}

function hasRequiredAntiAffinity(pod: Pod): boolean {
  const affinity = (pod.spec as { affinity?: { podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: unknown[] } } } | undefined)?.affinity;
  return (affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
}
