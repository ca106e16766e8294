import type { Verdict } from './audit/finding.js';

// Documented in the README ("Exit codes"). 1 is left to Node for crashes so that an
// unexpected failure can never be mistaken for "at-risk units found".
export const EXIT = {
  /** Every target assessed; none at risk. */
  clear: 0,
  /** Unexpected internal error (Node's own code for an uncaught exception). */
  internalError: 1,
  /** Bad invocation or input: nothing, or not everything asked for, was audited. */
  usage: 2,
  /** At least one unit is at risk (takes precedence over "incomplete"). */
  atRisk: 3,
  /** No unit at risk, but some targets could not be assessed (unknown / unreachable). */
  incomplete: 4,
  /** check --package: the planned package is the wrong firmware for a unit (other hardware or product). */
  wrongPackage: 5,
  /** scan --baseline --fail-on: a change named in --fail-on happened since the baseline. */
  changed: 6,
  /** Interrupted by a signal; the report marks unfinished targets. */
  interrupted: 130,
  /** Standard output closed by its reader (`-f ndjson | head`): 128 + SIGPIPE, as a shell reports a filter killed by it. */
  stdoutClosed: 141,
} as const;

/** From the verdicts seen (a streaming scan keeps only these, not the results). */
export function exitCodeFor(verdicts: Iterable<Verdict>): number {
  const seen = new Set(verdicts);
  if (seen.has('at-risk')) return EXIT.atRisk;
  if (seen.has('unknown') || seen.has('unreachable')) return EXIT.incomplete;
  return EXIT.clear;
}
