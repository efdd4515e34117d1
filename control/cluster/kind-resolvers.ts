// How `apply` finds the type of each object: built-in kinds from the table,
// CRD-defined ones from the catalog (in-process) or from discovery (over
// HTTP). A kind a CRD of the same batch defines is waited for, bounded, since
// the CRD is served only once the CRD controller has established it.

import type { ObjectInput, ResourceType } from '../api/index.ts';
import { KindCatalog, RESOURCE_TYPES, resourceTypeForKind } from '../api/index.ts';

export type KindResolver = (apiVersion: string, kind: string) => ResourceType | undefined | Promise<ResourceType | undefined>;

/** How long a kind defined by a CRD in the same batch is waited for. */
export const CRD_ESTABLISH_WAIT_MS = 30_000;

/** True when one of `objects` is a CRD defining `kind` in the group of `apiVersion`. */
export function definedInBatch(objects: readonly ObjectInput[], apiVersion: string, kind: string): boolean {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return objects.some((o) => {
    if (o.kind !== 'CustomResourceDefinition') return false;
    const spec = o['spec'] as { group?: string; names?: { kind?: string } } | undefined;
    return spec?.group === group && spec.names?.kind === kind;
  });
}

/** In-process: the catalog, waiting (on its change notifications) for kinds the batch's CRDs define. */
export function catalogResolver(kinds: KindCatalog, objects: readonly ObjectInput[], waitMs = CRD_ESTABLISH_WAIT_MS): KindResolver {
  return (apiVersion, kind) => {
    const found = kinds.forKind(apiVersion, kind);
    if (found || !definedInBatch(objects, apiVersion, kind)) return found;
    return new Promise((resolve) => {
      const done = (type: ResourceType | undefined): void => {
        clearTimeout(timer);
        unsubscribe();
        resolve(type);
      };
      const unsubscribe = kinds.onChange(() => {
        const type = kinds.forKind(apiVersion, kind);
        if (type) done(type);
      });
      const timer = setTimeout(() => done(undefined), waitMs);
    });
  };
}

interface DiscoveredResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  shortNames?: string[];
}

/** Over HTTP: the group-version's resource list, asked again (bounded) for kinds the batch's CRDs define. */
export function discoveryResolver(getText: (path: string) => Promise<string>, objects: readonly ObjectInput[], waitMs = CRD_ESTABLISH_WAIT_MS): KindResolver {
  const lookup = async (apiVersion: string, kind: string): Promise<ResourceType | undefined> => {
    let text: string;
    try {
      text = await getText(apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
    } catch {
      return undefined;
    }
    const list = JSON.parse(text) as { resources?: DiscoveredResource[] };
    const found = list.resources?.find((r) => r.kind === kind && !r.name.includes('/'));
    if (!found) return undefined;
    const slash = apiVersion.indexOf('/');
    const subresources = (list.resources ?? []).filter((r) => r.name.startsWith(`${found.name}/`)).map((r) => r.name.slice(found.name.length + 1));
    return {
      group: slash < 0 ? '' : apiVersion.slice(0, slash),
      version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
      kind,
      plural: found.name,
      singular: found.singularName || kind.toLowerCase(),
      namespaced: found.namespaced,
      shortNames: found.shortNames ?? [],
      subresources: subresources.filter((s): s is 'status' | 'scale' => s === 'status' || s === 'scale'),
    };
  };
  return async (apiVersion, kind) => {
    const builtin = resourceTypeForKind(apiVersion, kind);
    if (builtin) return builtin;
    const deadline = Date.now() + (definedInBatch(objects, apiVersion, kind) ? waitMs : 0);
    for (;;) {
      const found = await lookup(apiVersion, kind);
      if (found || Date.now() >= deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
}

interface AggregatedResource {
  resource: string;
  singularResource?: string;
  scope: 'Namespaced' | 'Cluster';
  responseKind: { kind: string };
  shortNames?: string[];
  subresources?: { subresource: string }[];
}

interface AggregatedGroups {
  items?: { metadata: { name?: string }; versions: { version: string; resources: AggregatedResource[] }[] }[];
}

const AGGREGATED_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

/**
 * Over HTTP: the built-in kinds plus every kind the server's aggregated
 * discovery lists (CRD-defined ones), as a catalog to look names up in
 * (`meshlet get widgets`, `meshlet delete wd w1`).
 */
export async function discoveredKinds(getJson: (path: string, accept: string) => Promise<unknown>): Promise<KindCatalog> {
  const groups = (await getJson('/apis', AGGREGATED_ACCEPT)) as AggregatedGroups;
  const known = new Set(RESOURCE_TYPES.map((t) => `${t.group}/${t.plural}`));
  const found: ResourceType[] = [];
  for (const group of groups.items ?? []) {
    const name = group.metadata.name ?? '';
    const preferred = group.versions[0];
    for (const r of preferred?.resources ?? []) {
      if (known.has(`${name}/${r.resource}`)) continue;
      known.add(`${name}/${r.resource}`);
      found.push({
        group: name,
        version: preferred!.version,
        kind: r.responseKind.kind,
        plural: r.resource,
        singular: r.singularResource || r.responseKind.kind.toLowerCase(),
        namespaced: r.scope === 'Namespaced',
        shortNames: r.shortNames ?? [],
        subresources: (r.subresources ?? []).map((s) => s.subresource).filter((s): s is 'status' | 'scale' => s === 'status' || s === 'scale'),
        aliasVersions: group.versions.slice(1).map((v) => v.version),
      });
    }
  }
  return new KindCatalog([...RESOURCE_TYPES, ...found]);
}
