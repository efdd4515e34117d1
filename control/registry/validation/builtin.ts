// Hand-written semantic checks for the built-in kinds meshlet acts on. These
// run before (and independently of) the schema check, and cover rules a JSON
// schema cannot express: port ranges, unique names, selector/template agreement.

import type { ObjectInput, StatusCause } from '../../api/index.ts';
import { matchesSelector } from '../../api/index.ts';
import type { LabelSelector } from '../../api/index.ts';
import { dns1123LabelCauses } from './names.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function required(field: string, what = 'Required value'): StatusCause {
  return { field, reason: 'FieldValueRequired', message: what };
}

function badValue(field: string, value: unknown, why: string): StatusCause {
  return { field, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${why}` };
}

function portCauses(field: string, value: unknown, allowZero = false): StatusCause[] {
  if (typeof value !== 'number' || !Number.isInteger(value)) return [badValue(field, value, 'must be an integer')];
  if (value < (allowZero ? 0 : 1) || value > 65535) return [badValue(field, value, 'must be between 1 and 65535, inclusive')];
  return [];
}

function targetPortCauses(field: string, value: unknown): StatusCause[] {
  if (value === undefined) return [];
  if (typeof value === 'string') {
    return /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) && value.length <= 15 && /[a-z]/.test(value)
      ? []
      : [badValue(field, value, 'must contain at least one letter (a-z), at most 15 characters, lowercase alphanumeric or "-"')];
  }
  return portCauses(field, value);
}

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

function protocolCauses(field: string, value: unknown): StatusCause[] {
  if (value === undefined || PROTOCOLS.includes(value as string)) return [];
  return [{ field, reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(value)}: supported values: "SCTP", "TCP", "UDP"` }];
}

export function validateServiceSpec(obj: ObjectInput): StatusCause[] {
  const spec = obj['spec'];
  if (!isObj(spec)) return [required('spec')];
  const causes: StatusCause[] = [];
  const type = spec['type'] ?? 'ClusterIP';
  if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(type as string)) {
    causes.push({ field: 'spec.type', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(type)}: supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"` });
  }
  const ports = spec['ports'];
  if (type === 'ExternalName') {
    if (typeof spec['externalName'] !== 'string' || spec['externalName'] === '') causes.push(required('spec.externalName'));
  } else if (!Array.isArray(ports) || ports.length === 0) {
    if (spec['clusterIP'] !== 'None') causes.push(required('spec.ports'));
  }
  if (ports !== undefined && !Array.isArray(ports)) return [...causes, badValue('spec.ports', ports, 'must be a list')];
  const names = new Set<string>();
  ((ports as unknown[] | undefined) ?? []).forEach((p, i) => {
    const f = `spec.ports[${i}]`;
    if (!isObj(p)) return void causes.push(badValue(f, p, 'must be an object'));
    causes.push(...portCauses(`${f}.port`, p['port']));
    causes.push(...targetPortCauses(`${f}.targetPort`, p['targetPort']));
    causes.push(...protocolCauses(`${f}.protocol`, p['protocol']));
    if (p['name'] !== undefined) {
      const name = String(p['name']);
      causes.push(...dns1123LabelCauses(`${f}.name`, name));
      if (names.has(name)) causes.push({ field: `${f}.name`, reason: 'FieldValueDuplicate', message: `Duplicate value: "${name}"` });
      names.add(name);
    } else if ((ports as unknown[]).length > 1) {
      causes.push(required(`${f}.name`, 'Required value'));
    }
  });
  return causes;
}

function containerCauses(field: string, containers: unknown, requireOne: boolean): StatusCause[] {
  if (containers === undefined) return requireOne ? [required(field)] : [];
  if (!Array.isArray(containers)) return [badValue(field, containers, 'must be a list')];
  if (requireOne && containers.length === 0) return [required(field)];
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const f = `${field}[${i}]`;
    if (!isObj(c)) return void causes.push(badValue(f, c, 'must be an object'));
    if (typeof c['name'] !== 'string' || c['name'] === '') causes.push(required(`${f}.name`));
    else {
      causes.push(...dns1123LabelCauses(`${f}.name`, c['name']));
      if (names.has(c['name'])) causes.push({ field: `${f}.name`, reason: 'FieldValueDuplicate', message: `Duplicate value: "${c['name']}"` });
      names.add(c['name']);
    }
    if (typeof c['image'] !== 'string' || c['image'].trim() === '') causes.push(required(`${f}.image`));
    const ports = c['ports'];
    if (Array.isArray(ports)) {
      ports.forEach((p, j) => {
        if (!isObj(p)) return void causes.push(badValue(`${f}.ports[${j}]`, p, 'must be an object'));
        causes.push(...portCauses(`${f}.ports[${j}].containerPort`, p['containerPort']));
        causes.push(...protocolCauses(`${f}.ports[${j}].protocol`, p['protocol']));
      });
    }
  });
  return causes;
}

export function validatePodSpec(field: string, spec: unknown): StatusCause[] {
  if (!isObj(spec)) return [required(field)];
  const causes = [
    ...containerCauses(`${field}.containers`, spec['containers'], true),
    ...containerCauses(`${field}.initContainers`, spec['initContainers'], false),
  ];
  const rp = spec['restartPolicy'];
  if (rp !== undefined && !['Always', 'OnFailure', 'Never'].includes(rp as string)) {
    causes.push({ field: `${field}.restartPolicy`, reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(rp)}: supported values: "Always", "OnFailure", "Never"` });
  }
  return causes;
}

export function validatePod(obj: ObjectInput): StatusCause[] {
  return validatePodSpec('spec', obj['spec']);
}

/** Deployment and ReplicaSet: selector required, non-empty, and matching the template labels. */
export function validateWorkload(obj: ObjectInput): StatusCause[] {
  const spec = obj['spec'];
  if (!isObj(spec)) return [required('spec')];
  const causes: StatusCause[] = [];
  const replicas = spec['replicas'];
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)) {
    causes.push(badValue('spec.replicas', replicas, 'must be greater than or equal to 0'));
  }
  const selector = spec['selector'];
  const template = spec['template'];
  if (!isObj(selector)) causes.push(required('spec.selector'));
  else if (Object.keys(selector['matchLabels'] ?? {}).length === 0 && ((selector['matchExpressions'] as unknown[] | undefined) ?? []).length === 0) {
    causes.push(badValue('spec.selector', selector, 'empty selector is invalid for deployment'));
  }
  if (!isObj(template)) return [...causes, required('spec.template')];
  const labels = isObj(template['metadata']) ? (template['metadata']['labels'] as Record<string, string> | undefined) : undefined;
  if (isObj(selector) && !matchesSelector(labels, selector as LabelSelector)) {
    causes.push(badValue('spec.template.metadata.labels', labels ?? {}, '`selector` does not match template `labels`'));
  }
  causes.push(...validatePodSpec('spec.template.spec', template['spec']));
  return causes;
}

export function validateJob(obj: ObjectInput): StatusCause[] {
  const spec = obj['spec'];
  if (!isObj(spec)) return [required('spec')];
  const template = spec['template'];
  if (!isObj(template)) return [required('spec.template')];
  const causes = validatePodSpec('spec.template.spec', template['spec']);
  const selector = spec['selector'];
  const labels = isObj(template['metadata']) ? (template['metadata']['labels'] as Record<string, string> | undefined) : undefined;
  if (spec['manualSelector'] === true && !isObj(selector)) causes.push(required('spec.selector'));
  if (isObj(selector) && !matchesSelector(labels, selector as LabelSelector)) {
    causes.push(badValue('spec.template.metadata.labels', labels ?? {}, '`selector` does not match template `labels`'));
  }
  const rp = isObj(template['spec']) ? template['spec']['restartPolicy'] : undefined;
  if (rp !== 'Never' && rp !== 'OnFailure') {
    causes.push({ field: 'spec.template.spec.restartPolicy', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(rp ?? 'Always')}: supported values: "OnFailure", "Never"` });
  }
  return causes;
}
