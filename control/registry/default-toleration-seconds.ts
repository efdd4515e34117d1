// The DefaultTolerationSeconds admission plugin: a new pod that does not
// tolerate the not-ready / unreachable NoExecute taints gets tolerations for
// them with tolerationSeconds 300, so pods on a failed node are evicted after
// five minutes rather than at once.

import type { Toleration } from '../api/index.ts';
import { DEFAULT_TOLERATION_SECONDS, TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from '../api/index.ts';

/** Adds the missing default tolerations to a pod spec in place. */
export function addDefaultTolerations(spec: { tolerations?: Toleration[] } | undefined, seconds = DEFAULT_TOLERATION_SECONDS): void {
  if (!spec) return;
  const tolerations = spec.tolerations ?? [];
  const covers = (key: string) =>
    tolerations.some((t) => (t.effect === undefined || t.effect === '' || t.effect === 'NoExecute') && (t.key === key || (!t.key && t.operator === 'Exists')));
  const added: Toleration[] = [];
  for (const key of [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]) {
    if (!covers(key)) added.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  if (added.length) spec.tolerations = [...tolerations, ...added];
}
