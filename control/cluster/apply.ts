// Create-or-update for a batch of objects, in dependency order (namespaces
// and service accounts before the workloads that use them), reporting per
// object as kubectl does: created, configured or unchanged. One bad object
// does not stop the rest.

import { ApiError, isApiError, resourceTypeForKind, stableStringify } from '../api/index.ts';
import type { Client, KubeObject, ObjectInput, ResourceType } from '../api/index.ts';
import { applyDefaults } from '../registry/validation/index.ts';
import type { KindResolver } from './kind-resolvers.ts';

export interface ApplyResult {
  kind: string;
  name: string;
  namespace?: string;
  /** `deployment.apps/reviews-v1` — what kubectl prints. */
  ref: string;
  action: 'created' | 'configured' | 'unchanged' | 'failed';
  error?: ApiError | Error;
}

const ORDER = ['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'Secret', 'ConfigMap', 'Service', 'Endpoints'];

function rank(kind: string): number {
  const i = ORDER.indexOf(kind);
  return i < 0 ? ORDER.length : i;
}

export function refOf(type: ResourceType, name: string): string {
  return `${type.singular}${type.group ? `.${type.group}` : ''}/${name}`;
}

/** `resolveKind`: finds each object's type; default the built-in table (see kind-resolvers.ts for CRD-defined kinds). */
export async function applyObjects(client: Client, objects: readonly ObjectInput[], defaultNamespace = 'default', resolveKind: KindResolver = resourceTypeForKind): Promise<ApplyResult[]> {
  const ordered = [...objects].sort((a, b) => rank(a.kind) - rank(b.kind));
  const results: ApplyResult[] = [];
  for (const input of ordered) results.push(await applyOne(client, input, defaultNamespace, resolveKind));
  return results;
}

async function applyOne(client: Client, input: ObjectInput, defaultNamespace: string, resolveKind: KindResolver): Promise<ApplyResult> {
  const name = input.metadata?.name ?? '';
  const type = await resolveKind(input.apiVersion, input.kind);
  if (!type) {
    return {
      kind: input.kind,
      name,
      ref: `${input.kind.toLowerCase()}/${name}`,
      action: 'failed',
      error: new ApiError('NotFound', `no matches for kind "${input.kind}" in version "${input.apiVersion}"; ensure CRDs are installed first`),
    };
  }
  const namespace = type.namespaced ? (input.metadata.namespace ?? defaultNamespace) : undefined;
  const base = { kind: input.kind, name, ...(namespace ? { namespace } : {}), ref: refOf(type, name) };
  try {
    const obj: ObjectInput = { ...input, metadata: { ...input.metadata, ...(namespace ? { namespace } : {}) } };
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = name ? await client.get(type, namespace, name) : undefined;
      if (!current) {
        await client.create(type, obj);
        return { ...base, action: 'created' };
      }
      const next = mergeForApply(current, obj);
      if (stableStringify(strip(applyDefaults(type, structuredClone(next)))) === stableStringify(strip(current))) return { ...base, action: 'unchanged' };
      try {
        await client.update(type, next);
        return { ...base, action: 'configured' };
      } catch (err) {
        if (!isApiError(err, 'Conflict')) throw err;
      }
    }
    throw new ApiError('Conflict', `${base.ref}: kept conflicting with concurrent writers`);
  } catch (err) {
    return { ...base, action: 'failed', error: err instanceof Error ? err : new Error(String(err)) };
  }
}

/** The user's fields replace the stored ones; identity, status and system metadata are kept. */
function mergeForApply(current: KubeObject, input: ObjectInput): ObjectInput {
  const next: Record<string, unknown> = { apiVersion: current.apiVersion, kind: current.kind };
  for (const [k, v] of Object.entries(input)) if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion') next[k] = v;
  next.metadata = {
    ...current.metadata,
    labels: input.metadata.labels ?? current.metadata.labels,
    annotations: { ...current.metadata.annotations, ...input.metadata.annotations },
  };
  if (current.status !== undefined) next.status = current.status;
  // Fields the server filled in (ClusterIP, defaults) survive when the user did not set them.
  if (current.kind === 'Service' && typeof next.spec === 'object' && next.spec) {
    const spec = next.spec as Record<string, unknown>;
    const cur = (current.spec ?? {}) as Record<string, unknown>;
    if (spec.clusterIP === undefined) spec.clusterIP = cur.clusterIP;
    if (spec.clusterIPs === undefined) spec.clusterIPs = cur.clusterIPs;
  }
  return next as ObjectInput;
}

function strip(obj: ObjectInput | KubeObject): unknown {
  const { metadata, status: _status, ...rest } = obj as KubeObject;
  return { ...rest, labels: metadata.labels ?? {}, annotations: metadata.annotations ?? {} };
}
