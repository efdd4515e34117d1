// IPv4 CIDR arithmetic on unsigned 32-bit integers.

import { OVERLAY_ERROR_CODES, overlayError } from '../errors.ts';

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefixLength: number;
  /** Number of addresses in the block (2^(32-prefix)). */
  size: number;
  text: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses dotted-quad text; undefined when it is not a valid IPv4 address. */
export function parseIpv4(text: string): number | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255 || (m[i]!.length > 1 && m[i]!.startsWith('0'))) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Parses `a.b.c.d/n`; throws MESHLET_OVERLAY_CONFIG when malformed or when host bits are set. */
export function parseCidr(text: string, what = 'CIDR'): Cidr {
  const [ip, prefix, extra] = text.split('/');
  const base = ip === undefined ? undefined : parseIpv4(ip);
  const prefixLength = prefix !== undefined && /^\d{1,2}$/.test(prefix) ? Number(prefix) : NaN;
  if (base === undefined || extra !== undefined || !(prefixLength >= 0 && prefixLength <= 32)) {
    throw overlayError(OVERLAY_ERROR_CODES.config, `overlay/ipam: ${what} "${text}" is not an IPv4 CIDR like 127.244.0.0/16`);
  }
  const size = 2 ** (32 - prefixLength);
  if (base % size !== 0) {
    throw overlayError(
      OVERLAY_ERROR_CODES.config,
      `overlay/ipam: ${what} "${text}" has host bits set (did you mean ${formatIpv4(base - (base % size))}/${prefixLength}?)`,
    );
  }
  return { base, prefixLength, size, text: `${formatIpv4(base)}/${prefixLength}` };
}

export function cidrContains(cidr: Cidr, ip: number): boolean {
  return ip >= cidr.base && ip < cidr.base + cidr.size;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** The `index`-th sub-block of length `prefixLength` inside `parent`. */
export function subCidr(parent: Cidr, prefixLength: number, index: number): Cidr {
  const size = 2 ** (32 - prefixLength);
  const base = parent.base + index * size;
  return { base, prefixLength, size, text: `${formatIpv4(base)}/${prefixLength}` };
}

/** A CIDR as a store-key segment: `127.244.3.0/24` → `127.244.3.0-24`. */
export function cidrKeySegment(cidr: Cidr): string {
  return cidr.text.replace('/', '-');
}
