// A full Istio label set for unit tests of the metrics, overridable per field.

import type { RequestLabels } from '../../../mesh/telemetry/metrics.ts';

export function labels(over: Partial<RequestLabels> = {}): RequestLabels {
  return {
    reporter: 'destination',
    source_workload: 'productpage-v1', source_workload_namespace: 'default', source_principal: 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage',
    source_app: 'productpage', source_version: 'v1', source_canonical_service: 'productpage', source_canonical_revision: 'v1', source_cluster: 'Kubernetes',
    destination_workload: 'reviews-v2', destination_workload_namespace: 'default', destination_principal: 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews',
    destination_app: 'reviews', destination_version: 'v2', destination_service: 'reviews.default.svc.cluster.local',
    destination_canonical_service: 'reviews', destination_canonical_revision: 'v2', destination_service_name: 'reviews', destination_service_namespace: 'default',
    destination_cluster: 'Kubernetes', request_protocol: 'http', response_code: '200', grpc_response_status: '', response_flags: '-', connection_security_policy: 'none',
    ...over,
  };
}
