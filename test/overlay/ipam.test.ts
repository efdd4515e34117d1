import t from 'tap';
import { ApiError, ManualClock, MeshletError } from '../../control/api/index.ts';
import {
  OVERLAY_ERROR_CODES, PodIpAllocator, ServiceIpAllocator, SubnetAllocator, parseCidr, validateOverlayConfig,
} from '../../overlay/index.ts';
import { TestStore } from './helpers/memory-store.ts';

const HOUR = 3_600_000;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof MeshletError ? err.code : 'not a MeshletError';
  }
  return undefined;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

t.test('config validation (table)', (t) => {
  const cases: { name: string; input: Parameters<typeof validateOverlayConfig>[0]; error?: RegExp }[] = [
    { name: 'defaults are valid', input: {} },
    { name: 'custom loopback ranges', input: { clusterCidr: '127.10.0.0/16', serviceCidr: '127.20.0.0/16', clusterDnsIp: '127.20.0.10' } },
    { name: 'cluster CIDR outside 127/8', input: { clusterCidr: '10.244.0.0/16' }, error: /cluster CIDR 10\.244\.0\.0\/16 is outside 127\.0\.0\.0\/8/ },
    { name: 'service CIDR outside 127/8', input: { serviceCidr: '10.96.0.0/12', clusterDnsIp: '10.96.0.10' }, error: /service CIDR 10\.96\.0\.0\/12 is outside/ },
    { name: 'non-loopback backend may leave 127/8', input: { backend: 'netns', clusterCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12', clusterDnsIp: '10.96.0.10' } },
    { name: 'overlapping ranges', input: { clusterCidr: '127.96.0.0/16' }, error: /overlaps service CIDR 127\.96\.0\.0\/12/ },
    { name: 'host bits set', input: { clusterCidr: '127.244.1.0/16' }, error: /host bits set \(did you mean 127\.244\.0\.0\/16\?\)/ },
    { name: 'not a CIDR', input: { serviceCidr: 'banana' }, error: /not an IPv4 CIDR/ },
    { name: 'subnet longer than /30', input: { nodeSubnetLength: 31 }, error: /node subnet length/ },
    { name: 'DNS IP outside service CIDR', input: { clusterDnsIp: '127.1.0.10' }, error: /cluster DNS IP/ },
  ];
  for (const c of cases) {
    if (!c.error) {
      t.doesNotThrow(() => validateOverlayConfig(c.input), c.name);
      continue;
    }
    t.throws(() => validateOverlayConfig(c.input), { code: OVERLAY_ERROR_CODES.config, message: c.error }, c.name);
  }
  t.equal(parseCidr('127.244.0.0/16').size, 65536);
  t.end();
});

t.test('subnet leases: distinct subnets, renewal before expiry, reclaim after restart', async (t) => {
  const store = new TestStore();
  const clock = new ManualClock(1_000_000);
  const agentA = new SubnetAllocator({ store, clock });
  const agentB = new SubnetAllocator({ store, clock });
  const a = await agentA.acquire('node-a');
  const b = await agentB.acquire('node-b');
  t.equal(a.subnet, '127.244.1.0/24', 'subnet 0 is skipped, as Flannel does');
  t.equal(a.gateway, '127.244.1.1');
  t.equal(b.subnet, '127.244.2.0/24');
  t.equal(a.expiresAt, 1_000_000 + 24 * HOUR, '24 h lease by default');
  t.same(store.keys('/meshlet/subnets/'), ['/meshlet/subnets/127.244.1.0-24', '/meshlet/subnets/127.244.2.0-24']);

  // Renewal happens in the last hour, not before.
  clock.advance(22 * HOUR);
  await flush();
  t.equal((await agentA.list()).find((l) => l.nodeName === 'node-a')!.expiresAt, a.expiresAt, 'not renewed 2 h before expiry');
  clock.advance(1 * HOUR + 1);
  await flush();
  const renewed = (await agentA.list()).find((l) => l.nodeName === 'node-a')!;
  t.equal(renewed.expiresAt, clock.now() + 24 * HOUR, 'renewed with a fresh 24 h when 1 h was left');
  t.equal(renewed.subnet, a.subnet);

  // Agent A restarts: a new allocator instance reclaims the same subnet.
  await agentA.close();
  const agentA2 = new SubnetAllocator({ store, clock });
  t.equal((await agentA2.acquire('node-a')).subnet, a.subnet, 'a restarting node gets its subnet back');
  await agentA2.close();
  await agentB.close();
});

t.test('subnet leases: an expired lease is taken over; exhaustion is a typed error', async (t) => {
  const store = new TestStore();
  const clock = new ManualClock(0);
  const options = { store, clock, clusterCidr: '127.50.0.0/22', leaseTtlMs: 10 * HOUR, renewBeforeMs: HOUR };
  const dying = new SubnetAllocator(options);
  const living = new SubnetAllocator(options);
  const lost = await dying.acquire('node-1');
  await living.acquire('node-2');
  await living.acquire('node-3');
  const err = await rejection(living.acquire('node-4'));
  t.match(err, { code: OVERLAY_ERROR_CODES.subnetsExhausted, message: /no free \/24 subnet left in cluster CIDR 127\.50\.0\.0\/22 for node "node-4"/ });

  await dying.close(); // node-1 stops renewing
  clock.advance(10 * HOUR - 1);
  await flush();
  await t.rejects(living.acquire('node-4'), { code: OVERLAY_ERROR_CODES.subnetsExhausted }, 'node-1 lease still valid 1 ms before expiry');
  await flush();
  clock.advance(2);
  await flush();
  const taken = await living.acquire('node-4');
  t.equal(taken.subnet, lost.subnet, 'the expired lease of node-1 went to node-4');
  const leases = await living.list();
  t.ok(leases.filter((l) => l.nodeName !== 'node-4').every((l) => l.expiresAt > clock.now()), 'node-2 and node-3 kept renewing');
  await living.close();
});

t.test('pod IPs: .2 upward, loosely round robin, idempotent, released', async (t) => {
  const store = new TestStore();
  const ipam = new PodIpAllocator({ store, subnet: '127.244.3.0/24' });
  t.equal(ipam.gateway, '127.244.3.1');
  t.equal(ipam.capacity, 253);
  const ips = [await ipam.allocate('default/a'), await ipam.allocate('default/b'), await ipam.allocate('default/c')];
  t.same(ips, ['127.244.3.2', '127.244.3.3', '127.244.3.4']);
  t.equal(await ipam.allocate('default/b'), '127.244.3.3', 'same pod, same IP');
  await ipam.release('default/b');
  t.equal(await ipam.allocate('default/d'), '127.244.3.5', 'a freed IP is not reused at once');
  t.notOk((await ipam.allocations()).has('default/b'));
  t.notOk(store.keys().includes('/meshlet/ipam/127.244.3.0-24/127.244.3.3'), 'release deletes the store key');
});

t.test('pod IPs: an agent restart never hands out a duplicate', async (t) => {
  const store = new TestStore();
  const before = new PodIpAllocator({ store, subnet: '127.244.4.0/24' });
  const held = new Set<string>();
  for (let i = 0; i < 10; i++) held.add(await before.allocate(`ns/pod-${i}`));
  await before.release('ns/pod-9');
  held.delete('127.244.4.11');

  const after = new PodIpAllocator({ store, subnet: '127.244.4.0/24' });
  t.equal(await after.allocate('ns/pod-3'), '127.244.4.5', 'existing pods keep their IPs after restart');
  const fresh = await after.allocate('ns/new');
  t.notOk(held.has(fresh), `new pod got ${fresh}, not an IP held before the restart`);
  t.equal(fresh, '127.244.4.12', 'round robin continues from the persisted cursor');

  // A stale second allocator over the same store (two agents by mistake) still cannot duplicate.
  const stale = new PodIpAllocator({ store, subnet: '127.244.4.0/24' });
  await stale.allocations();
  const fromAfter = await after.allocate('ns/x');
  const fromStale = await stale.allocate('ns/y');
  t.not(fromStale, fromAfter, 'create-if-absent in the store prevents a duplicate even with a stale view');
});

t.test('pod IPs: retainOnly frees the IPs of pods deleted while the agent was down', async (t) => {
  const store = new TestStore();
  const before = new PodIpAllocator({ store, subnet: '127.244.6.0/24' });
  for (const pod of ['a', 'b', 'c']) await before.allocate(pod);
  const after = new PodIpAllocator({ store, subnet: '127.244.6.0/24' });
  t.same(await after.retainOnly(['a', 'c']), ['127.244.6.3']);
  t.same([...(await after.allocations()).keys()].sort(), ['a', 'c']);
  t.notOk(store.keys().includes('/meshlet/ipam/127.244.6.0-24/127.244.6.3'));
});

t.test('pod IPs: exhaustion is a typed error naming the subnet', async (t) => {
  const store = new TestStore();
  const ipam = new PodIpAllocator({ store, subnet: '127.244.5.0/29' });
  t.equal(ipam.capacity, 5);
  for (let i = 0; i < 5; i++) await ipam.allocate(`ns/p${i}`);
  const err = await rejection(ipam.allocate('ns/one-too-many'));
  t.ok(err instanceof MeshletError);
  t.match(err, { code: OVERLAY_ERROR_CODES.podIpsExhausted, message: /^overlay\/ipam: no free pod IP in node subnet 127\.244\.5\.0\/29 for pod "ns\/one-too-many"/ });
  await ipam.release('ns/p2');
  t.equal(await ipam.allocate('ns/one-too-many'), '127.244.5.4', 'a released IP is reused once nothing else is free');
});

t.test('ClusterIPs: requested, conflicting (422), out of range (422), reserved DNS IP, repair', (t) => {
  const ips = new ServiceIpAllocator();
  t.equal(ips.allocate(), '127.96.0.1');
  t.equal(ips.allocate('127.96.0.10', 'kube-dns'), '127.96.0.10', 'the DNS address is given to a Service asking for it');
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) seen.add(ips.allocate());
  t.notOk(seen.has('127.96.0.10'), 'the DNS address is never handed out dynamically');

  const cases: { requested: string; message: RegExp }[] = [
    { requested: '127.96.0.1', message: /provided IP is already allocated/ },
    { requested: '127.200.0.1', message: /not in the valid range\. The range of valid IPs is 127\.96\.0\.0\/12/ },
    { requested: '127.96.0.0', message: /not in the valid range/ },
    { requested: '300.1.1.1', message: /must be a valid IP address/ },
  ];
  for (const c of cases) {
    let err: unknown;
    try {
      ips.allocate(c.requested, 'web');
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof ApiError, `${c.requested}: ApiError`);
    const api = err as ApiError;
    t.equal(api.httpStatus, 422, `${c.requested}: 422`);
    t.equal(api.reason, 'Invalid');
    t.match(api.message, /^Service "web" is invalid: spec\.clusterIP: /);
    t.equal(api.details?.causes?.[0]?.field, 'spec.clusterIP');
    t.match(api.details?.causes?.[0]?.message, c.message, c.requested);
  }

  const restarted = new ServiceIpAllocator();
  const { ignored } = restarted.repair(['127.96.0.1', '127.96.0.2', 'None', '10.0.0.1']);
  t.same(ignored, ['10.0.0.1']);
  t.throws(() => restarted.allocate('127.96.0.2'), ApiError, 'repair restored the taken set');
  t.equal(restarted.allocate(), '127.96.0.3');
  restarted.release('127.96.0.2');
  t.equal(restarted.allocate('127.96.0.2'), '127.96.0.2', 'released addresses can be requested again');
  t.equal(codeOf(() => new ServiceIpAllocator({ serviceCidr: '127.96.0.0/30', reserved: [] }).allocate()), undefined);
  const tiny = new ServiceIpAllocator({ serviceCidr: '127.96.0.0/30', reserved: [] });
  tiny.allocate();
  tiny.allocate();
  t.equal(codeOf(() => tiny.allocate()), OVERLAY_ERROR_CODES.serviceIpsExhausted);
  t.end();
});

/** Lets promise chains started by clock timers settle. */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
