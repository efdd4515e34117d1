// The DefaultIngressClass admission plugin: an Ingress created without
// spec.ingressClassName (and without the legacy kubernetes.io/ingress.class
// annotation) gets the class annotated ingressclass.kubernetes.io/is-default-class
// "true"; with several defaults, the newest wins (Kubernetes ≥ 1.28).

import type { Client, IngressClass, ObjectInput, ResourceType } from '../../api/index.ts';
import { DEFAULT_INGRESS_CLASS_ANNOTATION, INGRESSES, INGRESS_CLASSES, LEGACY_INGRESS_CLASS_ANNOTATION } from '../../api/index.ts';

export async function admitDefaultIngressClass(client: Client, type: ResourceType, obj: ObjectInput): Promise<void> {
  if (type !== INGRESSES) return;
  const spec = (obj.spec ?? {}) as { ingressClassName?: string };
  if (spec.ingressClassName || obj.metadata.annotations?.[LEGACY_INGRESS_CLASS_ANNOTATION]) return;
  const defaults = (await client.list<IngressClass>(INGRESS_CLASSES)).items
    .filter((c) => c.metadata.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true')
    .sort((a, b) => b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp) || a.metadata.name.localeCompare(b.metadata.name));
  const chosen = defaults[0];
  if (chosen) obj.spec = { ...spec, ingressClassName: chosen.metadata.name };
}
