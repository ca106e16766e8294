import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import type { Advisory } from './advisory.js';
import type { AuditResult } from './audit-result.js';
import { classify } from './classify.js';
import { evaluate } from './evaluate.js';
import type { Finding } from './finding.js';
import { defaultDeps, INTERRUPTED_BEFORE, pollUnit, type PollDeps, type PollOptions } from './poll.js';
import { rateLimiter } from './rate-limit.js';
import type { PollFailure } from './reading.js';
import type { AuditTarget, Target } from './target.js';

// Targets in, one result per target out. p-limit bounds the units in flight; the target
// iterable is pulled only when a slot is free, so a lazy list (a /16) is never held in memory,
// and each unit's socket lives only while that unit is polled: open sockets never exceed the
// concurrency.

/**
 * Defaults for a fleet with dead hosts: a silent unit costs timeoutMs × (retries + 1) = 4 s,
 * and with ~1000 units in flight (see fd-limit.ts) a thousand of them wait that out together.
 */
export const SCAN_DEFAULTS = {
  timeoutMs: 2000,
  retries: 1,
  /** How long units in flight may still finish after an interrupt. */
  graceMs: 1000,
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
}

export async function scan(targets: Iterable<AuditTarget>, options: ScanOptions, deps: PollDeps = defaultDeps): Promise<AuditResult[]> {
  const { concurrency } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number ≥ 1, got ${concurrency}`);
  const collect = options.collect ?? true;
  const results: AuditResult[] = [];
  const limiter = options.rate === undefined ? undefined : rateLimiter(options.rate);
  // The caller's signal is relayed to one of ours, so that a listener per unit in flight (a
  // thousand) neither trips Node's leak warning nor is hung on the caller's object.
  const interrupt = new AbortController();
  // After the interrupt and its grace, units still in flight are given up (their sockets closed).
  const abandon = new AbortController();
  setMaxListeners(0, interrupt.signal, abandon.signal);
  const signal = interrupt.signal;
  let graceTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    interrupt.abort();
    graceTimer ??= setTimeout(() => abandon.abort(), options.graceMs ?? SCAN_DEFAULTS.graceMs);
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const poll: PollOptions = {
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    signal,
    abandon: abandon.signal,
    ...(limiter ? { beforeRequest: (s?: AbortSignal) => limiter.take(s) } : {}),
  };
  const limit = pLimit(concurrency);
  const inFlight = new Set<Promise<void>>();
  let broken: { error: unknown } | undefined;
  const run = async (t: AuditTarget) => {
    const result = signal.aborted ? interruptedResult(t.target, INTERRUPTED_BEFORE) : await auditWith(t, options, poll, deps);
    if (collect) results.push(result);
    options.onResult?.(result);
  };
  try {
    for (const t of targets) {
      if (broken) break;
      const p: Promise<void> = limit(run, t)
        .catch((error: unknown) => {
          // A failing onResult stops the scan; the first error is rethrown.
          broken ??= { error };
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      // The next target is pulled only when a slot is free: the iterable never runs ahead of the units.
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
  } catch (error) {
    broken ??= { error };
  } finally {
    await Promise.all(inFlight);
    clearTimeout(graceTimer);
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (broken) throw broken.error;
  return results;
}

/** One unit on its own (no rate limit; `signal`, when given, interrupts it). */
export async function auditOne(t: AuditTarget, options: ScanOptions, deps: PollDeps = defaultDeps): Promise<AuditResult> {
  return auditWith(t, options, { timeoutMs: options.timeoutMs, retries: options.retries, ...(options.signal ? { signal: options.signal } : {}) }, deps);
}

async function auditWith(t: AuditTarget, options: Pick<ScanOptions, 'advisories'>, poll: PollOptions, deps: PollDeps): Promise<AuditResult> {
  const outcome = await pollUnit(t.target, t.credentials, poll, deps);
  if (!outcome.ok) {
    if (outcome.kind === 'interrupted') return interruptedResult(t.target, outcome.message, outcome.requests);
    return { target: t.target, finding: unreachable(outcome), requests: outcome.requests };
  }
  const device = classify(outcome.reading, outcome.walked);
  return {
    target: t.target,
    finding: evaluate(device, options.advisories),
    identity: device.identity,
    raw: { reading: outcome.reading, walked: outcome.walked },
    requests: outcome.requests,
  };
}

/** A unit the interrupted scan did not finish: listed, verdict unknown, never guessed. */
function interruptedResult(target: Target, reason: string, requests = 0): AuditResult {
  return { target, finding: { verdict: 'unknown', reason, action: 'Audit this unit again.' }, requests };
}

export function unreachable(f: PollFailure): Finding {
  return {
    verdict: 'unreachable',
    reason: f.message,
    action:
      f.kind === 'dns'
        ? 'Check the host name or use the IP address.'
        : f.kind === 'timeout'
          ? 'Check the unit is powered and networked, SNMP is enabled on its card, and the community/version match.'
          : f.kind === 'refused'
            ? 'Check the port (SNMP agents listen on 161) and that SNMP is enabled on the unit\'s card.'
            : 'Check the unit\'s SNMP configuration; see the reason.',
  };
}

/** A target that could not be audited at all (bad input): still reported, never dropped. */
export function invalidTargetResult(target: Target, message: string): AuditResult {
  return { target, finding: { verdict: 'unreachable', reason: message, action: 'Fix the target in the inventory.' }, requests: 0 };
}
