// The cluster zone plugin: answers authoritatively for <zone> from the
// catalog (rebuilt lazily when the catalog's revision moves), answers PTR
// queries for cluster addresses, and passes everything else to the next
// plugin (forward). Missing names get NXDOMAIN, missing types NODATA, both
// with the zone's SOA in the authority section.

import type { ClusterCatalog } from '../catalog.ts';
import type { ClusterZone } from './cluster-zone.ts';
import { buildClusterZone, isInZone } from './cluster-zone.ts';
import { answerRecords } from './dns2-adapter.ts';
import type { DnsPlugin, DnsQuery, DnsRecord, DnsReply, NextHandler } from './message.ts';
import { RCODE, RR_CLASS, RR_TYPE } from './message.ts';
import { internalQuery } from './wire.ts';

export interface KubernetesPluginOptions {
  catalog: ClusterCatalog;
  zone: string;
  ttl?: number;
  nameserverAddress: string;
}

/** CNAME chains inside the zone are followed at most this far. */
const MAX_CNAME_HOPS = 8;

export function kubernetesPlugin(options: KubernetesPluginOptions): DnsPlugin & { zone(): ClusterZone } {
  const { catalog } = options;
  const zoneName = options.zone;
  const ttl = options.ttl ?? 5;
  let current: ClusterZone | undefined;

  const zone = (): ClusterZone => {
    if (!current || current.revision !== catalog.revision()) {
      current = buildClusterZone(catalog, { zone: zoneName, ttl, nameserverAddress: options.nameserverAddress });
    }
    return current;
  };

  /** The zone's answer, and the out-of-zone CNAME target still to resolve, if any. */
  const answer = (z: ClusterZone, query: DnsQuery): { reply: DnsReply; external?: string } => {
    const reply: DnsReply = { rcode: RCODE.NOERROR, authoritative: true, answers: [], authority: [], additional: [], cacheTtl: ttl, cacheUntilChange: true };
    if (query.class !== RR_CLASS.IN && query.class !== RR_CLASS.ANY) return { reply: { ...reply, rcode: RCODE.REFUSED, cacheTtl: 0 } };
    if (query.type === RR_TYPE.AXFR) return { reply: { ...reply, rcode: RCODE.REFUSED, cacheTtl: 0 } };
    let name = query.name;
    for (let hop = 0; hop < MAX_CNAME_HOPS; hop++) {
      const byType = z.records.get(name);
      const exact = query.type === RR_TYPE.ANY ? [...(byType?.values() ?? [])].flat() : byType?.get(query.type);
      if (exact && exact.length > 0) {
        reply.answers.push(...exact);
        addGlue(z, reply, exact);
        return { reply };
      }
      const cname = byType?.get(RR_TYPE.CNAME);
      if (cname && cname.length > 0) {
        reply.answers.push(...cname);
        const target = (cname[0] as { target: string }).target;
        if (!isInZone(target, z.zone)) return { reply, external: query.type === RR_TYPE.CNAME || query.type === RR_TYPE.ANY ? undefined : target };
        name = target;
        continue;
      }
      if (!z.names.has(name)) {
        // An answer chain that reached a missing in-zone target keeps NOERROR, as CoreDNS does.
        if (reply.answers.length === 0) reply.rcode = RCODE.NXDOMAIN;
      }
      reply.authority.push(z.soa);
      return { reply };
    }
    return { reply };
  };

  /** ExternalName targets outside the zone are resolved through the rest of the chain, as CoreDNS does. */
  const chase = async (reply: DnsReply, target: string, query: DnsQuery, next: NextHandler): Promise<DnsReply> => {
    const upstream = await next(internalQuery(target, query.type, RR_CLASS.IN));
    const records = upstream.wire ? answerRecords(upstream.wire) : upstream.answers;
    const minTtl = Math.min(ttl, ...records.map((r) => r.ttl));
    return {
      ...reply,
      rcode: upstream.rcode === RCODE.NXDOMAIN ? RCODE.NXDOMAIN : RCODE.NOERROR,
      answers: [...reply.answers, ...records],
      cacheTtl: upstream.rcode === RCODE.SERVFAIL ? 0 : minTtl,
      cacheUntilChange: false,
    };
  };

  return {
    name: 'kubernetes',
    zone,
    serve(query: DnsQuery, next: NextHandler): Promise<DnsReply> {
      const z = zone();
      if (isInZone(query.name, z.zone)) {
        const { reply, external } = answer(z, query);
        return external === undefined ? Promise.resolve(reply) : chase(reply, external, query, next);
      }
      if (query.type === RR_TYPE.PTR && query.name.endsWith('.in-addr.arpa')) {
        const ptr = z.records.get(query.name)?.get(RR_TYPE.PTR);
        if (ptr) return Promise.resolve({ rcode: RCODE.NOERROR, authoritative: true, answers: ptr, authority: [], additional: [], cacheTtl: ttl, cacheUntilChange: true });
      }
      if (query.name === LOOPBACK_REVERSE || query.name.endsWith(`.${LOOPBACK_REVERSE}`)) return Promise.resolve(loopbackReverse(query, z.zone, ttl));
      return next(query);
    },
  };
}

/**
 * 127.in-addr.arpa is served locally (RFC 6303): every pod and Service
 * address lives there, so an unknown one gets NXDOMAIN here instead of
 * leaking to the upstream resolvers.
 */
const LOOPBACK_REVERSE = '127.in-addr.arpa';

function loopbackReverse(query: DnsQuery, zone: string, ttl: number): DnsReply {
  const soa: DnsRecord = {
    name: LOOPBACK_REVERSE,
    type: RR_TYPE.SOA,
    ttl,
    primary: `ns.dns.${zone}`,
    admin: `hostmaster.${zone}`,
    serial: 1,
    refresh: 7200,
    retry: 1800,
    expire: 86400,
    minimum: ttl,
  };
  const reply: DnsReply = { rcode: RCODE.NOERROR, authoritative: true, answers: [], authority: [], additional: [], cacheTtl: ttl, cacheUntilChange: true };
  if (query.name === `1.0.0.${LOOPBACK_REVERSE}`) {
    if (query.type === RR_TYPE.PTR || query.type === RR_TYPE.ANY) reply.answers.push({ name: query.name, type: RR_TYPE.PTR, ttl, target: 'localhost' });
    else reply.authority.push(soa);
    return reply;
  }
  if (query.name === LOOPBACK_REVERSE && query.type === RR_TYPE.SOA) {
    reply.answers.push(soa);
    return reply;
  }
  // Names with fewer than four octets are empty non-terminals (NODATA); full addresses nobody holds do not exist.
  const octets = query.name.split('.').length - 2;
  if (octets >= 4) reply.rcode = RCODE.NXDOMAIN;
  reply.authority.push(soa);
  return reply;
}

/** SRV answers carry the A records of their targets in the additional section. */
function addGlue(z: ClusterZone, reply: DnsReply, answers: DnsRecord[]): void {
  const added = new Set<string>();
  for (const rr of answers) {
    if (rr.type !== RR_TYPE.SRV || added.has(rr.target)) continue;
    added.add(rr.target);
    reply.additional.push(...(z.records.get(rr.target)?.get(RR_TYPE.A) ?? []));
  }
}
