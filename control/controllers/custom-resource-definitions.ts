// The CRD controllers of apiextensions-apiserver, as one reconciler keyed by
// CRD name:
// - naming: the CRD's names are accepted unless another CRD of the group has
//   accepted the same plural or kind (NamesAccepted, status.acceptedNames);
// - establishing: an accepted CRD's kind is served (the KindCatalog), then
//   the CRD turns Established — so a client that waits for Established finds
//   the kind in discovery;
// - finalizing: a deleted CRD (finalizer customresourcecleanup) has its
//   custom resources deleted, then stops being served and goes.
// A CRD naming a kind meshlet serves natively (Istio's, say) is accepted and
// Established; the built-in kind keeps serving, with its own validation.

import type {
  Client, Clock, CustomResourceDefinition, CustomResourceDefinitionCondition, CustomResourceDefinitionNames, CustomResourceDefinitionStatus, KindCatalog, ResourceType,
} from '../api/index.ts';
import { CRD_CLEANUP_FINALIZER, CUSTOM_RESOURCE_DEFINITIONS, isApiError, resourceTypeOfDefinition, stableStringify, systemClock } from '../api/index.ts';
import type { ReconcileResult, Reconciler } from '../runtime/index.ts';

/** While custom resources with finalizers of their own remain, look again this often. */
const CLEANUP_RECHECK_MS = 1000;

export interface CrdReconcilerOptions {
  client: Client;
  kinds: KindCatalog;
  clock?: Clock;
}

type Condition = CustomResourceDefinitionCondition;

function setCondition(conditions: Condition[], next: Omit<Condition, 'lastTransitionTime'>, now: string): Condition[] {
  const existing = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = existing && existing.status === next.status ? existing.lastTransitionTime : now;
  return [...conditions.filter((c) => c.type !== next.type), { ...next, lastTransitionTime }];
}

function namesOf(crd: CustomResourceDefinition): CustomResourceDefinitionNames {
  const names = crd.spec!.names;
  return {
    plural: names.plural,
    singular: names.singular || names.kind.toLowerCase(),
    kind: names.kind,
    listKind: names.listKind || `${names.kind}List`,
    ...(names.shortNames?.length ? { shortNames: [...names.shortNames] } : {}),
    ...(names.categories?.length ? { categories: [...names.categories] } : {}),
  };
}

/** Why the names cannot be accepted, or undefined: as the naming controller, against other CRDs' accepted names. */
function namingConflict(crd: CustomResourceDefinition, others: readonly CustomResourceDefinition[], kinds: KindCatalog): { reason: string; message: string } | undefined {
  const { group, names } = crd.spec!;
  for (const other of others) {
    if (other.metadata.name === crd.metadata.name || other.spec?.group !== group) continue;
    const accepted = other.status?.acceptedNames;
    if (!accepted) continue;
    if (accepted.plural === names.plural) return { reason: 'PluralConflict', message: `"${names.plural}" is already in use` };
    if (accepted.kind === names.kind) return { reason: 'KindConflict', message: `"${names.kind}" is already in use` };
    if (names.shortNames?.some((s) => accepted.shortNames?.includes(s))) return { reason: 'ShortNamesConflict', message: `"${names.shortNames.join(',')}" is already in use` };
  }
  const builtin = kinds.all().find((t) => t.group === group && t.kind === names.kind && !kinds.customKind(t));
  if (builtin && builtin.plural !== names.plural) return { reason: 'KindConflict', message: `"${names.kind}" is already in use` };
  return undefined;
}

export function createCrdReconciler(options: CrdReconcilerOptions): Reconciler {
  const { client, kinds } = options;
  const clock = options.clock ?? systemClock;
  const now = () => new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');

  async function writeStatus(crd: CustomResourceDefinition, status: CustomResourceDefinitionStatus): Promise<void> {
    if (stableStringify(status) === stableStringify(crd.status ?? {})) return;
    await client.updateStatus(CUSTOM_RESOURCE_DEFINITIONS, { ...crd, status });
  }

  /** Deletes the CRD's custom resources; returns how many are still there. */
  async function deleteInstances(type: ResourceType): Promise<number> {
    const items = (await client.list(type)).items;
    let remaining = 0;
    for (const obj of items) {
      remaining += 1;
      if (obj.metadata.deletionTimestamp) continue;
      try {
        const result = await client.delete(type, obj.metadata.namespace, obj.metadata.name, { propagationPolicy: 'Background' });
        if (!result.metadata.deletionTimestamp) remaining -= 1;
      } catch (err) {
        if (!isApiError(err, 'NotFound')) throw err;
        remaining -= 1;
      }
    }
    return remaining;
  }

  async function finalize(crd: CustomResourceDefinition): Promise<ReconcileResult | void> {
    const conditions = setCondition(crd.status?.conditions ?? [], { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' }, now());
    await writeStatus(crd, { ...crd.status, conditions });
    const described = resourceTypeOfDefinition(crd);
    const servedNatively = described ? kinds.isBuiltin(described.type.group, described.type.plural) : true;
    if (described && !servedNatively) {
      const remaining = await deleteInstances(kinds.customKind(described.type)?.type ?? described.type);
      if (remaining > 0) return { requeueAfterMs: CLEANUP_RECHECK_MS };
    }
    kinds.unregister(crd.metadata.name);
    const fresh = await client.get<CustomResourceDefinition>(CUSTOM_RESOURCE_DEFINITIONS, undefined, crd.metadata.name);
    if (!fresh?.metadata.finalizers?.includes(CRD_CLEANUP_FINALIZER)) return;
    const finalizers = fresh.metadata.finalizers.filter((f) => f !== CRD_CLEANUP_FINALIZER);
    await client.update(CUSTOM_RESOURCE_DEFINITIONS, { ...fresh, metadata: { ...fresh.metadata, finalizers } });
  }

  return {
    name: 'customresourcedefinition',
    async reconcile(name): Promise<ReconcileResult | void> {
      const crd = await client.get<CustomResourceDefinition>(CUSTOM_RESOURCE_DEFINITIONS, undefined, name);
      if (!crd) {
        kinds.unregister(name);
        return;
      }
      if (crd.metadata.deletionTimestamp) return finalize(crd);
      if (!crd.spec) return;
      const others = (await client.list<CustomResourceDefinition>(CUSTOM_RESOURCE_DEFINITIONS)).items;
      const conflict = namingConflict(crd, others, kinds);
      let conditions = crd.status?.conditions ?? [];
      const time = now();
      if (conflict) {
        conditions = setCondition(conditions, { type: 'NamesAccepted', status: 'False', ...conflict }, time);
        if (!conditions.some((c) => c.type === 'Established' && c.status === 'True')) {
          conditions = setCondition(conditions, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' }, time);
        }
        await writeStatus(crd, { ...crd.status, conditions });
        return;
      }
      // Served first, Established after: whoever sees Established finds the kind in discovery.
      kinds.register(crd);
      conditions = setCondition(conditions, { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' }, time);
      conditions = setCondition(conditions, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }, time);
      const storage = crd.spec.versions.find((v) => v.storage)?.name;
      const storedVersions = [...new Set([...(crd.status?.storedVersions ?? []), ...(storage ? [storage] : [])])];
      await writeStatus(crd, { ...crd.status, conditions, acceptedNames: namesOf(crd), storedVersions });
    },
  };
}
