// Per-descriptor counters, named after envoyproxy/ratelimit's stats
// (ratelimit.service.rate_limit.<domain>.<descriptor>.total_hits, …), on a
// prom-client registry of this service's own. Descriptor labels carry limit
// names, never request values, so cardinality stays bounded by the policies.
// A plain tally next to the registry answers get() and friends synchronously.

import { Counter, Registry } from '../telemetry/prometheus.ts';

export interface DescriptorStats {
  totalHits: number;
  overLimit: number;
  nearLimit: number;
  withinLimit: number;
  /** Over limit but allowed because the limit is in shadow mode. */
  shadowMode: number;
}

type DescriptorLabel = 'domain' | 'descriptor' | 'mode';

const DESCRIPTOR_SERIES: [string, keyof DescriptorStats, string][] = [
  ['meshlet_ratelimit_total_hits', 'totalHits', 'Requests that charged the descriptor.'],
  ['meshlet_ratelimit_over_limit', 'overLimit', 'Requests over the descriptor limit (shadow ones included).'],
  ['meshlet_ratelimit_near_limit', 'nearLimit', 'Requests within the limit but above 80% of it.'],
  ['meshlet_ratelimit_within_limit', 'withinLimit', 'Requests within the limit.'],
  ['meshlet_ratelimit_shadow_mode', 'shadowMode', 'Requests over a shadow-mode limit that were allowed.'],
];

export class RateLimitMetrics {
  readonly registry = new Registry();
  private readonly stats = new Map<string, { domain: string; descriptor: string; mode: string; s: DescriptorStats }>();
  private readonly backendErrors = new Map<string, number>();
  private readonly failureDecisions = { open: 0, deny: 0 };
  private readonly descriptorCounters: Record<keyof DescriptorStats, Counter<DescriptorLabel>>;
  private readonly backendErrorCounter: Counter<'backend'>;
  private readonly failureModeCounter: Counter<'decision'>;

  constructor() {
    const registers = [this.registry];
    const counters: Partial<Record<keyof DescriptorStats, Counter<DescriptorLabel>>> = {};
    for (const [name, field, help] of DESCRIPTOR_SERIES) counters[field] = new Counter({ name, help, labelNames: ['domain', 'descriptor', 'mode'], registers });
    this.descriptorCounters = counters as Record<keyof DescriptorStats, Counter<DescriptorLabel>>;
    this.backendErrorCounter = new Counter({
      name: 'meshlet_ratelimit_backend_errors_total', help: 'Counter backend failures (checks decided by failure mode).', labelNames: ['backend'], registers,
    });
    this.failureModeCounter = new Counter({
      name: 'meshlet_ratelimit_failure_mode_total', help: 'Checks decided by failure mode while the backend was unavailable.', labelNames: ['decision'], registers,
    });
    this.zeroFailureModes();
  }

  /** Both decisions are always exposed, 0 until the backend first fails, so alerts can use rate() from the start. */
  private zeroFailureModes(): void {
    this.failureModeCounter.inc({ decision: 'allow' }, 0);
    this.failureModeCounter.inc({ decision: 'deny' }, 0);
  }

  private entry(domain: string, descriptor: string, mode: string): DescriptorStats {
    const id = `${domain}\u0000${descriptor}\u0000${mode}`;
    let e = this.stats.get(id);
    if (!e) {
      e = { domain, descriptor, mode, s: { totalHits: 0, overLimit: 0, nearLimit: 0, withinLimit: 0, shadowMode: 0 } };
      this.stats.set(id, e);
    }
    return e.s;
  }

  recordHit(domain: string, descriptor: string, mode: string, outcome: { over: boolean; near: boolean; shadow: boolean }): void {
    const s = this.entry(domain, descriptor, mode);
    const labels = { domain, descriptor, mode };
    // Every descriptor series shows all five counters from its first hit on, as before.
    const add = (field: keyof DescriptorStats, yes: boolean): void => {
      if (yes) s[field]++;
      this.descriptorCounters[field].inc(labels, yes ? 1 : 0);
    };
    add('totalHits', true);
    add('overLimit', outcome.over);
    add('shadowMode', outcome.over && outcome.shadow);
    add('withinLimit', !outcome.over);
    add('nearLimit', !outcome.over && outcome.near);
  }

  recordBackendError(backend: string): void {
    this.backendErrors.set(backend, (this.backendErrors.get(backend) ?? 0) + 1);
    this.backendErrorCounter.inc({ backend });
  }

  recordFailureDecision(deny: boolean): void {
    if (deny) this.failureDecisions.deny++;
    else this.failureDecisions.open++;
    this.failureModeCounter.inc({ decision: deny ? 'deny' : 'allow' });
  }

  /** Stats for one descriptor (tests, dashboard); zeros when never hit. */
  get(domain: string, descriptor: string, mode?: string): DescriptorStats {
    const total: DescriptorStats = { totalHits: 0, overLimit: 0, nearLimit: 0, withinLimit: 0, shadowMode: 0 };
    for (const e of this.stats.values()) {
      if (e.domain !== domain || e.descriptor !== descriptor || (mode !== undefined && e.mode !== mode)) continue;
      for (const k of Object.keys(total) as (keyof DescriptorStats)[]) total[k] += e.s[k];
    }
    return total;
  }

  backendErrorCount(backend: string): number {
    return this.backendErrors.get(backend) ?? 0;
  }

  failureModeCounts(): { open: number; deny: number } {
    return { ...this.failureDecisions };
  }

  /** Prometheus text exposition of the rate-limit counters alone. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
