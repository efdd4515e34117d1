// `meshlet up` flags of the HPA controller and the metrics pipeline, named as
// kube-controller-manager's and metrics-server's: durations in Go's syntax
// (`15s`, `1m30s`, `500ms`).

import { str, UsageError } from '../args.ts';
import type { FlagSpec, ParsedArgs } from '../args.ts';

export const AUTOSCALING_FLAGS: FlagSpec[] = [
  { names: ['--horizontal-pod-autoscaler-sync-period'], key: 'hpaSyncPeriod', kind: 'string', value: 'DURATION', help: 'how often each HPA is synced (default 15s)' },
  { names: ['--horizontal-pod-autoscaler-downscale-stabilization'], key: 'hpaDownscaleStabilization', kind: 'string', value: 'DURATION', help: 'look-back window for HPA scale-down recommendations (default 5m0s)' },
  { names: ['--metric-resolution'], key: 'metricResolution', kind: 'string', value: 'DURATION', help: 'how often container usage is sampled: the metrics API window (default 15s)' },
];

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration for the units a controller period uses (h, m, s, ms). */
export function parseDuration(flag: string, value: string): number {
  let ms = 0;
  let rest = value;
  const part = /^(\d+(?:\.\d+)?)(ms|h|m|s)/;
  if (rest === '0') return 0;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m) throw new UsageError(`invalid value "${value}" for ${flag}: expected a duration such as 15s, 1m30s or 500ms`);
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  if (value.length === 0) throw new UsageError(`invalid value "" for ${flag}: expected a duration such as 15s`);
  return ms;
}

export interface AutoscalingOptions {
  hpaSyncPeriodMs?: number;
  hpaDownscaleStabilizationMs?: number;
  metricResolutionMs?: number;
}

export function autoscalingOptionsFromArgs(args: ParsedArgs): AutoscalingOptions {
  const read = (key: string, flag: string, minMs: number): number | undefined => {
    const raw = str(args, key);
    if (raw === undefined) return undefined;
    const ms = parseDuration(flag, raw);
    if (ms < minMs) throw new UsageError(`invalid value "${raw}" for ${flag}: must be at least ${minMs >= 1000 ? `${minMs / 1000}s` : `${minMs}ms`}`);
    return ms;
  };
  const out: AutoscalingOptions = {};
  const sync = read('hpaSyncPeriod', '--horizontal-pod-autoscaler-sync-period', 100);
  const down = read('hpaDownscaleStabilization', '--horizontal-pod-autoscaler-downscale-stabilization', 0);
  const resolution = read('metricResolution', '--metric-resolution', 100);
  if (sync !== undefined) out.hpaSyncPeriodMs = sync;
  if (down !== undefined) out.hpaDownscaleStabilizationMs = down;
  if (resolution !== undefined) out.metricResolutionMs = resolution;
  return out;
}
