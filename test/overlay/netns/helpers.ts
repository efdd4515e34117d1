// Shared pieces of the overlay/netns tests: the root-only skip reason, a
// snapshot of the host's network state to compare before/after, the two-rack
// topology, and Node.js servers/clients run inside pod namespaces.

import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import {
  createNodeNetwork, createPodNetwork, createRouter, programPeers, vtepAnnotations, vtepPeersFromNodes, NODE_VTEP,
  type NodeNetwork, type PodNetwork, type Router,
} from '../../../overlay/netns/index.ts';
import { waitFor } from '../../helpers/wait.ts';

const exec = promisify(execFile);

/** The project's one allowed skip: these tests create network namespaces, which needs root (CI runs as root). */
export const rootOnly: false | string = process.getuid?.() === 0 ? false : 'needs root: creates network namespaces with ip netns';

/** A cluster id no other test run uses, so parallel runs never see each other's namespaces. */
export function uniqueClusterId(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/**
 * Namespaces that are not from a test cluster (uniqueClusterId's `ml-t<10 hex>-`):
 * other test files running in parallel create and remove theirs at any time, so
 * only these can be compared before/after.
 */
export function nonTestNetns(names: readonly string[]): string[] {
  return names.filter((n) => !/^ml-t[0-9a-f]{10}-/.test(n));
}

export interface HostNetwork {
  netns: string[];
  links: string[];
  addresses: string[];
  routes: string[];
}

interface LinkRow { ifname: string; link_type: string; address?: string; mtu: number; master?: string; flags: string[] }

/** Every host link, address and route (all tables) plus /run/netns, as comparable text. */
export async function hostNetwork(): Promise<HostNetwork> {
  const [netns, links, addresses, routes] = await Promise.all([
    exec('ip', ['netns', 'list']),
    exec('ip', ['-j', 'link', 'show']),
    exec('ip', ['-o', 'addr', 'show']),
    exec('ip', ['route', 'show', 'table', 'all']),
  ]);
  const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l !== '').sort();
  return {
    netns: lines(netns.stdout).map((l) => l.split(' ')[0]!),
    links: (JSON.parse(links.stdout) as LinkRow[])
      .map((l) => `${l.ifname} ${l.link_type} ${l.address ?? ''} mtu ${l.mtu} master ${l.master ?? '-'} ${l.flags.join(',')}`).sort(),
    addresses: lines(addresses.stdout).map((l) => l.replace(/\s+valid_lft.*$/, '')),
    routes: lines(routes.stdout),
  };
}

export interface TwoRackCluster {
  router: Router;
  node1: NodeNetwork;
  node2: NodeNetwork;
  pod1: PodNetwork;
  pod2: PodNetwork;
}

/** node-1 on rack r1 (192.168.1.0/24), node-2 on rack r2 (192.168.2.0/24), one pod on each, peers programmed. */
export async function buildTwoRackCluster(clusterId: string): Promise<TwoRackCluster> {
  const router = await createRouter(clusterId, [{ name: 'r1', cidr: '192.168.1.0/24' }, { name: 'r2', cidr: '192.168.2.0/24' }]);
  const node1 = await createNodeNetwork(router, { nodeName: 'node-1', podCidr: '10.244.1.0/24', rack: 'r1', underlayIp: '192.168.1.11' });
  const node2 = await createNodeNetwork(router, { nodeName: 'node-2', podCidr: '10.244.2.0/24', rack: 'r2', underlayIp: '192.168.2.12' });
  // Peers go the way flannel's do: each node's VTEP published on its Node object, read back by every node.
  const nodes = [node1, node2].map((n) => ({ metadata: { name: n.nodeName, annotations: vtepAnnotations(n) }, spec: { podCIDR: n.podCidr } }));
  const { peers } = vtepPeersFromNodes(nodes);
  await programPeers(node1, peers);
  await programPeers(node2, peers);
  const pod1 = await createPodNetwork(node1, { namespace: 'default', name: 'web-1', ip: '10.244.1.5' });
  const pod2 = await createPodNetwork(node2, { namespace: 'default', name: 'web-2', ip: '10.244.2.7' });
  return { router, node1, node2, pod1, pod2 };
}

// Answers every connection with the pod's name and the peer address it saw.
const SERVER = `
const net = require('net');
const server = net.createServer((s) => s.end(JSON.stringify({ pod: process.argv[1], peer: s.remoteAddress })));
server.listen(8080, '0.0.0.0', () => console.log('listening ' + JSON.stringify(server.address())));
`;

/** A real Node.js server on 0.0.0.0:8080 inside `netns`; resolves once it listens. */
export async function startPodServer(netns: string, podName: string): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', SERVER, podName], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(`server in ${netns} to listen (output: ${out})`, () => out.includes('listening') || child.exitCode !== null, { timeoutMs: 30_000 });
  if (!out.includes('listening')) throw new Error(`server in ${netns} exited: ${out}`);
  return child;
}

const CLIENT = `
const net = require('net');
const started = Date.now();
const s = net.connect({ host: process.argv[1], port: Number(process.argv[2]) });
let body = '';
s.setTimeout(10000, () => { console.log(JSON.stringify({ ok: false, code: 'TIMEOUT', ms: Date.now() - started })); process.exit(0); });
s.on('data', (d) => (body += d));
s.on('end', () => { console.log(JSON.stringify({ ok: true, body, ms: Date.now() - started })); process.exit(0); });
s.on('error', (e) => { console.log(JSON.stringify({ ok: false, code: e.code, ms: Date.now() - started })); process.exit(0); });
`;

export interface ConnectResult {
  ok: boolean;
  body?: string;
  code?: string;
  /** Time from connect() to the answer or the error, measured inside the pod. */
  ms: number;
}

/** Connects from inside `netns` to host:port with a real Node.js client. */
export async function connectFromPod(netns: string, host: string, port: number): Promise<ConnectResult> {
  const { stdout } = await exec('ip', ['netns', 'exec', netns, process.execPath, '-e', CLIENT, host, String(port)]);
  return JSON.parse(stdout) as ConnectResult;
}

export interface LinkCounters {
  txPackets: number;
  rxPackets: number;
}

interface StatsRow { stats64: { rx: { packets: number }; tx: { packets: number } } }

export async function vtepCounters(node: NodeNetwork): Promise<LinkCounters> {
  const { stdout } = await exec('ip', ['-n', node.netns, '-j', '-s', 'link', 'show', NODE_VTEP]);
  const [row] = JSON.parse(stdout) as StatsRow[];
  if (row === undefined) throw new Error(`no ${NODE_VTEP} in ${node.netns}`);
  return { txPackets: row.stats64.tx.packets, rxPackets: row.stats64.rx.packets };
}

/** The IP ForwDatagrams counter of a namespace (/proc/net/snmp): packets it routed between its links. */
export async function forwardedDatagrams(netns: string): Promise<number> {
  const { stdout } = await exec('ip', ['netns', 'exec', netns, 'cat', '/proc/net/snmp']);
  const [header, values] = stdout.split('\n').filter((l) => l.startsWith('Ip:'));
  const index = header!.split(/\s+/).indexOf('ForwDatagrams');
  return Number(values!.split(/\s+/)[index]);
}

export async function run(command: string, args: readonly string[]): Promise<string> {
  return (await exec(command, [...args])).stdout;
}
