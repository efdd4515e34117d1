// metrics.k8s.io/v1beta1 (what metrics-server serves) and custom.metrics.k8s.io
// (what prometheus-adapter serves): read-only views computed from samples,
// never stored. The source contract lets the API server and the HPA
// controller read the same figures.

/** One container's usage as metrics-server reports it: cpu in cores (`12m`), memory as working set (`34Mi`). */
export interface ContainerMetrics {
  name: string;
  usage: { cpu: string; memory: string };
}

export interface MetricsMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  creationTimestamp: string;
}

export interface PodMetrics {
  kind: 'PodMetrics';
  apiVersion: 'metrics.k8s.io/v1beta1';
  metadata: MetricsMeta;
  /** End of the window the usage was measured over (RFC 3339). */
  timestamp: string;
  /** Length of that window (`15s`). */
  window: string;
  containers: ContainerMetrics[];
}

export interface NodeMetrics {
  kind: 'NodeMetrics';
  apiVersion: 'metrics.k8s.io/v1beta1';
  metadata: MetricsMeta;
  timestamp: string;
  window: string;
  usage: { cpu: string; memory: string };
}

/** A custom.metrics.k8s.io/v1beta2 MetricValue (one per described object). */
export interface CustomMetricValue {
  describedObject: { kind: string; namespace?: string; name: string; apiVersion: string };
  metric: { name: string; selector?: unknown };
  timestamp: string;
  windowSeconds: number;
  value: string;
}

/** Raw usage of one pod's containers, in plain units, over one window. */
export interface PodUsageSample {
  namespace: string;
  name: string;
  nodeName: string;
  /** End of the window (ms since the epoch). */
  timestampMs: number;
  windowMs: number;
  containers: { name: string; cpuCores: number; memoryBytes: number }[];
}

/** Where the API server and the HPA controller read usage from. */
export interface ResourceMetricsSource {
  /** Pods with at least one full window of samples. */
  podUsage(): PodUsageSample[];
  /** Per-node totals; nodes with no full window yet are absent. */
  nodeUsage(): { nodeName: string; timestampMs: number; windowMs: number; cpuCores: number; memoryBytes: number }[];
}

/** Rates of mesh metrics (requests per second over the last window), per pod and per Service. */
export interface MeshRateSource {
  /** Metric names served (`istio_requests_per_second`). */
  readonly metricNames: readonly string[];
  /** The last full window; undefined until one has passed. */
  window(): { timestampMs: number; windowMs: number } | undefined;
  /** Requests per second the pod's sidecar received; 0 for a pod it saw none for. */
  podRate(metricName: string, namespace: string, pod: string): number;
  /** Requests per second received for the Service, over all its pods. */
  serviceRate(metricName: string, namespace: string, service: string): number;
}
