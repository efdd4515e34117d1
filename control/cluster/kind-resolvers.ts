// How `apply` finds the type of each object: built-in kinds from the table,
// CRD-defined ones from the catalog (in-process) or from discovery (over
// HTTP). A kind a CRD of the same batch defines is waited for, bounded, since
// the CRD is served only once the CRD controller has established it.

import type { KindCatalog, ObjectInput, ResourceType } from '../api/index.ts';
import { resourceTypeForKind } from '../api/index.ts';

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
