// A StatefulSet pod's identity: its stable name `<set>-<ordinal>`, the labels
// Kubernetes gives it, hostname and subdomain (the per-pod DNS name through the
// governing Service), and a volume per claim template pointing at that
// ordinal's claim `<template>-<set>-<ordinal>`.

import type { ClaimVolume, ObjectInput, Pod, PodSpecWithVolumes, PodTemplateSpec, StatefulSet } from '../api/index.ts';
import { CONTROLLER_REVISION_HASH_LABEL } from './controller-revision.ts';
import { controllerRef } from './owner-refs.ts';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

/** The ordinal of a pod of `set` (by name), or -1 for a name that is not `<set>-<n>`. */
export function ordinalOf(set: StatefulSet, pod: Pod): number {
  const prefix = `${set.metadata.name}-`;
  const name = pod.metadata.name;
  if (!name.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : -1;
}

export function claimName(templateName: string, set: StatefulSet, ordinal: number): string {
  return `${templateName}-${set.metadata.name}-${ordinal}`;
}

export function revisionOfPod(pod: Pod): string | undefined {
  return pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

/** The claims the pod at `ordinal` mounts, as objects to create (namespace and labels filled in). */
export function claimsFor(set: StatefulSet, ordinal: number): ObjectInput[] {
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName(t.metadata.name, set, ordinal),
      namespace: set.metadata.namespace,
      labels: { ...(t.metadata.labels ?? {}), ...(set.spec?.selector.matchLabels ?? {}) },
      ...(t.metadata.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
    },
    spec: structuredClone(t.spec ?? {}),
  }));
}

/** Template volumes with the claim templates' names replaced by the ordinal's claims. */
function volumesFor(set: StatefulSet, ordinal: number, spec: PodSpecWithVolumes): ClaimVolume[] | undefined {
  const templates = set.spec?.volumeClaimTemplates ?? [];
  if (templates.length === 0) return spec.volumes;
  const names = new Set(templates.map((t) => t.metadata.name));
  const claims: ClaimVolume[] = templates.map((t) => ({ name: t.metadata.name, persistentVolumeClaim: { claimName: claimName(t.metadata.name, set, ordinal) } }));
  return [...claims, ...(spec.volumes ?? []).filter((v) => !names.has(v.name))];
}

/** The pod at `ordinal`, made from `template` (the revision's) and labelled with `revisionName`. */
export function newStatefulSetPod(set: StatefulSet, template: PodTemplateSpec, revisionName: string, ordinal: number): ObjectInput {
  const name = podName(set, ordinal);
  const spec = structuredClone(template.spec) as PodSpecWithVolumes;
  const volumes = volumesFor(set, ordinal, spec);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: {
        ...(template.metadata?.labels ?? {}),
        [POD_NAME_LABEL]: name,
        [POD_INDEX_LABEL]: String(ordinal),
        [CONTROLLER_REVISION_HASH_LABEL]: revisionName,
      },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [controllerRef(set)],
    },
    spec: {
      ...spec,
      ...(volumes ? { volumes } : {}),
      hostname: name,
      ...(set.spec?.serviceName ? { subdomain: set.spec.serviceName } : {}),
    },
  };
}

/** The identity labels a pod of `set` must carry (a user may have removed them). */
export function identityMatches(set: StatefulSet, pod: Pod, ordinal: number): boolean {
  const labels = pod.metadata.labels ?? {};
  return labels[POD_NAME_LABEL] === pod.metadata.name && labels[POD_INDEX_LABEL] === String(ordinal) && pod.metadata.namespace === set.metadata.namespace;
}

export function withIdentity(pod: Pod, ordinal: number): Pod {
  return {
    ...pod,
    metadata: { ...pod.metadata, labels: { ...(pod.metadata.labels ?? {}), [POD_NAME_LABEL]: pod.metadata.name, [POD_INDEX_LABEL]: String(ordinal) } },
  };
}
