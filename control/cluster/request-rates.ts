// Request rates from the sidecars' istio_requests_total, as prometheus-adapter
// serves `rate(istio_requests_total[window])` under custom.metrics.k8s.io:
// every `resolutionMs` the cumulative inbound counts per pod (reporter
// destination) and per destination Service are read, and the rate is the
// difference of the last two readings over their distance in time.

import type { Clock, MeshRateSource, Timer } from '../api/index.ts';
import type { MeshMetrics } from '../../mesh/index.ts';

/** The metric name served; documented in docs/ARCHITECTURE.md ("Autoscaling"). */
export const REQUESTS_PER_SECOND = 'istio_requests_per_second';

interface Reading {
  atMs: number;
  pods: Map<string, number>;
  services: Map<string, number>;
}

export interface RequestRatesOptions {
  metrics: MeshMetrics;
  clock: Clock;
  resolutionMs: number;
}

export class RequestRates implements MeshRateSource {
  readonly metricNames = [REQUESTS_PER_SECOND] as const;
  private readonly options: RequestRatesOptions;
  private previous: Reading | undefined;
  private latest: Reading | undefined;
  private timer: Timer | undefined;
  private stopped = false;

  constructor(options: RequestRatesOptions) {
    this.options = options;
  }

  start(): void {
    this.sample();
    const tick = (): void => {
      if (this.stopped) return;
      this.timer = this.options.clock.setTimer(this.options.resolutionMs, () => {
        this.sample();
        tick();
      });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  sample(): void {
    const services = new Map<string, number>();
    for (const edge of this.options.metrics.edges({ reporter: 'destination' })) {
      // destination_service is the FQDN name.namespace.svc.<zone>
      const [name, namespace] = edge.destination.service.split('.');
      if (!name || !namespace) continue;
      const key = `${namespace}/${name}`;
      services.set(key, (services.get(key) ?? 0) + edge.requests);
    }
    this.previous = this.latest;
    this.latest = { atMs: this.options.clock.now(), pods: new Map(this.options.metrics.podInboundTotals()), services };
  }

  window(): { timestampMs: number; windowMs: number } | undefined {
    if (!this.previous || !this.latest || this.latest.atMs <= this.previous.atMs) return undefined;
    return { timestampMs: this.latest.atMs, windowMs: this.latest.atMs - this.previous.atMs };
  }

  private rate(pick: (r: Reading) => Map<string, number>, key: string): number {
    const w = this.window();
    if (!w || !this.previous || !this.latest) return 0;
    const delta = (pick(this.latest).get(key) ?? 0) - (pick(this.previous).get(key) ?? 0);
    return Math.max(0, delta) / (w.windowMs / 1000);
  }

  podRate(metricName: string, namespace: string, pod: string): number {
    return metricName === REQUESTS_PER_SECOND ? this.rate((r) => r.pods, `${namespace}/${pod}`) : 0;
  }

  serviceRate(metricName: string, namespace: string, service: string): number {
    return metricName === REQUESTS_PER_SECOND ? this.rate((r) => r.services, `${namespace}/${service}`) : 0;
  }
}
