// A sorted set of keys for prefix ranges: binary search for the bounds, so a
// page of a large prefix costs O(log n + page) and the count O(log n).

export class SortedKeys {
  private keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  add(key: string): void {
    const i = this.lowerBound(key);
    if (this.keys[i] !== key) this.keys.splice(i, 0, key);
  }

  remove(key: string): void {
    const i = this.lowerBound(key);
    if (this.keys[i] === key) this.keys.splice(i, 1);
  }

  /** Keys under `prefix`, strictly after `startAfter` when given: [from, to) indexes plus the slice accessor. */
  span(prefix: string, startAfter?: string): { from: number; to: number } {
    let from = this.lowerBound(prefix);
    if (startAfter !== undefined && startAfter >= prefix) from = Math.max(from, this.upperBound(startAfter));
    const to = this.prefixEnd(prefix);
    return { from, to: Math.max(from, to) };
  }

  slice(from: number, to: number): string[] {
    return this.keys.slice(from, to);
  }

  /** First index whose key is >= `key`. */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] as string) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose key is > `key`. */
  private upperBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] as string) <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index past the block of keys starting with `prefix` (keys sharing a prefix are contiguous). */
  private prefixEnd(prefix: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.keys[mid] as string;
      if (k < prefix || k.startsWith(prefix)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
