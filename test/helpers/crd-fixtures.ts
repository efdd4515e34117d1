// CustomResourceDefinitions for tests: a small Widget kind of our own (every
// structural-schema feature the registry handles), and Istio-shaped CRDs for
// kinds meshlet already serves natively (as Istio's crd-all.gen.yaml declares
// them: group, names, categories, v1/v1alpha3/v1beta1, status subresource,
// printer columns), built here so tests need no fetched Istio checkout.

import type { ObjectInput, ResourceType } from '../../control/api/index.ts';

export const WIDGET_CRD_NAME = 'widgets.example.com';

export function widgetCrd(overrides: { scope?: 'Namespaced' | 'Cluster' } = {}): ObjectInput {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: WIDGET_CRD_NAME },
    spec: {
      group: 'example.com',
      scope: overrides.scope ?? 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'], categories: ['all', 'toys'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
          additionalPrinterColumns: [
            { name: 'Size', type: 'string', jsonPath: '.spec.size', description: 'How big the widget is.' },
            { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
            { name: 'Color', type: 'string', jsonPath: '.spec.color', priority: 1 },
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: 'A Widget is a kind the tests define.',
              properties: {
                spec: {
                  type: 'object',
                  description: 'What the widget should be.',
                  required: ['size'],
                  properties: {
                    size: { type: 'string', enum: ['small', 'large'], description: 'How big the widget is.' },
                    replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
                    color: { type: 'string', default: 'blue', pattern: '^[a-z]+$', maxLength: 10 },
                    port: { 'x-kubernetes-int-or-string': true },
                    tags: { type: 'array', maxItems: 3, items: { type: 'string', minLength: 1 } },
                    owner: { type: 'string', format: 'email', nullable: true },
                    labels: { type: 'object', additionalProperties: { type: 'string' } },
                    extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                    template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { image: { type: 'string' } } } } },
                    parts: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, count: { type: 'integer', default: 1 } } } },
                  },
                },
                status: {
                  type: 'object',
                  properties: {
                    replicas: { type: 'integer' },
                    selector: { type: 'string' },
                    conditions: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, status: { type: 'string' } } } },
                  },
                },
              },
            },
          },
        },
        {
          name: 'v1beta1',
          served: true,
          storage: false,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}

export function widget(name: string, spec: Record<string, unknown>, namespace = 'default'): ObjectInput {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, namespace }, spec };
}

/** An Istio-shaped CRD for a kind meshlet serves natively (virtualservices.networking.istio.io …). */
export function istioCrdFor(type: ResourceType, categories: string[], printerColumns: { name: string; jsonPath: string }[]): ObjectInput {
  const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const version = (name: string, storage: boolean) => ({
    name,
    served: true,
    storage,
    subresources: { status: {} },
    additionalPrinterColumns: [
      ...printerColumns.map((c) => ({ ...c, type: 'string', description: c.name })),
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' },
    ],
    schema: { openAPIV3Schema: { type: 'object', properties: { spec: { ...open, description: `Configuration affecting ${type.kind}.` }, status: open } } },
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${type.plural}.${type.group}`, labels: { app: 'istio-pilot', chart: 'istio', heritage: 'Tiller', release: 'istio' }, annotations: { 'helm.sh/resource-policy': 'keep' } },
    spec: {
      group: type.group,
      scope: 'Namespaced',
      names: { kind: type.kind, listKind: `${type.kind}List`, plural: type.plural, singular: type.singular, shortNames: [...type.shortNames], categories },
      versions: [version('v1', false), version('v1alpha3', true), version('v1beta1', false)],
    },
  };
}
