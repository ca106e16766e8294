import type { AuditResult } from '../audit/audit-result.js';
import type { Finding, Verdict } from '../audit/finding.js';
import type { Gate, UnitCheck } from '../audit/gate.js';
import type { PackagePlan } from '../audit/package-plan.js';
import { targetKey } from '../targets/target.js';
import { forTerminal } from './sanitize.js';

// The words of `check`: per unit a headline, why, the package, what to do first; a summary
// line; a line per change while waiting. Takes only types from audit/. Every piece of device
// text goes through forTerminal.

const TEXT_MAX = 400;
const LABEL_MAX = 40;

export const GATE_WORDS: Readonly<Record<Gate, string>> = {
  ready: 'READY',
  'not-now': 'NOT NOW',
  'wrong-package': 'WRONG PACKAGE',
  'cannot-tell': 'CANNOT TELL',
};

/** A ready poll not yet confirmed by enough consecutive ones. */
const unconfirmed = (u: UnitCheck) => u.readyNow && u.gate !== 'ready';

function headline(u: UnitCheck, packageFile: string | undefined): string {
  const verdict = u.result.finding.verdict;
  const file = packageFile ? forTerminal(u.plan?.packageFile ?? packageFile, 120) : 'a listed package';
  if (unconfirmed(u)) {
    const { polls, needed } = u.confirmation;
    return `ready on ${polls} of ${needed} consecutive polls: not yet confirmed (--confirm ${needed})`;
  }
  switch (u.gate) {
    case 'ready':
      return verdict === 'not-affected'
        ? 'the bulletin does not apply to this unit'
        : `${file} may be flashed now, keeping the precaution below`;
    case 'not-now':
      return `do not flash ${file} now: it could destroy the unit and drop its load`;
    case 'wrong-package':
      return `do not load ${file} on this unit`;
    case 'cannot-tell':
      if (u.plan?.kind === 'not-listed') return `${file} is outside the bulletins; this tool cannot clear it`;
      return verdictWhy(verdict);
  }
}

function verdictWhy(verdict: Verdict): string {
  switch (verdict) {
    case 'unreachable':
      return 'the unit did not answer, so it cannot be cleared';
    case 'not-ats':
      return 'not a Rack ATS: this gate cannot clear it';
    default:
      return 'the data do not prove it safe';
  }
}

/** `127.0.80.1:16161 dc1-r01-ats AP7722A`, terminal-safe. */
export function unitLabel(r: AuditResult): string {
  const parts = [targetKey(r.target), r.target.name ?? r.identity?.sysName, r.identity?.model].filter(
    (p): p is string => typeof p === 'string' && p.trim() !== '',
  );
  return parts.map((p) => forTerminal(p, LABEL_MAX)).join('  ');
}

function packageLine(plan: PackagePlan): string {
  if (plan.kind === 'listed') {
    return `${plan.packageFile} is listed in ${plan.advisoryIds.join(', ')}: the bulletin's rules apply (the verdict above decides)`;
  }
  return plan.reason;
}

/** What to do first: for a wrong package its action only; else the finding's, and the unlisted package's. */
function firstSteps(u: UnitCheck): string[] {
  const f = u.result.finding;
  if (u.plan && u.gate === 'wrong-package') return [u.plan.action];
  const first: string[] = [];
  if (f.action) first.push(f.action);
  if (u.plan?.kind === 'not-listed') first.push(u.plan.action);
  return first;
}

/** The short human block for one unit: headline, why, package, what to do first. */
export function renderUnit(u: UnitCheck, packageFile: string | undefined): string {
  const f = u.result.finding;
  const t = (s: string) => forTerminal(s, TEXT_MAX);
  const lines = [`${GATE_WORDS[u.gate]}  ${unitLabel(u.result)}  [${f.verdict}]: ${headline(u, packageFile)}`, `  why:     ${t(f.reason)}`];
  if (u.plan) lines.push(`  package: ${t(packageLine(u.plan))}`);
  const first = firstSteps(u);
  if (first.length > 0) lines.push(`  first:   ${t(first.join(' '))}`);
  return `${lines.join('\n')}\n`;
}

const EXIT_MEANING: Readonly<Record<number, string>> = {
  0: 'every unit is ready',
  3: 'at least one unit is at risk',
  5: 'the package is the wrong firmware for at least one unit',
  4: 'at least one unit could not be cleared',
};

/** One line: how many units stand where, and what the exit code (checkExitCode) means. */
export function renderSummary(units: readonly UnitCheck[], code: number): string {
  const count = (g: Gate) => units.filter((u) => u.gate === g).length;
  const parts = (['ready', 'not-now', 'wrong-package', 'cannot-tell'] as const).filter((g) => count(g) > 0).map((g) => `${count(g)} ${GATE_WORDS[g].toLowerCase()}`);
  return `${units.length} ${units.length === 1 ? 'unit' : 'units'}: ${parts.join(', ')} (exit ${code}: ${EXIT_MEANING[code] ?? 'see --help'})\n`;
}

export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One line while waiting: a unit whose state changed. */
export function renderChange(at: number, before: UnitCheck, after: UnitCheck): string {
  const was = before.result.finding.verdict;
  const now = after.result.finding.verdict;
  const what = was === now ? `still ${now}` : `${was} -> ${now}`;
  const gate = unconfirmed(after) ? `READY on ${after.confirmation.polls} of ${after.confirmation.needed} polls` : GATE_WORDS[after.gate];
  return `${timestamp(at)}  ${unitLabel(after.result)}: ${what} (${gate}): ${forTerminal(after.result.finding.reason, TEXT_MAX)}\n`;
}

/**
 * The unit's finding with the gate folded in, for the report formats (CSV, JSON, ndjson): the
 * verdict stays the audit's; the reason starts with the gate and its headline, the package line
 * follows; the action is what to do first. Plain text: each format escapes it its own way.
 */
export function gatedFinding(u: UnitCheck, packageFile: string | undefined): Finding {
  const f = u.result.finding;
  const reason = [`${GATE_WORDS[u.gate]}: ${headline(u, packageFile)}`, f.reason, u.plan ? `package: ${packageLine(u.plan)}` : undefined]
    .filter((s): s is string => s !== undefined && s !== '')
    .join('. ');
  return { ...f, reason, action: firstSteps(u).join(' ') };
}
