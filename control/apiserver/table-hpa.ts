// `kubectl get hpa` columns, as kubectl's server-side printer formats them
// (printHorizontalPodAutoscaler): REFERENCE Kind/name, TARGETS one
// `current/target` per metric (at most two, then "+ N more..."), status
// entries matched to spec entries by position.

import type { HorizontalPodAutoscaler, KubeObject, MetricSpec, MetricStatus } from '../api/index.ts';
import { hpaV1ToV2 } from './hpa-conversion.ts';

function percent(n: number | undefined): string | undefined {
  return n === undefined ? undefined : `${n}%`;
}

function formatMetric(spec: MetricSpec, status: MetricStatus | undefined): string {
  const unknown = '<unknown>';
  switch (spec.type) {
    case 'Resource':
    case 'ContainerResource': {
      const source = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      const current = spec.type === 'Resource' ? status?.resource?.current : status?.containerResource?.current;
      if (!source) return '<unknown type>';
      if (source.target.averageValue !== undefined) return `${source.name}: ${current?.averageValue ?? unknown}/${source.target.averageValue}`;
      return `${source.name}: ${percent(current?.averageUtilization) ?? unknown}/${percent(source.target.averageUtilization) ?? '<auto>'}`;
    }
    case 'Pods':
      return `${status?.pods?.current.averageValue ?? unknown}/${spec.pods?.target.averageValue ?? ''}`;
    case 'Object':
      if (spec.object?.target.averageValue !== undefined) return `${status?.object?.current.averageValue ?? unknown}/${spec.object.target.averageValue} (avg)`;
      return `${status?.object?.current.value ?? unknown}/${spec.object?.target.value ?? ''}`;
    case 'External':
      if (spec.external?.target.averageValue !== undefined) return `${status?.external?.current.averageValue ?? unknown}/${spec.external.target.averageValue} (avg)`;
      return `${status?.external?.current.value ?? unknown}/${spec.external?.target.value ?? ''}`;
    default:
      return '<unknown type>';
  }
}

export function hpaTargets(obj: KubeObject): string {
  // Rows of a list made through autoscaling/v1 hold the v1 view; the cells read v2.
  const hpa = (obj.apiVersion === 'autoscaling/v1' ? hpaV1ToV2(obj) : obj) as HorizontalPodAutoscaler;
  const specs = hpa.spec?.metrics ?? [];
  if (specs.length === 0) return '<none>';
  const statuses = hpa.status?.currentMetrics ?? [];
  const list = specs.map((spec, i) => formatMetric(spec, statuses[i]));
  const shown = list.slice(0, 2).join(', ');
  return list.length > 2 ? `${shown} + ${list.length - 2} more...` : shown;
}

export function hpaReference(obj: KubeObject): string {
  const ref = (obj as HorizontalPodAutoscaler).spec?.scaleTargetRef;
  return `${ref?.kind ?? ''}/${ref?.name ?? ''}`;
}

export function hpaMinPods(obj: KubeObject): string {
  const min = (obj as HorizontalPodAutoscaler).spec?.minReplicas;
  return min === undefined ? '<unset>' : String(min);
}
