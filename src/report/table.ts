// Console table for people: worst verdict first; one line of short columns per unit with its
// reason wrapped on the lines below it (a reason column beside eight others would be ~20
// characters wide at 120 columns); then the action for each at-risk and unknown unit, and a
// summary line. Every piece of device or inventory text goes through forTerminal; colour only
// when the caller says so.

import pc from 'picocolors';
import type { AuditResult } from '../audit/audit-result.js';
import { verdictRank, type Verdict } from '../audit/finding.js';
import { targetKey } from '../targets/target.js';
import { formatAmps } from './columns.js';
import { forTerminal } from './sanitize.js';
import { formatSummary, summarize } from './summary.js';
import { displayWidth, padToWidth, truncateToWidth, wrapToWidth } from './text-width.js';

export interface TableOptions {
  readonly color: boolean;
  /** Terminal width in columns; default 120. */
  readonly width?: number;
}

type Colors = ReturnType<typeof pc.createColors>;

export const DEFAULT_TABLE_WIDTH = 120;
/** Longest reason or action text shown (characters after escaping). */
const LONG_TEXT_MAX = 400;
/** Narrowest the reason and action text is wrapped to, however narrow the terminal. */
const MIN_TEXT_WIDTH = 30;
/** Longest name shown in an action line (the host follows it in brackets). */
const LABEL_MAX = 40;
const GAP = '  ';
const BLANK = '-';

/**
 * Colour on or off for a stream: on only when the stream is a TTY and NO_COLOR is unset or
 * empty (https://no-color.org) and TERM is not `dumb`. A non-empty FORCE_COLOR overrides all
 * of that: `0` or `false` turn colour off, any other value turns it on.
 */
export function shouldUseColor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

const collator = new Intl.Collator('en', { numeric: true });

/** Blank (undefined or empty) sorts last. */
function compareText(a: string | undefined, b: string | undefined): number {
  if (!a || !b) return (a ? 0 : 1) - (b ? 0 : 1);
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Worst verdict first, then site, then host (numeric-aware: 10.0.0.9 before 10.0.0.10), then port. */
export function compareForTable(a: AuditResult, b: AuditResult): number {
  return (
    verdictRank(a.finding.verdict) - verdictRank(b.finding.verdict) ||
    compareText(a.target.site, b.target.site) ||
    compareText(a.target.host, b.target.host) ||
    a.target.port - b.target.port
  );
}

/** host, with :port when it is not the SNMP default. */
function hostLabel(r: AuditResult): string {
  return r.target.port === 161 ? r.target.host : targetKey(r.target);
}

/** For the action lines, terminal-safe: `name (host)` or just host. */
function unitLabel(r: AuditResult): string {
  const host = forTerminal(hostLabel(r));
  return r.target.name ? `${forTerminal(r.target.name, LABEL_MAX)} (${host})` : host;
}

function firmware(r: AuditResult): string | undefined {
  const aos = r.identity?.aosVersion;
  const app = r.identity?.appVersion;
  if (!aos && !app) return undefined;
  return `${aos || '?'}/${app || '?'}`;
}

function load(r: AuditResult): string | undefined {
  const facts = r.finding.facts;
  if (!facts) return undefined;
  const amps = formatAmps(facts.loadAmps);
  return amps === undefined ? facts.loadAttached : `${facts.loadAttached} ${amps}A`;
}

interface TableColumn {
  readonly header: string;
  /** Widest the column may get (cells are cut with `…`). */
  readonly max: number;
  /** Narrowest it may be squeezed to on a narrow terminal; absent = never squeezed. */
  readonly min?: number;
  readonly value: (r: AuditResult) => string | undefined;
}

const COLUMNS: readonly TableColumn[] = [
  { header: 'VERDICT', max: 15, value: (r) => r.finding.verdict },
  { header: 'HOST', max: 24, min: 12, value: (r) => r.target.name || hostLabel(r) },
  { header: 'SITE', max: 12, min: 6, value: (r) => r.target.site },
  { header: 'MODEL', max: 10, min: 7, value: (r) => r.identity?.model },
  { header: 'AOS/APP', max: 17, min: 9, value: firmware },
  { header: 'PRIMARY', max: 7, value: (r) => r.finding.facts?.primarySource },
  { header: 'SEC LIVE', max: 8, value: (r) => r.finding.facts?.secondaryLive },
  { header: 'LOAD', max: 14, value: load },
];

/**
 * Column widths: each as wide as its widest cell (up to `max`); then, while the row is wider
 * than the terminal, the widest column that may be squeezed loses one.
 */
function columnWidths(cells: readonly string[][], width: number): number[] {
  const widths = COLUMNS.map((col, i) =>
    Math.max(displayWidth(col.header), ...cells.map((row) => displayWidth(row[i] ?? ''))),
  );
  const floor = (i: number) => Math.max(COLUMNS[i]?.min ?? Infinity, displayWidth(COLUMNS[i]?.header ?? ''));
  const rowWidth = () => widths.reduce((sum, w) => sum + w, 0) + GAP.length * (widths.length - 1);
  while (rowWidth() > width) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (w > floor(i) && (widest < 0 || w > (widths[widest] ?? 0))) widest = i;
    });
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  return widths;
}

function paintVerdict(c: Colors, verdict: Verdict, text: string): string {
  switch (verdict) {
    case 'at-risk':
      return c.bold(c.red(text));
    case 'unknown':
    case 'unreachable':
      return c.yellow(text);
    case 'safe-to-upgrade':
      return c.green(text);
    case 'not-affected':
    case 'not-ats':
      return c.dim(text);
  }
}

/** `  <verdict> <unit>: <action>`, wrapped, later lines indented by 4. */
function actionLines(c: Colors, r: AuditResult, width: number): string[] {
  const verdict = r.finding.verdict;
  const action = r.finding.action ? forTerminal(r.finding.action, LONG_TEXT_MAX) : '(no action given)';
  const lines = wrapToWidth(`${verdict} ${unitLabel(r)}: ${action}`, Math.max(MIN_TEXT_WIDTH, width - 2), Math.max(MIN_TEXT_WIDTH, width - 4));
  return lines.map((line, i) =>
    // Coloured after wrapping, so widths are measured on plain text.
    i === 0 ? `  ${paintVerdict(c, verdict, verdict)}${line.slice(verdict.length)}` : `    ${line}`,
  );
}

export function renderTable(results: readonly AuditResult[], opts: TableOptions): string {
  const c = pc.createColors(opts.color);
  const width = opts.width && opts.width > 0 ? Math.floor(opts.width) : DEFAULT_TABLE_WIDTH;
  const sorted = [...results].sort(compareForTable);

  const cells = sorted.map((r) =>
    COLUMNS.map((col) => {
      const v = col.value(r);
      return v ? truncateToWidth(forTerminal(v), col.max) : BLANK;
    }),
  );
  const widths = columnWidths(cells, width);
  // The reason goes under the row, starting below HOST.
  const reasonIndent = (widths[0] ?? 0) + GAP.length;
  const reasonWidth = Math.max(MIN_TEXT_WIDTH, width - reasonIndent);

  const lines: string[] = [c.bold(COLUMNS.map((col, i) => padToWidth(col.header, widths[i] ?? 0)).join(GAP).trimEnd())];
  sorted.forEach((r, rowIndex) => {
    const row = cells[rowIndex] ?? [];
    const parts = COLUMNS.map((_col, i) => {
      const w = widths[i] ?? 0;
      const padded = padToWidth(truncateToWidth(row[i] ?? '', w), w);
      return i === 0 ? paintVerdict(c, r.finding.verdict, padded) : padded;
    });
    lines.push(parts.join(GAP).trimEnd());
    for (const reasonLine of wrapToWidth(forTerminal(r.finding.reason, LONG_TEXT_MAX), reasonWidth)) {
      if (reasonLine) lines.push(' '.repeat(reasonIndent) + reasonLine);
    }
  });

  const needAction = sorted.filter((r) => r.finding.verdict === 'at-risk' || r.finding.verdict === 'unknown');
  if (needAction.length > 0) {
    lines.push('', c.bold('Before upgrading:'));
    for (const r of needAction) lines.push(...actionLines(c, r, width).map((l) => l.trimEnd()));
  }

  lines.push('', formatSummary(summarize(results), (v, text) => paintVerdict(c, v, text)));
  return `${lines.join('\n')}\n`;
}
