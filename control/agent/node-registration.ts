// Registers a Node object and keeps its heartbeat Lease (kube-node-lease)
// fresh, as the kubelet does, so `kubectl get nodes` shows it Ready.

import { LEASES, NODES, isApiError } from '../api/index.ts';
import type { Client, Clock, Node, Timer } from '../api/index.ts';
import { goArch, localHost, readNodeSystemInfo } from './node-info.ts';
import type { HostFacts } from './node-info.ts';
import { MESHLET_VERSION } from './version.ts';

export interface NodeRegistrationOptions {
  client: Client;
  nodeName: string;
  nodeAddress: string;
  podCidr: string;
  labels?: Record<string, string>;
  clock: Clock;
  /** Port of the node's log endpoint (the kubelet's 10250), published in status.daemonEndpoints. */
  kubeletPort?: number;
  /** Lease renewal period. Default 10 s (the kubelet's). */
  heartbeatMs?: number;
  /** Where status.nodeInfo is read from; default this machine. */
  host?: HostFacts;
}

export interface NodeRegistration {
  stop(): Promise<void>;
}

const LEASE_SECONDS = 40;
const REGISTER_ATTEMPTS = 5;

export async function registerNode(options: NodeRegistrationOptions): Promise<NodeRegistration> {
  const { client, nodeName, clock } = options;
  const now = () => new Date(clock.now()).toISOString();
  const desired = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: nodeName,
      labels: {
        'kubernetes.io/hostname': nodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': goArch(process.arch),
        ...options.labels,
      },
    },
    spec: { podCIDR: options.podCidr, podCIDRs: [options.podCidr] },
  };
  const status: Node['status'] = {
    addresses: [
      { type: 'InternalIP', address: options.nodeAddress },
      { type: 'Hostname', address: nodeName },
    ],
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'meshlet node agent is posting ready status', lastHeartbeatTime: now() }],
    capacity: { cpu: '4', memory: '8Gi', pods: '110' },
    allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
    ...(options.kubeletPort ? { daemonEndpoints: { kubeletEndpoint: { Port: options.kubeletPort } } } : {}),
    nodeInfo: { ...readNodeSystemInfo(MESHLET_VERSION, options.host ?? localHost) },
  };
  // A Node from an earlier run keeps what users and controllers set on it (taints,
  // cordon, extra labels); only the agent's own fields are refreshed. Others may
  // write the Node meanwhile (the lifecycle controller, kubectl), so a conflict
  // means "read again", not "fail to start".
  for (let attempt = 1; ; attempt++) {
    try {
      const existing = await client.get<Node>(NODES, undefined, nodeName);
      const node = existing
        ? await client.update<Node>(NODES, { ...existing, metadata: { ...existing.metadata, labels: { ...existing.metadata.labels, ...desired.metadata.labels } }, spec: { ...existing.spec, ...desired.spec } })
        : await client.create<Node>(NODES, desired);
      // The agent owns the whole status, as the kubelet does: this replaces a stored one from an older run.
      await client.updateStatus(NODES, { ...node, metadata: { ...node.metadata, resourceVersion: undefined }, status });
      break;
    } catch (err) {
      if (attempt >= REGISTER_ATTEMPTS || !(isApiError(err, 'Conflict') || isApiError(err, 'AlreadyExists'))) throw err;
    }
  }

  const renewLease = async (): Promise<void> => {
    const spec = { holderIdentity: nodeName, leaseDurationSeconds: LEASE_SECONDS, renewTime: now().replace('Z', '000Z') };
    const lease = await client.get(LEASES, 'kube-node-lease', nodeName);
    if (lease) await client.update(LEASES, { ...lease, spec });
    else await client.create(LEASES, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: nodeName, namespace: 'kube-node-lease' }, spec });
  };
  await renewLease().catch(() => undefined);
  let timer: Timer | undefined;
  let stopped = false;
  const schedule = () => {
    timer = clock.setTimer(options.heartbeatMs ?? 10_000, () => {
      if (stopped) return;
      void renewLease()
        .catch((err: unknown) => {
          if (!isApiError(err, 'Conflict')) process.emitWarning(`control/agent: ${nodeName}: lease renewal failed: ${String(err)}`);
        })
        .finally(schedule);
    });
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
