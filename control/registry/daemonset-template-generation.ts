// A DaemonSet's template generation, kept by the registry as Kubernetes' DaemonSet
// strategy keeps it: 1 on create, one more whenever spec.template changes, carried
// in apps/v1 as the `deprecated.daemonset.template.generation` annotation. The
// controller stamps it on pods (`pod-template-generation`) beside the revision hash.

import type { KubeObject, ObjectInput } from '../api/index.ts';
import { TEMPLATE_GENERATION_ANNOTATION, stableStringify } from '../api/index.ts';

function templateOf(obj: ObjectInput | KubeObject): string {
  return stableStringify((obj.spec as { template?: unknown } | undefined)?.template ?? null);
}

export function initTemplateGeneration(obj: ObjectInput): void {
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: '1' };
}

/** On update: the stored generation, bumped when the template changed (a user's value is not taken). */
export function advanceTemplateGeneration(current: KubeObject, next: ObjectInput): void {
  const stored = Number(current.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION] ?? '1') || 1;
  const generation = templateOf(current) === templateOf(next) ? stored : stored + 1;
  next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(generation) };
}
