import { setMaxListeners } from 'node:events';
import type { Advisory } from '../audit/advisory.js';
import type { AuditResult } from '../audit/audit-result.js';
import { classify } from '../audit/classify.js';
import { evaluate } from '../audit/evaluate.js';
import { interruptedResult, unreachable } from '../audit/no-answer.js';
import { defaultDeps, INTERRUPTED_BEFORE, pollUnit, type PollDeps, type PollOptions } from '../poll/poll-unit.js';
import { rateLimiter } from './rate-limit.js';
import { SocketPool } from '../snmp/connected-dgram.js';
import type { AuditTarget } from '../targets/target.js';

// The findings of units that gave no usable answer live in audit/no-answer.ts.
export { invalidTargetResult, unreachable } from '../audit/no-answer.js';

// Targets in, one result per target out. A count of units in flight bounds them; the target
// iterable is pulled only when a slot is free, so a lazy list (a /16) is never held in memory.
// Each unit holds one socket while it is polled, then hands it to a later unit (SocketPool):
// open sockets never exceed the concurrency, and all are closed when the scan ends.

/**
 * Defaults for a fleet with dead hosts: a silent unit costs timeoutMs × (retries + 1) = 4 s,
 * and with ~1000 units in flight (see fd-limit.ts) a thousand of them wait that out together.
 */
export const SCAN_DEFAULTS = {
  timeoutMs: 2000,
  retries: 1,
  /** How long units in flight may still finish after an interrupt. */
  graceMs: 1000,
  /**
   * At most this many units in flight that started less than `parkAfterMs` ago (see
   * FreshWindow). Measured on simulated live fleets (bench/README.md): 64 to 1000 take the
   * same time for 2,000 units; for 8,500, 128 was faster than 1000 (3.1 s against 3.5 s)
   * and its peak RSS 148 MB against 196 MB, where 256 peaked at up to 197 MB.
   */
  window: 128,
  /** A unit silent this long is most likely dead: it stops counting against `window` (never beyond the timeout). */
  parkAfterMs: 250,
} as const;

export interface ScanOptions extends Pick<PollOptions, 'timeoutMs' | 'retries'> {
  /** Units polled at once (one UDP socket each); see capConcurrency() in fd-limit.ts. */
  readonly concurrency: number;
  readonly advisories: readonly Advisory[];
  /** Called as soon as each unit's result is known (streaming formats, progress). */
  readonly onResult?: (result: AuditResult) => void;
  /** Keep the results and return them (default). False for streaming callers: scan() then resolves to []. */
  readonly collect?: boolean;
  /** At most this many SNMP requests per second across the scan (every GET and walk step; retries of an unanswered request are not counted). */
  readonly rate?: number;
  /**
   * Interrupts the scan: no unit is started and nothing more is sent; units in flight get
   * `graceMs` for answers already due, then are given up. Every target still gets exactly one
   * result (verdict unknown when it was not finished).
   */
  readonly signal?: AbortSignal;
  /** Default SCAN_DEFAULTS.graceMs. */
  readonly graceMs?: number;
  /** Default SCAN_DEFAULTS.window: units started recently and not finished, at most (see FreshWindow). */
  readonly window?: number;
  /**
   * Keep each unit's raw readings in its result (`raw`; default true). Only the JSON formats
   * show them: without, a large fleet's results hold a score of objects fewer per unit.
   */
  readonly keepRaw?: boolean;
}

export async function scan(targets: Iterable<AuditTarget>, options: ScanOptions, deps: PollDeps = defaultDeps): Promise<AuditResult[]> {
  const { concurrency } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number ≥ 1, got ${concurrency}`);
  const windowSize = Math.min(concurrency, options.window ?? SCAN_DEFAULTS.window);
  if (!Number.isInteger(windowSize) || windowSize < 1) throw new RangeError(`window must be a whole number ≥ 1, got ${options.window}`);
  const collect = options.collect ?? true;
  const results: AuditResult[] = [];
  const limiter = options.rate === undefined ? undefined : rateLimiter(options.rate);
  // The caller's signal is relayed to one of ours, so that listeners (the rate limiter's
  // waits) neither trip Node's leak warning nor are hung on the caller's object.
  const interrupt = new AbortController();
  setMaxListeners(0, interrupt.signal);
  const signal = interrupt.signal;
  // After the interrupt and its grace, units still in flight are given up (their sockets
  // closed). A registry rather than a listener per unit on one AbortSignal: adding a listener
  // to an EventTarget walks its listeners, so a thousand units in flight would cost O(n²).
  const giveUps = new Set<() => void>();
  const abandon = {
    aborted: false,
    add: (giveUp: () => void) => void giveUps.add(giveUp),
    delete: (giveUp: () => void) => void giveUps.delete(giveUp),
  };
  let graceTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    interrupt.abort();
    graceTimer ??= setTimeout(() => {
      abandon.aborted = true;
      for (const giveUp of [...giveUps]) giveUp();
    }, options.graceMs ?? SCAN_DEFAULTS.graceMs);
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  // Sockets go from one finished unit to the next instead of being opened and closed per unit.
  const sockets = new SocketPool();
  const poll: PollOptions = {
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    signal,
    abandon,
    sockets,
    ...(limiter ? { beforeRequest: (s?: AbortSignal) => limiter.take(s) } : {}),
  };
  let broken: { error: unknown } | undefined;
  const run = async (t: AuditTarget) => {
    const result = signal.aborted ? interruptedResult(t.target, INTERRUPTED_BEFORE) : await auditWith(t, options, poll, deps);
    if (collect) results.push(result);
    options.onResult?.(result);
  };
  // Units in flight, and the one waiter (this loop, or the final wait) told when one ends or
  // one is parked: O(1) per unit, where racing every promise in flight for each free slot is
  // O(concurrency).
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const wakeUp = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fresh = new FreshWindow(Math.min(SCAN_DEFAULTS.parkAfterMs, options.timeoutMs), wakeUp);
  const failed = (error: unknown) => {
    // A failing onResult stops the scan; the first error is rethrown.
    broken ??= { error };
  };
  const slotFree = () => new Promise<void>((resolve) => (wake = resolve));
  let started = 0;
  try {
    for (const t of targets) {
      if (broken) break;
      inFlight++;
      const entry = fresh.start();
      run(t)
        .catch(failed)
        .finally(() => {
          inFlight--;
          fresh.finish(entry);
          wakeUp();
        });
      // The next target is pulled only when a slot is free: the iterable never runs ahead of the units.
      while (inFlight >= concurrency || fresh.count >= windowSize) await slotFree();
      // Every 16 units, let the ones just started reach the wire (their connect and send run on
      // later ticks) before setting up more: the agents get work sooner at the start of a scan.
      if (++started % 16 === 0) await new Promise((r) => setImmediate(r));
    }
  } catch (error) {
    broken ??= { error };
  } finally {
    while (inFlight > 0) await slotFree();
    fresh.close();
    sockets.close();
    clearTimeout(graceTimer);
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (broken) throw broken.error;
  return results;
}

/**
 * Units started less than `parkAfterMs` ago that have not finished. A unit still silent after
 * that is most likely dead and waits out timeout × tries: it then stops counting here and only
 * holds its socket (counted against the concurrency). So live units pass through a small
 * window (less held in flight, fewer sockets, no burst of a thousand requests at a slow
 * agent), while up to `concurrency` dead ones wait out their timeouts together.
 */
class FreshWindow {
  /** Units in start order, so they age in order: one timer, for the oldest, is enough. */
  private readonly queue: Array<{ until: number; out: boolean }> = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Units in the window now. */
  count = 0;

  constructor(
    private readonly parkAfterMs: number,
    /** Told when units have left the window by age. */
    private readonly onParked: () => void,
  ) {}

  start(): { out: boolean } {
    const entry = { until: performance.now() + this.parkAfterMs, out: false };
    this.queue.push(entry);
    this.count++;
    this.timer ??= this.arm();
    return entry;
  }

  finish(entry: { out: boolean }): void {
    if (entry.out) return;
    entry.out = true;
    this.count--;
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Drops finished units from the front and parks the ones past their time. */
  private age(): void {
    const now = performance.now();
    const q = this.queue;
    while (this.head < q.length) {
      const e = q[this.head]!;
      if (!e.out && e.until > now) break;
      this.finish(e);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > q.length) {
      q.splice(0, this.head);
      this.head = 0;
    }
  }

  private arm(): NodeJS.Timeout | undefined {
    this.age();
    const oldest = this.queue[this.head];
    if (!oldest) return undefined;
    return setTimeout(
      () => {
        this.timer = undefined;
        const before = this.count;
        this.age();
        if (this.count < before) this.onParked();
        this.timer ??= this.arm();
      },
      Math.max(1, oldest.until - performance.now()),
    ).unref();
  }
}

/** One unit on its own (no rate limit; `signal`, when given, interrupts it). */
export async function auditOne(t: AuditTarget, options: ScanOptions, deps: PollDeps = defaultDeps): Promise<AuditResult> {
  return auditWith(t, options, { timeoutMs: options.timeoutMs, retries: options.retries, ...(options.signal ? { signal: options.signal } : {}) }, deps);
}

async function auditWith(t: AuditTarget, options: Pick<ScanOptions, 'advisories' | 'keepRaw'>, poll: PollOptions, deps: PollDeps): Promise<AuditResult> {
  const outcome = await pollUnit(t.target, t.credentials, poll, deps);
  if (!outcome.ok) {
    if (outcome.kind === 'interrupted') return interruptedResult(t.target, outcome.message, outcome.requests);
    return { target: t.target, finding: unreachable(outcome), requests: outcome.requests };
  }
  const device = classify(outcome.reading, outcome.walked);
  const finding = evaluate(device, options.advisories);
  if (options.keepRaw === false) return { target: t.target, finding, identity: device.identity, requests: outcome.requests };
  return {
    target: t.target,
    finding,
    identity: device.identity,
    raw: { reading: outcome.reading, walked: outcome.walked },
    requests: outcome.requests,
  };
}
