// Workload history as ControllerRevisions (Kubernetes' controller/history
// package, in spirit): a revision is an immutable snapshot of a workload's pod
// template, named `<owner>-<hash>`, numbered in `revision`. A template that
// returns to an earlier state reuses that revision and gets the next number,
// so `kubectl rollout history` shows it as the latest.

import type { Client, ControllerRevision, KubeObject, Labels, PodTemplateSpec } from '../api/index.ts';
import { CONTROLLER_REVISIONS, isApiError } from '../api/index.ts';
import { canonicalJson, fnv32a, safeEncode } from './names.ts';
import { controllerRef, isControlledBy } from './owner-refs.ts';

export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

/** The revision data of a template: a strategic-merge patch that replaces spec.template. */
export function templatePatch(template: PodTemplateSpec): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(template), $patch: 'replace' } } };
}

/** The template a revision's data holds (what a pod of that revision is made from). */
export function templateOfRevision(revision: ControllerRevision): PodTemplateSpec | undefined {
  const template = (revision.data as { spec?: { template?: PodTemplateSpec & { $patch?: string } } } | undefined)?.spec?.template;
  if (!template) return undefined;
  const copy = structuredClone(template);
  delete copy.$patch;
  return copy;
}

/** Hash of the data, salted by the collision count so a name clash can be stepped around. */
export function revisionHash(data: unknown, collisionCount: number): string {
  const salt = collisionCount > 0 ? `#${collisionCount}` : '';
  return safeEncode(String(fnv32a(canonicalJson(data) + salt)));
}

export function sameRevisionData(a: ControllerRevision, data: unknown): boolean {
  return canonicalJson(a.data ?? null) === canonicalJson(data);
}

export function sortRevisions(revisions: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revisions].sort((a, b) => a.revision - b.revision || a.metadata.name.localeCompare(b.metadata.name));
}

export function nextRevisionNumber(revisions: readonly ControllerRevision[]): number {
  return revisions.reduce((max, r) => Math.max(max, r.revision), 0) + 1;
}

/** The revisions `owner` controls in its namespace. */
export async function ownedRevisions(client: Client, owner: KubeObject): Promise<ControllerRevision[]> {
  const all = (await client.list<ControllerRevision>(CONTROLLER_REVISIONS, { namespace: owner.metadata.namespace })).items;
  return all.filter((r) => isControlledBy(r, owner));
}

export interface RevisionRequest {
  owner: KubeObject;
  /** Labels of the revision (the template's); the hash label is added. */
  labels: Labels;
  data: unknown;
  collisionCount: number;
}

/**
 * The revision holding `data`: an existing equal one (renumbered to be the
 * latest when it is not), or a new one. A name taken by a revision with other
 * data is a hash collision: the count goes up and the name is tried again.
 * Returns the revision and the collision count in effect.
 */
export async function ensureRevision(
  client: Client,
  request: RevisionRequest,
  existing: readonly ControllerRevision[],
): Promise<{ revision: ControllerRevision; collisionCount: number }> {
  const { owner, data } = request;
  const next = nextRevisionNumber(existing);
  const equal = sortRevisions(existing.filter((r) => sameRevisionData(r, data)));
  const latestEqual = equal[equal.length - 1];
  if (latestEqual) {
    if (latestEqual.revision === next - 1) return { revision: latestEqual, collisionCount: request.collisionCount };
    const renumbered = await client.update<ControllerRevision>(CONTROLLER_REVISIONS, { ...latestEqual, revision: next });
    return { revision: renumbered, collisionCount: request.collisionCount };
  }
  for (let collisionCount = request.collisionCount; ; collisionCount++) {
    const hash = revisionHash(data, collisionCount);
    const name = `${owner.metadata.name}-${hash}`;
    try {
      const revision = await client.create<ControllerRevision>(CONTROLLER_REVISIONS, {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: {
          name,
          namespace: owner.metadata.namespace,
          labels: { ...request.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash },
          ownerReferences: [controllerRef(owner)],
        },
        data,
        revision: next,
      });
      return { revision, collisionCount };
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
      const clash = await client.get<ControllerRevision>(CONTROLLER_REVISIONS, owner.metadata.namespace, name);
      // Ours with the same data (a lagging list): use it.
      if (clash && isControlledBy(clash, owner) && sameRevisionData(clash, data)) return { revision: clash, collisionCount };
    }
  }
}

/**
 * Deletes the oldest revisions beyond `limit`, never one in `live` (the
 * current and update revisions, and any a pod still runs).
 */
export async function truncateHistory(client: Client, revisions: readonly ControllerRevision[], live: ReadonlySet<string>, limit: number): Promise<void> {
  const idle = sortRevisions(revisions.filter((r) => !live.has(r.metadata.name)));
  for (const r of idle.slice(0, Math.max(0, idle.length - limit))) {
    try {
      await client.delete(CONTROLLER_REVISIONS, r.metadata.namespace, r.metadata.name);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}
