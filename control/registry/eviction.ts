// The Eviction API (POST pods/NAME/eviction), as kube-apiserver's eviction
// REST does it: a pod whose PodDisruptionBudget allows a disruption is deleted
// gracefully after the budget's status is charged (disruptionsAllowed − 1, the
// pod recorded in disruptedPods) by a compare-and-swap, so two evictions racing
// for the last allowed disruption cannot both pass; a budget that allows none
// answers 429 TooManyRequests, which kubectl drain retries.

import type { Client, Clock, DeleteOptions, Eviction, Pod, PodDisruptionBudget } from '../api/index.ts';
import { ApiError, PODS, POD_DISRUPTION_BUDGETS, isApiError, notFound, pdbSelectsPod, systemClock } from '../api/index.ts';

/** Kubernetes' MaxDisruptedPodSize: evictions the controller has not confirmed yet. */
const MAX_DISRUPTED_PODS = 2000;

export const EVICTION_VIOLATES_BUDGET = "Cannot evict pod as it would violate the pod's disruption budget.";

function tooManyRequests(cause: string): ApiError {
  return new ApiError('TooManyRequests', EVICTION_VIOLATES_BUDGET, { causes: [{ field: '', reason: 'DisruptionBudget', message: cause }] });
}

function isReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function deleteOptionsOf(eviction: Eviction): DeleteOptions {
  const d = eviction.deleteOptions ?? {};
  const options: DeleteOptions = {};
  if (d.gracePeriodSeconds !== undefined) options.gracePeriodSeconds = d.gracePeriodSeconds;
  if (d.propagationPolicy !== undefined) options.propagationPolicy = d.propagationPolicy;
  if (d.preconditions?.resourceVersion) options.resourceVersion = d.preconditions.resourceVersion;
  return options;
}

export interface EvictOptions {
  clock?: Clock;
  /** dryRun=All: every check runs, nothing is written. */
  dryRun?: boolean;
}

/** Evicts the pod or throws the ApiError Kubernetes answers with (429, 500, 404, 409). */
export async function evictPod(client: Client, namespace: string, name: string, eviction: Eviction, options: EvictOptions = {}): Promise<void> {
  const clock = options.clock ?? systemClock;
  if (eviction.metadata?.name !== undefined && eviction.metadata.name !== name) {
    throw new ApiError('BadRequest', 'name in URL does not match name in Eviction object');
  }
  const deleteOptions = deleteOptionsOf(eviction);
  const wantUid = eviction.deleteOptions?.preconditions?.uid;
  const remove = async (): Promise<void> => {
    if (options.dryRun) return;
    await client.delete(PODS, namespace, name, deleteOptions);
  };
  for (let attempt = 0; ; attempt++) {
    const pod = await client.get<Pod>(PODS, namespace, name);
    if (!pod) throw notFound('pods', name);
    if (wantUid && pod.metadata.uid !== wantUid) {
      throw new ApiError('Conflict', `Operation cannot be fulfilled on Pod "${name}": The object might have been modified; precondition failed: UID in precondition: ${wantUid}, UID in object meta: ${pod.metadata.uid}`);
    }
    // A terminating pod has already caused its disruption; a pod that is not running has none to cause.
    const phase = pod.status?.phase;
    if (pod.metadata.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending') return remove();
    const pdbs = (await client.list<PodDisruptionBudget>(POD_DISRUPTION_BUDGETS, { namespace })).items.filter((p) => pdbSelectsPod(p, pod.metadata.labels));
    if (pdbs.length === 0) return remove();
    if (pdbs.length > 1) {
      throw new ApiError('InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    }
    const pdb = pdbs[0]!;
    const status = pdb.status ?? {};
    if (!isReady(pod)) {
      // unhealthyPodEvictionPolicy: an unready pod never counts as healthy, so evicting it costs nothing
      // — always (AlwaysAllow), or while the budget is met (IfHealthyBudget, the default).
      if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return remove();
      if ((status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) && (status.desiredHealthy ?? 0) > 0) return remove();
    }
    if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 1)) {
      throw tooManyRequests(`the disruption budget ${pdb.metadata.name} is still being processed by the server`);
    }
    const allowed = status.disruptionsAllowed ?? 0;
    if (allowed < 0) throw new ApiError('Forbidden', 'pdb disruptions allowed is negative');
    if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
      throw new ApiError('Forbidden', 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
    }
    if (allowed === 0) {
      throw tooManyRequests(`The disruption budget ${pdb.metadata.name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`);
    }
    if (options.dryRun) return;
    const charged = {
      ...pdb,
      status: {
        ...status,
        disruptionsAllowed: allowed - 1,
        disruptedPods: { ...(status.disruptedPods ?? {}), [name]: new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z') },
      },
    };
    try {
      // pdb.metadata.resourceVersion makes this a compare-and-swap: a concurrent eviction forces a re-read.
      await client.updateStatus(POD_DISRUPTION_BUDGETS, charged);
    } catch (err) {
      if (isApiError(err, 'Conflict') && attempt < 20) continue;
      throw err;
    }
    return remove();
  }
}
