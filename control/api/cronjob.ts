// batch/v1 CronJob: the fields meshlet's CronJob controller reads and writes.
// The Job it creates is `jobTemplate` made whole (see control/controllers/job.ts
// for the Job's own shape).

import type { KubeObject } from './objects.ts';
import type { PodTemplateSpec } from './kinds.ts';

export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

export interface JobTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** A Job's spec, copied as it is into each Job. */
  spec: { template: PodTemplateSpec; [field: string]: unknown };
}

export interface CronJobSpec {
  schedule: string;
  /** An IANA time zone name; absent: the controller's local zone (UTC here). */
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: ConcurrencyPolicy;
  suspend?: boolean;
  jobTemplate: JobTemplateSpec;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}

export interface CronJobStatus {
  active?: { apiVersion?: string; kind: string; name: string; namespace: string; uid: string; resourceVersion?: string }[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

export type CronJob = KubeObject<CronJobSpec, CronJobStatus>;
