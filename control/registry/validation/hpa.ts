// HorizontalPodAutoscaler (autoscaling/v2) defaulting and the semantic rules
// of kube-apiserver's autoscaling validation that the schema cannot express.

import type { ObjectInput, StatusCause } from '../../api/index.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function invalid(field: string, value: unknown, why: string): StatusCause {
  return { field, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${why}` };
}

function required(field: string): StatusCause {
  return { field, reason: 'FieldValueRequired', message: 'Required value' };
}

const SCALE_UP_DEFAULT = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] };
// scaleDown.stabilizationWindowSeconds stays unset: the controller's --horizontal-pod-autoscaler-downscale-stabilization applies.
const SCALE_DOWN_DEFAULT = { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };

/** SetDefaults_HorizontalPodAutoscaler: minReplicas 1, CPU at 80% when no metric is given, behavior rules filled in when behavior is set. */
export function defaultHorizontalPodAutoscaler(obj: Obj): void {
  const spec = obj['spec'];
  if (!isObj(spec)) return;
  if (spec['minReplicas'] === undefined || spec['minReplicas'] === null) spec['minReplicas'] = 1;
  if (!Array.isArray(spec['metrics']) || spec['metrics'].length === 0) {
    spec['metrics'] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  const behavior = spec['behavior'];
  if (!isObj(behavior)) return;
  behavior['scaleUp'] = { ...structuredClone(SCALE_UP_DEFAULT), ...(isObj(behavior['scaleUp']) ? behavior['scaleUp'] : {}) };
  behavior['scaleDown'] = { ...structuredClone(SCALE_DOWN_DEFAULT), ...(isObj(behavior['scaleDown']) ? behavior['scaleDown'] : {}) };
}

function targetCauses(field: string, target: unknown, resource: boolean): StatusCause[] {
  if (!isObj(target)) return [required(field)];
  const type = target['type'];
  if (type === 'Utilization') {
    if (!resource) return [invalid(`${field}.type`, type, 'must be either Value or AverageValue')];
    const u = target['averageUtilization'];
    if (typeof u !== 'number') return [required(`${field}.averageUtilization`)];
    if (u <= 0) return [invalid(`${field}.averageUtilization`, u, 'must be greater than 0')];
    return [];
  }
  if (type === 'AverageValue') return target['averageValue'] === undefined ? [required(`${field}.averageValue`)] : [];
  if (type === 'Value') return target['value'] === undefined ? [required(`${field}.value`)] : [];
  return [invalid(`${field}.type`, type, 'must be either Utilization, Value, or AverageValue')];
}

function metricCauses(field: string, metric: unknown): StatusCause[] {
  if (!isObj(metric)) return [required(field)];
  const type = metric['type'];
  const member: Record<string, string> = { Resource: 'resource', ContainerResource: 'containerResource', Pods: 'pods', Object: 'object', External: 'external' };
  const key = typeof type === 'string' ? member[type] : undefined;
  if (!key) return [invalid(`${field}.type`, type, 'must be either Resource, Pods, Object, External or ContainerResource')];
  const source = metric[key];
  if (!isObj(source)) return [{ field: `${field}.${key}`, reason: 'FieldValueRequired', message: `Required value: must populate information for the given metric source` }];
  const resource = type === 'Resource' || type === 'ContainerResource';
  if (resource && typeof source['name'] !== 'string') return [required(`${field}.${key}.name`)];
  if (!resource && !(isObj(source['metric']) && typeof source['metric']['name'] === 'string')) return [required(`${field}.${key}.metric.name`)];
  return targetCauses(`${field}.${key}.target`, source['target'], resource);
}

function rulesCauses(field: string, rules: unknown): StatusCause[] {
  if (!isObj(rules)) return [];
  const causes: StatusCause[] = [];
  const window = rules['stabilizationWindowSeconds'];
  if (typeof window === 'number' && (window < 0 || window > 3600)) causes.push(invalid(`${field}.stabilizationWindowSeconds`, window, 'must be less than or equal to 3600'));
  const policies = rules['policies'];
  if (Array.isArray(policies)) {
    if (policies.length === 0 && rules['selectPolicy'] !== 'Disabled') causes.push(required(`${field}.policies`));
    policies.forEach((p, i) => {
      if (!isObj(p)) return;
      const at = `${field}.policies[${i}]`;
      if (p['type'] !== 'Pods' && p['type'] !== 'Percent') causes.push({ field: `${at}.type`, reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(p['type'])}: supported values: "Percent", "Pods"` });
      if (typeof p['value'] !== 'number' || p['value'] <= 0) causes.push(invalid(`${at}.value`, p['value'], 'must be greater than zero'));
      const period = p['periodSeconds'];
      if (typeof period !== 'number' || period <= 0) causes.push(invalid(`${at}.periodSeconds`, period, 'must be greater than zero'));
      else if (period > 1800) causes.push(invalid(`${at}.periodSeconds`, period, 'must be less than or equal to 1800'));
    });
  }
  return causes;
}

export function validateHorizontalPodAutoscaler(obj: ObjectInput): StatusCause[] {
  const spec = obj['spec'];
  if (!isObj(spec)) return [required('spec')];
  const causes: StatusCause[] = [];
  const ref = spec['scaleTargetRef'];
  if (!isObj(ref)) causes.push(required('spec.scaleTargetRef'));
  else {
    if (typeof ref['kind'] !== 'string' || !ref['kind']) causes.push(required('spec.scaleTargetRef.kind'));
    if (typeof ref['name'] !== 'string' || !ref['name']) causes.push(required('spec.scaleTargetRef.name'));
  }
  const min = spec['minReplicas'];
  const max = spec['maxReplicas'];
  if (typeof min === 'number' && min < 1) causes.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (typeof max === 'number' && max < 1) causes.push(invalid('spec.maxReplicas', max, 'must be greater than 0'));
  else if (typeof max === 'number' && typeof min === 'number' && max < min) causes.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  if (Array.isArray(spec['metrics'])) spec['metrics'].forEach((m, i) => causes.push(...metricCauses(`spec.metrics[${i}]`, m)));
  const behavior = spec['behavior'];
  if (isObj(behavior)) {
    causes.push(...rulesCauses('spec.behavior.scaleUp', behavior['scaleUp']), ...rulesCauses('spec.behavior.scaleDown', behavior['scaleDown']));
  }
  return causes;
}
