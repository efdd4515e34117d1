// The request stack's contract: layer order, the rate-limit layer against an
// injected RateLimitService, the authorization hook, and trace propagation helpers.

import t from 'tap';
import { requestLayers } from '../../mesh/layers/stack.ts';
import type { LayerDeps } from '../../mesh/layers/deps.ts';
import { ALLOW_ALL } from '../../mesh/layers/deps.ts';
import { ClusterStates } from '../../mesh/endpoints/state.ts';
import { extractParent, injectContext, MeshMetrics, startSidecar, StaticConfigSource } from '../../mesh/index.ts';
import { compileRetry } from '../../mesh/config/http-routes.ts';
import { failureIsRetriable, statusIsRetriable } from '../../mesh/layers/timeout-retry.ts';
import type { RateLimitRequest, RateLimitService } from '../../mesh/ratelimit/types.ts';
import { systemClock } from '../../control/api/index.ts';
import { destroyAgents, pod, service, startBackend, viaProxy, waitFor } from './fixtures.ts';

const NET = '127.250.8';

t.test('layers run in the documented order', async (t) => {
  const deps = { clock: systemClock, random: Math.random, clusters: new ClusterStates(systemClock), authorization: ALLOW_ALL } as unknown as LayerDeps;
  t.same(requestLayers(deps).map((l) => l.name), [
    'accept', 'identify-source', 'network-policy', 'route', 'fault', 'authorization', 'rate-limit', 'mirror', 'timeout-retry', 'balance', 'circuit-breaker',
  ]);
});

t.test('rate limit: denied → status + headers + x-envoy-ratelimited, flag RL; allowed → headers added', async (t) => {
  const app = await startBackend('app', `${NET}.11`, 8080);
  const seen: RateLimitRequest[] = [];
  let n = 0;
  const rateLimit: RateLimitService = {
    check(req) {
      seen.push(req);
      n += 1;
      return n % 2 === 0
        ? { allowed: false, status: 429, responseHeaders: { 'X-RateLimit-Limit': '1', 'X-RateLimit-Remaining': '0' }, matched: 'per-user' }
        : { allowed: true, responseHeaders: { 'X-RateLimit-Limit': '1', 'X-RateLimit-Remaining': '0' } };
    },
    close: async () => undefined,
  };
  const denyAdmin = { check: (req: { path: string }) => (req.path.startsWith('/admin') ? { allowed: false as const, policy: 'deny-admin' } : { allowed: true as const }) };
  const config = new StaticConfigSource({
    pods: [pod('client', `${NET}.10`, { app: 'client' }), pod('app', `${NET}.11`, { app: 'app' }, { meshed: false })],
    services: [service('app', { app: 'app' }, [{ port: 8080 }])],
  });
  const logs: string[] = [];
  const metrics = new MeshMetrics();
  const sidecar = await startSidecar({ identity: { kind: 'sidecar', name: 'client', namespace: 'default', labels: { app: 'client' } }, podIp: `${NET}.10`, config, rateLimit, authorization: denyAdmin, metrics, accessLog: (l) => logs.push(l) });
  t.teardown(async () => {
    destroyAgents();
    await sidecar.close();
    await app.close();
  });
  const ok = await viaProxy({ host: `${NET}.10`, port: 15001 }, 'http://app:8080/x?y=1', { headers: { 'x-user': 'u1' } });
  t.equal(ok.status, 200);
  t.equal(ok.headers['x-ratelimit-limit'], '1');
  const limited = await viaProxy({ host: `${NET}.10`, port: 15001 }, 'http://app:8080/x');
  t.equal(limited.status, 429);
  t.equal(limited.headers['x-envoy-ratelimited'], 'true');
  t.equal(limited.headers['x-ratelimit-remaining'], '0');
  t.equal(app.hits, 1, 'the limited request never reached the app');
  t.match(seen[0], { direction: 'outbound', destinationService: 'app.default.svc.cluster.local', method: 'GET', path: '/x?y=1', authority: 'app:8080', sourceWorkload: 'client', sourceNamespace: 'default', proxy: { kind: 'sidecar', name: 'client' } });
  t.equal(seen[0]!.headers['x-user'], 'u1');
  const denied = await viaProxy({ host: `${NET}.10`, port: 15001 }, 'http://app:8080/admin');
  t.equal(denied.status, 403);
  t.equal(denied.body, 'RBAC: access denied');
  t.equal(seen.length, 2, 'authorization runs before rate limiting');
  await waitFor(() => logs.length === 3);
  t.match(logs[1], / 429 RL /);
  t.equal(metrics.count({ response_code: '429', response_flags: 'RL' }), 1, 'the flag is a metrics label too');
  t.equal(metrics.count({ response_code: '403' }), 1);
});

t.test('retryOn conditions', async (t) => {
  const cases: [string, number | string, boolean][] = [
    ['5xx', 500, true], ['5xx', 503, true], ['5xx', 404, false], ['5xx', 'connect-failure', true], ['5xx', 'reset', true], ['5xx', 'timeout', true],
    ['gateway-error', 502, true], ['gateway-error', 500, false], ['gateway-error', 'timeout', true], ['gateway-error', 'connect-failure', true],
    ['connect-failure', 503, false], ['connect-failure', 'connect-failure', true], ['connect-failure', 'reset', false],
    ['refused-stream', 'connect-failure', true], ['retriable-4xx', 409, true], ['retriable-4xx', 404, false],
    ['reset', 'reset', true], ['reset', 'timeout', true], ['reset', 500, false], ['retriable-status-codes,418', 418, true], ['418', 418, true],
  ];
  for (const [retryOn, outcome, want] of cases) {
    const policy = compileRetry({ attempts: 1, retryOn });
    const got = typeof outcome === 'number' ? statusIsRetriable(policy, outcome) : failureIsRetriable(policy, outcome as 'reset');
    t.equal(got, want, `retryOn ${retryOn} / ${outcome}`);
  }
  const def = compileRetry(undefined);
  t.equal(def.attempts, 2);
  t.ok(def.isDefault);
  t.equal(statusIsRetriable(def, 503), false, "Istio's default retries connection failures, not 503 responses");
  t.equal(compileRetry({ attempts: 0 }).attempts, 0);
});

t.test('trace context: W3C wins, B3 single and multi are read, both are written', async (t) => {
  const w3c = extractParent({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'x-b3-traceid': '1'.repeat(32), 'x-b3-spanid': '2'.repeat(16) });
  t.equal(w3c?.traceId, '0af7651916cd43dd8448eb211c80319c');
  const single = extractParent({ b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1' });
  t.equal(single?.spanId, 'e457b5a2e4d86bd1');
  const multi = extractParent({ 'x-b3-traceid': '463ac35c9f6413ad', 'x-b3-spanid': 'a2fb4a1d1a96d312', 'x-b3-sampled': '0' });
  t.equal(multi?.traceId, '0000000000000000463ac35c9f6413ad', '64-bit B3 ids are left-padded');
  t.equal(multi?.traceFlags, 0);
  t.equal(extractParent({ traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' }), undefined, 'all-zero trace id is invalid');
  const headers: Record<string, string | string[] | undefined> = { tracestate: 'vendor=1' };
  injectContext(headers, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 }, 'c'.repeat(16));
  t.equal(headers.traceparent, `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`);
  t.equal(headers['x-b3-parentspanid'], 'c'.repeat(16));
  t.equal(headers['x-b3-sampled'], '1');
});
