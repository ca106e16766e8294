import { setTimeout as sleep } from 'node:timers/promises';

// At most N requests per second across a whole scan, spread evenly: each caller books the next
// free slot (1/N s after the previous one) and waits for it. No burst allowance, because the
// point of --rate is to be gentle with old cards and slow links; a dozen lines, so no dependency.

export interface RateLimiter {
  /** Resolves when the caller may send one request; rejects with an AbortError if `signal` aborts first. */
  take(signal?: AbortSignal): Promise<void>;
}

/** Node's timers hold at most 2^31 − 1 ms (about 24.8 days); a longer delay fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** The lowest rate whose interval a single timer can hold: about one request per 24.8 days. */
export const MIN_RATE = 1000 / MAX_TIMER_MS;

export function rateLimiter(perSecond: number, now: () => number = () => performance.now()): RateLimiter {
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError(`rate must be a positive number of requests per second, got ${perSecond}`);
  if (perSecond < MIN_RATE) throw new RangeError(`rate must be at least ${MIN_RATE.toPrecision(3)} requests per second (one per 24.8 days), got ${perSecond}`);
  const interval = 1000 / perSecond;
  let nextFree = -Infinity;
  return {
    async take(signal) {
      signal?.throwIfAborted();
      const t = now();
      const slot = Math.max(t, nextFree);
      nextFree = slot + interval;
      // A slot booked by a caller that is then aborted stays used: the rate only errs slow.
      // Slots booked far ahead can lie past what one timer holds: wait in steps.
      for (let left = slot - t; left > 0; left -= MAX_TIMER_MS) {
        await sleep(Math.min(left, MAX_TIMER_MS), undefined, signal ? { signal } : undefined);
      }
    },
  };
}
