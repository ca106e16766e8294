import type { Comparison } from '../changes/baseline.js';
import { CHANGE_KINDS, type UnitChange } from '../changes/change-kinds.js';

// The words of a baseline comparison: the `change` cell, the one-line summary for people and
// the JSON report's `baseline` object. The comparison itself is src/changes/baseline.ts.

/** The `change` cell: the kinds separated by single spaces, e.g. `new-at-risk firmware-changed`. */
export function formatChange(change: UnitChange): string {
  return change.kinds.join(' ');
}

/**
 * One line for people, kinds with a count only:
 * `since old.csv (14 units): 1 new-at-risk, 1 firmware-changed, 12 unchanged; 1 gone: 10.0.0.9:161`.
 * The gone list is cut after `maxGone` units. Quotes inventory text: pass it through forTerminal.
 */
export function formatChangeSummary(comparison: Comparison, maxGone = 10): string {
  const { summary, gone } = comparison;
  const parts = CHANGE_KINDS.filter((k) => k !== 'gone' && summary.byKind[k] > 0).map((k) => `${summary.byKind[k]} ${k}`);
  let text = `since ${summary.baselineFile} (${summary.baselineTotal} ${summary.baselineTotal === 1 ? 'unit' : 'units'}): ${
    parts.length ? parts.join(', ') : 'no units in this run'
  }`;
  if (gone.length > 0) {
    const shown = gone.slice(0, maxGone).map((u) => (u.name ? `${u.name} (${u.key})` : u.key));
    const more = gone.length > maxGone ? `, and ${gone.length - maxGone} more` : '';
    text += `; ${gone.length} gone (in the baseline, not polled in this run): ${shown.join(', ')}${more}`;
  }
  return text;
}

/** The comparison as the JSON report's top-level `baseline` object. */
export function comparisonJson(comparison: Comparison) {
  return {
    file: comparison.baseline.file,
    format: comparison.baseline.format,
    generatedAt: comparison.baseline.generatedAt ?? null,
    summary: { total: comparison.summary.total, baselineTotal: comparison.summary.baselineTotal, byKind: comparison.summary.byKind },
    gone: comparison.gone.map((u) => ({ host: u.host, port: u.port, name: u.name ?? null, site: u.site ?? null, verdict: u.verdict })),
  };
}
