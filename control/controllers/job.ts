// Job controller (batch/v1): runs pods from the template until `completions`
// of them succeeded, at most `parallelism` at a time, and gives up after more
// than `backoffLimit` failed pods. Status: active / succeeded / failed /
// startTime / completionTime and conditions Complete or Failed.

import type { Client, Clock, KubeObject, LabelSelector, Pod, PodTemplateSpec } from '../api/index.ts';
import { JOBS, PODS, isApiError, selectorToString, systemClock } from '../api/index.ts';
import type { EventRecorder, ReconcileResult, Reconciler } from '../runtime/index.ts';
import { createEventRecorder } from '../runtime/index.ts';
import { splitKey } from './keys.ts';
import { generatedName } from './names.ts';
import { controllerOf, controllerRef, isControlledBy } from './owner-refs.ts';
import { isPodReady } from './pod-state.ts';

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';

export interface JobSpec {
  parallelism?: number;
  completions?: number | null;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  suspend?: boolean;
  manualSelector?: boolean;
  selector?: LabelSelector;
  template: PodTemplateSpec;
}

export interface JobCondition {
  type: 'Complete' | 'Failed' | 'Suspended' | 'SuccessCriteriaMet' | 'FailureTarget' | string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export interface JobStatus {
  active?: number;
  ready?: number;
  succeeded?: number;
  failed?: number;
  startTime?: string;
  completionTime?: string;
  conditions?: JobCondition[];
}

export type Job = KubeObject<JobSpec, JobStatus>;

export function isJobFinished(job: Job): boolean {
  return job.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') ?? false;
}

/**
 * The pod's labels are the template's: the registry put the Job's selector labels there on
 * create. Jobs stored without a selector (written before it did) still get them here.
 */
function podLabels(job: Job): Record<string, string> {
  const labels = { ...(job.spec?.template.metadata?.labels ?? {}) };
  if (job.spec?.selector) return labels;
  return { ...labels, [JOB_NAME_LABEL]: job.metadata.name, 'job-name': job.metadata.name, [CONTROLLER_UID_LABEL]: job.metadata.uid, 'controller-uid': job.metadata.uid };
}

/** The Job's pods: those its selector matches that it controls, or orphans carrying its uid. */
function podSelector(job: Job): string {
  return job.spec?.selector ? selectorToString(job.spec.selector) : `${CONTROLLER_UID_LABEL}=${job.metadata.uid}`;
}

export interface JobReconcilerOptions {
  client: Client;
  clock?: Clock;
  recorder?: EventRecorder;
}

export function createJobReconciler(options: JobReconcilerOptions): Reconciler {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const recorder = options.recorder ?? createEventRecorder(client, 'job-controller', undefined, clock);

  async function createPod(job: Job): Promise<Pod> {
    try {
      return await createPodOnce(job);
    } catch (err) {
      recorder.record(job, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  async function createPodOnce(job: Job): Promise<Pod> {
    const template = job.spec!.template;
    const spec = structuredClone(template.spec);
    if (spec.restartPolicy !== 'OnFailure') spec.restartPolicy = 'Never';
    return client.create<Pod>(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: generatedName(job.metadata.name),
        generateName: `${job.metadata.name}-`,
        namespace: job.metadata.namespace,
        labels: podLabels(job),
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ownerReferences: [controllerRef(job)],
      },
      spec,
    });
  }

  async function deletePods(pods: Pod[]): Promise<void> {
    await Promise.all(
      pods.map(async (p) => {
        try {
          await client.delete(PODS, p.metadata.namespace, p.metadata.name);
        } catch (err) {
          if (!isApiError(err, 'NotFound')) throw err;
        }
      }),
    );
  }

  return {
    name: 'job',
    async reconcile(key): Promise<ReconcileResult | void> {
      const { namespace, name } = splitKey(key);
      const job = await client.get<Job>(JOBS, namespace, name);
      if (!job?.spec || job.metadata.deletionTimestamp) return;
      const pods = (await client.list<Pod>(PODS, { namespace, labelSelector: podSelector(job) })).items.filter(
        (p) => isControlledBy(p, job) || (!controllerOf(p.metadata) && p.metadata.labels?.[CONTROLLER_UID_LABEL] === job.metadata.uid),
      );
      const succeeded = pods.filter((p) => p.status?.phase === 'Succeeded').length;
      const failed = pods.filter((p) => p.status?.phase === 'Failed').length;
      let active = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata.deletionTimestamp);
      const nowIso = new Date(clock.now()).toISOString();
      const conditions = [...(job.status?.conditions ?? [])];
      const completions = job.spec.completions ?? undefined;
      const parallelism = job.spec.parallelism ?? 1;
      const backoffLimit = job.spec.backoffLimit ?? 6;
      let completionTime = job.status?.completionTime;

      let requeueAfterMs: number | undefined;
      if (!isJobFinished(job)) {
        const complete = completions === undefined || completions === null ? succeeded > 0 && active.length === 0 : succeeded >= completions;
        const startedMs = Date.parse(job.status?.startTime ?? nowIso);
        const deadlineLeft = job.spec.activeDeadlineSeconds !== undefined ? startedMs + job.spec.activeDeadlineSeconds * 1000 - clock.now() : undefined;
        if (!complete && deadlineLeft !== undefined && deadlineLeft <= 0) {
          await deletePods(active);
          active = [];
          conditions.push({ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline', lastProbeTime: nowIso, lastTransitionTime: nowIso });
          recorder.record(job, 'Warning', 'DeadlineExceeded', 'Job was active longer than specified deadline');
        } else if (failed > backoffLimit) {
          await deletePods(active);
          active = [];
          conditions.push({ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: nowIso, lastTransitionTime: nowIso });
          recorder.record(job, 'Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
        } else if (complete) {
          await deletePods(active);
          active = [];
          completionTime = nowIso;
          conditions.push({ type: 'Complete', status: 'True', lastProbeTime: nowIso, lastTransitionTime: nowIso });
          recorder.record(job, 'Normal', 'Completed', 'Job completed');
        } else if (!job.spec.suspend) {
          const remaining = completions === undefined || completions === null ? (succeeded > 0 ? 0 : parallelism) : completions - succeeded;
          const want = Math.max(0, Math.min(parallelism, remaining));
          if (active.length < want) {
            const created = await Promise.all(Array.from({ length: want - active.length }, () => createPod(job)));
            for (const p of created) recorder.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${p.metadata.name}`);
            active = [...active, ...created];
          } else if (active.length > want) {
            const surplus = active.slice(want);
            await deletePods(surplus);
            active = active.slice(0, want);
          }
          if (deadlineLeft !== undefined) requeueAfterMs = deadlineLeft + 1;
        }
      }

      const status: JobStatus = {
        ...(job.status ?? {}),
        active: active.length,
        ready: active.filter(isPodReady).length,
        succeeded,
        failed,
        startTime: job.status?.startTime ?? nowIso,
        ...(completionTime ? { completionTime } : {}),
        conditions,
      };
      if (JSON.stringify(status) !== JSON.stringify(job.status ?? {})) await client.updateStatus(JOBS, { ...job, status });
      return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
    },
  };
}
