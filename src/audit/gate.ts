import type { Advisory } from './advisory.js';
import type { AuditResult } from './audit-result.js';
import { isWrongPackage, planPackage, type PackagePlan } from './package-plan.js';
import { EXIT } from '../exit-codes.js';

// The pre-upgrade gate, judged: one unit's audit result (and planned package) -> where it
// stands; consecutive polls -> whether "ready" is confirmed. Pure: no I/O, no clock.

/** Exit codes of `check`: the scan's, plus one for a package that must not be loaded. */
export const CHECK_EXIT = {
  /** Every unit ready: safe-to-upgrade or not-affected, confirmed, and --package (if given) is a listed package that fits it. */
  ready: EXIT.clear,
  usage: EXIT.usage,
  /** At least one unit is at risk: a listed upgrade now could destroy it. Takes precedence. */
  atRisk: EXIT.atRisk,
  /**
   * Nothing at risk, but some unit could not be cleared: unknown, unreachable, not a Rack ATS,
   * --package not listed in any bulletin, or ready but not yet confirmed by enough polls.
   */
  incomplete: EXIT.incomplete,
  /** Nothing at risk, but --package is the wrong firmware for at least one unit (hardware or product line). */
  wrongPackage: EXIT.wrongPackage,
} as const;

/** How one unit stands at the gate. */
export type Gate = 'ready' | 'not-now' | 'wrong-package' | 'cannot-tell';

export interface UnitCheck {
  readonly result: AuditResult;
  /** With --package only. */
  readonly plan?: PackagePlan;
  /** After confirmation: `ready` only once enough consecutive polls agreed. */
  readonly gate: Gate;
  /** This poll alone would be ready. */
  readonly readyNow: boolean;
  /** Consecutive agreeing ready polls so far (this one included), and how many are needed. */
  readonly confirmation: { readonly polls: number; readonly needed: number };
}

/** Where one unit stands on one poll: at risk stops everything; a wrong file comes next; then anything unproven. */
export function gateOf(result: AuditResult, plan: PackagePlan | undefined): Gate {
  const verdict = result.finding.verdict;
  if (verdict === 'at-risk') return 'not-now';
  if (plan && isWrongPackage(plan)) return 'wrong-package';
  if ((verdict === 'safe-to-upgrade' || verdict === 'not-affected') && (!plan || plan.kind === 'listed')) return 'ready';
  return 'cannot-tell';
}

/**
 * One unit on one poll. `previous` is its check on the poll before; `spaced` says whether this
 * poll started at least the interval after that one. Ready needs `needed` consecutive spaced
 * polls that are all ready and in the same state (stateSignature): a flapping unit cannot open
 * the gate on one lucky read. Until then a ready unit stands at cannot-tell.
 */
export function checkUnit(
  result: AuditResult,
  advisories: readonly Advisory[],
  packageFile: string | undefined,
  confirm: { readonly needed: number; readonly previous?: UnitCheck; readonly spaced?: boolean } = { needed: 1 },
): UnitCheck {
  const plan =
    packageFile === undefined
      ? undefined
      : planPackage({ packageFile, finding: result.finding, advisories, ...(result.identity && { identity: result.identity }) });
  const gate = gateOf(result, plan);
  const readyNow = gate === 'ready';
  const unconfirmed: UnitCheck = { result, ...(plan && { plan }), gate, readyNow, confirmation: { polls: 0, needed: confirm.needed } };
  if (!readyNow) return unconfirmed;
  const prev = confirm.previous;
  const agrees = prev !== undefined && prev.readyNow && confirm.spaced === true && stateSignature(prev) === stateSignature(unconfirmed);
  const polls = agrees ? prev.confirmation.polls + 1 : 1;
  return { ...unconfirmed, gate: polls >= confirm.needed ? 'ready' : 'cannot-tell', confirmation: { polls, needed: confirm.needed } };
}

/** 3 if any unit is at risk, else 5 for a wrong package, else 4 if any unit is not cleared, else 0. */
export function checkExitCode(units: readonly UnitCheck[]): number {
  if (units.some((u) => u.gate === 'not-now')) return CHECK_EXIT.atRisk;
  if (units.some((u) => u.gate === 'wrong-package')) return CHECK_EXIT.wrongPackage;
  if (units.some((u) => u.gate === 'cannot-tell')) return CHECK_EXIT.incomplete;
  return CHECK_EXIT.ready;
}

/**
 * What counts as a change of state between polls, from the structured facts (never the reason
 * text): readiness, verdict, bulletin, package outcome, the primary and selected source, each
 * input's status, whether the secondary is live and a load attached. A load moving from 4.2 A
 * to 4.3 A is not news; a load appearing is.
 */
export function stateSignature(u: Pick<UnitCheck, 'result' | 'plan' | 'readyNow'>): string {
  const { finding } = u.result;
  const f = finding.facts;
  return JSON.stringify([
    u.readyNow,
    finding.verdict,
    finding.advisoryId ?? null,
    u.plan?.kind ?? null,
    f ? [f.primarySource, f.selectedSource, f.sourceA, f.sourceB, f.secondaryLive, f.loadAttached] : null,
  ]);
}
