// networking.k8s.io/v1 IngressClass: which controller serves Ingresses naming
// it, and the annotation that makes one class the default.

import type { KubeObject } from './objects.ts';

export interface IngressClassSpec {
  controller?: string;
  parameters?: { apiGroup?: string; kind: string; name: string; namespace?: string; scope?: string };
}

export type IngressClass = KubeObject<IngressClassSpec>;

export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
/** The class meshlet's ingress gateway serves, named and controlled as Istio's is. */
export const MESHLET_INGRESS_CLASS = 'istio';
export const MESHLET_INGRESS_CONTROLLER = 'istio.io/ingress-controller';
/** The pre-IngressClass annotation Istio still honours. */
export const LEGACY_INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
