// Response cache: keeps encoded replies so a hot name is answered by copying
// bytes and re-stamping ID, RD bit and question case — no plugin runs and
// nothing is re-encoded. Replies built purely from the catalog live until it
// changes (`invalidateZone`); forwarded ones until their TTL runs out; zone
// replies that include forwarded data (ExternalName targets) both.

import type { Clock } from '../../control/api/index.ts';
import { encodeReply } from './encoder.ts';
import type { DnsPlugin, DnsQuery, DnsReply, NextHandler } from './message.ts';
import { rcodeOf } from './wire.ts';

export interface CachePluginOptions {
  clock: Clock;
  /** Entries per kind (zone / forwarded); default 10 000; 0 turns the cache off. */
  maxEntries?: number;
  /** Upper bound for forwarded entries, seconds; default 300. */
  maxForwardTtl?: number;
}

interface Entry {
  wire: Buffer;
  authoritative: boolean;
  /** Epoch ms; Infinity for zone entries (dropped on invalidation instead). */
  expiresAt: number;
}

export interface CachePlugin extends DnsPlugin {
  /** Drops every cluster-zone entry (call on each catalog change). */
  invalidateZone(): void;
  stats(): { hits: number; misses: number; entries: number };
}

export function cachePlugin(options: CachePluginOptions): CachePlugin {
  const { clock } = options;
  const maxEntries = options.maxEntries ?? 10_000;
  const maxForwardTtl = options.maxForwardTtl ?? 300;
  const zoneEntries = new Map<string, Entry>();
  const forwardEntries = new Map<string, Entry>();
  let generation = 0;
  let hits = 0;
  let misses = 0;

  const keyOf = (q: DnsQuery): string => `${q.type}|${q.class}|${q.edns ? (q.edns.dnssecOk ? 2 : 1) : 0}|${q.name}`;

  const store = (map: Map<string, Entry>, key: string, entry: Entry): void => {
    if (map.size >= maxEntries) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    map.set(key, entry);
  };

  return {
    name: 'cache',
    async serve(query: DnsQuery, next: NextHandler): Promise<DnsReply> {
      // EDNS versions we do not speak get BADVERS from downstream; never cache those.
      const cacheable = !query.edns || query.edns.version === 0;
      const key = cacheable ? keyOf(query) : '';
      if (cacheable) {
        const entry = zoneEntries.get(key) ?? forwardEntries.get(key);
        if (entry && entry.expiresAt > clock.now()) {
          hits++;
          return { rcode: rcodeOf(entry.wire), authoritative: entry.authoritative, answers: [], authority: [], additional: [], wire: entry.wire };
        }
        if (entry) {
          zoneEntries.delete(key);
          forwardEntries.delete(key);
        }
      }
      misses++;
      const startedAt = generation;
      const reply = await next(query);
      const ttl = reply.cacheTtl ?? 0;
      if (!cacheable || ttl <= 0 || maxEntries === 0 || (reply.authoritative && startedAt !== generation)) return reply;
      const wire = reply.wire ?? encodeReply(query, reply);
      const expiresAt = reply.cacheUntilChange ? Infinity : clock.now() + Math.min(ttl, maxForwardTtl) * 1000;
      // Anything built from catalog data goes where a catalog change drops it.
      store(reply.authoritative ? zoneEntries : forwardEntries, key, { wire, authoritative: reply.authoritative, expiresAt });
      return { ...reply, wire };
    },
    invalidateZone(): void {
      generation++;
      zoneEntries.clear();
    },
    stats: () => ({ hits, misses, entries: zoneEntries.size + forwardEntries.size }),
  };
}
