// The node agent's usage sampling: CPU as the rate of CPU time over the last
// window, memory as the latest RSS, a figure only after a full window, a
// restarted container starting its window again. Driven by a ManualClock and
// fake containers; the /proc reading itself is the runtime's (resource-usage.ts).

import t from 'tap';
import { ManualClock } from '../../control/api/index.ts';
import { UsageSampler } from '../../control/agent/index.ts';
import type { UsageSubject } from '../../control/agent/index.ts';
import type { ContainerUsage } from '../../control/agent/containers/index.ts';

function fakePod(name: string, containers: ContainerUsage[]): UsageSubject {
  return { namespace: 'default', name, uid: `uid-${name}`, containers: () => containers.map((c) => ({ ...c })) };
}

t.test('CPU is cores over the window, memory the latest RSS, after one full window', async (t) => {
  const clock = new ManualClock(1_000_000);
  const app: ContainerUsage = { name: 'app', pid: 10, processes: 1, cpuSeconds: 5, memoryBytes: 40 * 2 ** 20 };
  let pods = [fakePod('web', [app])];
  const sampler = new UsageSampler({ nodeName: 'node-1', clock, resolutionMs: 10_000, subjects: () => pods });
  sampler.start();
  t.same(sampler.podUsage(), [], 'one sample is no window');
  t.equal(sampler.nodeUsage(), undefined);
  app.cpuSeconds = 7.5; // 2.5 s of CPU in 10 s = 250m
  app.memoryBytes = 48 * 2 ** 20;
  clock.advance(10_000);
  t.same(sampler.podUsage(), [
    { namespace: 'default', name: 'web', nodeName: 'node-1', timestampMs: 1_010_000, windowMs: 10_000, containers: [{ name: 'app', cpuCores: 0.25, memoryBytes: 48 * 2 ** 20 }] },
  ]);
  t.match(sampler.nodeUsage(), { nodeName: 'node-1', cpuCores: 0.25, memoryBytes: 48 * 2 ** 20, windowMs: 10_000 });

  // A restart is a new process group (pid): its CPU time starts from zero, so no rate until the next window.
  app.pid = 11;
  app.cpuSeconds = 0.1;
  clock.advance(10_000);
  t.same(sampler.podUsage(), [], 'the restarted container has no full window yet');
  app.cpuSeconds = 1.1;
  clock.advance(10_000);
  t.equal(sampler.podUsage()[0]?.containers[0]?.cpuCores, 0.1);

  pods = [];
  clock.advance(10_000);
  t.same(sampler.podUsage(), [], 'a stopped pod is forgotten');
  t.match(sampler.nodeUsage(), { cpuCores: 0, memoryBytes: 0 }, 'a node without pods reports zero');
  sampler.stop();
  t.equal(clock.pendingTimers(), 0, 'stop cancels the sampling timer');
});
