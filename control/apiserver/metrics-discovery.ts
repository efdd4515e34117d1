// Discovery entries of the metrics APIs, which are not kinds in the resource
// table (nothing is stored): listed only when the server has a metrics
// source, so `kubectl top` reports "Metrics API not available" otherwise, as
// on a cluster without metrics-server.

import type { MetricsApiSources } from './metrics-handlers.ts';
import { CUSTOM_METRICS_GROUP, CUSTOM_METRICS_VERSION, METRICS_GROUP, METRICS_VERSION } from './metrics-handlers.ts';

export interface ServedResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
}

export interface ExtraGroup {
  name: string;
  version: string;
  resources: ServedResource[];
}

export function metricsGroups(sources: MetricsApiSources | undefined): ExtraGroup[] {
  if (!sources) return [];
  const groups: ExtraGroup[] = [
    {
      name: METRICS_GROUP,
      version: METRICS_VERSION,
      resources: [
        { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
        { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
      ],
    },
  ];
  if (sources.rates) {
    groups.push({
      name: CUSTOM_METRICS_GROUP,
      version: CUSTOM_METRICS_VERSION,
      resources: sources.rates.metricNames.flatMap((metric) => [
        { name: `pods/${metric}`, singularName: '', namespaced: true, kind: 'MetricValueList', verbs: ['get'] },
        { name: `services/${metric}`, singularName: '', namespaced: true, kind: 'MetricValueList', verbs: ['get'] },
      ]),
    });
  }
  return groups;
}

export function extraGroupEntry(g: ExtraGroup): Record<string, unknown> {
  const gv = { groupVersion: `${g.name}/${g.version}`, version: g.version };
  return { name: g.name, versions: [gv], preferredVersion: gv };
}

export function extraResourceList(g: ExtraGroup): Record<string, unknown> {
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${g.name}/${g.version}`, resources: g.resources };
}

export function extraAggregatedEntry(g: ExtraGroup): Record<string, unknown> {
  return {
    metadata: { name: g.name },
    versions: [
      {
        version: g.version,
        resources: g.resources.map((r) => ({
          resource: r.name,
          responseKind: { group: g.name, version: g.version, kind: r.kind },
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: r.singularName,
          verbs: r.verbs,
        })),
        freshness: 'Current',
      },
    ],
  };
}
