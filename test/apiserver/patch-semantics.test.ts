// PATCH over HTTPS as kubectl and controllers send it: a resourceVersion in
// the body is a precondition (409 with Kubernetes' message) for merge,
// strategic and JSON patches, with or without a fieldManager (kubectl always
// names one), in dry run too; concurrent unconditional patches all succeed,
// over the MemoryStore and over a real Redis (where the races are real I/O).

import t from 'tap';
import type * as Tap from 'tap';
import { MemoryStore, openRedisStore } from '../../control/store/index.ts';
import type { Store } from '../../control/api/index.ts';
import { startRedisServer } from '../store/redis-server.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { startApiServer } from '../../control/apiserver/index.ts';
import { clientFor } from './http-client.ts';

const TOKEN = 'patch-token';
const CM = '/api/v1/namespaces/default/configmaps/shared';
const MEDIA = { merge: 'application/merge-patch+json', strategic: 'application/strategic-merge-patch+json', json: 'application/json-patch+json' } as const;
const CONFLICT = 'Operation cannot be fulfilled on configmaps "shared": the object has been modified; please apply your changes to the latest version and try again';

async function setup(t: Tap.Test, store: Store = new MemoryStore()) {
  const registry = createRegistry({ store });
  await registry.ensureNamespaces(['default']);
  const server = await startApiServer({ client: registry, token: TOKEN });
  t.teardown(() => server.close());
  const http = clientFor(server, TOKEN);
  const created = await http.call('POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' }, data: { seed: '0' } } });
  t.equal(created.status, 201);
  return { http, created: created.json as { metadata: { resourceVersion: string } } };
}

for (const query of ['', '?fieldManager=kubectl-patch']) {
  t.test(`20 concurrent merge patches of different keys all succeed${query ? ' (with a fieldManager)' : ''}`, async (t) => {
    const { http } = await setup(t);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => http.call('PATCH', `${CM}${query}`, { contentType: MEDIA.merge, body: { data: { [`k${i}`]: String(i) } } })),
    );
    t.same(replies.map((r) => r.status), Array.from({ length: 20 }, () => 200), replies.filter((r) => r.status !== 200).map((r) => r.text).join('\n'));
    const data = ((await http.call('GET', CM)).json as { data: Record<string, string> }).data;
    t.equal(Object.keys(data).filter((k) => /^k\d+$/.test(k)).length, 20, 'every key is stored');
  });

  t.test(`a stale resourceVersion in a patch is a 409${query ? ' (with a fieldManager)' : ''}`, async (t) => {
    const { http, created } = await setup(t);
    const stale = created.metadata.resourceVersion;
    t.equal((await http.call('PATCH', CM, { contentType: MEDIA.merge, body: { data: { moved: 'yes' } } })).status, 200);
    const bodies = {
      merge: { metadata: { resourceVersion: stale }, data: { a: '1' } },
      strategic: { metadata: { resourceVersion: stale }, data: { a: '1' } },
      json: [{ op: 'replace', path: '/metadata/resourceVersion', value: stale }, { op: 'add', path: '/data/a', value: '1' }],
    };
    for (const [type, body] of Object.entries(bodies) as [keyof typeof MEDIA, unknown][]) {
      const r = await http.call('PATCH', `${CM}${query}`, { contentType: MEDIA[type], body });
      t.equal(r.status, 409, `${type}: ${r.text}`);
      t.match(r.json, { kind: 'Status', reason: 'Conflict', code: 409, message: CONFLICT, details: { name: 'shared', kind: 'configmaps' } });
      const dry = await http.call('PATCH', `${CM}${query}${query ? '&' : '?'}dryRun=All`, { contentType: MEDIA[type], body });
      t.equal(dry.status, 409, `${type} dry run: ${dry.text}`);
    }
    // A `test` op is the usual JSON patch precondition; kube-apiserver answers its failure with 422.
    const tested = await http.call('PATCH', `${CM}${query}`, { contentType: MEDIA.json, body: [{ op: 'test', path: '/metadata/resourceVersion', value: stale }, { op: 'add', path: '/data/a', value: '1' }] });
    t.equal(tested.status, 422, tested.text);
    t.match(tested.json, { kind: 'Status', reason: 'Invalid', message: /test operation at "\/metadata\/resourceVersion" \(index 0\): test failed/ });
    t.equal(((await http.call('GET', CM)).json as { data: Record<string, string> }).data['a'], undefined, 'no stale patch was written');
    const current = ((await http.call('GET', CM)).json as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const ok = await http.call('PATCH', `${CM}${query}`, { contentType: MEDIA.json, body: [{ op: 'test', path: '/metadata/resourceVersion', value: current }, { op: 'add', path: '/data/a', value: '1' }] });
    t.equal(ok.status, 200, ok.text);
    const next = (ok.json as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const merged = await http.call('PATCH', `${CM}${query}`, { contentType: MEDIA.merge, body: { metadata: { resourceVersion: next }, data: { b: '1' } } });
    t.equal(merged.status, 200, merged.text);
  });
}

t.test('20 concurrent patches of different keys all succeed over a Redis store', async (t) => {
  const redis = await startRedisServer();
  const store = await openRedisStore({ url: redis.url, keyPrefix: 'patch-race:' });
  t.teardown(async () => {
    await store.close();
    await redis.close();
  });
  const { http } = await setup(t, store);
  for (const query of ['', '?fieldManager=kubectl-patch']) {
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => http.call('PATCH', `${CM}${query}`, { contentType: MEDIA.merge, body: { data: { [`r${query ? 'm' : ''}${i}`]: String(i) } } })),
    );
    t.same(replies.map((r) => r.status), Array.from({ length: 20 }, () => 200), replies.filter((r) => r.status !== 200).map((r) => r.text).join('\n'));
  }
  const data = ((await http.call('GET', CM)).json as { data: Record<string, string> }).data;
  t.equal(Object.keys(data).filter((k) => /^rm?\d+$/.test(k)).length, 40, 'every key is stored');
});
