import type { AuditResult } from '../audit/audit-result.js';
import { VERDICTS, type Verdict } from '../audit/finding.js';

/** How many units got each verdict. `byVerdict` has every verdict, worst first, zeros included. */
export interface Summary {
  readonly total: number;
  readonly byVerdict: Readonly<Record<Verdict, number>>;
}

export function summarize(results: readonly AuditResult[]): Summary {
  const byVerdict = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const r of results) byVerdict[r.finding.verdict] += 1;
  return { total: results.length, byVerdict };
}

/**
 * One line for people: `14 units: 2 at-risk, 3 unknown, 2 unreachable, 3 safe-to-upgrade,
 * 2 not-affected, 2 not-ats`. Every verdict is listed, zeros included. `paint` may colour
 * each `count verdict` part.
 */
export function formatSummary(summary: Summary, paint: (verdict: Verdict, text: string) => string = (_v, t) => t): string {
  const parts = VERDICTS.map((v) => paint(v, `${summary.byVerdict[v]} ${v}`));
  return `${summary.total} ${summary.total === 1 ? 'unit' : 'units'}: ${parts.join(', ')}`;
}
