// Exact resource quantities for admission (quota sums, LimitRange bounds):
// kept as bigint milli-units with the format of the text they came from, and
// printed in Kubernetes' canonical form (`2Gi`, `500m`, `1k`), because quota
// messages show sums such as `used: limits.memory=1Gi`. The scheduler's float
// parser (control/scheduler/resources.ts) is enough for fitting, not for this.

import { MeshletError } from '../api/index.ts';

export type QuantityFormat = 'BinarySI' | 'DecimalSI';

export interface Quantity {
  /** The value × 1000, exactly (sub-milli precision is rounded up, as MilliValue does). */
  milli: bigint;
  format: QuantityFormat;
}

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

export const ZERO: Quantity = { milli: 0n, format: 'DecimalSI' };

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Parses `500m`, `1.5Gi`, `2`, `1e3`; throws MESHLET_BAD_QUANTITY otherwise. */
export function parseQuantity(text: string | number): Quantity {
  const raw = String(text).trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/.exec(raw);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new MeshletError('MESHLET_BAD_QUANTITY', `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${JSON.stringify(raw)}`);
  const sign = m[1] === '-' ? -1n : 1n;
  const fraction = m[3] ?? '';
  // digits as an integer, scaled by 10^-fraction.length
  const digits = BigInt(`${m[2] || '0'}${fraction}`);
  const suffix = m[5] ?? '';
  const binary = BINARY[suffix];
  let numerator = digits * 1000n * (binary ?? 1n);
  let exponent = -fraction.length + (binary ? 0 : m[4] !== undefined ? Number(m[4]) : (DECIMAL_EXP[suffix] ?? 0));
  if (exponent >= 0) numerator *= pow10(exponent);
  else {
    const div = pow10(-exponent);
    numerator = (numerator + div - 1n) / div; // round up, as Kubernetes does below its precision
    exponent = 0;
  }
  return { milli: sign * numerator, format: binary ? 'BinarySI' : 'DecimalSI' };
}

export function add(a: Quantity, b: Quantity): Quantity {
  return { milli: a.milli + b.milli, format: a.milli === 0n && a.format === 'DecimalSI' ? b.format : a.format };
}

export function compare(a: Quantity, b: Quantity): number {
  return a.milli < b.milli ? -1 : a.milli > b.milli ? 1 : 0;
}

function decimalString(milli: bigint): string {
  if (milli % 1000n !== 0n) return `${milli}m`;
  let value = milli / 1000n;
  if (value === 0n) return '0';
  const suffixes = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
  let i = 0;
  while (i < suffixes.length - 1 && value % 1000n === 0n) {
    value /= 1000n;
    i++;
  }
  return `${value}${suffixes[i]}`;
}

/** Kubernetes' canonical text: binary suffixes for BinarySI values of at least 1024, else decimal. */
export function formatQuantity(q: Quantity): string {
  const abs = q.milli < 0n ? -q.milli : q.milli;
  if (q.format === 'DecimalSI' || q.milli % 1000n !== 0n || abs < 1024n * 1000n) return decimalString(q.milli);
  let value = q.milli / 1000n;
  const suffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
  let i = 0;
  while (i < suffixes.length - 1 && value % 1024n === 0n) {
    value /= 1024n;
    i++;
  }
  return `${value}${suffixes[i]}`;
}

/** Ratio a / b as a float (LimitRange's maxLimitRequestRatio). */
export function ratio(a: Quantity, b: Quantity): number {
  return Number(a.milli) / Number(b.milli);
}
