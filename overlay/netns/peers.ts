// Programs a node's VTEP from the set of other nodes, as flannel's vxlan backend
// does from its subnet leases: for each peer a route for its podCIDR via its
// VTEP address (onlink), a permanent neighbour entry mapping that address to the
// peer VTEP's MAC, and an FDB entry sending that MAC to the peer's underlay IP.
// Idempotent: it reads what is programmed and changes only the difference, so
// it can run on every Node event.

import { checkIpv4, checkMac, parseNetnsCidr, vtepAddressOf } from './addresses.ts';
import { ip, ipJson, run } from './ip.ts';
import { NODE_VTEP } from './names.ts';
import type { NodeNetwork } from './node.ts';

export interface VtepPeer {
  podCidr: string;
  vtepMac: string;
  underlayIp: string;
}

export interface PeerChanges {
  /** podCIDRs whose entries were added or corrected. */
  added: string[];
  /** podCIDRs whose entries were removed. */
  removed: string[];
}

interface Desired {
  podCidr: string;
  via: string;
  mac: string;
  underlayIp: string;
}

interface RouteRow { dst: string; gateway?: string }
interface NeighRow { dst: string; lladdr?: string }
interface FdbRow { mac: string; dst?: string }

export async function programPeers(node: NodeNetwork, peers: readonly VtepPeer[]): Promise<PeerChanges> {
  const desired = new Map<string, Desired>();
  peers.forEach((peer, i) => {
    const cidr = parseNetnsCidr(peer.podCidr, `peers[${i}].podCidr`);
    checkMac(peer.vtepMac, `peers[${i}].vtepMac`);
    checkIpv4(peer.underlayIp, `peers[${i}].underlayIp`);
    // A node's own lease is in the list it is given; flannel skips it too.
    if (cidr.text === node.podCidr) return;
    desired.set(cidr.text, { podCidr: cidr.text, via: vtepAddressOf(cidr), mac: peer.vtepMac, underlayIp: peer.underlayIp });
  });

  const [routes, neighbours, fdb] = await Promise.all([
    ipJson<RouteRow>(node.netns, ['route', 'show', 'dev', NODE_VTEP]),
    ipJson<NeighRow>(node.netns, ['neigh', 'show', 'dev', NODE_VTEP]),
    bridgeFdb(node.netns),
  ]);
  const routeByDst = new Map(routes.map((r) => [r.dst, r]));
  const neighByDst = new Map(neighbours.map((n) => [n.dst, n]));
  const fdbByMac = new Map(fdb.map((f) => [f.mac, f]));

  const changes: PeerChanges = { added: [], removed: [] };
  for (const want of desired.values()) {
    const inPlace = routeByDst.get(want.podCidr)?.gateway === want.via
      && neighByDst.get(want.via)?.lladdr === want.mac
      && fdbByMac.get(want.mac)?.dst === want.underlayIp;
    if (inPlace) continue;
    // FDB and ARP first, route last: once the route exists, packets find a complete path.
    await run('bridge', ['-n', node.netns, 'fdb', 'replace', want.mac, 'dev', NODE_VTEP, 'dst', want.underlayIp, 'self', 'permanent']);
    await ip(node.netns, ['neigh', 'replace', want.via, 'lladdr', want.mac, 'dev', NODE_VTEP, 'nud', 'permanent']);
    await ip(node.netns, ['route', 'replace', want.podCidr, 'via', want.via, 'dev', NODE_VTEP, 'onlink']);
    changes.added.push(want.podCidr);
  }

  const wantedVia = new Set([...desired.values()].map((d) => d.via));
  const wantedMacs = new Set([...desired.values()].map((d) => d.mac));
  for (const route of routes) {
    if (desired.has(route.dst)) continue;
    await ip(node.netns, ['route', 'del', route.dst, 'dev', NODE_VTEP]);
    changes.removed.push(route.dst);
  }
  for (const neigh of neighbours) {
    if (!wantedVia.has(neigh.dst)) await ip(node.netns, ['neigh', 'del', neigh.dst, 'dev', NODE_VTEP]);
  }
  for (const entry of fdb) {
    if (!wantedMacs.has(entry.mac)) await run('bridge', ['-n', node.netns, 'fdb', 'del', entry.mac, 'dev', NODE_VTEP, 'dst', entry.dst ?? '']);
  }
  return changes;
}

async function bridgeFdb(netns: string): Promise<FdbRow[]> {
  const { stdout } = await run('bridge', ['-n', netns, '-j', 'fdb', 'show', 'dev', NODE_VTEP]);
  const text = stdout.trim();
  // Only unicast peer entries are ours; the kernel adds none on a nolearning VTEP without `remote`.
  return text === '' ? [] : (JSON.parse(text) as FdbRow[]).filter((row) => row.dst !== undefined);
}
