// StatefulSet test support: the docs' "web" set as an object, a kubelet
// stand-in that runs pods on a node (so deletions are graceful and leave pods
// Terminating until the "kubelet" finishes them), and readers for pods and claims.

import type { Client, KubeObject, Pod, StatefulSet, StatefulSetSpec } from '../../control/api/index.ts';
import { PERSISTENT_VOLUME_CLAIMS, PODS, STATEFUL_SETS } from '../../control/api/index.ts';
import { markPodRunning } from './cluster.ts';
import { createPvcProtectionReconciler } from '../../control/controllers/index.ts';

export const noEvents = { record: () => undefined };

export function statefulSetManifest(name: string, spec: Partial<StatefulSetSpec> = {}, image = 'registry.k8s.io/nginx-slim:0.7') {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: {
      serviceName: 'nginx',
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [{ name: 'nginx', image, ports: [{ containerPort: 80, name: 'web' }], volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] }],
        },
      },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...spec,
    },
  };
}

export async function getSet(client: Client, name = 'web'): Promise<StatefulSet> {
  const set = await client.get<StatefulSet>(STATEFUL_SETS, 'default', name);
  if (!set) throw new Error(`statefulset ${name} is gone`);
  return set;
}

export async function podNames(client: Client): Promise<string[]> {
  return (await client.list<Pod>(PODS, { namespace: 'default' })).items.map((p) => p.metadata.name).sort();
}

export async function getPod(client: Client, name: string): Promise<Pod> {
  const pod = await client.get<Pod>(PODS, 'default', name);
  if (!pod) throw new Error(`pod ${name} does not exist`);
  return pod;
}

/**
 * The claims in `default`. Claims carry the kubernetes.io/pvc-protection finalizer; a claim being
 * deleted is first handed to the pvc-protection controller (not running in these tests), which lets
 * it go once no pod uses it.
 */
export async function claims(client: Client): Promise<KubeObject[]> {
  const protection = createPvcProtectionReconciler({ client });
  for (const c of (await client.list(PERSISTENT_VOLUME_CLAIMS, { namespace: 'default' })).items) {
    if (c.metadata.deletionTimestamp) await protection.reconcile(`default/${c.metadata.name}`);
  }
  return (await client.list(PERSISTENT_VOLUME_CLAIMS, { namespace: 'default' })).items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** Plays the kubelet for one pod: bound to node-1, Running, Ready (or not). */
export async function runPod(client: Client, name: string, ready = true): Promise<Pod> {
  return markPodRunning(client, await getPod(client, name), { ready, nodeName: 'node-1' });
}

/** Plays the kubelet for pods being deleted: they are gone for good. */
export async function finishDeletions(client: Client): Promise<string[]> {
  const gone: string[] = [];
  for (const pod of (await client.list<Pod>(PODS, { namespace: 'default' })).items) {
    if (!pod.metadata.deletionTimestamp) continue;
    await client.delete(PODS, 'default', pod.metadata.name, { gracePeriodSeconds: 0 });
    gone.push(pod.metadata.name);
  }
  return gone;
}

export function terminating(pod: Pod | undefined): boolean {
  return pod?.metadata.deletionTimestamp !== undefined;
}
