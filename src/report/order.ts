// The one order of every report (table, CSV, JSON, HTML, Prometheus): worst verdict first,
// then site, then host (numeric-aware: 10.0.0.9 before 10.0.0.10), then port. The scan sorts
// once with it before rendering; a renderer that promises this order to callers of its own
// (renderTable, renderHtml) applies the same function. ndjson is written as units finish.

import type { AuditResult } from '../audit/audit-result.js';
import { verdictRank } from '../audit/finding.js';

const collator = new Intl.Collator('en', { numeric: true });

/** Blank (undefined or empty) sorts last. */
function compareText(a: string | undefined, b: string | undefined): number {
  if (!a || !b) return (a ? 0 : 1) - (b ? 0 : 1);
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

export function compareReportOrder(a: AuditResult, b: AuditResult): number {
  return (
    verdictRank(a.finding.verdict) - verdictRank(b.finding.verdict) ||
    compareText(a.target.site, b.target.site) ||
    compareText(a.target.host, b.target.host) ||
    a.target.port - b.target.port
  );
}

/** A sorted copy. */
export function inReportOrder<T extends AuditResult>(results: readonly T[]): T[] {
  return [...results].sort(compareReportOrder);
}
