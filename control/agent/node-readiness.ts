// What the node agent says about its own node's Ready condition, besides the
// Lease heartbeat: Ready=True again after the node lifecycle controller
// marked it Unknown (the agent was unreachable and is back), and Ready=False
// while it drains for shutdown, as the kubelet's node shutdown manager does.

import { NODES, isApiError } from '../api/index.ts';
import type { Client, Node, NodeCondition } from '../api/index.ts';

export const NODE_SHUTTING_DOWN_MESSAGE = 'node is shutting down';

/** Writes the node's Ready condition unless it already has that status. Returns whether it wrote. */
export async function postNodeReady(client: Client, nodeName: string, ready: boolean, now: string): Promise<boolean> {
  const node = await client.get<Node>(NODES, undefined, nodeName);
  if (!node) return false;
  const status: NodeCondition['status'] = ready ? 'True' : 'False';
  const conditions = node.status?.conditions ?? [];
  const before = conditions.find((c) => c.type === 'Ready');
  if (before?.status === status) return false;
  const condition: NodeCondition = ready
    ? { type: 'Ready', status, reason: 'KubeletReady', message: 'meshlet node agent is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }
    : { type: 'Ready', status, reason: 'KubeletNotReady', message: NODE_SHUTTING_DOWN_MESSAGE, lastHeartbeatTime: now, lastTransitionTime: now };
  // Pressure conditions the controller set to Unknown are the agent's to report again.
  const others = conditions.filter((c) => c.type !== 'Ready' && !(ready && c.status === 'Unknown'));
  try {
    await client.updateStatus(NODES, { ...node, status: { ...node.status, conditions: [condition, ...others] } });
    return true;
  } catch (err) {
    if (isApiError(err, 'Conflict') || isApiError(err, 'NotFound')) return false;
    throw err;
  }
}
