// `meshlet up` waits for the pods its manifests create to become Ready,
// reporting each change, so a slow start is visible instead of silent.

import { PODS } from '../../api/index.ts';
import type { Client, Clock, Pod } from '../../api/index.ts';
import { podProgress } from './pod-progress.ts';
import type { PodProgress } from './pod-progress.ts';

export interface WaitForPodsOptions {
  client: Client;
  expected: number;
  clock: Clock;
  timeoutMs: number;
  pollMs?: number;
  onProgress(progress: PodProgress): void;
}

const delay = (clock: Clock, ms: number) => new Promise<void>((resolve) => clock.setTimer(ms, resolve));

/** Resolves with the last progress: done, or what was still waiting at the deadline. */
export async function waitForPods(options: WaitForPodsOptions): Promise<PodProgress> {
  const deadline = options.clock.now() + options.timeoutMs;
  for (;;) {
    const pods = await options.client.list<Pod>(PODS);
    const progress = podProgress(pods.items, options.expected);
    options.onProgress(progress);
    if (progress.done || options.clock.now() >= deadline) return progress;
    await delay(options.clock, options.pollMs ?? 250);
  }
}
