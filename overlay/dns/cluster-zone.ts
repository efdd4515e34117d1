// The cluster zone as records, built from a catalog snapshot per the
// Kubernetes DNS-based service discovery spec 1.1.0:
//   <svc>.<ns>.svc.<zone>              A  ClusterIP, or one per ready endpoint (headless)
//   <host>.<svc>.<ns>.svc.<zone>       A  headless endpoint (hostname, else dashed IP)
//   _<port>._<proto>.<svc>.<ns>.svc    SRV per named port
//   <d.c.b.a>.in-addr.arpa             PTR for ClusterIPs and headless endpoint IPs
//   <svc>.<ns>.svc.<zone>              CNAME for ExternalName
//   dns-version.<zone>                 TXT 1.1.0
//   <a-b-c-d>.<ns>.pod.<zone>          A  for running pods (CoreDNS "pods verified")
// Every ancestor of a name up to the zone exists (empty non-terminals give
// NODATA, not NXDOMAIN).

import type { EndpointAddress, Endpoints } from '../../control/api/index.ts';
import type { ClusterCatalog } from '../catalog.ts';
import { parseIpv4 } from '../ipam/cidr.ts';
import type { DnsRecord } from './message.ts';
import { RR_TYPE } from './message.ts';

export const DNS_SCHEMA_VERSION = '1.1.0';

export interface ClusterZoneOptions {
  zone: string;
  /** TTL of every record; default 5 s (CoreDNS kubernetes plugin). */
  ttl: number;
  /** Address published for ns.dns.<zone>. */
  nameserverAddress: string;
}

export interface ClusterZone {
  zone: string;
  revision: number;
  /** name → type → records. Names are lower-case, without trailing dot. */
  records: Map<string, Map<number, DnsRecord[]>>;
  /** Every name that exists, records or not. */
  names: Set<string>;
  soa: DnsRecord;
}

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

export function dashedIp(ip: string): string {
  return ip.replaceAll('.', '-');
}

export function reverseName(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

export function buildClusterZone(catalog: ClusterCatalog, options: ClusterZoneOptions): ClusterZone {
  const { zone, ttl } = options;
  const revision = catalog.revision();
  const records = new Map<string, Map<number, DnsRecord[]>>();
  const names = new Set<string>();
  const seen = new Set<string>();

  const add = (record: DnsRecord): void => {
    const identity = recordIdentity(record);
    if (seen.has(identity)) return;
    seen.add(identity);
    let byType = records.get(record.name);
    if (!byType) records.set(record.name, (byType = new Map()));
    const list = byType.get(record.type);
    if (list) list.push(record);
    else byType.set(record.type, [record]);
    if (record.name === zone || record.name.endsWith(`.${zone}`)) {
      for (let name = record.name; name.length >= zone.length; name = name.slice(name.indexOf('.') + 1)) {
        if (names.has(name)) break;
        names.add(name);
        if (name === zone) break;
      }
    } else {
      names.add(record.name);
    }
  };

  const soa: DnsRecord = {
    name: zone,
    type: RR_TYPE.SOA,
    ttl,
    primary: `ns.dns.${zone}`,
    admin: `hostmaster.${zone}`,
    serial: revision % 0x100000000,
    refresh: 7200,
    retry: 1800,
    expire: 86400,
    minimum: ttl,
  };
  add(soa);
  add({ name: zone, type: RR_TYPE.NS, ttl, target: `ns.dns.${zone}` });
  add({ name: `ns.dns.${zone}`, type: RR_TYPE.A, ttl, address: options.nameserverAddress });
  add({ name: `dns-version.${zone}`, type: RR_TYPE.TXT, ttl, text: DNS_SCHEMA_VERSION });

  const endpointsByKey = new Map<string, Endpoints>();
  for (const ep of catalog.endpoints()) endpointsByKey.set(`${ep.metadata.namespace ?? 'default'}/${ep.metadata.name}`, ep);

  for (const svc of catalog.services()) {
    const ns = svc.metadata.namespace ?? 'default';
    const base = `${svc.metadata.name}.${ns}.svc.${zone}`;
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName') {
      const target = (spec.externalName ?? '').toLowerCase().replace(/\.$/, '');
      if (DNS_NAME.test(target)) add({ name: base, type: RR_TYPE.CNAME, ttl, target });
      continue;
    }
    if (spec.clusterIP === 'None') {
      addHeadless(add, base, spec.publishNotReadyAddresses === true, endpointsByKey.get(`${ns}/${svc.metadata.name}`), ttl);
      continue;
    }
    if (!spec.clusterIP || parseIpv4(spec.clusterIP) === undefined) continue;
    add({ name: base, type: RR_TYPE.A, ttl, address: spec.clusterIP });
    add({ name: reverseName(spec.clusterIP), type: RR_TYPE.PTR, ttl, target: base });
    for (const port of spec.ports ?? []) {
      if (!port.name || !validPort(port.port)) continue;
      const proto = (port.protocol ?? 'TCP').toLowerCase();
      add({ name: `_${port.name}._${proto}.${base}`, type: RR_TYPE.SRV, ttl, priority: 0, weight: 100, port: port.port, target: base });
    }
  }

  for (const pod of catalog.pods()) {
    const ip = pod.status?.podIP;
    if (!ip || parseIpv4(ip) === undefined || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    add({ name: `${dashedIp(ip)}.${pod.metadata.namespace ?? 'default'}.pod.${zone}`, type: RR_TYPE.A, ttl, address: ip });
  }
  return { zone, revision, records, names, soa };
}

function addHeadless(add: (record: DnsRecord) => void, base: string, publishNotReady: boolean, endpoints: Endpoints | undefined, ttl: number): void {
  for (const subset of endpoints?.subsets ?? []) {
    const addresses: EndpointAddress[] = [...(subset.addresses ?? []), ...(publishNotReady ? subset.notReadyAddresses ?? [] : [])];
    for (const address of addresses) {
      // IPv6 endpoints (and junk) have no place in an IPv4 overlay's A records.
      if (parseIpv4(address.ip) === undefined) continue;
      const host = `${address.hostname ?? dashedIp(address.ip)}.${base}`;
      add({ name: base, type: RR_TYPE.A, ttl, address: address.ip });
      add({ name: host, type: RR_TYPE.A, ttl, address: address.ip });
      add({ name: reverseName(address.ip), type: RR_TYPE.PTR, ttl, target: host });
      for (const port of subset.ports ?? []) {
        if (!port.name || !validPort(port.port)) continue;
        const proto = (port.protocol ?? 'TCP').toLowerCase();
        add({ name: `_${port.name}._${proto}.${base}`, type: RR_TYPE.SRV, ttl, priority: 0, weight: 100, port: port.port, target: host });
      }
    }
  }
}

function validPort(port: unknown): port is number {
  return Number.isInteger(port) && (port as number) > 0 && (port as number) < 65536;
}

export function isInZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}


function recordIdentity(record: DnsRecord): string {
  switch (record.type) {
    case RR_TYPE.A:
      return `${record.name}|A|${record.address}`;
    case RR_TYPE.SRV:
      return `${record.name}|SRV|${record.port}|${record.target}`;
    case RR_TYPE.TXT:
      return `${record.name}|TXT|${record.text}`;
    case RR_TYPE.SOA:
      return `${record.name}|SOA`;
    default:
      return `${record.name}|${record.type}|${record.target}`;
  }
}
