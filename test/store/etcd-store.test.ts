// The etcd backend against a real single-member etcd: the Store conformance
// suite, plus what is etcd's own — keys and revisions as etcd holds them,
// compaction as etcd's, Unavailable when etcd is gone and recovery after.

import t from 'tap';
import type { Store } from '../../control/api/index.ts';
import { openEtcdStore } from '../../control/store/index.ts';
import { runConformance } from './conformance.ts';
import { startEtcd } from './etcd-server.ts';

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
