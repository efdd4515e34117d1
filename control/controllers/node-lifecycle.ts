// Node health (kube-controller-manager's node lifecycle controller). A node's
// heartbeat is its Lease in kube-node-lease, renewed by the node agent every
// 10 s. When neither the Lease nor the node's Ready condition has been renewed
// within the grace period, nobody is left to speak for the node: its
// conditions become Unknown ("Kubelet stopped posting node status."), its
// pods are marked not Ready (so they leave Endpoints), and it is tainted
// node.kubernetes.io/unreachable. Ready=False (the agent says so itself, e.g.
// while draining) taints it node.kubernetes.io/not-ready instead. The
// NoExecute taints then drive taint-eviction.ts; a node that is Ready again
// loses them.

import type { Client, Clock, CoordinationLease, Node, NodeCondition, Pod, Taint } from '../api/index.ts';
import { LEASES, NODES, NODE_LEASE_NAMESPACE, PODS, TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, isApiError, systemClock } from '../api/index.ts';
import type { ReconcileResult, Reconciler } from '../runtime/index.ts';
import { isPodTerminal } from './pod-state.ts';

/** kube-controller-manager's --node-monitor-grace-period default. */
export const DEFAULT_NODE_MONITOR_GRACE_MS = 40_000;
/**
 * How often node agents renew their Lease for a given grace period: the kubelet's 10 s (a
 * quarter of its 40 s lease), shortened for short grace periods so a live node never looks silent.
 */
export function nodeLeaseRenewMs(gracePeriodMs: number): number {
  return Math.max(100, Math.min(10_000, Math.floor(gracePeriodMs / 4)));
}

export const REASON_NODE_STATUS_UNKNOWN = 'NodeStatusUnknown';
export const REASON_NODE_STATUS_NEVER_UPDATED = 'NodeStatusNeverUpdated';

/** The conditions a kubelet posts; all of them go Unknown together. */
const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;
const CONDITION_TAINTS = [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE];

export interface NodeLifecycleOptions {
  client: Client;
  clock?: Clock;
  /** How long a node may go without a heartbeat before it is Unknown. Default 40 s. */
  gracePeriodMs?: number;
}

export function createNodeLifecycleReconciler(options: NodeLifecycleOptions): Reconciler {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const graceMs = options.gracePeriodMs ?? DEFAULT_NODE_MONITOR_GRACE_MS;
  return {
    name: 'node-lifecycle',
    async reconcile(nodeName): Promise<ReconcileResult | void> {
      let node = await client.get<Node>(NODES, undefined, nodeName);
      if (!node) return;
      const lease = await client.get<CoordinationLease>(LEASES, NODE_LEASE_NAMESPACE, nodeName);
      const now = clock.now();
      const heartbeat = lastHeartbeatMs(node, lease);
      const stale = now - heartbeat > graceMs;
      if (stale && readyStatus(node) !== 'Unknown') {
        node = await client.updateStatus<Node>(NODES, { ...node, status: { ...node.status, conditions: unknownConditions(node, new Date(now).toISOString()) } });
      }
      const ready = readyStatus(node);
      const desired = ready === 'Unknown' ? TAINT_NODE_UNREACHABLE : ready === 'False' ? TAINT_NODE_NOT_READY : undefined;
      const taints = reconcileTaints(node.spec?.taints ?? [], desired, new Date(now).toISOString());
      if (taints) {
        node = await client.update<Node>(NODES, { ...node, spec: { ...node.spec, taints } });
      }
      // Without an agent nobody else will say the pods stopped serving; a live agent reporting
      // Ready=False keeps writing its pods' status itself.
      if (ready === 'Unknown') await markPodsNotReady(client, nodeName, new Date(now).toISOString());
      if (!stale) return { requeueAfterMs: Math.max(1, heartbeat + graceMs - now + 1) };
    },
  };
}

/** The newest sign of life: the Lease's renewTime, the Ready heartbeat, or registration. */
function lastHeartbeatMs(node: Node, lease: CoordinationLease | undefined): number {
  const times = [lease?.spec?.renewTime, node.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime, node.metadata.creationTimestamp];
  return Math.max(...times.map((t) => (t ? Date.parse(t) : NaN)).filter((t) => !Number.isNaN(t)), 0);
}

function readyStatus(node: Node): NodeCondition['status'] | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

function unknownConditions(node: Node, now: string): NodeCondition[] {
  const current = node.status?.conditions ?? [];
  const byType = new Map(current.map((c) => [c.type, c]));
  const conditions = current.filter((c) => !(KUBELET_CONDITIONS as readonly string[]).includes(c.type));
  for (const type of KUBELET_CONDITIONS) {
    const before = byType.get(type);
    if (!before && type !== 'Ready') continue;
    conditions.push({
      type,
      status: 'Unknown',
      reason: before ? REASON_NODE_STATUS_UNKNOWN : REASON_NODE_STATUS_NEVER_UPDATED,
      message: before ? 'Kubelet stopped posting node status.' : 'Kubelet never posted node status.',
      ...(before?.lastHeartbeatTime ? { lastHeartbeatTime: before.lastHeartbeatTime } : {}),
      lastTransitionTime: before?.status === 'Unknown' && before.lastTransitionTime ? before.lastTransitionTime : now,
    });
  }
  return conditions;
}

/**
 * The node's taints with exactly the condition taint `desired` (NoSchedule + NoExecute), or
 * undefined when nothing changes. Taints keep their timeAdded; NoExecute taints without one
 * (added by hand) get one, since eviction counts tolerationSeconds from it.
 */
function reconcileTaints(current: Taint[], desired: string | undefined, now: string): Taint[] | undefined {
  const kept = current.filter((t) => !CONDITION_TAINTS.includes(t.key) || t.key === desired);
  const next = kept.map((t) => (t.effect === 'NoExecute' && !t.timeAdded ? { ...t, timeAdded: now } : t));
  if (desired) {
    if (!next.some((t) => t.key === desired && t.effect === 'NoSchedule')) next.push({ key: desired, effect: 'NoSchedule' });
    if (!next.some((t) => t.key === desired && t.effect === 'NoExecute')) next.push({ key: desired, effect: 'NoExecute', timeAdded: now });
  }
  return JSON.stringify(next) === JSON.stringify(current) ? undefined : next;
}

/** controller_utils MarkPodsNotReady: the Ready condition of every pod on the node becomes False. */
async function markPodsNotReady(client: Client, nodeName: string, now: string): Promise<void> {
  const pods = (await client.list<Pod>(PODS, { fieldSelector: `spec.nodeName=${nodeName}` })).items;
  for (const pod of pods) {
    if (isPodTerminal(pod)) continue;
    const conditions = pod.status?.conditions ?? [];
    const ready = conditions.find((c) => c.type === 'Ready');
    if (!ready || ready.status === 'False') continue;
    const next = conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' as const, lastTransitionTime: now } : c));
    const { resourceVersion: _rv, ...metadata } = pod.metadata;
    try {
      await client.updateStatus(PODS, { ...pod, metadata, status: { ...pod.status, conditions: next } });
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}
