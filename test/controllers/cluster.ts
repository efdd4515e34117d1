// Test support: an in-process control plane (registry over MemoryStore, no
// sockets, no node agents), kubelet stand-ins that write pod status, and a
// deadline-bounded wait.

import type { Client, Deployment, DeploymentSpec, KubeObject, Node, Pod, ReplicaSet, ServicePort } from '../../control/api/index.ts';
import { NODES, PODS } from '../../control/api/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { MemoryStore } from '../../control/store/index.ts';
import { waitFor as waitUntil } from '../helpers/wait.ts';

export interface TestCluster {
  client: Client;
  store: MemoryStore;
  close(): Promise<void>;
}

export async function newCluster(): Promise<TestCluster> {
  const store = new MemoryStore();
  const registry = createRegistry({ store });
  await registry.ensureNamespaces(['default', 'kube-system']);
  return { client: registry, store, close: () => store.close() };
}

/** Waits until `check` returns a truthy value; fails with `what` after the deadline. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, deadlineMs = 10_000): Promise<T> {
  return (await waitUntil(what, check, { timeoutMs: deadlineMs, intervalMs: 10 })) as T;
}

let nextIp = 2;

/** Plays the kubelet: the pod runs on `nodeName` with an IP and the given readiness. */
export async function markPodRunning(client: Client, pod: Pod, options: { ready?: boolean; ip?: string; nodeName?: string } = {}): Promise<Pod> {
  const ready = options.ready ?? true;
  let current = pod;
  if (options.nodeName && current.spec?.nodeName !== options.nodeName) {
    current = await client.patch<Pod>(PODS, pod.metadata.namespace, pod.metadata.name, 'merge', { spec: { nodeName: options.nodeName } });
  }
  const ip = options.ip ?? current.status?.podIP ?? `127.244.1.${nextIp++ % 250 + 2}`;
  const now = new Date().toISOString();
  return client.updateStatus<Pod>(PODS, {
    ...current,
    status: {
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      startTime: now,
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now },
        { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: now },
      ],
    },
  });
}

export async function setPodPhase(client: Client, pod: Pod, phase: 'Succeeded' | 'Failed'): Promise<Pod> {
  const current = (await client.get<Pod>(PODS, pod.metadata.namespace, pod.metadata.name)) ?? pod;
  return client.updateStatus<Pod>(PODS, { ...current, status: { ...(current.status ?? {}), phase, conditions: [{ type: 'Ready', status: 'False' }] } });
}

export async function listPods(client: Client, namespace = 'default', labelSelector?: string): Promise<Pod[]> {
  return (await client.list<Pod>(PODS, { namespace, ...(labelSelector ? { labelSelector } : {}) })).items;
}

export function deploymentManifest(name: string, options: { replicas?: number; image?: string; strategy?: DeploymentSpec['strategy']; revisionHistoryLimit?: number } = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: options.replicas ?? 3,
      selector: { matchLabels: { app: name } },
      ...(options.strategy ? { strategy: options.strategy } : {}),
      ...(options.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: options.revisionHistoryLimit } : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: options.image ?? 'example/app:1', ports: [{ name: 'http', containerPort: 9080 }] }] },
      },
    },
  };
}

export function replicaSetManifest(name: string, replicas = 3, labels: Record<string, string> = { app: name }) {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'example/app:1' }] } },
    },
  };
}

export function serviceManifest(name: string, selector: Record<string, string> | undefined, ports: ServicePort[], extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { ...(selector ? { selector } : {}), ports, ...extra },
  };
}

export function podManifest(name: string, labels: Record<string, string>, spec: Partial<NonNullable<Pod['spec']>> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: { containers: [{ name: 'app', image: 'example/app:1' }], ...spec },
  };
}

export function nodeManifest(name: string, options: { cpu?: string; memory?: string; pods?: string; ready?: boolean; labels?: Record<string, string>; taints?: NonNullable<Node['spec']>['taints']; unschedulable?: boolean } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(options.labels ?? {}) } },
    spec: { ...(options.taints ? { taints: options.taints } : {}), ...(options.unschedulable ? { unschedulable: true } : {}) },
    status: {
      allocatable: { cpu: options.cpu ?? '4', memory: options.memory ?? '8Gi', pods: options.pods ?? '110' },
      capacity: { cpu: options.cpu ?? '4', memory: options.memory ?? '8Gi', pods: options.pods ?? '110' },
      conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }],
    },
  };
}

/** Creates a node with the given status (written again through the status subresource if create dropped it). */
export async function createNode(client: Client, manifest: ReturnType<typeof nodeManifest>): Promise<Node> {
  const created = await client.create<Node>(NODES, manifest);
  if (JSON.stringify(created.status) === JSON.stringify(manifest.status)) return created;
  return client.updateStatus<Node>(NODES, { ...created, status: manifest.status });
}

export type { Deployment, ReplicaSet, KubeObject };

/**
 * One pass of a stand-in node agent: bound pods that are not Running yet
 * start (IP + Ready), and pods marked for deletion are removed for good.
 */
export async function kubeletStep(client: Client, namespace?: string): Promise<void> {
  const pods = (await client.list<Pod>(PODS, namespace ? { namespace } : {})).items;
  for (const p of pods) {
    try {
      if (p.metadata.deletionTimestamp && p.spec?.nodeName) await client.delete(PODS, p.metadata.namespace, p.metadata.name, { gracePeriodSeconds: 0 });
      else if (p.spec?.nodeName && p.status?.phase !== 'Running' && !p.metadata.deletionTimestamp) await markPodRunning(client, p);
    } catch {
      // Raced with a controller; the next pass sees the new state.
    }
  }
}
