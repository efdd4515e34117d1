// Discovery documents: /version, /api, /apis, /api/v1 and /apis/GROUP/VERSION
// resource lists, built from the kinds served (the KindCatalog: built-in
// table plus CRD-defined kinds).

import type { KindCatalog, ResourceType } from '../api/index.ts';
import { servedVersions } from './request-info.ts';
import type { ExtraGroup } from './metrics-discovery.ts';
import { extraGroupEntry } from './metrics-discovery.ts';

const VERBS_NAMESPACED = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function groupVersions(kinds: KindCatalog): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const t of kinds.all()) {
    if (t.group === '') continue;
    const versions = groups.get(t.group) ?? [];
    for (const v of servedVersions(t)) if (!versions.includes(v)) versions.push(v);
    groups.set(t.group, versions);
  }
  return groups;
}

/** The preferred version of a group: the one most of its types are stored under. */
export function preferredVersion(kinds: KindCatalog, group: string): string {
  const counts = new Map<string, number>();
  for (const t of kinds.all()) if (t.group === group) counts.set(t.version, (counts.get(t.version) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'v1';
}

export function typesIn(kinds: KindCatalog, group: string, version: string): ResourceType[] {
  return kinds.all().filter((t) => t.group === group && servedVersions(t).includes(version));
}

export function versionInfo(version: string): Record<string, unknown> {
  return {
    major: '1',
    minor: '32',
    gitVersion: version,
    gitCommit: 'meshlet',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'node',
    compiler: 'meshlet',
    platform: `${process.platform}/${process.arch}`,
  };
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(kinds: KindCatalog, extra: readonly ExtraGroup[] = []): Record<string, unknown> {
  const groups = [...groupVersions(kinds).entries()].map(([name, versions]) => {
    const preferred = preferredVersion(kinds, name);
    const ordered = [preferred, ...versions.filter((v) => v !== preferred)];
    return {
      name,
      versions: ordered.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${name}/${preferred}`, version: preferred },
    };
  });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups, ...extra.map(extraGroupEntry)] };
}

export function apiGroup(kinds: KindCatalog, group: string, extra: readonly ExtraGroup[] = []): Record<string, unknown> | undefined {
  const found = (apiGroupList(kinds, extra)['groups'] as { name: string }[]).find((g) => g.name === group);
  return found ? { kind: 'APIGroup', apiVersion: 'v1', ...found } : undefined;
}

/** `kubectl get all` expands the `all` category; Istio's CRDs declare istio-io and their group's category. */
const ALL_CATEGORY = new Set(['/pods', '/services', 'apps/deployments', 'apps/replicasets', 'batch/jobs', 'autoscaling/horizontalpodautoscalers']);

export function categoriesOf(kinds: KindCatalog, t: ResourceType): string[] {
  const custom = kinds.customKind(t);
  if (custom) return [...(custom.definition.spec?.names.categories ?? [])];
  if (ALL_CATEGORY.has(`${t.group}/${t.plural}`)) return ['all'];
  if (t.group === 'networking.istio.io') return ['istio-io', 'networking-istio-io'];
  if (t.group === 'security.istio.io') return ['istio-io', 'security-istio-io'];
  if (t.group === 'policy.meshlet.dev') return ['meshlet'];
  if (t.group === 'apiextensions.k8s.io') return ['api-extensions'];
  return [];
}

function resourceEntries(kinds: KindCatalog, t: ResourceType): Record<string, unknown>[] {
  const categories = categoriesOf(kinds, t);
  const main = {
    name: t.plural,
    singularName: t.singular,
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: VERBS_NAMESPACED,
    ...(t.shortNames.length > 0 ? { shortNames: [...t.shortNames] } : {}),
    ...(categories.length ? { categories } : {}),
  };
  const subs = t.subresources.map((s) => {
    if (s === 'scale') return { name: `${t.plural}/scale`, singularName: '', namespaced: t.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };
    if (s === 'log') return { name: `${t.plural}/log`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get'] };
    if (s === 'binding') return { name: `${t.plural}/binding`, singularName: '', namespaced: t.namespaced, kind: 'Binding', verbs: ['create'] };
    // kubectl drain evicts only when this entry names the policy group and version.
    if (s === 'eviction') return { name: `${t.plural}/eviction`, singularName: '', namespaced: t.namespaced, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
    return { name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] };
  });
  return [main, ...subs];
}

export function apiResourceList(kinds: KindCatalog, group: string, version: string): Record<string, unknown> | undefined {
  const types = typesIn(kinds, group, version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: types.flatMap((t) => resourceEntries(kinds, t)),
  };
}
