// Istio's local rate-limit EnvoyFilter sample, read from the shared reference
// tree, enforced by a real productpage sidecar: /productpage 10 per minute and
// the service 100 per minute, as the sample's comments describe.

import { readFileSync } from 'node:fs';
import t from 'tap';
import { ManualClock } from '../../control/api/clock.ts';
import { startSidecar, StaticConfigSource } from '../../mesh/index.ts';
import type { Sidecar } from '../../mesh/index.ts';
import { StaticPolicySource, createRateLimitService } from '../../mesh/ratelimit/index.ts';
import { destroyAgents, fromYaml, pod, service, startBackend, viaProxy } from '../mesh/fixtures.ts';
import type { Backend } from '../mesh/fixtures.ts';

const NET = '127.251.8';
const SAMPLE = new URL('../../../shared/reference/istio-samples/ratelimit/local-rate-limit-service.yaml', import.meta.url);

t.test('the EnvoyFilter sample limits /productpage at the productpage sidecar', async (t) => {
  const filters = fromYaml(readFileSync(SAMPLE, 'utf8'), 'istio-system');
  t.equal(filters[0]?.kind, 'EnvoyFilter');
  const clock = new ManualClock(0);
  const limiter = createRateLimitService({ source: new StaticPolicySource({ envoyFilters: filters }), clock });
  const config = new StaticConfigSource({
    pods: [pod('client', `${NET}.10`, { app: 'client' }), pod('productpage-v1-1', `${NET}.11`, { app: 'productpage', version: 'v1' }, { ports: [9080] })],
    services: [service('productpage', { app: 'productpage' }, [{ port: 9080 }])],
  });
  const sidecars: Sidecar[] = [];
  const app: Backend = await startBackend('productpage', `${NET}.11`, 9080);
  t.teardown(async () => {
    destroyAgents();
    for (const s of sidecars) await s.close();
    await limiter.close();
    await app.close();
  });
  sidecars.push(
    await startSidecar({
      identity: { kind: 'sidecar', name: 'productpage-v1-1', namespace: 'default', labels: { app: 'productpage', version: 'v1' } },
      podIp: `${NET}.11`,
      config,
      rateLimit: limiter,
    }),
  );
  sidecars.push(await startSidecar({ identity: { kind: 'sidecar', name: 'client', namespace: 'default', labels: { app: 'client' } }, podIp: `${NET}.10`, config }));
  const get = (path: string) => viaProxy({ host: `${NET}.10`, port: 15001 }, `http://productpage:9080${path}`);

  const pages = [];
  for (let i = 0; i < 11; i++) pages.push(await get('/productpage'));
  t.same(pages.map((r) => r.status), [...Array(10).fill(200), 429], 'ten /productpage per minute');
  const limited = pages[10]!;
  t.equal(limited.headers['x-envoy-ratelimited'], 'true');
  t.equal(limited.headers['x-local-rate-limit'], 'true', 'the sample adds x-local-rate-limit to limited responses');
  t.equal(limited.headers['x-ratelimit-limit'], '10, 10;w=60');
  t.equal(limited.headers['x-ratelimit-remaining'], '0');
  t.equal(pages[0]!.headers['x-ratelimit-remaining'], '9', 'allowed responses show the quota too');

  const others = [];
  for (let i = 0; i < 91; i++) others.push((await get(`/static/${i}.css`)).status);
  t.equal(others.filter((s) => s === 200).length, 90, 'the service as a whole: 100 per minute (10 pages + 90 others)');
  t.equal(others[90], 429);
  t.equal(app.hits, 100, 'limited requests never reach productpage');

  clock.advance(60_000);
  t.equal((await get('/productpage')).status, 200, 'a minute later the bucket has refilled');
});
