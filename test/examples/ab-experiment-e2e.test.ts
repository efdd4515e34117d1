// The A/B example as its README promises: 90/10 between helloworld v1 and v2 through
// the ingress, and the dashboard's split panel data showing weights and observations.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { startCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { REPO_ROOT } from './program-process.ts';

const yaml = readFileSync(join(REPO_ROOT, 'examples/ab-experiment/helloworld-ab.yaml'), 'utf8');
const cluster = await startCluster({ yaml, nodes: 2 });
t.teardown(() => cluster.stop());
const ingress = cluster.ingressUrl.replace(/\/$/, '');

async function hello(): Promise<string> {
  const res = await fetch(`${ingress}/hello`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text}`);
  return text;
}

// Until both versions have a ready pod, the v2 subset has no endpoints and answers 503
// (as Istio does), so wait until each version has answered once.
const seen = new Set<string>();
await waitFor('both helloworld versions through the ingress', async () => {
  const version = /^Hello version: (v[12])/.exec(await hello())?.[1];
  if (version) seen.add(version);
  return seen.size === 2;
}, { timeoutMs: 30_000, intervalMs: 0 });

void t.test('400 requests split 90/10 within 4 standard deviations', async (t) => {
  const N = 400;
  const counts: Record<string, number> = { v1: 0, v2: 0 };
  const odd: string[] = [];
  for (let batch = 0; batch < N / 50; batch++) {
    const replies = await Promise.all(Array.from({ length: 50 }, hello));
    for (const reply of replies) {
      const match = /^Hello version: (v[12]), instance: helloworld-(v[12])-/.exec(reply);
      if (match && match[1] === match[2]) counts[match[1]!]! += 1;
      else odd.push(reply);
    }
  }
  t.same(odd, [], 'every answer names a version and a pod of that version');
  const sigma = Math.sqrt(N * 0.1 * 0.9);
  t.ok(Math.abs(counts.v2! - N * 0.1) <= 4 * sigma, `v2 answered ${counts.v2} of ${N} (expected ${N * 0.1} ± ${Math.round(4 * sigma)})`);
  t.equal(counts.v1! + counts.v2!, N);
});

void t.test('the dashboard reports the configured and observed split', async (t) => {
  const splits = await waitFor('observed requests in the split', async () => {
    const res = await fetch(new URL('api/splits', cluster.dashboardUrl));
    const all = (await res.json()) as { virtualService: string; subsets: { subset: string; weight: number; observed: number }[] }[];
    const split = all.find((s) => s.virtualService === 'helloworld-ingress');
    return split && split.subsets.every((s) => s.observed > 0) ? split : undefined;
  }, { timeoutMs: 10_000, intervalMs: 100 });
  t.same(splits.subsets.map((s) => [s.subset, s.weight]), [['v1', 90], ['v2', 10]]);
  const [v1, v2] = splits.subsets;
  t.ok(v1!.observed > v2!.observed * 4, `observed v1 ${v1!.observed} vs v2 ${v2!.observed}`);
});
