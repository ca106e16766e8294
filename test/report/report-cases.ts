import type { AuditResult } from '../../src/audit/audit-result.js';
import { changeOf, compareWithBaseline, parseBaseline } from '../../src/changes/baseline.js';
import { renderJson } from '../../src/report/json.js';
import type { RenderContext } from '../../src/report/formats.js';
import { targetKey } from '../../src/targets/target.js';
import { manyResults } from '../fixtures/many-results.js';
import { FLEET, FLEET_WITH_HOSTILE, renderContext } from '../fixtures/results.js';

/** Inputs every text format is rendered from in the reference-output test (chunks.test.ts). */
export interface ReportCase {
  readonly name: string;
  readonly results: readonly AuditResult[];
  readonly ctx: RenderContext;
}

/** `results` with their change since a baseline of FLEET (some units new, some changed), and the comparison. */
function withBaseline(results: readonly AuditResult[]): { results: AuditResult[]; ctx: Pick<RenderContext, 'baseline'> } {
  const before = renderJson(FLEET.map((r, i) => (i % 2 === 0 ? r : { ...r, finding: { ...r.finding, verdict: 'unknown' as const } })), {
    version: '0.0.9',
    generatedAt: '2024-12-31T00:00:00.000Z',
    advisories: ['FA156178'],
  });
  const baseline = parseBaseline(before, 'before.json');
  return {
    results: results.map((r) => ({ ...r, change: changeOf(baseline.units.get(targetKey(r.target)), r) })),
    ctx: { baseline: compareWithBaseline(baseline, results) },
  };
}

export function reportCases(): ReportCase[] {
  const many = manyResults(700, 97);
  const changed = withBaseline(many);
  return [
    { name: 'fleet', results: FLEET_WITH_HOSTILE, ctx: renderContext() },
    { name: 'empty', results: [], ctx: renderContext() },
    { name: 'narrow-color', results: FLEET_WITH_HOSTILE, ctx: renderContext({ width: 40, color: true, excel: true }) },
    { name: 'many', results: many, ctx: renderContext() },
    { name: 'many-baseline', results: changed.results, ctx: renderContext({ ...changed.ctx, width: 70, color: true, excel: true }) },
  ];
}
