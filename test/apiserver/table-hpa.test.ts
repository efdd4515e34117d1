// kubectl's TARGETS cell for each metric type (printers.go formatHPAMetrics).

import t from 'tap';
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from '../../control/api/index.ts';
import { hpaMinPods, hpaReference, hpaTargets } from '../../control/apiserver/table-hpa.ts';

function hpa(metrics: MetricSpec[], current?: MetricStatus[], minReplicas?: number): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'h', uid: 'u', resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5, metrics, ...(minReplicas !== undefined ? { minReplicas } : {}) },
    status: { desiredReplicas: 1, ...(current ? { currentMetrics: current } : {}) },
  };
}

const cpu50: MetricSpec = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } };
const mem: MetricSpec = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
const rps: MetricSpec = { type: 'Pods', pods: { metric: { name: 'istio_requests_per_second' }, target: { type: 'AverageValue', averageValue: '10' } } };
const svc: MetricSpec = { type: 'Object', object: { describedObject: { kind: 'Service', name: 'web' }, metric: { name: 'istio_requests_per_second' }, target: { type: 'Value', value: '100' } } };

t.test('TARGETS per metric type', async (t) => {
  t.equal(hpaTargets(hpa([cpu50])), 'cpu: <unknown>/50%', 'no reading yet');
  t.equal(hpaTargets(hpa([cpu50], [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 0 } } }])), 'cpu: 0%/50%', "the walkthrough's first reading");
  t.equal(hpaTargets(hpa([mem], [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '42Mi' } } }])), 'memory: 42Mi/100Mi');
  t.equal(hpaTargets(hpa([rps], [{ type: 'Pods', pods: { metric: { name: 'istio_requests_per_second' }, current: { averageValue: '7500m' } } }])), '7500m/10');
  t.equal(hpaTargets(hpa([svc], [{ type: 'Object', object: { describedObject: { kind: 'Service', name: 'web' }, metric: { name: 'istio_requests_per_second' }, current: { value: '30' } } }])), '30/100');
  t.equal(hpaTargets(hpa([cpu50, mem, rps])), 'cpu: <unknown>/50%, memory: <unknown>/100Mi + 1 more...', 'at most two, then a count');
  t.equal(hpaTargets(hpa([])), '<none>');
  const v1View = { ...hpa([]), apiVersion: 'autoscaling/v1', spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5, targetCPUUtilizationPercentage: 60 }, status: { currentCPUUtilizationPercentage: 12 } };
  t.equal(hpaTargets(v1View), 'cpu: 12%/60%', 'a row read through autoscaling/v1');
  t.equal(hpaReference(hpa([cpu50])), 'Deployment/web');
  t.equal(hpaMinPods(hpa([cpu50])), '<unset>');
  t.equal(hpaMinPods(hpa([cpu50], undefined, 2)), '2');
});
