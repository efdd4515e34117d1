// The IngressClass meshlet's ingress gateway serves, created at start as the
// cluster default (so the DefaultIngressClass admission plugin gives new
// Ingresses `spec.ingressClassName: istio`). Named and controlled as Istio's
// own class is; left alone once it exists, so a user's edits survive restarts.

import type { Client } from '../api/index.ts';
import { DEFAULT_INGRESS_CLASS_ANNOTATION, INGRESS_CLASSES, MESHLET_INGRESS_CLASS, MESHLET_INGRESS_CONTROLLER, isApiError } from '../api/index.ts';

export async function ensureDefaultIngressClass(client: Client): Promise<void> {
  if (await client.get(INGRESS_CLASSES, undefined, MESHLET_INGRESS_CLASS)) return;
  try {
    await client.create(INGRESS_CLASSES, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: MESHLET_INGRESS_CLASS, annotations: { [DEFAULT_INGRESS_CLASS_ANNOTATION]: 'true' } },
      spec: { controller: MESHLET_INGRESS_CONTROLLER },
    });
  } catch (err) {
    if (!isApiError(err, 'AlreadyExists')) throw err;
  }
}
