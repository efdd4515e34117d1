// A pod's network identity as its containers see it: environment variables
// and a resolv.conf. resolv.conf cannot carry a port, and the cluster DNS
// often listens on a high port (port 53 needs root), so the authoritative
// address is MESHLET_DNS=host:port; the resolv.conf nameserver line carries
// the host for tools that only read the file, and a comment names the port.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Container, Pod } from '../../control/api/index.ts';

/** Absolute path of the Node.js preload (plain CommonJS, no dependencies). */
export const POD_PRELOAD_PATH = fileURLToPath(new URL('./preload.cjs', import.meta.url));

export const DEFAULT_NDOTS = 5;

export interface PodNetworkEnvOptions {
  pod: Pod;
  podIp: string;
  dns: { host: string; port: number };
  /** Default cluster.local. */
  zone?: string;
  /** The sidecar's outbound listener, e.g. http://127.244.1.5:15001; sets HTTP_PROXY. */
  sidecarOutbound?: string;
  /** Directory for this pod's resolv.conf (created if missing). */
  runDir: string;
  /** When given, its NODE_OPTIONS (plain value) is kept and the preload appended. */
  container?: Container;
}

export interface PodNetworkEnv {
  env: Record<string, string>;
  resolvConfPath: string;
}

export function dnsSearchPath(namespace: string, zone: string): string[] {
  return [`${namespace}.svc.${zone}`, `svc.${zone}`, zone];
}

/** Appends `--require <preload>` to a container's NODE_OPTIONS (quoted when the path has spaces). */
export function withPreload(nodeOptions: string | undefined, preloadPath = POD_PRELOAD_PATH): string {
  const arg = /\s/.test(preloadPath) ? `--require "${preloadPath}"` : `--require ${preloadPath}`;
  const existing = (nodeOptions ?? '').trim();
  if (existing.includes(preloadPath)) return existing;
  return existing ? `${existing} ${arg}` : arg;
}

export function resolvConfText(options: { dns: { host: string; port: number }; search: string[]; ndots: number }): string {
  return [
    `# Written by meshlet. The cluster DNS listens on ${options.dns.host} port ${options.dns.port};`,
    '# resolv.conf cannot name a port, so use MESHLET_DNS (host:port) or `dig -p PORT`.',
    `nameserver ${options.dns.host}`,
    `search ${options.search.join(' ')}`,
    `options ndots:${options.ndots}`,
    '',
  ].join('\n');
}

export async function podNetworkEnv(options: PodNetworkEnvOptions): Promise<PodNetworkEnv> {
  const zone = (options.zone ?? 'cluster.local').replace(/\.$/, '');
  const namespace = options.pod.metadata.namespace ?? 'default';
  const search = dnsSearchPath(namespace, zone);
  const dnsAddress = `${options.dns.host}:${options.dns.port}`;

  await mkdir(options.runDir, { recursive: true });
  const resolvConfPath = path.resolve(options.runDir, 'resolv.conf');
  await writeFile(resolvConfPath, resolvConfText({ dns: options.dns, search, ndots: DEFAULT_NDOTS }));

  const existingNodeOptions = options.container?.env?.find((e) => e.name === 'NODE_OPTIONS')?.value;
  const env: Record<string, string> = {
    POD_IP: options.podIp,
    POD_NAME: options.pod.metadata.name,
    POD_NAMESPACE: namespace,
    MESHLET_DNS: dnsAddress,
    MESHLET_DNS_SEARCH: search.join(' '),
    MESHLET_DNS_NDOTS: String(DEFAULT_NDOTS),
    MESHLET_RESOLV_CONF: resolvConfPath,
    LOCALDOMAIN: search.join(' '),
    RES_OPTIONS: `ndots:${DEFAULT_NDOTS}`,
    NODE_OPTIONS: withPreload(existingNodeOptions),
  };
  if (options.sidecarOutbound) {
    const noProxy = [options.podIp, '127.0.0.1', 'localhost'].join(',');
    env['HTTP_PROXY'] = options.sidecarOutbound;
    env['http_proxy'] = options.sidecarOutbound;
    env['NO_PROXY'] = noProxy;
    env['no_proxy'] = noProxy;
  }
  return { env, resolvConfPath };
}
