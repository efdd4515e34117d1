// Semantic checks for DaemonSet and CronJob that their schemas cannot express,
// worded as pkg/apis/apps and pkg/apis/batch validation words them.

import type { ObjectInput, StatusCause } from '../../api/index.ts';
import { cronScheduleProblem, isKnownTimeZone } from '../../controllers/cron-schedule.ts';
import { validatePodSpec, validateWorkload } from './builtin.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const invalidValue = (field: string, value: unknown, why: string): StatusCause => ({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${why}` });
const notSupported = (field: string, value: unknown, allowed: string[]): StatusCause => ({
  field,
  reason: 'FieldValueNotSupported',
  message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
});

function nonNegative(field: string, value: unknown): StatusCause[] {
  if (value === undefined || value === null) return [];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? [] : [invalidValue(field, value, 'must be greater than or equal to 0')];
}

/** 0, a non-negative integer, or a percentage; `zero` tells whether it amounts to nothing. */
function intOrPercent(field: string, value: unknown): { causes: StatusCause[]; zero: boolean } {
  if (value === undefined || value === null) return { causes: [], zero: true };
  if (typeof value === 'number') return { causes: nonNegative(field, value), zero: value === 0 };
  if (typeof value === 'string' && /^\d+%$/.test(value)) {
    const pct = Number(value.slice(0, -1));
    return { causes: pct > 100 ? [invalidValue(field, value, 'must not be greater than 100%')] : [], zero: pct === 0 };
  }
  return { causes: [invalidValue(field, value, 'a valid percent string must be a numeric string followed by an ending \'%\' (e.g. \'1%\',  or \'93%\', regex used for validation is \'[0-9]+%\')')], zero: false };
}

export function validateDaemonSet(obj: ObjectInput): StatusCause[] {
  const causes = validateWorkload(obj).map((c) => (c.field === 'spec.selector' && c.message.endsWith('for deployment') ? { ...c, message: c.message.replace('for deployment', 'for daemonset') } : c));
  const spec = isObj(obj['spec']) ? obj['spec'] : {};
  const podSpec = isObj(spec['template']) && isObj(spec['template']['spec']) ? spec['template']['spec'] : undefined;
  const rp = podSpec?.['restartPolicy'];
  if (podSpec && rp !== undefined && rp !== 'Always') causes.push(notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  causes.push(...nonNegative('spec.minReadySeconds', spec['minReadySeconds']), ...nonNegative('spec.revisionHistoryLimit', spec['revisionHistoryLimit']));
  const strategy = isObj(spec['updateStrategy']) ? spec['updateStrategy'] : undefined;
  const type = strategy?.['type'];
  if (type !== undefined && type !== 'RollingUpdate' && type !== 'OnDelete') causes.push(notSupported('spec.updateStrategy.type', type, ['OnDelete', 'RollingUpdate']));
  const rolling = strategy && isObj(strategy['rollingUpdate']) ? strategy['rollingUpdate'] : undefined;
  if (type === 'RollingUpdate' && rolling) {
    const unavailable = intOrPercent('spec.updateStrategy.rollingUpdate.maxUnavailable', rolling['maxUnavailable']);
    const surge = intOrPercent('spec.updateStrategy.rollingUpdate.maxSurge', rolling['maxSurge']);
    causes.push(...unavailable.causes, ...surge.causes);
    if (unavailable.causes.length === 0 && surge.causes.length === 0 && unavailable.zero && surge.zero) {
      causes.push(invalidValue('spec.updateStrategy.rollingUpdate.maxUnavailable', rolling['maxUnavailable'] ?? 0, 'may not be 0 when `maxSurge` is 0'));
    }
  }
  return causes;
}

/** Kubernetes keeps CronJob names short enough for `<name>-<minutes>` to stay a valid Job name. */
const MAX_CRONJOB_NAME = 52;

export function validateCronJob(obj: ObjectInput): StatusCause[] {
  const spec = obj['spec'];
  if (!isObj(spec)) return [{ field: 'spec', reason: 'FieldValueRequired', message: 'Required value' }];
  const causes: StatusCause[] = [];
  const name = obj.metadata.name ?? '';
  if (name.length > MAX_CRONJOB_NAME) causes.push(invalidValue('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME} characters`));
  const schedule = spec['schedule'];
  if (typeof schedule !== 'string' || schedule === '') causes.push({ field: 'spec.schedule', reason: 'FieldValueRequired', message: 'Required value' });
  else if (schedule.includes('TZ')) causes.push(invalidValue('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  else {
    const problem = cronScheduleProblem(schedule);
    if (problem) causes.push(invalidValue('spec.schedule', schedule, problem));
  }
  const tz = spec['timeZone'];
  if (tz !== undefined && tz !== null) {
    if (typeof tz !== 'string' || tz === '') causes.push(invalidValue('spec.timeZone', tz, 'timeZone must be nil or non-empty string'));
    else if (tz.toLowerCase() === 'local') causes.push(invalidValue('spec.timeZone', tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
    else if (!isKnownTimeZone(tz)) causes.push(invalidValue('spec.timeZone', tz, `unknown time zone ${tz}`));
  }
  const policy = spec['concurrencyPolicy'];
  if (policy !== undefined && !['Allow', 'Forbid', 'Replace'].includes(policy as string)) causes.push(notSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']));
  for (const f of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) causes.push(...nonNegative(`spec.${f}`, spec[f]));
  const jobSpec = isObj(spec['jobTemplate']) && isObj(spec['jobTemplate']['spec']) ? spec['jobTemplate']['spec'] : undefined;
  if (!jobSpec) return [...causes, { field: 'spec.jobTemplate.spec.template', reason: 'FieldValueRequired', message: 'Required value' }];
  if (jobSpec['selector'] !== undefined) causes.push(invalidValue('spec.jobTemplate.spec.selector', jobSpec['selector'], '`selector` will be auto-generated'));
  if (jobSpec['manualSelector'] === true) causes.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  const template = isObj(jobSpec['template']) ? jobSpec['template'] : undefined;
  causes.push(...validatePodSpec('spec.jobTemplate.spec.template.spec', template?.['spec']));
  const rp = template && isObj(template['spec']) ? template['spec']['restartPolicy'] : undefined;
  if (rp !== 'Never' && rp !== 'OnFailure') causes.push(notSupported('spec.jobTemplate.spec.template.spec.restartPolicy', rp ?? 'Always', ['OnFailure', 'Never']));
  return causes;
}
