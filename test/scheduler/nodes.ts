// Test support: Node and Pod objects for scheduler unit tests, no cluster needed.

import type { Node, Pod } from '../../control/api/index.ts';
import { NodeInfo } from '../../control/scheduler/index.ts';

let uid = 0;

export function node(name: string, options: { cpu?: string; memory?: string; pods?: string; ready?: boolean | 'missing'; labels?: Record<string, string>; taints?: NonNullable<Node['spec']>['taints']; unschedulable?: boolean } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `node-${name}`, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z', labels: { 'kubernetes.io/hostname': name, ...(options.labels ?? {}) } },
    spec: { ...(options.taints ? { taints: options.taints } : {}), ...(options.unschedulable ? { unschedulable: true } : {}) },
    status: {
      allocatable: { cpu: options.cpu ?? '4', memory: options.memory ?? '8Gi', pods: options.pods ?? '110' },
      conditions: options.ready === 'missing' ? [] : [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }],
    },
  };
}

export function pod(name: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = {}, requests?: { cpu?: string; memory?: string }): Pod {
  uid += 1;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `pod-${uid}`, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z', labels },
    spec: { containers: [{ name: 'c', image: 'x', ...(requests ? { resources: { requests } } : {}) }], ...spec },
  } as Pod;
}

export function info(n: Node, pods: Pod[] = []): NodeInfo {
  const i = new NodeInfo(n);
  for (const p of pods) i.addPod({ ...p, spec: { ...p.spec!, nodeName: n.metadata.name } });
  return i;
}
