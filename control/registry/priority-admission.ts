// The Priority admission plugin and PriorityClass's own rules, as
// kube-apiserver has them:
// - a new pod's priorityClassName resolves to spec.priority and
//   spec.preemptionPolicy; without one, the globalDefault class applies (the
//   lowest-valued if several), else priority 0; an unknown class, or a
//   priority / preemptionPolicy the pod sets that disagrees, is Forbidden with
//   Kubernetes' messages;
// - a PriorityClass named system-* must be one of the built-ins, a user class
//   is at most 1000000000, only one class may be globalDefault, and value and
//   preemptionPolicy never change;
// - the built-in system-cluster-critical and system-node-critical classes exist
//   from the start (kube-apiserver's post-start hook).

import { ApiError, HIGHEST_USER_DEFINABLE_PRIORITY, PODS, PRIORITY_CLASSES, SYSTEM_PRIORITY_CLASSES, invalid } from '../api/index.ts';
import type { Client, KubeObject, ObjectInput, PreemptionPolicy, PrioritizedPodSpec, PriorityClass, ResourceType, StatusCause } from '../api/index.ts';

type Lookup = Pick<Client, 'get' | 'list'>;

const SYSTEM_PREFIX = 'system-';

function forbidden(resource: string, name: string, message: string): ApiError {
  return new ApiError('Forbidden', `${resource} "${name}" is forbidden: ${message}`, { name, kind: resource });
}

async function defaultClass(client: Lookup): Promise<PriorityClass | undefined> {
  let chosen: PriorityClass | undefined;
  for (const pc of (await client.list(PRIORITY_CLASSES)).items) if (pc.globalDefault && (!chosen || pc.value < chosen.value)) chosen = pc;
  return chosen;
}

/** Sets the pod's priority fields in place, or throws Forbidden. */
export async function admitPodPriority(client: Lookup, pod: ObjectInput): Promise<void> {
  const spec = pod.spec as PrioritizedPodSpec | undefined;
  if (!spec) return;
  const podName = pod.metadata.name ?? pod.metadata.generateName ?? '';
  let className = spec.priorityClassName;
  let value = 0;
  let policy: PreemptionPolicy = 'PreemptLowerPriority';
  if (className) {
    const pc = await client.get(PRIORITY_CLASSES, undefined, className);
    if (!pc) throw forbidden('pods', podName, `no PriorityClass with name ${className} was found`);
    value = pc.value;
    policy = pc.preemptionPolicy ?? policy;
  } else {
    const pc = await defaultClass(client);
    if (pc) {
      className = pc.metadata.name;
      value = pc.value;
      policy = pc.preemptionPolicy ?? policy;
    }
  }
  if (spec.priority !== undefined && spec.priority !== value) {
    throw forbidden('pods', podName, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`);
  }
  if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== policy) {
    throw forbidden('pods', podName, `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
  }
  spec.priority = value;
  spec.preemptionPolicy = policy;
  if (className) spec.priorityClassName = className;
}

function priorityClassCauses(pc: ObjectInput): StatusCause[] {
  const name = pc.metadata.name ?? '';
  const value = pc['value'];
  if (name.startsWith(SYSTEM_PREFIX)) {
    const known = SYSTEM_PRIORITY_CLASSES.find((s) => s.metadata.name === name);
    if (!known || known.value !== value || pc['globalDefault'] === true) {
      const why = known ? `value of ${name} PriorityClass must be ${known.value}` : `${name} is not a known system priority class`;
      return [{ field: 'metadata.name', reason: 'FieldValueForbidden', message: `Forbidden: priority class names with '${SYSTEM_PREFIX}' prefix are reserved for system use only. error: ${why}` }];
    }
  } else if (typeof value === 'number' && value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    return [{ field: 'value', reason: 'FieldValueForbidden', message: `Forbidden: maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}` }];
  }
  return [];
}

async function checkSingleDefault(client: Lookup, pc: ObjectInput): Promise<void> {
  if (pc['globalDefault'] !== true) return;
  const other = (await client.list(PRIORITY_CLASSES)).items.find((c) => c.globalDefault && c.metadata.name !== pc.metadata.name);
  if (other) throw forbidden('priorityclasses.scheduling.k8s.io', pc.metadata.name ?? '', `PriorityClass ${other.metadata.name} is already marked as default. Only one default can exist`);
}

/** Admission on create, for the kinds it concerns (pods, PriorityClasses). */
export async function admitPriorityOnCreate(client: Lookup, type: ResourceType, obj: ObjectInput): Promise<void> {
  if (type === PODS) return admitPodPriority(client, obj);
  if (type !== PRIORITY_CLASSES) return;
  const causes = priorityClassCauses(obj);
  if (causes.length) throw invalid('PriorityClass', obj.metadata.name ?? '', causes, 'scheduling.k8s.io');
  await checkSingleDefault(client, obj);
  // kube-apiserver's defaulting for scheduling.k8s.io/v1.
  obj['preemptionPolicy'] ??= 'PreemptLowerPriority';
}

/** Admission on update (globalDefault uniqueness; immutability is checked by keepPriorityClassValue). */
export async function admitPriorityOnUpdate(client: Lookup, type: ResourceType, obj: ObjectInput): Promise<void> {
  if (type === PRIORITY_CLASSES) await checkSingleDefault(client, obj);
}

/** value and preemptionPolicy of a PriorityClass are immutable. */
export function keepPriorityClassValue(current: KubeObject, next: ObjectInput): void {
  const causes: StatusCause[] = [];
  for (const field of ['value', 'preemptionPolicy'] as const) {
    const was = current[field] ?? (field === 'preemptionPolicy' ? 'PreemptLowerPriority' : undefined);
    const now = next[field] ?? (field === 'preemptionPolicy' ? 'PreemptLowerPriority' : undefined);
    if (was !== now) causes.push({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(now)}: field is immutable` });
  }
  if (causes.length) throw invalid('PriorityClass', current.metadata.name, causes, 'scheduling.k8s.io');
}

/** Creates the built-in classes if missing (idempotent). */
export async function ensureSystemPriorityClasses(client: Pick<Client, 'get' | 'create'>): Promise<void> {
  for (const pc of SYSTEM_PRIORITY_CLASSES) {
    if (await client.get(PRIORITY_CLASSES, undefined, pc.metadata.name!)) continue;
    try {
      await client.create(PRIORITY_CLASSES, { ...pc, metadata: { ...pc.metadata } });
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
    }
  }
}
