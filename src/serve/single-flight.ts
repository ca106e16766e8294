// Results per key, kept for a minimum interval, with one run at a time per key: probes of a
// unit that arrive while it is being polled wait for that poll instead of starting another,
// and probes within `minIntervalMs` of the last poll get its result. So a fragile card is polled
// at most once per interval, whatever Prometheus (or several of them) asks.

export interface Cached<T> {
  readonly value: T;
  /** Served from an earlier or running poll rather than a new one. */
  readonly shared: boolean;
}

export class SingleFlightCache<T> {
  private readonly done = new Map<string, { value: T; at: number }>();
  private readonly running = new Map<string, Promise<T>>();

  constructor(
    private readonly minIntervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The value for `key`: a running run's, a recent one's, or a new run's. A failed run is not kept. */
  async get(key: string, run: () => Promise<T>): Promise<Cached<T>> {
    const hit = this.done.get(key);
    if (hit && this.now() - hit.at < this.minIntervalMs) return { value: hit.value, shared: true };
    const inFlight = this.running.get(key);
    if (inFlight) return { value: await inFlight, shared: true };
    const started = run();
    this.running.set(key, started);
    try {
      const value = await started;
      this.prune();
      this.done.set(key, { value, at: this.now() });
      return { value, shared: false };
    } finally {
      this.running.delete(key);
    }
  }

  /** Runs in progress. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Drops results past their interval, so memory follows the targets probed lately. */
  private prune(): void {
    const now = this.now();
    for (const [k, v] of this.done) if (now - v.at >= this.minIntervalMs) this.done.delete(k);
  }
}
