// Two pods on node-1 (rack r1) and node-2 (rack r2) reach each other over the
// VXLAN overlay through the router namespace; a pod cannot reach anything off
// the cluster; the host's links, addresses, routes and namespaces end as they began.

import t from 'tap';
import { programPeers, teardown } from '../../../overlay/netns/index.ts';
import {
  buildTwoRackCluster, connectFromPod, forwardedDatagrams, hostNetwork, nonTestNetns, rootOnly, run, startPodServer, uniqueClusterId, vtepCounters,
} from './helpers.ts';

t.test('pods on two racks talk over VXLAN through the router, and nothing leaves the namespaces', { skip: rootOnly }, async (t) => {
  const clusterId = uniqueClusterId();
  const before = await hostNetwork();
  t.teardown(() => teardown(clusterId).then(() => undefined));
  const cluster = await buildTwoRackCluster(clusterId);

  const during = await hostNetwork();
  t.same(during.links, before.links, 'the host has no new link while the cluster is up');
  t.same(during.addresses, before.addresses, 'the host has no new address');
  t.same(during.routes, before.routes, 'the host has no new route (pod and service CIDRs exist only in namespaces)');
  const ours = during.netns.filter((n) => n.startsWith(`ml-${clusterId}-`)).sort();
  t.same(ours, [
    `ml-${clusterId}-node-node-1`, `ml-${clusterId}-node-node-2`, `ml-${clusterId}-pod-default_web-1`, `ml-${clusterId}-pod-default_web-2`,
    `ml-${clusterId}-router`,
  ].sort(), 'the only new host entries are the named namespaces');

  // Two servers on the same 0.0.0.0:8080: each pod has its own stack.
  const servers = [await startPodServer(cluster.pod1.netns, 'web-1'), await startPodServer(cluster.pod2.netns, 'web-2')];
  t.teardown(() => servers.forEach((s) => s.kill('SIGKILL')));

  const vtep1 = await vtepCounters(cluster.node1);
  const vtep2 = await vtepCounters(cluster.node2);
  const routed = await forwardedDatagrams(cluster.router.netns);

  const oneToTwo = await connectFromPod(cluster.pod1.netns, cluster.pod2.ip, 8080);
  t.ok(oneToTwo.ok, `pod-1 reaches pod-2 at ${cluster.pod2.ip}:8080 (${JSON.stringify(oneToTwo)})`);
  t.same(JSON.parse(oneToTwo.body ?? '{}'), { pod: 'web-2', peer: cluster.pod1.ip }, 'pod-2 answered and saw pod-1\'s own IP (no NAT)');
  const twoToOne = await connectFromPod(cluster.pod2.netns, cluster.pod1.ip, 8080);
  t.same(JSON.parse(twoToOne.body ?? '{}'), { pod: 'web-1', peer: cluster.pod2.ip }, 'and back: pod-2 reaches pod-1');

  const vtep1After = await vtepCounters(cluster.node1);
  const vtep2After = await vtepCounters(cluster.node2);
  // A TCP exchange is at least SYN, ACK, FIN each way per connection: 3+ packets out and in per node per connection.
  t.ok(vtep1After.txPackets - vtep1.txPackets >= 6, `node-1's VTEP sent the packets (tx ${vtep1.txPackets} → ${vtep1After.txPackets})`);
  t.ok(vtep1After.rxPackets - vtep1.rxPackets >= 6, `node-1's VTEP received the answers (rx ${vtep1.rxPackets} → ${vtep1After.rxPackets})`);
  t.ok(vtep2After.txPackets - vtep2.txPackets >= 6, `node-2's VTEP sent (tx ${vtep2.txPackets} → ${vtep2After.txPackets})`);
  t.ok(vtep2After.rxPackets - vtep2.rxPackets >= 6, `node-2's VTEP received (rx ${vtep2.rxPackets} → ${vtep2After.rxPackets})`);
  const routedAfter = await forwardedDatagrams(cluster.router.netns);
  const vxlanPackets = vtep1After.txPackets - vtep1.txPackets + (vtep2After.txPackets - vtep2.txPackets);
  t.ok(routedAfter - routed >= vxlanPackets, `the router forwarded every encapsulated packet between the racks (${routedAfter - routed} ≥ ${vxlanPackets})`);

  const underlayPath = await run('ip', ['-n', cluster.node1.netns, 'route', 'get', cluster.node2.underlayIp]);
  t.match(underlayPath, /via 192\.168\.1\.1 dev eth0/, 'node-1 reaches node-2\'s underlay address via the router');
  const overlayPath = await run('ip', ['-n', cluster.node1.netns, 'route', 'get', cluster.pod2.ip]);
  t.match(overlayPath, /via 10\.244\.2\.0 dev flannel\.1/, 'node-1 routes node-2\'s podCIDR via the VTEP');

  for (const target of ['8.8.8.8', '192.0.2.1', '10.244.99.9']) {
    const result = await connectFromPod(cluster.pod1.netns, target, 80);
    t.equal(result.ok, false, `a pod cannot connect to ${target}`);
    t.match(result.code ?? '', /^(ENETUNREACH|EHOSTUNREACH)$/, `${target} is unreachable (${result.code}), not a timeout`);
    // Off the machine there is no route at all, so the kernel refuses at once; an
    // unowned podCIDR address is routed to the VTEP and fails after neighbour
    // resolution gives up (seconds), which is not leaving the machine either.
    if (!target.startsWith('10.244.')) t.ok(result.ms < 2_000, `and it fails at once (${result.ms} ms)`);
  }

  // node-2 leaves the Node set: node-1 forgets its VTEP and pod-2 becomes unreachable from pod-1.
  await programPeers(cluster.node1, [{ podCidr: cluster.node1.podCidr, vtepMac: cluster.node1.vtepMac, underlayIp: cluster.node1.underlayIp }]);
  const afterLeave = await connectFromPod(cluster.pod1.netns, cluster.pod2.ip, 8080);
  t.equal(afterLeave.code, 'ENETUNREACH', `once node-2's peer entries are removed, pod-2 is unreachable from pod-1 (${JSON.stringify(afterLeave)})`);

  const removed = await teardown(clusterId);
  t.equal(removed.namespaces.length, 5, 'teardown removed the five namespaces');
  t.ok(removed.killedPids.length >= 2, 'and killed the servers still inside the pods');
  const after = await hostNetwork();
  t.same(after.links, before.links, 'host links as before');
  t.same(after.addresses, before.addresses, 'host addresses as before');
  t.same(after.routes, before.routes, 'host routes as before');
  t.same(after.netns.filter((n) => n.startsWith(`ml-${clusterId}-`)), [], 'no namespace of the cluster is left');
  t.same(nonTestNetns(before.netns).filter((n) => !after.netns.includes(n)), [], 'and no other namespace that was there before is gone');
});
