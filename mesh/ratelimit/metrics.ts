// Per-descriptor counters, named after envoyproxy/ratelimit's stats
// (ratelimit.service.rate_limit.<domain>.<descriptor>.total_hits, …), rendered
// as Prometheus text. Descriptor labels carry limit names, never request
// values, so cardinality stays bounded by the policies.

export interface DescriptorStats {
  totalHits: number;
  overLimit: number;
  nearLimit: number;
  withinLimit: number;
  /** Over limit but allowed because the limit is in shadow mode. */
  shadowMode: number;
}

export class RateLimitMetrics {
  private readonly stats = new Map<string, { domain: string; descriptor: string; mode: string; s: DescriptorStats }>();
  private readonly backendErrors = new Map<string, number>();
  private readonly failureDecisions = { open: 0, deny: 0 };

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
    s.totalHits++;
    if (outcome.over) {
      s.overLimit++;
      if (outcome.shadow) s.shadowMode++;
    } else {
      s.withinLimit++;
      if (outcome.near) s.nearLimit++;
    }
  }

  recordBackendError(backend: string): void {
    this.backendErrors.set(backend, (this.backendErrors.get(backend) ?? 0) + 1);
  }

  recordFailureDecision(deny: boolean): void {
    if (deny) this.failureDecisions.deny++;
    else this.failureDecisions.open++;
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

  render(): string {
    const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    const lines: string[] = [];
    const series: [string, keyof DescriptorStats, string][] = [
      ['meshlet_ratelimit_total_hits', 'totalHits', 'Requests that charged the descriptor.'],
      ['meshlet_ratelimit_over_limit', 'overLimit', 'Requests over the descriptor limit (shadow ones included).'],
      ['meshlet_ratelimit_near_limit', 'nearLimit', 'Requests within the limit but above 80% of it.'],
      ['meshlet_ratelimit_within_limit', 'withinLimit', 'Requests within the limit.'],
      ['meshlet_ratelimit_shadow_mode', 'shadowMode', 'Requests over a shadow-mode limit that were allowed.'],
    ];
    for (const [name, field, help] of series) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const e of this.stats.values()) {
        lines.push(`${name}{domain="${esc(e.domain)}",descriptor="${esc(e.descriptor)}",mode="${e.mode}"} ${e.s[field]}`);
      }
    }
    lines.push('# HELP meshlet_ratelimit_backend_errors_total Counter backend failures (checks decided by failure mode).');
    lines.push('# TYPE meshlet_ratelimit_backend_errors_total counter');
    for (const [backend, n] of this.backendErrors) lines.push(`meshlet_ratelimit_backend_errors_total{backend="${esc(backend)}"} ${n}`);
    lines.push('# HELP meshlet_ratelimit_failure_mode_total Checks decided by failure mode while the backend was unavailable.');
    lines.push('# TYPE meshlet_ratelimit_failure_mode_total counter');
    lines.push(`meshlet_ratelimit_failure_mode_total{decision="allow"} ${this.failureDecisions.open}`);
    lines.push(`meshlet_ratelimit_failure_mode_total{decision="deny"} ${this.failureDecisions.deny}`);
    return lines.join('\n') + '\n';
  }
}
