// A set of integers kept as sorted, disjoint, merged closed intervals: the addresses of the
// blocks and ranges already produced, in memory proportional to the number of intervals added,
// never to the number of addresses they hold (a /8 is one interval).

export class IntervalSet {
  /** Sorted by start; disjoint and not adjacent (adjacent ones are merged). */
  private readonly starts: bigint[] = [];
  private readonly ends: bigint[] = [];

  get size(): number {
    return this.starts.length;
  }

  /** The interval holding n, if any. */
  find(n: bigint): { start: bigint; end: bigint } | undefined {
    const i = this.lastStartAtMost(n);
    if (i < 0) return undefined;
    const end = this.ends[i] as bigint;
    return n <= end ? { start: this.starts[i] as bigint, end } : undefined;
  }

  /** The smallest interval start greater than n, if any. */
  nextStartAfter(n: bigint): bigint | undefined {
    const i = this.lastStartAtMost(n) + 1;
    return i < this.starts.length ? this.starts[i] : undefined;
  }

  add(start: bigint, end: bigint): void {
    // Every interval touching [start - 1, end + 1] is merged into one.
    let lo = this.lastStartAtMost(start - 1n);
    if (lo < 0 || (this.ends[lo] as bigint) < start - 1n) lo++;
    let hi = lo;
    let s = start;
    let e = end;
    while (hi < this.starts.length && (this.starts[hi] as bigint) <= end + 1n) {
      if ((this.starts[hi] as bigint) < s) s = this.starts[hi] as bigint;
      if ((this.ends[hi] as bigint) > e) e = this.ends[hi] as bigint;
      hi++;
    }
    this.starts.splice(lo, hi - lo, s);
    this.ends.splice(lo, hi - lo, e);
  }

  /** Index of the last interval whose start is <= n, or -1. */
  private lastStartAtMost(n: bigint): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.starts[mid] as bigint) <= n) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
