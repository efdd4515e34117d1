// Metric values in the HPA controller are milli-units (as Quantity.MilliValue()
// in Kubernetes): CPU in millicores, memory in milli-bytes, custom metrics in
// thousandths. These turn quantities into milli-units and back into the
// canonical decimal form Kubernetes prints (`250m`, `2`, `31457280`, `4k`).

import { parseQuantity } from '../../scheduler/resources.ts';

export function toMilli(quantity: string | number): number {
  return Math.round(parseQuantity(quantity) * 1000);
}

const SUFFIXES = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/** resource.NewMilliQuantity(v, DecimalSI).String(). */
export function formatMilli(milli: number): string {
  const v = Math.round(milli);
  if (v % 1000 !== 0) return `${v}m`;
  let whole = v / 1000;
  let exp = 0;
  while (whole !== 0 && whole % 1000 === 0 && exp < SUFFIXES.length - 1) {
    whole /= 1000;
    exp++;
  }
  return `${whole}${SUFFIXES[exp]}`;
}
