// Shared setup for the weighted-split tests: a client sidecar and three
// unmeshed versions of one service; `check` applies a split, sends 2000
// requests and asserts each version's share within 4σ.

import type { Test } from 'tap';
import { startSidecar, StaticConfigSource } from '../../mesh/index.ts';
import type { Backend } from './fixtures.ts';
import { converged, destroyAgents, fromYaml, many, pod, service, startBackend, tally, viaProxy, within4Sigma } from './fixtures.ts';

const REQUESTS = 2000;

function split(weights: number[]): string {
  return `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: echo }
spec:
  host: echo
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }, { name: v3, labels: { version: v3 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: echo }
spec:
  hosts: [echo]
  http:
  - route:
${weights.map((w, i) => `    - { destination: { host: echo, subset: v${i + 1} }, weight: ${w} }`).join('\n')}
`;
}

export async function weightWorld(t: Test, net: string): Promise<(weights: number[]) => Promise<void>> {
  const client = `${net}.10`;
  const backends: Backend[] = [];
  for (let i = 0; i < 3; i++) backends.push(await startBackend(`echo-v${i + 1}`, `${net}.${11 + i}`, 8080));
  const config = new StaticConfigSource();
  config.apply(
    pod('client', client, { app: 'client' }),
    ...[0, 1, 2].map((i) => pod(`echo-v${i + 1}`, `${net}.${11 + i}`, { app: 'echo', version: `v${i + 1}` }, { meshed: false, ports: [8080] })),
    service('echo', { app: 'echo' }, [{ port: 8080 }]),
  );
  const sidecar = await startSidecar({ identity: { kind: 'sidecar', name: 'client', namespace: 'default', labels: { app: 'client' } }, podIp: client, config });
  t.teardown(async () => {
    destroyAgents();
    await sidecar.close();
    for (const b of backends) await b.close();
  });
  return async (weights) => {
    config.apply(...fromYaml(split(weights)));
    await converged(sidecar, config);
    const responses = await many(REQUESTS, 32, () => viaProxy({ host: client, port: 15001 }, 'http://echo:8080/w'));
    t.ok(responses.every((r) => r.status === 200), `${weights.join('/')}: all 200`);
    const counts = tally(responses.map((r) => r.body));
    weights.forEach((w, i) => {
      const got = counts[`echo-v${i + 1}`] ?? 0;
      const sigma = Math.sqrt((REQUESTS * w * (100 - w)) / 10000);
      t.ok(within4Sigma(got, REQUESTS, w / 100), `${weights.join('/')}: v${i + 1} got ${got} of ${REQUESTS}, expected ${(REQUESTS * w) / 100} ± ${(4 * sigma).toFixed(1)}`);
    });
  };
}
