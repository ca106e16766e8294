import type { AuditResult } from './audit-result.js';
import type { Finding } from './finding.js';
import type { PollFailure } from '../poll/reading.js';
import type { Target } from '../targets/target.js';

// Findings for targets that gave no usable answer: unreachable, interrupted, invalid as given.
// Every target still gets exactly one result with a verdict and a reason. Pure.

/** A unit the interrupted scan did not finish: listed, verdict unknown, never guessed. */
export function interruptedResult(target: Target, reason: string, requests = 0): AuditResult {
  return { target, finding: { verdict: 'unknown', reason, action: 'Audit this unit again.' }, requests };
}

/** Findings already made, by kind and words: a sweep gives tens of thousands of units the same reason. */
const made = new Map<string, Finding>();
/** Distinct reasons kept at most; past it the memory starts again (reasons that name hosts never repeat). */
const MAX_MADE = 256;

/**
 * The finding of a unit that gave no usable answer. Units with the same failure in the same
 * words share one frozen finding: nothing changes a finding once made, and a sweep of a /16 then
 * holds one reason, not 65,000 copies of it.
 */
export function unreachable(f: PollFailure): Finding {
  const key = `${f.kind}\0${f.message}`;
  let finding = made.get(key);
  if (finding === undefined) {
    if (made.size >= MAX_MADE) made.clear();
    finding = Object.freeze(makeUnreachable(f));
    made.set(key, finding);
  }
  return finding;
}

function makeUnreachable(f: PollFailure): Finding {
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
