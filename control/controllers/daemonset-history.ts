// A DaemonSet's ControllerRevisions, after pkg/controller/daemon's
// constructHistory: one revision per distinct pod template, named
// `<ds>-<hash>` and labelled `controller-revision-hash`; the current template's
// revision carries the highest number (a rollback renumbers the old one), and
// revisions beyond revisionHistoryLimit that no pod uses are deleted.

import type { Client, ControllerRevision, DaemonSet, ObjectInput, Pod, PodTemplateSpec } from '../api/index.ts';
import { CONTROLLER_REVISIONS, isApiError, matchesSelector, stableStringify } from '../api/index.ts';
import { fnv32a, safeEncode } from './names.ts';
import { controllerRef, isControlledBy } from './owner-refs.ts';

import { CONTROLLER_REVISION_HASH_LABEL } from './controller-revision.ts';

export { CONTROLLER_REVISION_HASH_LABEL };
export const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

/** The template a revision holds, without the `$patch: replace` directive its data carries. */
function templateOfRevision(rev: ControllerRevision): unknown {
  const template = (rev.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template;
  if (!template) return null;
  const { $patch: _directive, ...rest } = template;
  return rest;
}

/** The revision hash of a template (with the DaemonSet's collision count, as Kubernetes' ComputeHash). */
export function revisionHash(template: PodTemplateSpec, collisionCount = 0): string {
  return safeEncode(String(fnv32a(stableStringify(template) + (collisionCount ? String(collisionCount) : ''))));
}

export interface History {
  current: ControllerRevision;
  old: ControllerRevision[];
  hash: string;
}

async function listOwned(client: Client, ds: DaemonSet): Promise<ControllerRevision[]> {
  const all = (await client.list<ControllerRevision>(CONTROLLER_REVISIONS, { namespace: ds.metadata.namespace })).items;
  return all.filter((r) => isControlledBy(r, ds) && matchesSelector(r.metadata.labels, ds.spec?.selector));
}

export async function constructHistory(client: Client, ds: DaemonSet): Promise<History> {
  const template = ds.spec!.template;
  const wanted = stableStringify(template);
  const revisions = await listOwned(client, ds);
  const maxRevision = Math.max(0, ...revisions.map((r) => r.revision));
  const matching = revisions.filter((r) => stableStringify(templateOfRevision(r)) === wanted).sort((a, b) => b.revision - a.revision);
  let current = matching[0];
  // Duplicates of the current template (a race between two writers) are folded into the newest.
  const duplicates = matching.slice(1);
  for (const dup of duplicates) await deleteRevision(client, dup);
  if (current && current.revision < maxRevision) {
    current = await client.update<ControllerRevision>(CONTROLLER_REVISIONS, { ...current, revision: maxRevision + 1 });
  }
  if (!current) current = await createRevision(client, ds, maxRevision + 1);
  const hash = current.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? revisionHash(template);
  const old = revisions.filter((r) => r.metadata.uid !== current.metadata.uid && !duplicates.includes(r));
  return { current, old, hash };
}

async function createRevision(client: Client, ds: DaemonSet, revision: number): Promise<ControllerRevision> {
  const template = ds.spec!.template;
  for (let collision = ds.status?.collisionCount ?? 0; ; collision++) {
    const hash = revisionHash(template, collision);
    const input: ObjectInput = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${ds.metadata.name}-${hash}`,
        namespace: ds.metadata.namespace,
        labels: { ...(template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
        ownerReferences: [controllerRef(ds)],
      },
      // As Kubernetes stores it: a strategic merge patch, so `kubectl rollout undo ds/x` can apply it as it is.
      data: { spec: { template: { ...template, $patch: 'replace' } } },
      revision,
    };
    try {
      return await client.create<ControllerRevision>(CONTROLLER_REVISIONS, input);
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
      const existing = await client.get<ControllerRevision>(CONTROLLER_REVISIONS, ds.metadata.namespace, `${ds.metadata.name}-${hash}`);
      // Same template under our name: it is ours (created before a crash); otherwise a hash collision.
      if (existing && isControlledBy(existing, ds) && stableStringify(templateOfRevision(existing)) === stableStringify(template)) return existing;
    }
  }
}

async function deleteRevision(client: Client, rev: ControllerRevision): Promise<void> {
  try {
    await client.delete(CONTROLLER_REVISIONS, rev.metadata.namespace, rev.metadata.name);
  } catch (err) {
    if (!isApiError(err, 'NotFound')) throw err;
  }
}

/** Deletes the oldest revisions past revisionHistoryLimit that no live pod still runs. */
export async function cleanupHistory(client: Client, ds: DaemonSet, old: ControllerRevision[], pods: Pod[]): Promise<void> {
  const limit = ds.spec?.revisionHistoryLimit ?? 10;
  if (old.length <= limit) return;
  const live = new Set(pods.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]));
  const unused = old.filter((r) => !live.has(r.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL])).sort((a, b) => a.revision - b.revision);
  for (const rev of unused.slice(0, old.length - limit)) await deleteRevision(client, rev);
}
