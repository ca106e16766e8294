import { setMaxListeners } from 'node:events';
import { ArrayQueue } from '../array-queue.js';
import { isIP } from 'node:net';
import type { Advisory } from '../audit/advisory.js';
import type { AuditResult } from '../audit/audit-result.js';
import { classify } from '../audit/classify.js';
import { evaluate } from '../audit/evaluate.js';
import { interruptedResult, unreachable } from '../audit/no-answer.js';
import { PROBE_OIDS } from '../poll/oid-map.js';
import { defaultDeps, INTERRUPTED_BEFORE, INTERRUPTED_WHILE, pollFailure, pollUnit, type PollDeps, type PollOptions } from '../poll/poll-unit.js';
import { Prober } from '../snmp/probe.js';
import type { SnmpRequestError } from '../snmp/errors.js';
import { rateLimiter } from './rate-limit.js';
import { SocketPool } from '../snmp/connected-dgram.js';
import { SharedSocket } from '../snmp/shared-dgram.js';
import type { AuditTarget } from '../targets/target.js';

// The findings of units that gave no usable answer live in audit/no-answer.ts.
export { invalidTargetResult, unreachable } from '../audit/no-answer.js';

// Targets in, one result per target out. Counts of units in flight bound them; the target
// iterable is pulled only when a slot is free, so a lazy list (a /16) is never held in memory.
// Up to `concurrency` units in flight each hold a UDP socket connected to the unit (a closed
// port fails at once), handed from unit to unit (SocketPool): open sockets never exceed the
// concurrency + 1. Units beyond that (a sweep's silent addresses) use one shared socket
// (SharedSocket): an SNMPv1/v2c unit at an IPv4 address is first probed there (Prober) and
// gets a net-snmp session only once anything answered from its address, so a silent address
// costs a queue entry, not a session, a descriptor or a port. Units holding a session are at
// most `maxInFlight`, units being probed at most `maxProbing`. All are closed when the scan ends.

/**
 * Defaults for a fleet with dead hosts: a silent unit costs timeoutMs × (retries + 1) = 4 s,
 * and up to `maxProbing` of them wait that out together. How the values were chosen, with
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
  widestWindow: 8192,
  /** A unit silent this long is most likely dead: it stops counting against the window (never beyond the timeout). */
  parkAfterMs: 250,
  /** Units holding a session at most, the ones beyond `concurrency` on the shared socket. */
  maxInFlight: 6000,
  /** Units being probed on the shared socket at most (a small object each: a /16 fits). */
  maxProbing: 65536,
} as const;

export interface ScanOptions extends Pick<PollOptions, 'timeoutMs' | 'retries'> {
  /** Units polled at once with a UDP socket each; see capConcurrency() in fd-limit.ts. */
  readonly concurrency: number;
  /**
   * Units holding a session at once in all (default `concurrency`: no shared socket). Those
   * beyond `concurrency` share one IPv4 socket, and are probed there first when they can be;
   * the command's default is SCAN_DEFAULTS.maxInFlight.
   */
  readonly maxInFlight?: number;
  /** Units being probed on the shared socket at once (default SCAN_DEFAULTS.maxProbing). */
  readonly maxProbing?: number;
  /**
   * Probe units on the shared socket before opening their sessions (default true; see
   * snmp/probe.ts). The probe goes on the wire whatever `deps` say: tests whose sessions are
   * doubles turn it off.
   */
  readonly probe?: boolean;
  readonly advisories: readonly Advisory[];
  /** Called as soon as each unit's result is known (streaming formats, progress). */
  readonly onResult?: (result: AuditResult) => void;
  /** Keep the results and return them (default). False for streaming callers: scan() then resolves to []. */
  readonly collect?: boolean;
  /** At most this many SNMP datagrams per second across the scan (every GET, probe, walk step, retry and SNMPv3 discovery). */
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

/** A unit in flight, as the scan knows it: its place in the fresh window (see FreshWindow), handed to the prober and back. */
interface Unit extends WindowEntry {
  readonly t: AuditTarget;
}

/** A unit's place in the fresh window: until when it counts there, and whether it has left. */
interface WindowEntry {
  until: number;
  out: boolean;
}

export async function scan(targets: Iterable<AuditTarget>, options: ScanOptions, deps: PollDeps = defaultDeps): Promise<AuditResult[]> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError(`concurrency must be a whole number ≥ 1, got ${options.concurrency}`);
  const maxInFlight = options.maxInFlight ?? options.concurrency;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be a whole number ≥ 1, got ${maxInFlight}`);
  const maxProbing = options.maxProbing ?? SCAN_DEFAULTS.maxProbing;
  if (!Number.isInteger(maxProbing) || maxProbing < 1) throw new RangeError(`maxProbing must be a whole number ≥ 1, got ${maxProbing}`);
  const concurrency = Math.min(options.concurrency, maxInFlight);
  /** Units beyond `concurrency` go to the shared socket. */
  const sharing = maxInFlight > concurrency;
  const probing = sharing && (options.probe ?? true);
  const windowSize = Math.min(maxInFlight, options.window ?? SCAN_DEFAULTS.window);
  if (!Number.isInteger(windowSize) || windowSize < 1) throw new RangeError(`window must be a whole number ≥ 1, got ${options.window}`);
  // Probed units are cheap: with them, more units may be fresh at once than may hold a session.
  const widest = Math.max(windowSize, Math.min(probing ? maxInFlight + maxProbing : maxInFlight, SCAN_DEFAULTS.widestWindow));
  const collect = options.collect ?? true;
  const results: AuditResult[] = [];
  const limiter = options.rate === undefined ? undefined : rateLimiter(options.rate);
  // The caller's signal is relayed to one of ours, so that listeners (the rate limiter's
  // waits) neither trip Node's leak warning nor are hung on the caller's object.
  const interrupt = new AbortController();
  setMaxListeners(0, interrupt.signal);
  const signal = interrupt.signal;
  // After the interrupt and its grace, units still in flight are given up (their sockets
  // closed, their probes ended). A registry rather than a listener per unit on one AbortSignal:
  // adding a listener to an EventTarget walks its listeners, so a thousand units in flight would cost O(n²).
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
      prober.close();
      for (const giveUp of [...giveUps]) giveUp();
    }, options.graceMs ?? SCAN_DEFAULTS.graceMs);
  };

  // Sockets go from one finished unit to the next instead of being opened and closed per unit.
  const sockets = new SocketPool();
  const shared = new SharedSocket();
  const pace = limiter ? (s?: AbortSignal) => limiter.take(s) : undefined;
  const poll: PollOptions = {
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    signal,
    abandon,
    sockets,
    ...(pace ? { beforeRequest: pace } : {}),
  };
  const pollShared: PollOptions = { ...poll, shared };
  const prober = new Prober<Unit>(shared, { timeoutMs: options.timeoutMs, retries: options.retries, oids: PROBE_OIDS, signal, ...(pace ? { pace } : {}) }, (unit, sent, error) =>
    probed(unit, sent, error),
  );
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  let broken: { error: unknown } | undefined;
  const failed = (error: unknown) => {
    // A failing onResult stops the scan; the first error is rethrown.
    broken ??= { error };
  };
  const deliver = (result: AuditResult) => {
    if (collect) results.push(result);
    options.onResult?.(result);
  };
  // Units in flight, and the one waiter (this loop, or the final wait) told when one ends, one
  // is parked or one gets a session: O(1) per unit, where racing every promise in flight for
  // each free slot is O(concurrency).
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const wakeUp = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fresh = new FreshWindow(Math.min(SCAN_DEFAULTS.parkAfterMs, options.timeoutMs), wakeUp, windowSize, widest);
  const finished = (unit: Unit) => {
    inFlight--;
    fresh.finish(unit);
    wakeUp();
  };

  /** Units on a socket of their own; units holding a session (those included); units waiting for one. */
  let connected = 0;
  let sessions = 0;
  const sessionWaits = new ArrayQueue<() => void>();
  const takeSession = (): void | Promise<void> => {
    if (sessions < maxInFlight) return void sessions++;
    return new Promise<void>((resolve) => sessionWaits.enqueue(resolve));
  };
  const releaseSession = () => {
    // A unit waiting takes the place over: the count stays.
    const next = sessionWaits.dequeue();
    if (next === undefined) return void sessions--;
    next();
  };
  /** A unit on the shared socket gets a session once one is free; `sent`: its probe's datagrams. */
  const withSession = async (unit: Unit, sent: number) => {
    const t = unit.t;
    try {
      const waited = takeSession();
      if (waited) await waited;
      try {
        if (signal.aborted) return deliver(interruptedResult(t.target, sent === 0 ? INTERRUPTED_BEFORE : INTERRUPTED_WHILE, sent));
        const r = await auditWith(t, options, pollShared, deps);
        deliver(sent === 0 ? r : { ...r, requests: r.requests + sent });
      } finally {
        releaseSession();
      }
    } catch (error) {
      failed(error);
    } finally {
      finished(unit);
    }
  };
  /** How a unit's probe ended (see Prober): a result, or on to a session. */
  const probed = (unit: Unit, sent: number, error?: SnmpRequestError) => {
    if (!error) return void withSession(unit, sent);
    const target = unit.t.target;
    try {
      if (error.kind === 'interrupted' || abandon.aborted) {
        deliver(interruptedResult(target, sent === 0 ? INTERRUPTED_BEFORE : INTERRUPTED_WHILE, sent));
      } else {
        deliver({ target, finding: unreachable(pollFailure(error, target)), requests: sent });
      }
    } catch (e) {
      failed(e);
    } finally {
      finished(unit);
    }
  };
  const connectedRun = async (unit: Unit) => {
    connected++;
    sessions++;
    try {
      deliver(await auditWith(unit.t, options, poll, deps));
    } catch (error) {
      failed(error);
    } finally {
      connected--;
      releaseSession();
      finished(unit);
    }
  };
  const begin = (unit: Unit) => {
    const { t } = unit;
    if (signal.aborted) {
      try {
        deliver(interruptedResult(t.target, INTERRUPTED_BEFORE));
      } catch (error) {
        failed(error);
      }
      return finished(unit);
    }
    if (connected < concurrency) return void connectedRun(unit);
    const c = t.credentials;
    if (probing && c.version !== '3' && isIP(t.target.host) === 4) return prober.probe({ address: t.target.host, port: t.target.port }, c, unit);
    void withSession(unit, 0);
  };

  const slotFree = () => new Promise<void>((resolve) => (wake = resolve));
  let started = 0;
  try {
    for (const t of targets) {
      if (broken) break;
      inFlight++;
      // One object per unit in flight: its target and its place in the window.
      const unit: Unit = { t, until: 0, out: false };
      fresh.start(unit);
      begin(unit);
      // The next target is pulled only when a slot is free: the iterable never runs ahead of the units.
      while (sessions >= maxInFlight || prober.pending >= maxProbing || fresh.count >= fresh.size) await slotFree();
      // Every 16 units, let the ones just started reach the wire (their connect and send run on
      // later ticks) before setting up more: the agents get work sooner at the start of a scan.
      if (++started % 16 === 0) await new Promise((r) => setImmediate(r));
    }
  } catch (error) {
    broken ??= { error };
  } finally {
    while (inFlight > 0) await slotFree();
    fresh.close();
    prober.close();
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
  private readonly queue = new ArrayQueue<WindowEntry>();
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

  start(entry: WindowEntry): void {
    // Whole milliseconds (a small integer needs no box of its own: a sweep holds tens of thousands).
    entry.until = Math.ceil(performance.now()) + this.parkAfterMs;
    entry.out = false;
    this.queue.enqueue(entry);
    this.count++;
    this.timer ??= this.arm();
  }

  finish(entry: WindowEntry, answered = true): void {
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
    for (let e = this.queue.peek(); e && (e.out || e.until <= now); e = this.queue.peek()) {
      this.queue.dequeue();
      this.finish(e, false);
    }
  }

  private arm(): NodeJS.Timeout | undefined {
    this.age();
    const oldest = this.queue.peek();
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
