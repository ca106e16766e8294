import { setTimeout as sleep } from 'node:timers/promises';

// At most N requests per second across a whole scan, spread evenly: each caller books the next
// free slot (1/N s after the previous one) and waits for it. No burst allowance, because the
// point of --rate is to be gentle with old cards and slow links; a dozen lines, so no dependency.

export interface RateLimiter {
  /** Resolves when the caller may send one request; rejects with an AbortError if `signal` aborts first. */
  take(signal?: AbortSignal): Promise<void>;
}

export function rateLimiter(perSecond: number, now: () => number = () => performance.now()): RateLimiter {
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError(`rate must be a positive number of requests per second, got ${perSecond}`);
  const interval = 1000 / perSecond;
  let nextFree = -Infinity;
  return {
    async take(signal) {
      signal?.throwIfAborted();
      const t = now();
      const slot = Math.max(t, nextFree);
      nextFree = slot + interval;
      // A slot booked by a caller that is then aborted stays used: the rate only errs slow.
      if (slot > t) await sleep(slot - t, undefined, signal ? { signal } : undefined);
    },
  };
}
