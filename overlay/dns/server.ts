// startDnsServer: the cluster DNS on one address, UDP and TCP on the same port.

import type { Clock } from '../../control/api/index.ts';
import { systemClock } from '../../control/api/index.ts';
import type { ClusterCatalog } from '../catalog.ts';
import type { DnsChain, DnsStats } from './chain.ts';
import { buildDnsChain } from './chain.ts';
import { nameserversFromResolvConf } from './resolv-conf.ts';
import { listenDns } from './transport.ts';

export interface DnsServerOptions {
  /** Address to bind (a loopback address; never the wildcard). */
  host: string;
  /** 0 (default) picks a free port, the same for UDP and TCP. */
  port?: number;
  /** Default cluster.local. */
  zone?: string;
  catalog: ClusterCatalog;
  /** `host` or `host:port`; default: nameservers in /etc/resolv.conf. */
  upstreams?: string[];
  /** Per upstream; default 2000 ms. */
  forwardTimeoutMs?: number;
  clock?: Clock;
  /** TTL of cluster records, seconds; default 5. */
  ttl?: number;
  /** Response cache entries; 0 turns the cache off. Default 10 000. */
  cacheEntries?: number;
}

export interface DnsServer {
  host: string;
  port: number;
  /** Request, response and cache counters, for tests and /metrics. */
  stats(): DnsStats;
  close(): Promise<void>;
}

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  if (options.host === '0.0.0.0' || options.host === '::') {
    throw new TypeError(`overlay/dns: refusing to bind the wildcard address ${options.host}; pass a loopback address`);
  }
  const zone = (options.zone ?? 'cluster.local').toLowerCase().replace(/\.$/, '');
  const bound: { address?: { host: string; port: number } } = {};
  const chain: DnsChain = buildDnsChain({
    catalog: options.catalog,
    zone,
    upstreams: options.upstreams ?? nameserversFromResolvConf(),
    forwardTimeoutMs: options.forwardTimeoutMs ?? 2000,
    clock: options.clock ?? systemClock,
    serverHost: options.host,
    ttl: options.ttl,
    cacheEntries: options.cacheEntries,
    self: () => bound.address,
  });
  let listeners;
  try {
    listeners = await listenDns({ host: options.host, port: options.port ?? 0, handler: (raw, transport) => chain.handle(raw, transport) });
  } catch (err) {
    await chain.close();
    throw err;
  }
  bound.address = { host: listeners.host, port: listeners.port };
  return {
    host: listeners.host,
    port: listeners.port,
    stats: () => chain.stats(),
    async close() {
      await listeners.close();
      await chain.close();
    },
  };
}
