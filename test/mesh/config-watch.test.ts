// RouteTableWatcher: recompiles after a change (coalescing bursts), swaps the
// table in one step, and skips recompiling when only unrelated state moved.

import t from 'tap';
import { ManualClock } from '../../control/api/index.ts';
import { RouteTableWatcher, StaticConfigSource } from '../../mesh/index.ts';
import { fromYaml, pod, service } from './fixtures.ts';

const proxy = { kind: 'sidecar' as const, name: 'client', namespace: 'default', labels: { app: 'client' } };

// Time is a ManualClock: the burst is coalesced for exactly the debounce delay
// (10 ms by default), which is what keeps a change's delay to the sidecars
// well under 100 ms; wall-clock timing here would only measure the machine's load.
t.test('a change is compiled after the 10 ms debounce; a burst compiles once; unrelated revisions reuse the table', async (t) => {
  const source = new StaticConfigSource({ services: [service('a', { app: 'a' }, [{ port: 80 }])], pods: [pod('a-1', '127.250.9.1', { app: 'a' })] });
  const clock = new ManualClock();
  const watcher = new RouteTableWatcher({ source, proxy, clock });
  t.teardown(() => watcher.close());
  const compiled: number[] = [];
  watcher.onUpdate((tb) => compiled.push(tb.revision));
  const first = watcher.current();
  t.ok(first.virtualHosts.has('a.default.svc.cluster.local:80'));

  source.apply(service('b', { app: 'b' }, [{ port: 80 }]));
  source.apply(service('c', { app: 'c' }, [{ port: 80 }]));
  source.apply(...fromYaml('apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: a }\nspec: { hosts: [a], http: [{ route: [{ destination: { host: b } }] }] }'));
  clock.advance(9);
  t.equal(watcher.current(), first, 'still coalescing 9 ms after the burst');
  clock.advance(1);
  t.equal(watcher.current().revision, source.snapshot().revision, 'compiled 10 ms after the burst');
  t.same(compiled, [source.snapshot().revision], 'three changes in a burst → one compile');
  const table = watcher.current();
  t.ok(table.virtualHosts.has('c.default.svc.cluster.local:80'));
  t.equal(table.virtualHosts.get('a.default.svc.cluster.local:80')!.routes[0]!.destinations[0]!.host, 'b.default.svc.cluster.local');
  t.not(table, first, 'a new table object, the old one untouched');
  t.notOk(first.virtualHosts.has('c.default.svc.cluster.local:80'));

  source.update({});
  clock.advance(10);
  t.equal(watcher.current().revision, source.snapshot().revision);
  t.equal(watcher.current().virtualHosts, table.virtualHosts, 'revision moved, inputs did not: table reused');
  t.equal(compiled.length, 1);
});
