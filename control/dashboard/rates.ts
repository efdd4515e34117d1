// Requests per second per graph edge, derived from the edge's running request total
// over a sliding window of samples (the way Prometheus' rate() reads a counter).
import type { Clock } from '../api/index.ts';
import type { GraphEdge } from './source.ts';

const MIN_SPACING_MS = 500;

interface Sample {
  atMs: number;
  requests: number;
}

export class EdgeRateTracker {
  private readonly samples = new Map<string, Sample[]>();
  private readonly clock: Clock;
  private readonly windowMs: number;

  constructor(clock: Clock, windowMs = 10_000) {
    this.clock = clock;
    this.windowMs = windowMs;
  }

  /** Records the current totals and returns the edges with `rps` filled in. */
  observe(edges: readonly GraphEdge[]): GraphEdge[] {
    const now = this.clock.now();
    const seen = new Set<string>();
    const out = edges.map((edge) => {
      const key = `${edge.source}\u0000${edge.target}`;
      seen.add(key);
      const history = this.samples.get(key) ?? [];
      const last = history[history.length - 1];
      // A counter that went down was reset: start the history again.
      if (last && edge.requests < last.requests) history.length = 0;
      const beforeLast = history[history.length - 2];
      // Samples closer than MIN_SPACING_MS apart are merged, so frequent reads keep the history short.
      if (last && beforeLast && now - beforeLast.atMs < MIN_SPACING_MS) history[history.length - 1] = { atMs: now, requests: edge.requests };
      else history.push({ atMs: now, requests: edge.requests });
      while (history.length > 2 && now - history[1]!.atMs >= this.windowMs) history.shift();
      this.samples.set(key, history);
      return edge.rps === undefined ? { ...edge, rps: rateOf(history, now) } : edge;
    });
    for (const key of [...this.samples.keys()]) if (!seen.has(key)) this.samples.delete(key);
    return out;
  }
}

function rateOf(history: readonly Sample[], now: number): number {
  const first = history[0];
  const last = history[history.length - 1];
  if (!first || !last || first === last) return 0;
  const spanMs = Math.max(now - first.atMs, 1);
  return ((last.requests - first.requests) * 1000) / spanMs;
}
