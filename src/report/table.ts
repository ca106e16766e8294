// Console table for people: worst verdict first; one line of short columns per unit with its
// reason wrapped on the lines below it (a reason column beside eight others would be ~20
// characters wide at 120 columns); then the action for each at-risk and unknown unit, and a
// summary line. Every piece of device or inventory text goes through forTerminal; colour only
// when the caller says so.
//
// Contract: no line is wider than `width`, and no cell is ever cut. When the row does not fit,
// the least needed columns fold into a line under the row (`AOS/app v3.7.4/v3.7.1, site DC1`),
// and a cell still too wide for its column wraps inside it.

import pc from 'picocolors';
import type { AuditResult } from '../audit/audit-result.js';
import { VERDICTS, type Verdict } from '../audit/finding.js';
import { formatChange } from './changes-text.js';
import { targetKey } from '../targets/target.js';
import { batched, joinChunks, reiterable, type ReportChunks } from './chunks.js';
import { formatAmps } from './columns.js';
import { forTerminal } from './sanitize.js';
import { formatSummary, summarize } from './summary.js';
import { inReportOrder } from './order.js';
import { displayWidth, padToWidth, wrapToWidth } from './text-width.js';

export interface TableOptions {
  readonly color: boolean;
  /** Terminal width in columns; default 120. */
  readonly width?: number;
  /** With --baseline: the changes line, printed (wrapped) after the summary. */
  readonly changes?: string;
}

type Colors = ReturnType<typeof pc.createColors>;

export const DEFAULT_TABLE_WIDTH = 120;
/** Longest reason or action text shown (characters after escaping). */
const LONG_TEXT_MAX = 400;
/** Narrowest the reason and action text is wrapped to, however narrow the terminal. */
const MIN_TEXT_WIDTH = 30;
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

/** host, with :port when it is not the SNMP default. */
function hostLabel(r: AuditResult): string {
  return r.target.port === 161 ? r.target.host : targetKey(r.target);
}

/** For the action lines, terminal-safe: `name (host)` or just host. */
function unitLabel(r: AuditResult): string {
  const host = forTerminal(hostLabel(r));
  return r.target.name ? `${forTerminal(r.target.name)} (${host})` : host;
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
  /** How the value is named when the column folds under the row. */
  readonly label: string;
  /** Widest the column gets; a longer cell wraps inside it. Absent: as wide as needed (HOST). */
  readonly max?: number;
  /** Folds under the row when the row is too wide, lowest first; absent: always a column. */
  readonly fold?: number;
  /** Left out when no unit has a value (SITE and NAME without an inventory, CHANGE without a baseline). */
  readonly optional?: boolean;
  readonly value: (r: AuditResult) => string | undefined;
}

const COLUMNS: readonly TableColumn[] = [
  { header: 'VERDICT', label: 'verdict', value: (r) => r.finding.verdict },
  { header: 'CHANGE', label: 'change', max: 28, fold: 5, optional: true, value: (r) => (r.change ? formatChange(r.change) : undefined) },
  { header: 'HOST', label: 'host', value: hostLabel },
  { header: 'NAME', label: 'name', max: 24, fold: 4, optional: true, value: (r) => r.target.name },
  { header: 'SITE', label: 'site', max: 12, fold: 2, optional: true, value: (r) => r.target.site },
  { header: 'MODEL', label: 'model', max: 10, fold: 8, value: (r) => r.identity?.model },
  { header: 'AOS/APP', label: 'AOS/app', max: 17, fold: 1, value: firmware },
  { header: 'PRIMARY', label: 'primary', max: 7, fold: 3, value: (r) => r.finding.facts?.primarySource },
  { header: 'SEC LIVE', label: 'secondary live', max: 8, fold: 7, value: (r) => r.finding.facts?.secondaryLive },
  { header: 'LOAD', label: 'load', max: 14, fold: 6, value: load },
];

const HOST_COLUMN = COLUMNS.findIndex((c) => c.header === 'HOST');
/** Narrowest the host column is squeezed to (its cells then wrap, never cut). */
const MIN_HOST_WIDTH = 12;

interface Layout {
  /** Indexes into COLUMNS shown as columns, in order. */
  readonly shown: readonly number[];
  /** Indexes folded under the row, in COLUMNS order. */
  readonly folded: readonly number[];
  /** Width of each shown column. */
  readonly widths: ReadonlyMap<number, number>;
}

/** What the layout needs to know of all the rows: each column's widest cell and whether any is filled. */
interface ColumnStats {
  /** Widest cell per column (BLANK for an empty one), header included. */
  readonly widest: number[];
  readonly filled: boolean[];
}

/** The terminal-safe cells of one row, per COLUMNS (undefined: no value). */
function rowCells(r: AuditResult): Array<string | undefined> {
  return COLUMNS.map((col) => {
    const v = col.value(r);
    return v ? forTerminal(v) : undefined;
  });
}

/** One pass over the rows; their cells are not kept (they are made again as each row is written). */
function columnStats(rows: Iterable<AuditResult>): ColumnStats {
  const widest = COLUMNS.map((col) => displayWidth(col.header));
  const filled = COLUMNS.map(() => false);
  for (const r of rows) {
    rowCells(r).forEach((cell, i) => {
      widest[i] = Math.max(widest[i]!, displayWidth(cell ?? BLANK));
      if (cell !== undefined) filled[i] = true;
    });
  }
  return { widest, filled };
}

/**
 * Which columns and how wide: each as wide as its widest cell (up to `max`); optional columns
 * nobody fills are left out; then, while the row is wider than `width`, the column with the
 * lowest `fold` moves under the row; last, HOST narrows (its cells wrap).
 */
function layout(stats: ColumnStats, width: number): Layout {
  const natural = COLUMNS.map((col, i) => {
    const widest = stats.widest[i]!;
    return col.max === undefined ? widest : Math.min(widest, Math.max(col.max, displayWidth(col.header)));
  });
  let shown = COLUMNS.map((_c, i) => i).filter((i) => !COLUMNS[i]!.optional || stats.filled[i]);
  const folded: number[] = [];
  const rowWidth = () => shown.reduce((sum, i) => sum + natural[i]!, 0) + GAP.length * (shown.length - 1);
  const foldable = () => shown.filter((i) => COLUMNS[i]!.fold !== undefined).sort((a, b) => COLUMNS[a]!.fold! - COLUMNS[b]!.fold!);
  while (rowWidth() > width && foldable().length > 0) {
    const next = foldable()[0]!;
    folded.push(next);
    shown = shown.filter((i) => i !== next);
  }
  const widths = new Map(shown.map((i) => [i, natural[i]!]));
  const over = rowWidth() - width;
  if (over > 0) widths.set(HOST_COLUMN, Math.max(MIN_HOST_WIDTH, natural[HOST_COLUMN]! - over));
  return { shown, folded: folded.sort((a, b) => a - b), widths };
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

/**
 * The table in chunks (see chunks.ts): column widths from a first pass over the rows, then the
 * header, each row (cells made again), the actions and the summary, line by line.
 */
export function tableChunks(results: readonly AuditResult[], opts: TableOptions): ReportChunks {
  return reiterable(() => batched(tableLines(results, opts)));
}

export function renderTable(results: readonly AuditResult[], opts: TableOptions): string {
  return joinChunks(tableChunks(results, opts));
}

/** The table's lines, each ending in `\n`. */
function* tableLines(results: readonly AuditResult[], opts: TableOptions): Generator<string> {
  const c = pc.createColors(opts.color);
  const width = opts.width && opts.width > 0 ? Math.floor(opts.width) : DEFAULT_TABLE_WIDTH;
  const sorted = inReportOrder(results);

  const { shown, folded, widths } = layout(columnStats(sorted), width);
  // Folded values and the reason go under the row, starting below the second column.
  const indent = (widths.get(0) ?? 0) + GAP.length;
  const textWidth = Math.max(MIN_TEXT_WIDTH, width - indent);

  yield `${c.bold(shown.map((i) => padToWidth(COLUMNS[i]!.header, widths.get(i) ?? 0)).join(GAP).trimEnd())}\n`;
  for (const r of sorted) {
    const row = rowCells(r);
    // Each cell wrapped inside its column: a row may take several lines, a cell is never cut.
    const wrapped = shown.map((i) => wrapToWidth(row[i] ?? BLANK, widths.get(i) ?? 1));
    const height = Math.max(...wrapped.map((w) => w.length));
    for (let line = 0; line < height; line++) {
      const parts = shown.map((i, k) => {
        const padded = padToWidth(wrapped[k]![line] ?? '', widths.get(i) ?? 0);
        return i === 0 ? paintVerdict(c, r.finding.verdict, padded) : padded;
      });
      yield `${parts.join(GAP).trimEnd()}\n`;
    }
    const extra = folded.filter((i) => row[i] !== undefined).map((i) => `${COLUMNS[i]!.label} ${row[i]}`);
    for (const l of [...itemLines(extra, textWidth), ...wrapToWidth(forTerminal(r.finding.reason, LONG_TEXT_MAX), textWidth)]) {
      if (l) yield `${' '.repeat(indent)}${l}\n`;
    }
  }

  const needsAction = (r: AuditResult) => r.finding.verdict === 'at-risk' || r.finding.verdict === 'unknown';
  if (sorted.some(needsAction)) {
    yield `\n${c.bold('Before upgrading:')}\n`;
    for (const r of sorted) if (needsAction(r)) for (const l of actionLines(c, r, width)) yield `${l.trimEnd()}\n`;
  }

  yield '\n';
  for (const l of summaryLines(results, width, c)) yield `${l}\n`;
  if (opts.changes !== undefined) {
    const lines = wrapToWidth(`Changes ${forTerminal(opts.changes, 2000)}`, width, Math.max(MIN_TEXT_WIDTH, width - 2));
    for (const [i, l] of lines.entries()) yield `${i === 0 ? l : `  ${l}`}\n`;
  }
}

/** `name x, site DC1, AOS/app v3.7.4/v3.7.1`: broken between items, an item only when longer than a line. */
function itemLines(items: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  items.forEach((item, k) => {
    const text = k < items.length - 1 ? `${item},` : item;
    if (line && displayWidth(line) + 1 + displayWidth(text) <= width) line += ` ${text}`;
    else {
      if (line) lines.push(line);
      const pieces = wrapToWidth(text, width);
      line = pieces.pop() ?? '';
      lines.push(...pieces);
    }
  });
  if (line) lines.push(line);
  return lines;
}

/** `18 units: 4 at-risk, 4 unknown, ...`, broken between counts (never inside one) to fit `width`. */
function summaryLines(results: readonly AuditResult[], width: number, c: Colors): string[] {
  const summary = summarize(results);
  const plain = formatSummary(summary);
  if (displayWidth(plain) <= width) return [formatSummary(summary, (v, text) => paintVerdict(c, v, text))];
  const head = `${summary.total} ${summary.total === 1 ? 'unit' : 'units'}:`;
  const lines: string[] = [];
  let line = head;
  let used = displayWidth(head);
  VERDICTS.forEach((v, k) => {
    const text = `${summary.byVerdict[v]} ${v}${k < VERDICTS.length - 1 ? ',' : ''}`;
    if (used + 1 + displayWidth(text) > width && used > 2) {
      lines.push(line);
      line = '  ';
      used = 2;
    } else {
      line += ' ';
      used += 1;
    }
    const word = `${summary.byVerdict[v]} ${v}`;
    line += paintVerdict(c, v, word) + text.slice(word.length);
    used += displayWidth(text);
  });
  lines.push(line);
  return lines;
}
