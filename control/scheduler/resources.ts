// Resource quantities (Kubernetes' `500m`, `1.5`, `128Mi`, `1G`) and what a
// pod asks for: the sum of its containers' requests, or more if one init
// container asks for more, as kube-scheduler computes it.

import type { Pod } from '../api/index.ts';
import { MeshletError } from '../api/index.ts';

export interface Resources {
  milliCpu: number;
  memory: number;
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Parses a quantity into its plain value (`500m` → 0.5, `1Ki` → 1024). */
export function parseQuantity(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(text.trim());
  if (!m) throw new MeshletError('MESHLET_SCHEDULER_BAD_QUANTITY', `control/scheduler: invalid quantity "${text}"`);
  const unit = m[2] ?? '';
  return Number(m[1]) * (BINARY[unit] ?? DECIMAL[unit] ?? 1);
}

export function parseMilliCpu(text: string | number | undefined): number {
  return text === undefined ? 0 : Math.round(parseQuantity(text) * 1000);
}

export function parseBytes(text: string | number | undefined): number {
  return text === undefined ? 0 : Math.round(parseQuantity(text));
}

/** Requests used when a container states none, for scoring only (kube-scheduler's non-zero defaults). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 2 ** 20;

export interface PodRequests {
  /** What the pod asks for; filters use this. */
  requested: Resources;
  /** With defaults for containers that ask for nothing; scores use this. */
  nonZero: Resources;
}

export function podRequests(pod: Pod): PodRequests {
  const requested = { milliCpu: 0, memory: 0 };
  const nonZero = { milliCpu: 0, memory: 0 };
  for (const c of pod.spec?.containers ?? []) {
    const cpu = c.resources?.requests?.['cpu'];
    const mem = c.resources?.requests?.['memory'];
    requested.milliCpu += parseMilliCpu(cpu);
    requested.memory += parseBytes(mem);
    nonZero.milliCpu += cpu === undefined ? DEFAULT_MILLI_CPU_REQUEST : parseMilliCpu(cpu);
    nonZero.memory += mem === undefined ? DEFAULT_MEMORY_REQUEST : parseBytes(mem);
  }
  for (const c of pod.spec?.initContainers ?? []) {
    requested.milliCpu = Math.max(requested.milliCpu, parseMilliCpu(c.resources?.requests?.['cpu']));
    requested.memory = Math.max(requested.memory, parseBytes(c.resources?.requests?.['memory']));
  }
  return { requested, nonZero };
}

/** podRequests, computed once per scheduling cycle. */
export function cycleRequests(pod: Pod, data: Map<string, unknown>): PodRequests {
  let r = data.get('podRequests') as PodRequests | undefined;
  if (!r) data.set('podRequests', (r = podRequests(pod)));
  return r;
}
