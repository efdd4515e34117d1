// Registers a Node object and keeps its heartbeat Lease (kube-node-lease)
// fresh, as the kubelet does, so `kubectl get nodes` shows it Ready.

import { release } from 'node:os';
import { LEASES, NODES, isApiError } from '../api/index.ts';
import type { Client, Clock, Node, Timer } from '../api/index.ts';

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
}

export interface NodeRegistration {
  stop(): Promise<void>;
}

const LEASE_SECONDS = 40;

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
        'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch,
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
    // The schema requires every nodeInfo field: without them any later write to the Node (a taint,
    // a cordon) fails validation.
    nodeInfo: {
      kubeletVersion: 'v1.32.0-meshlet', kubeProxyVersion: 'v1.32.0-meshlet', operatingSystem: 'linux', architecture: process.arch,
      containerRuntimeVersion: 'meshlet://process', machineID: nodeName, systemUUID: nodeName, bootID: String(process.pid), kernelVersion: release(), osImage: 'meshlet',
    },
  };
  const existing = await client.get<Node>(NODES, undefined, nodeName);
  const node = existing
    ? await client.update<Node>(NODES, { ...existing, metadata: { ...existing.metadata, labels: { ...existing.metadata.labels, ...desired.metadata.labels } }, spec: { ...existing.spec, ...desired.spec } })
    : await client.create<Node>(NODES, desired);
  await client.updateStatus(NODES, { ...node, status });

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
