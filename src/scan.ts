import pLimit from 'p-limit';
import type { Advisory } from './advisory.js';
import type { AuditResult } from './audit-result.js';
import { classify } from './classify.js';
import { evaluate } from './evaluate.js';
import type { Finding } from './finding.js';
import { defaultDeps, pollUnit, type PollDeps, type PollOptions } from './poll.js';
import type { PollFailure } from './reading.js';
import type { AuditTarget, Target } from './target.js';

// Targets in, one result per target out. Concurrency is bounded and so is the queue: a lazy
// target list (a /16) is pulled only as fast as units finish, so memory stays flat.

export interface ScanOptions extends PollOptions {
  readonly concurrency: number;
  readonly advisories: readonly Advisory[];
  /** Called as soon as each unit's result is known (streaming formats, progress). */
  readonly onResult?: (result: AuditResult) => void;
}

export async function scan(targets: Iterable<AuditTarget>, options: ScanOptions, deps: PollDeps = defaultDeps): Promise<AuditResult[]> {
  const limit = pLimit(options.concurrency);
  const results: AuditResult[] = [];
  const running = new Set<Promise<void>>();
  for (const t of targets) {
    // Back-pressure: never queue more than one batch beyond what is running.
    while (running.size >= options.concurrency * 2) await Promise.race(running);
    const p: Promise<void> = limit(() => auditOne(t, options, deps)).then((r) => {
      results.push(r);
      options.onResult?.(r);
      running.delete(p);
    });
    running.add(p);
  }
  await Promise.all(running);
  return results;
}

export async function auditOne(t: AuditTarget, options: ScanOptions, deps: PollDeps = defaultDeps): Promise<AuditResult> {
  const outcome = await pollUnit(t.target, t.credentials, options, deps);
  if (!outcome.ok) {
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

export function unreachable(f: PollFailure): Finding {
  return {
    verdict: 'unreachable',
    reason: f.message,
    action:
      f.kind === 'dns'
        ? 'Check the host name or use the IP address.'
        : f.kind === 'timeout'
          ? 'Check the unit is powered and networked, SNMP is enabled on its card, and the community/version match.'
          : 'Check the unit\'s SNMP configuration; see the reason.',
  };
}

/** A target that could not be audited at all (bad input): still reported, never dropped. */
export function invalidTargetResult(target: Target, message: string): AuditResult {
  return { target, finding: { verdict: 'unreachable', reason: message, action: 'Fix the target in the inventory.' }, requests: 0 };
}
