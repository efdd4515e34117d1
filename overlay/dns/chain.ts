// The DNS server's plugin chain, in the one place its order is decided
// (CoreDNS's plugin.cfg):
//
//   guard → cache → kubernetes → forward
//
// guard validates raw bytes (guard.ts) before anything parses them; cache
// answers hot names from encoded bytes; kubernetes answers the cluster zone
// and cluster PTRs; forward relays the rest upstream. The result is the wire
// reply to send, or undefined to stay silent.

import type { Clock } from '../../control/api/index.ts';
import type { ClusterCatalog } from '../catalog.ts';
import type { CachePlugin } from './cache.ts';
import { cachePlugin } from './cache.ts';
import { encodeReply } from './encoder.ts';
import { forwardPlugin, parseUpstream } from './forward.ts';
import { guardPacket } from './guard.ts';
import { kubernetesPlugin } from './kubernetes.ts';
import type { DnsPlugin, DnsQuery, DnsReply, NextHandler } from './message.ts';
import { RCODE, emptyReply } from './message.ts';
import { headerOnlyReply, restamp, truncatedReply, udpLimit } from './wire.ts';

export interface DnsChainOptions {
  catalog: ClusterCatalog;
  zone: string;
  upstreams: string[];
  forwardTimeoutMs: number;
  clock: Clock;
  /** The server's own address: ns.dns.<zone> and the local end of loopback upstream sockets. */
  serverHost: string;
  ttl?: number;
  /** Response cache size; 0 turns it off (benchmarks). Default 10 000. */
  cacheEntries?: number;
  /** The server's bound address, once known (forward skips itself as an upstream). */
  self?: () => { host: string; port: number } | undefined;
}

/** Counters for /metrics and tests (CoreDNS's dns_requests_total / dns_responses_total / cache_hits_total shapes). */
export interface DnsStats {
  requests: { udp: number; tcp: number };
  /** Packets the guard dropped without an answer. */
  dropped: number;
  /** Answers by rcode name (NOERROR, NXDOMAIN, SERVFAIL, FORMERR, …). */
  responses: Record<string, number>;
  /** Replies sent with TC set. */
  truncated: number;
  cache: { hits: number; misses: number; entries: number };
}

export interface DnsChain {
  /** Answers one raw packet; undefined means send nothing. */
  handle(raw: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined>;
  readonly cache: CachePlugin;
  stats(): DnsStats;
  close(): Promise<void>;
}

const RCODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(RCODE).map(([name, code]) => [code, name]));

export function buildDnsChain(options: DnsChainOptions): DnsChain {
  const cache = cachePlugin({ clock: options.clock, maxEntries: options.cacheEntries });
  const plugins: DnsPlugin[] = [
    cache,
    kubernetesPlugin({ catalog: options.catalog, zone: options.zone, ttl: options.ttl, nameserverAddress: options.serverHost }),
    forwardPlugin({
      upstreams: options.upstreams.map(parseUpstream),
      timeoutMs: options.forwardTimeoutMs,
      clock: options.clock,
      loopbackBindHost: options.serverHost,
      self: options.self,
    }),
  ];
  const unsubscribe = options.catalog.onChange(() => cache.invalidateZone());

  const terminal: NextHandler = () => Promise.resolve(emptyReply(RCODE.SERVFAIL));
  const entry = plugins.reduceRight<NextHandler>((next, plugin) => (query) => plugin.serve(query, next), terminal);

  const requests = { udp: 0, tcp: 0 };
  const responses: Record<string, number> = {};
  let dropped = 0;
  let truncated = 0;
  const counted = (wire: Buffer, rcode: number): Buffer => {
    const name = RCODE_NAMES[rcode] ?? String(rcode);
    responses[name] = (responses[name] ?? 0) + 1;
    return wire;
  };

  const toWire = (query: DnsQuery, reply: DnsReply): Buffer => {
    const wire = reply.wire ? restamp(reply.wire, query) : encodeReply(query, reply);
    // Over TCP only the 64 KiB message limit applies; beyond it TC is the last resort there too.
    const limit = query.transport === 'udp' ? udpLimit(query) : 0xffff;
    if (wire.length <= limit) return counted(wire, reply.rcode);
    truncated++;
    return counted(truncatedReply(wire, query), reply.rcode);
  };

  return {
    cache,
    async handle(raw, transport) {
      requests[transport]++;
      const guarded = guardPacket(raw, transport);
      if (guarded.kind === 'drop') {
        dropped++;
        return undefined;
      }
      if (guarded.kind === 'reject') return counted(headerOnlyReply(guarded.id, guarded.flags, guarded.rcode), guarded.rcode);
      const query = guarded.query;
      if (query.edns && query.edns.version > 0) return toWire(query, emptyReply(RCODE.BADVERS));
      try {
        return toWire(query, await entry(query));
      } catch {
        // A plugin failure or a record that cannot be encoded: the client gets SERVFAIL, the server goes on.
        return toWire(query, emptyReply(RCODE.SERVFAIL));
      }
    },
    stats: () => ({ requests: { ...requests }, dropped, responses: { ...responses }, truncated, cache: cache.stats() }),
    async close() {
      unsubscribe();
      for (const plugin of plugins) await plugin.close?.();
    },
  };
}
