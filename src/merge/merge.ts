import type { AuditResult } from '../audit/audit-result.js';
import { verdictRank } from '../audit/finding.js';
import { escapeControls } from '../report/sanitize.js';
import type { ReadReport, ReadUnit } from './read-report.js';

// Joins per-site reports into one: every unit once. Pure (the time "now" is given).
//
// - The same unit: the same serial number; a reading without a serial (the unit did not answer)
//   joins the unit at the same host, port and site. Two different serials at one address are two
//   units (a card was swapped) and both are kept.
// - The freshest reading wins; at the same time, the less certain verdict (verdictRank). When
//   the readings' verdicts differ, the reason says which reading won and what the others said.
// - With maxAgeMs, a winning reading older than that becomes `unknown`: "reading is 30 h old".

export interface MergeOptions {
  /** ms since the epoch. */
  readonly now: number;
  /** Readings older than this become unknown. */
  readonly maxAgeMs?: number;
}

const addressKey = (r: AuditResult) => JSON.stringify([r.target.host, r.target.port, r.target.site ?? '']);
const serialOf = (r: AuditResult) => r.identity?.serial?.trim() || undefined;

/** Every unit of every report, once, in the order first seen. */
export function mergeReports(reports: readonly ReadReport[], options: MergeOptions): AuditResult[] {
  const all = reports.flatMap((r) => r.units);
  const groups: ReadUnit[][] = [];
  const bySerial = new Map<string, ReadUnit[]>();
  const byAddress = new Map<string, ReadUnit[][]>();
  const place = (u: ReadUnit, group: ReadUnit[] | undefined): ReadUnit[] => {
    const g = group ?? [];
    if (!group) groups.push(g);
    g.push(u);
    const key = addressKey(u.result);
    const at = byAddress.get(key) ?? [];
    if (!at.includes(g)) at.push(g);
    byAddress.set(key, at);
    return g;
  };
  // Units with a serial first, so that a reading without one finds its unit whatever the file order.
  for (const u of all) {
    const serial = serialOf(u.result);
    if (serial !== undefined) bySerial.set(serial, place(u, bySerial.get(serial)));
  }
  for (const u of all) {
    if (serialOf(u.result) !== undefined) continue;
    const candidates = byAddress.get(addressKey(u.result)) ?? [];
    place(u, candidates.length === 0 ? undefined : freshestGroup(candidates));
  }
  return groups.map((g) => ageOut(winnerOf(g), options));
}

function newest(g: readonly ReadUnit[]): number {
  return Math.max(...g.map((u) => u.at));
}

function freshestGroup(groups: readonly ReadUnit[][]): ReadUnit[] {
  return groups.reduce((a, b) => (newest(b) > newest(a) ? b : a));
}

/** Fresher first; at the same time, the less certain verdict first. */
function fresherFirst(a: ReadUnit, b: ReadUnit): number {
  return b.at - a.at || verdictRank(a.result.finding.verdict) - verdictRank(b.result.finding.verdict);
}

function describe(u: ReadUnit): string {
  return `${u.result.reading?.file ?? '?'} at ${new Date(u.at).toISOString()}`;
}

function winnerOf(group: readonly ReadUnit[]): ReadUnit {
  const sorted = [...group].sort(fresherFirst);
  const win = sorted[0]!;
  const others = sorted.slice(1).filter((u) => u.result.finding.verdict !== win.result.finding.verdict);
  if (others.length === 0) return win;
  const shown = others.slice(0, 3).map((u) => `${describe(u)} said ${u.result.finding.verdict}`);
  const more = others.length > 3 ? `, and ${others.length - 3} more` : '';
  const reason =
    `${win.result.finding.reason} (freshest of ${group.length} readings: ${escapeControls(describe(win))}; ` +
    `${escapeControls(shown.join('; '))}${more})`;
  return { ...win, result: { ...win.result, finding: { ...win.result.finding, reason } } };
}

/** "45 min", "30 h", "4 days": how old a reading is, rounded down. */
export function formatAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 72) return `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}

function ageOut(u: ReadUnit, options: MergeOptions): AuditResult {
  const age = options.now - u.at;
  if (options.maxAgeMs === undefined || age <= options.maxAgeMs) return u.result;
  const { finding } = u.result;
  // The old facts are not this unit's state now: they are left out with the verdict.
  const { facts: _stale, ...rest } = finding;
  return {
    ...u.result,
    finding: {
      ...rest,
      verdict: 'unknown',
      reason: `reading is ${formatAge(age)} old (${escapeControls(describe(u))}; older than --max-age); it said ${finding.verdict}: ${finding.reason}`,
      action: 'Audit this unit again: its last reading is too old to act on.',
    },
  };
}
