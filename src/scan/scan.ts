import { setMaxListeners } from 'node:events';
import type { Advisory } from '../audit/advisory.js';
import type { AuditResult } from '../audit/audit-result.js';
import { classify } from '../audit/classify.js';
import { evaluate } from '../audit/evaluate.js';
import { interruptedResult, unreachable } from '../audit/no-answer.js';
import { defaultDeps, INTERRUPTED_BEFORE, pollUnit, type PollDeps, type PollOptions } from '../poll/poll-unit.js';
import { rateLimiter } from './rate-limit.js';
import { SocketPool } from '../snmp/connected-dgram.js';
import { SharedSocket } from '../snmp/shared-dgram.js';
import type { AuditTarget } from '../targets/target.js';

// The findings of units that gave no usable answer live in audit/no-answer.ts.
export { invalidTargetResult, unreachable } from '../audit/no-answer.js';

// Targets in, one result per target out. A count of units in flight bounds them; the target
// iterable is pulled only when a slot is free, so a lazy list (a /16) is never held in memory.
// Up to `concurrency` units in flight each hold a UDP socket connected to the unit (a closed
// port fails at once), handed from unit to unit (SocketPool): open sockets never exceed the
// concurrency + 1. Units in flight beyond that (a sweep's silent addresses) share one socket
// (SharedSocket): they cost a timer each, not a descriptor and a port. All are closed when the
// scan ends.

/**
 * Defaults for a fleet with dead hosts: a silent unit costs timeoutMs × (retries + 1) = 4 s,
 * and up to `maxInFlight` of them wait that out together. How the values were chosen, with
 * the figures: bench/README.md.
 */
export const SCAN_DEFAULTS = {
  timeoutMs: 2000,
  retries: 1,
  /** How long units in flight may still finish after an interrupt. */
  graceMs: 1000,
  /** Units started recently and not finished, at most, while units answer (see FreshWindow). */
  window: 128,
  /** The window grows to at most this while most recent units stay silent (a sparse sweep). */
  widestWindow: 4096,
  /** A unit silent this long is most likely dead: it stops counting against the window (never beyond the timeout). */
  parkAfterMs: 250,
  /** Units in flight at most, the ones beyond `concurrency` on the shared socket. */
  maxInFlight: 6000,
} as const;

export interface ScanOptions extends Pick<PollOptions, 'timeoutMs' | 'retries'> {
  /** Units polled at once with a UDP socket each; see capConcurrency() in fd-limit.ts. */
  readonly concurrency: number;
  /**
   * Units polled at once in all (default `concurrency`: no shared socket). Those beyond
   * `concurrency` share one IPv4 socket; the command's default is SCAN_DEFAULTS.maxInFlight.
   */
  readonly maxInFlight?: number;
  readonly advisories: readonly Advisory[];
  /** Called as soon as each unit's result is known (streaming formats, progress). */
  readonly onResult?: (result: AuditResult) => void;
  /** Keep the results and return them (default). False for streaming callers: scan() then resolves to []. */
  readonly collect?: boolean;
  /** At most this many SNMP datagrams per second across the scan (every GET, walk step, retry and SNMPv3 discovery). */
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
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError(`concurrency must be a whole number ≥ 1, got ${options.concurrency}`);
  const maxInFlight = options.maxInFlight ?? options.concurrency;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be a whole number ≥ 1, got ${maxInFlight}`);
  const concurrency = Math.min(options.concurrency, maxInFlight);
  const windowSize = Math.min(maxInFlight, options.window ?? SCAN_DEFAULTS.window);
  if (!Number.isInteger(windowSize) || windowSize < 1) throw new RangeError(`window must be a whole number ≥ 1, got ${options.window}`);
  const widest = Math.max(windowSize, Math.min(maxInFlight, SCAN_DEFAULTS.widestWindow));
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
  const shared = new SharedSocket();
  const poll: PollOptions = {
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    signal,
    abandon,
    sockets,
    ...(limiter ? { beforeRequest: (s?: AbortSignal) => limiter.take(s) } : {}),
  };
  const pollShared: PollOptions = { ...poll, shared };
  /** Units in flight on a socket of their own. */
  let connected = 0;
  let broken: { error: unknown } | undefined;
  const run = async (t: AuditTarget) => {
    if (signal.aborted) return deliver(interruptedResult(t.target, INTERRUPTED_BEFORE));
    if (connected >= concurrency) return deliver(await auditWith(t, options, pollShared, deps));
    connected++;
    try {
      deliver(await auditWith(t, options, poll, deps));
    } finally {
      connected--;
    }
  };
  const deliver = (result: AuditResult) => {
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
  const fresh = new FreshWindow(Math.min(SCAN_DEFAULTS.parkAfterMs, options.timeoutMs), wakeUp, windowSize, widest);
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
      while (inFlight >= maxInFlight || fresh.count >= fresh.size) await slotFree();
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
    shared.close();
    clearTimeout(graceTimer);
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (broken) throw broken.error;
  return results;
}

/**
 * Units started less than `parkAfterMs` ago that have not finished. A unit still silent after
 * that is most likely dead and waits out timeout × tries: it then stops counting here and only
 * holds its place in flight. So live units pass through a small window (less held in flight,
 * no burst of a thousand requests at a slow agent), while up to `maxInFlight` dead ones wait
 * out their timeouts together. The window's size follows what recent units did: `narrow`
 * while they answer, up to `wide` while nearly all of them stay silent (a sparse sweep, where
 * a narrow window would start only narrow / parkAfterMs units a second).
 */
class FreshWindow {
  /** Share of recent units that finished before being parked (moving average, 1 = all answered). */
  private answering = 1;
  /** Units allowed in the window now. */
  size: number;
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
    private readonly narrow: number,
    private readonly wide: number,
  ) {
    this.size = narrow;
  }

  /** One more unit's outcome: answered (finished in the window) or parked. */
  private learn(answered: boolean): void {
    this.answering += ((answered ? 1 : 0) - this.answering) / 64;
    this.size = Math.min(this.wide, Math.max(this.narrow, Math.round(this.narrow / Math.max(this.answering, this.narrow / this.wide))));
  }

  start(): { out: boolean } {
    const entry = { until: performance.now() + this.parkAfterMs, out: false };
    this.queue.push(entry);
    this.count++;
    this.timer ??= this.arm();
    return entry;
  }

  finish(entry: { out: boolean }, answered = true): void {
    if (entry.out) return;
    entry.out = true;
    this.count--;
    if (this.narrow < this.wide) this.learn(answered);
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
      this.finish(e, false);
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
