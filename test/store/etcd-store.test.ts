// The etcd backend against a real single-member etcd: the Store conformance
// suite, plus what is etcd's own — keys and revisions as etcd holds them,
// compaction as etcd's, Unavailable when etcd is gone and recovery after.

import t from 'tap';
import type { Store } from '../../control/api/index.ts';
import { openEtcdStore, openStore } from '../../control/store/index.ts';
import { runConformance, waitFor } from './conformance.ts';
import { etcdctl, etcdctlGet, startEtcd } from './etcd-server.ts';

const etcd = await startEtcd();
t.teardown(() => etcd.close());

let n = 0;
const prefixes = new Map<Store, string>();
void t.test('conformance', async (t) => {
  runConformance(t, {
    async open(options) {
      const keyPrefix = `/conf${n++}`;
      const store = await openEtcdStore({ endpoints: etcd.endpoints, keyPrefix, ...(options?.historyLimit ? { historyLimit: options.historyLimit } : {}) });
      prefixes.set(store, keyPrefix);
      return store;
    },
    async connect(store) {
      return openEtcdStore({ endpoints: etcd.endpoints, keyPrefix: prefixes.get(store) as string });
    },
    async passTime() {},
    leaseTtlSeconds: 2,
    expiryDeadlineMs: 5_000,
  });
});

void t.test('openStore(etcd://…): keys, values and revisions are what etcd itself holds', async (t) => {
  const store = await openStore({ url: etcd.url });
  t.equal(store.backend, 'etcd');
  const kv = await store.create('/registry/configmaps/default/plain', { data: { a: '1' } });
  const [seen] = etcdctlGet(etcd.endpoints, '/registry/configmaps/default/plain');
  t.same(JSON.parse(seen?.value ?? 'null'), { data: { a: '1' } }, 'the value is the JSON under the very key');
  t.equal(seen?.mod_revision, kv.modRevision, "modRevision is etcd's mod_revision");
  const updated = await store.update('/registry/configmaps/default/plain', { data: { a: '2' } });
  t.equal(etcdctlGet(etcd.endpoints, '/registry/configmaps/default/plain')[0]?.mod_revision, updated.modRevision);
  t.equal(await store.currentRevision(), updated.modRevision, "the store's revision is etcd's header revision");
  await store.close();
});

void t.test('openStore(etcd://…?prefix=P) keeps clusters sharing one etcd apart', async (t) => {
  const a = await openStore({ url: `${etcd.url}?prefix=/clusterA` });
  const b = await openStore({ url: `${etcd.url}?prefix=/clusterB` });
  await a.create('/registry/pods/default/x', { from: 'a' });
  t.equal(await b.get('/registry/pods/default/x'), undefined, 'b does not see a');
  t.same(etcdctlGet(etcd.endpoints, '/clusterA/registry/pods/', true).map((kv) => kv.key), ['/clusterA/registry/pods/default/x']);
  t.same((await a.range('/registry/pods/')).kvs.map((kv) => kv.key), ['/registry/pods/default/x'], 'the prefix is invisible to the store user');
  await a.close();
  await b.close();
});

void t.test('bad etcd urls are refused with MESHLET_STORE_BAD_URL naming the part', async (t) => {
  for (const [url, part] of [
    ['etcd://', 'no endpoints'],
    ['etcd://127.0.0.1', '"127.0.0.1" is not host:port'],
    ['etcd://127.0.0.1:2379,/x', '"/x" is not host:port'],
  ] as const) {
    const err = await openStore({ url }).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.match(err, { code: 'MESHLET_STORE_BAD_URL', message: new RegExp(part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }, url);
  }
});

void t.test('an etcd compaction is the store compaction: a watch from below it ends with Compacted', async (t) => {
  const store = await openEtcdStore({ endpoints: etcd.endpoints, keyPrefix: '/compact' });
  for (let i = 0; i < 3; i++) await store.create(`/k/${i}`, { i });
  const rev = await store.currentRevision();
  // Compacted with etcd's own tool: the store must notice it, not only its own compact() calls.
  etcdctl(etcd.endpoints, ['compaction', String(rev)]);
  t.equal(await store.compactedRevision(), rev - 1, 'etcd keeps its compaction revision itself; below it is gone');
  const errors: string[] = [];
  store.watch('/k/', { afterRevision: rev - 2 }, () => {}, (err) => errors.push(err.kind));
  await waitFor('Compacted', () => errors.length > 0);
  t.same(errors, ['Compacted']);
  await store.close();
});

void t.test('reads can be linearizable (default) or serializable', async (t) => {
  const store = await openEtcdStore({ endpoints: etcd.endpoints, keyPrefix: '/reads' });
  await store.create('/r', { v: 1 });
  t.same((await store.get('/r', { serializable: true }))?.value, { v: 1 });
  t.same((await store.range('/', { serializable: true })).kvs.map((kv) => kv.key), ['/r']);
  await store.close();
});
