// Aggregated discovery (apidiscovery.k8s.io/v2): one response for /api and one
// for /apis listing every group, version and resource, so kubectl needs two
// requests instead of one per group-version. Served when the Accept header
// asks for it; the response Content-Type names the type served.

import type { IncomingMessage } from 'node:http';
import type { KindCatalog, ResourceType } from '../api/index.ts';
import { categoriesOf, groupVersions, preferredVersion, typesIn } from './discovery.ts';
import type { ExtraGroup } from './metrics-discovery.ts';
import { extraAggregatedEntry } from './metrics-discovery.ts';

export type DiscoveryFlavour = { version: 'v2' | 'v2beta1' } | undefined;

export function wantsAggregated(req: IncomingMessage): DiscoveryFlavour {
  const accept = req.headers.accept ?? '';
  for (const part of accept.split(',')) {
    const params = part.split(';').map((p) => p.trim());
    if (!params.includes('g=apidiscovery.k8s.io') || !params.includes('as=APIGroupDiscoveryList')) continue;
    if (params.includes('v=v2')) return { version: 'v2' };
    if (params.includes('v=v2beta1')) return { version: 'v2beta1' };
  }
  return undefined;
}

export function aggregatedContentType(flavour: NonNullable<DiscoveryFlavour>): string {
  return `application/json;g=apidiscovery.k8s.io;v=${flavour.version};as=APIGroupDiscoveryList`;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resourceEntry(kinds: KindCatalog, t: ResourceType, version: string): Record<string, unknown> {
  const categories = categoriesOf(kinds, t);
  return {
    resource: t.plural,
    responseKind: { group: t.group, version, kind: t.kind },
    scope: t.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: t.singular,
    verbs: VERBS,
    ...(t.shortNames.length ? { shortNames: [...t.shortNames] } : {}),
    ...(categories.length ? { categories } : {}),
    subresources: t.subresources.map((s) => {
      if (s === 'scale') return { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] };
      if (s === 'log') return { subresource: 'log', responseKind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] };
      if (s === 'binding') return { subresource: 'binding', responseKind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] };
      if (s === 'eviction') return { subresource: 'eviction', responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] };
      return { subresource: 'status', responseKind: { group: t.group, version, kind: t.kind }, verbs: ['get', 'patch', 'update'] };
    }),
  };
}

function groupEntry(kinds: KindCatalog, group: string, versions: string[]): Record<string, unknown> {
  return {
    metadata: group ? { name: group } : {},
    versions: versions.map((version) => ({ version, resources: typesIn(kinds, group, version).map((t) => resourceEntry(kinds, t, version)), freshness: 'Current' })),
  };
}

function list(flavour: NonNullable<DiscoveryFlavour>, items: Record<string, unknown>[]): Record<string, unknown> {
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${flavour.version}`, metadata: {}, items };
}

export function aggregatedCore(kinds: KindCatalog, flavour: NonNullable<DiscoveryFlavour>): Record<string, unknown> {
  return list(flavour, [groupEntry(kinds, '', ['v1'])]);
}

export function aggregatedGroups(kinds: KindCatalog, flavour: NonNullable<DiscoveryFlavour>, extra: readonly ExtraGroup[] = []): Record<string, unknown> {
  const items = [...groupVersions(kinds).entries()].map(([group, versions]) => {
    const preferred = preferredVersion(kinds, group);
    return groupEntry(kinds, group, [preferred, ...versions.filter((v) => v !== preferred)]);
  });
  return list(flavour, [...items, ...extra.map(extraAggregatedEntry)]);
}
