// One error type for a bad KubeSchedulerConfiguration: the field path and
// reason in kube's wording (`profiles[0].plugins.filter.enabled[0].name:
// Invalid value: "Foo": ...`), with a stable code so `meshlet up` can fail
// with it before anything starts.

import { MeshletError } from '../../api/index.ts';

export class SchedulerConfigError extends MeshletError {
  readonly field: string;
  readonly detail: string;
  readonly source: string | undefined;

  constructor(field: string, detail: string, source?: string) {
    super('MESHLET_SCHEDULER_CONFIG', `control/scheduler: ${source ? `${source}: ` : ''}KubeSchedulerConfiguration is invalid: ${field ? `${field}: ` : ''}${detail}`);
    this.field = field;
    this.detail = detail;
    this.source = source;
  }

  /** The same error, naming the file it came from. */
  withSource(source: string): SchedulerConfigError {
    return this.source ? this : new SchedulerConfigError(this.field, this.detail, source);
  }
}

export function invalidValue(field: string, value: unknown, why: string): SchedulerConfigError {
  return new SchedulerConfigError(field, `Invalid value: ${JSON.stringify(value)}: ${why}`);
}

export function unsupportedValue(field: string, value: unknown, supported: readonly string[]): SchedulerConfigError {
  return new SchedulerConfigError(field, `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`);
}

export function unknownField(field: string): SchedulerConfigError {
  return new SchedulerConfigError(field, 'unknown field');
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Rejects fields outside `known`, as kube-scheduler's strict decoding does. */
export function checkFields(obj: Record<string, unknown>, path: string, known: readonly string[]): void {
  for (const key of Object.keys(obj)) if (!known.includes(key)) throw unknownField(path ? `${path}.${key}` : key);
}

export function expectRecord(v: unknown, path: string): Record<string, unknown> {
  if (!isRecord(v)) throw invalidValue(path, v, 'must be an object');
  return v;
}

export function expectArray(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw invalidValue(path, v, 'must be a list');
  return v;
}

export function expectInt(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalidValue(path, v, `must be an integer in the range [${min}, ${max}]`);
  return v;
}
