// The kinds one API server serves: the built-in table (resources.ts) plus the
// kinds CustomResourceDefinitions add while it runs. Everything that must see
// custom kinds (request routing, discovery, OpenAPI, the registry's
// validation, garbage collection, namespace deletion, apply) asks a catalog
// instead of RESOURCE_TYPES. Listeners hear every change, so discovery ETags
// and OpenAPI hashes move and kubectl refreshes its caches.

import type { CustomResourceDefinition } from './apiextensions.ts';
import type { ResourceType } from './resources.ts';
import { RESOURCE_TYPES } from './resources.ts';
import { stableStringify } from './stable-json.ts';

export interface CustomKind {
  type: ResourceType;
  /** The CRD as it was when the kind was (re-)registered. */
  definition: CustomResourceDefinition;
  /** Every served version, storage version first. */
  servedVersions: readonly string[];
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function serves(type: ResourceType, version: string): boolean {
  return type.version === version || (type.aliasVersions ?? []).includes(version);
}

const resourceKey = (group: string, plural: string): string => `${group}/${plural}`;

/** The ResourceType a CRD describes: served under its storage version (aliases: the other served versions). */
export function resourceTypeOfDefinition(crd: CustomResourceDefinition): { type: ResourceType; servedVersions: string[] } | undefined {
  const spec = crd.spec;
  if (!spec) return undefined;
  const served = spec.versions.filter((v) => v.served);
  if (served.length === 0) return undefined;
  const storage = served.find((v) => v.storage) ?? served[0]!;
  const versions = [storage.name, ...served.filter((v) => v !== storage).map((v) => v.name)];
  const subresources: ('status' | 'scale')[] = [];
  if (storage.subresources?.status) subresources.push('status');
  if (storage.subresources?.scale) subresources.push('scale');
  const names = spec.names;
  const type: ResourceType = {
    group: spec.group,
    version: storage.name,
    kind: names.kind,
    plural: names.plural,
    singular: names.singular || names.kind.toLowerCase(),
    namespaced: spec.scope !== 'Cluster',
    shortNames: [...(names.shortNames ?? [])],
    subresources,
    ...(versions.length > 1 ? { aliasVersions: versions.slice(1) } : {}),
  };
  return { type, servedVersions: versions };
}

export class KindCatalog {
  private readonly builtins: readonly ResourceType[];
  private readonly custom = new Map<string, CustomKind>();
  private readonly listeners = new Set<() => void>();
  private changes = 0;

  constructor(builtins: readonly ResourceType[] = RESOURCE_TYPES) {
    this.builtins = builtins;
  }

  /** Bumped on every change; part of discovery ETags and OpenAPI hashes. */
  get revision(): number {
    return this.changes;
  }

  all(): readonly ResourceType[] {
    return [...this.builtins, ...[...this.custom.values()].map((c) => c.type)];
  }

  isBuiltin(group: string, plural: string): boolean {
    return this.builtins.some((t) => t.group === group && t.plural === plural);
  }

  builtin(group: string, plural: string): ResourceType | undefined {
    return this.builtins.find((t) => t.group === group && t.plural === plural);
  }

  /** The custom kind serving `type` (matched by group and plural), if it is one. */
  customKind(type: Pick<ResourceType, 'group' | 'plural'>): CustomKind | undefined {
    return this.custom.get(resourceKey(type.group, type.plural));
  }

  customKinds(): readonly CustomKind[] {
    return [...this.custom.values()];
  }

  /** An object's apiVersion + kind → its type (alias versions included). */
  forKind(apiVersion: string, kind: string): ResourceType | undefined {
    const { group, version } = splitApiVersion(apiVersion);
    return this.all().find((t) => t.group === group && t.kind === kind && serves(t, version));
  }

  /** A REST path's group, version and plural → its type. */
  forResource(group: string, version: string, plural: string): ResourceType | undefined {
    return this.all().find((t) => t.group === group && t.plural === plural && serves(t, version));
  }

  /** What a user types: `pods`, `po`, `Pod`, `widgets.example.com`. */
  forName(name: string): ResourceType | undefined {
    const lower = name.toLowerCase();
    const dot = lower.indexOf('.');
    const base = dot < 0 ? lower : lower.slice(0, dot);
    const group = dot < 0 ? undefined : lower.slice(dot + 1);
    return this.all().find(
      (t) =>
        (group === undefined || t.group === group) &&
        (t.plural === base || t.singular === base || t.kind.toLowerCase() === base || t.shortNames.includes(base)),
    );
  }

  /** Serves (or re-serves, after a change) the kind a CRD defines; built-in kinds are never replaced. */
  register(definition: CustomResourceDefinition): ResourceType | undefined {
    const described = resourceTypeOfDefinition(definition);
    if (!described) {
      this.unregister(definition.metadata.name);
      return undefined;
    }
    const { type, servedVersions } = described;
    if (this.isBuiltin(type.group, type.plural)) return undefined;
    const key = resourceKey(type.group, type.plural);
    const existing = this.custom.get(key);
    // Status writes do not change what is served: no change, no new discovery ETag.
    if (existing?.definition.metadata.name === definition.metadata.name && stableStringify(existing.definition.spec) === stableStringify(definition.spec)) return existing.type;
    for (const [k, c] of this.custom) if (c.definition.metadata.name === definition.metadata.name && k !== key) this.custom.delete(k);
    this.custom.set(key, { type, definition, servedVersions });
    this.changed();
    return type;
  }

  /** Stops serving the kind of the CRD with this name. */
  unregister(crdName: string): void {
    let removed = false;
    for (const [k, c] of this.custom) {
      if (c.definition.metadata.name === crdName) {
        this.custom.delete(k);
        removed = true;
      }
    }
    if (removed) this.changed();
  }

  /** Calls `listener` after every change; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.changes += 1;
    for (const l of this.listeners) l();
  }
}
