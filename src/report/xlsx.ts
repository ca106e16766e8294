// Excel workbook report (.xlsx, Office Open XML), written with exceljs's streaming writer: each
// row is serialised into the zip as soon as it is added, so memory holds the results and the
// compressed bytes, never a second copy of the fleet as cell objects.
//
// Three sheets:
// - "Units": the CSV's columns (columns.ts), one row per unit, worst verdict first. Number
//   columns are numeric cells; every other cell is an inline string (t="inlineStr"): never a
//   formula, a date or a number by accident, whatever the text looks like (`=1+1`, `2.5.1`,
//   `00012345`, `1/2`). Header frozen, autofilter over the table, widths from the content,
//   verdict cells in the HTML report's colours.
// - "Summary": units by site and verdict, with totals.
// - "Run": tool, version, time, bulletins and the run's settings (the CLI passes no secret).
//
// Device text is untrusted: controls and characters XML cannot hold are shown as escapes
// (escapeControls), and `_xHHHH_`, which Excel and LibreOffice decode as a character escape
// inside cell text, is itself escaped so the cell shows what the device sent.

import { PassThrough, type Writable } from 'node:stream';
import type { Advisory } from '../audit/advisory.js';
import type { AuditResult } from '../audit/audit-result.js';
import { VERDICTS, type Verdict } from '../audit/finding.js';
import { COLUMNS, type Cell, type ColumnKind } from './columns.js';
import { countBySite, NO_SITE, VERDICT_COLORS } from './html-chart.js';
import { escapeControls } from './sanitize.js';
import { summarize } from './summary.js';
import { inReportOrder } from './order.js';
import { excelJs } from '../xlsx-library.js';

export interface XlsxMeta {
  readonly version: string;
  readonly generatedAt: Date;
  readonly advisories: readonly Pick<Advisory, 'id' | 'title'>[];
  /** The run's settings as name/value pairs, for the "Run" sheet. Must hold no secret. */
  readonly settings?: ReadonlyArray<readonly [name: string, value: string]>;
}

export const XLSX_SHEETS = ['Units', 'Summary', 'Run'] as const;

/** Longest text a cell may hold (Excel's limit); longer text is cut and ends with `…`. */
export const XLSX_MAX_CELL_CHARS = 32_767;

/** Number format per numeric column (others: General): amps keep their one decimal, as in the CSV. */
const NUMBER_FORMATS: Readonly<Record<string, string>> = { port: '0', load_amps: '0.0' };

/** Columns whose long sentences wrap inside a wide column instead of running off. */
const WRAPPED = new Set(['reason', 'action']);
const MIN_WIDTH = 6;
const MAX_WIDTH = 48;
const MAX_WRAPPED_WIDTH = 70;
/** exceljs's default column width: a column of exactly this width is left out of the file. */
const EXCELJS_DEFAULT_WIDTH = 9;

/**
 * The width to give exceljs: it writes no <col> for a column whose width equals its default,
 * and the spreadsheet program's own default (8.43 in Excel) would then apply. A hair wider
 * keeps every column's width in the file.
 */
function writtenWidth(width: number): number {
  return width === EXCELJS_DEFAULT_WIDTH ? EXCELJS_DEFAULT_WIDTH + 0.25 : width;
}

/**
 * Untrusted text as cell text that reads back exactly as shown: controls, bidi characters,
 * lone surrogates and the XML-forbidden U+FFFE/U+FFFF become visible escapes; `_xHHHH_`
 * (an OOXML character escape) is written as `_x005F_xHHHH_`, which readers decode back to
 * the literal text.
 */
export function forXlsxText(s: string): string {
  let t = escapeControls(s).replace(/[\uFFFE\uFFFF]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16)}`);
  t = t.replace(/_(x[0-9A-Fa-f]{4}_)/g, '_x005F_$1');
  return t.length > XLSX_MAX_CELL_CHARS ? `${t.slice(0, XLSX_MAX_CELL_CHARS - 1)}…` : t;
}

/** Excel column letters of a 1-based column number: 1 → A, 27 → AA. */
export function columnLetter(n: number): string {
  let s = '';
  for (let i = n; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(65 + ((i - 1) % 26)) + s;
  return s;
}

type XlsxValue = number | { richText: Array<{ text: string }> } | null;

/** A text cell as an inline string; a number column's value as a number; blank as no cell. */
function cellValue(kind: ColumnKind, value: Cell): XlsxValue {
  if (value === undefined || value === '') return null;
  if (kind === 'number') {
    const n = typeof value === 'number' ? value : Number(value);
    if (Number.isFinite(n)) return n;
  }
  return text(String(value));
}

function text(s: string): { richText: Array<{ text: string }> } {
  return { richText: [{ text: forXlsxText(s) }] };
}

function argb(hex: string): { argb: string } {
  return { argb: `FF${hex.replace('#', '').toUpperCase()}` };
}

const HEADER_STYLE = {
  font: { bold: true },
  fill: { type: 'pattern', pattern: 'solid', fgColor: argb('#f3f5f7') },
  border: { bottom: { style: 'thin', color: argb('#8c959f') } },
} as const;

function verdictStyle(v: Verdict) {
  const c = VERDICT_COLORS[v];
  return { font: { bold: true, color: argb(c.ink) }, fill: { type: 'pattern', pattern: 'solid', fgColor: argb(c.fill) } } as const;
}

/** Display length of a cell, for its column's width. */
function shownLength(value: XlsxValue, name: string): number {
  if (value === null) return 0;
  if (typeof value === 'number') return name === 'load_amps' ? value.toFixed(1).length : String(value).length;
  return value.richText[0]?.text.length ?? 0;
}

/**
 * Writes the workbook to `out` and resolves when it is complete. Units are sorted worst
 * verdict first (the order of every report) whatever order they come in.
 */
export async function writeXlsx(results: readonly AuditResult[], meta: XlsxMeta, out: Writable): Promise<XlsxStats> {
  // Loaded on first use: the CLI needs it only for this format.
  const ExcelJS = excelJs();
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  book.creator = `ats-audit ${meta.version}`;
  book.created = meta.generatedAt;
  book.modified = meta.generatedAt;

  const sorted = inReportOrder(results);
  const filter = `$A$1:$${columnLetter(COLUMNS.length)}$${sorted.length + 1}`;
  // The autofilter's range as Excel itself records it: the sheet-local built-in name
  // _xlnm._FilterDatabase. LibreOffice shows no filter buttons without it. exceljs's streaming
  // writer can only write global names, so its defined-names model is given directly (the
  // xlsx tests check the name is there, local to sheet 0).
  Object.defineProperty(book.definedNames, 'model', {
    get: () => [{ name: '_xlnm._FilterDatabase', localSheetId: 0, ranges: [`Units!${filter}`] }],
  });
  const pauses = await writeUnits(book, sorted);
  writeSummary(book, sorted);
  writeRun(book, sorted, meta);
  await book.commit();
  return { pauses };
}

export interface XlsxStats {
  /** How often writing the Units sheet waited for the compressor to catch up. */
  readonly pauses: number;
}

/** The workbook as bytes (see writeXlsx). */
export async function renderXlsx(results: readonly AuditResult[], meta: XlsxMeta): Promise<Uint8Array> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    sink.on('end', resolve);
    sink.on('error', reject);
  });
  await writeXlsx(results, meta, sink);
  await ended;
  return Buffer.concat(chunks);
}

type Book = InstanceType<typeof import('exceljs').stream.xlsx.WorkbookWriter>;

/** Rows written between two looks at the zip's backlog. */
const ROWS_PER_TURN = 256;
/** Uncompressed sheet XML allowed to wait for the zip's compressor before writing pauses. */
const MAX_BACKLOG_BYTES = 1 << 20;

interface Backlog {
  readonly _writableState?: { readonly length?: number };
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * Where a sheet's XML waits for the compressor: exceljs writes each committed row into the
 * zip entry's input stream, which never tells it to wait (exceljs ignores backpressure), so
 * without a pause the whole sheet would queue there. Internals of exceljs 4.4 and archiver 5:
 * undefined if they change, and writing then goes on without pauses (a test checks the pauses
 * happen: test/report/xlsx.test.ts).
 */
export function sheetBacklog(sheet: unknown): Backlog | undefined {
  const input = (sheet as { stream?: { pipes?: unknown[] } }).stream?.pipes?.[0] as Backlog | undefined;
  return typeof input?._writableState?.length === 'number' && typeof input.once === 'function' ? input : undefined;
}

/** Writes the Units sheet; resolves to how often it paused for the compressor. */
async function writeUnits(book: Book, sorted: readonly AuditResult[]): Promise<number> {
  // Widths need every value's length before the first row is written: one pass over the results.
  const widths = COLUMNS.map((c) => c.name.length);
  for (const r of sorted) {
    COLUMNS.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, shownLength(cellValue(c.kind, c.value(r)), c.name));
    });
  }
  const lastColumn = columnLetter(COLUMNS.length);
  const sheet = book.addWorksheet('Units', {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2', activeCell: 'A2' }],
  });
  sheet.autoFilter = `A1:${lastColumn}${sorted.length + 1}`;
  sheet.columns = COLUMNS.map((c, i) => ({
    key: c.name,
    width: writtenWidth(Math.min(Math.max((widths[i] ?? 0) + 2, MIN_WIDTH), WRAPPED.has(c.name) ? MAX_WRAPPED_WIDTH : MAX_WIDTH)),
  }));
  const header = sheet.addRow(COLUMNS.map((c) => text(c.name)));
  header.eachCell((cell) => {
    cell.style = HEADER_STYLE;
  });
  header.commit();
  let written = 0;
  let pauses = 0;
  for (const r of sorted) {
    const row = sheet.addRow(COLUMNS.map((c) => cellValue(c.kind, c.value(r))));
    COLUMNS.forEach((c, i) => {
      const cell = row.getCell(i + 1);
      if (c.name === 'verdict') cell.style = verdictStyle(r.finding.verdict);
      else if (c.kind === 'number' && cell.value !== null) {
        const format = NUMBER_FORMATS[c.name];
        if (format) cell.numFmt = format;
      }
      else if (WRAPPED.has(c.name) && cell.value !== null) cell.alignment = { wrapText: true, vertical: 'top' };
    });
    // Committed rows are serialised and dropped; their XML waits for the compressor, so let it
    // catch up now and then: memory stays flat however large the fleet.
    row.commit();
    if (++written % ROWS_PER_TURN === 0) {
      const backlog = sheetBacklog(sheet);
      if (backlog && (backlog._writableState?.length ?? 0) > MAX_BACKLOG_BYTES) {
        await new Promise<void>((resolve) => backlog.once('drain', resolve));
        pauses += 1;
      }
    }
  }
  sheet.commit();
  return pauses;
}

function writeSummary(book: Book, sorted: readonly AuditResult[]): void {
  const sites = countBySite(sorted);
  const summary = summarize(sorted);
  const sheet = book.addWorksheet('Summary', { views: [{ state: 'frozen', xSplit: 1, ySplit: 1, topLeftCell: 'B2', activeCell: 'B2' }] });
  const widest = Math.max('All sites'.length, NO_SITE.length, ...sites.map((s) => forXlsxText(s.site ?? '').length));
  sheet.columns = [
    { key: 'site', width: Math.min(widest + 2, MAX_WIDTH) },
    ...VERDICTS.map((v) => ({ key: v, width: Math.max(v.length + 2, 8) })),
    { key: 'total', width: 8 },
  ];
  const header = sheet.addRow([text('site'), ...VERDICTS.map((v) => text(v)), text('total')]);
  header.eachCell((cell, n) => {
    const v = VERDICTS[n - 2];
    cell.style = v ? verdictStyle(v) : HEADER_STYLE;
  });
  header.commit();
  for (const s of sites) {
    const row = sheet.addRow([text(s.site ?? NO_SITE), ...VERDICTS.map((v) => s.byVerdict[v]), s.total]);
    if (s.site === undefined) row.getCell(1).font = { italic: true };
    row.commit();
  }
  const total = sheet.addRow([text('All sites'), ...VERDICTS.map((v) => summary.byVerdict[v]), summary.total]);
  total.font = { bold: true };
  total.commit();
  sheet.commit();
}

function writeRun(book: Book, sorted: readonly AuditResult[], meta: XlsxMeta): void {
  const sheet = book.addWorksheet('Run');
  const rows: Array<readonly [string, string | number]> = [
    ['tool', 'ats-audit'],
    ['version', meta.version],
    // Text, in UTC: a date cell would be shown in the reader's time zone without saying so.
    ['generated_at', meta.generatedAt.toISOString()],
    ['bulletins', meta.advisories.map((a) => `${a.id} (${a.title})`).join('; ')],
    ['units', sorted.length],
    ...(meta.settings ?? []),
  ];
  sheet.columns = [
    { key: 'name', width: Math.max(...rows.map(([k]) => k.length)) + 2 },
    { key: 'value', width: Math.min(Math.max(...rows.map(([, v]) => String(v).length)) + 2, 100) },
  ];
  const header = sheet.addRow([text('setting'), text('value')]);
  header.eachCell((cell) => {
    cell.style = HEADER_STYLE;
  });
  header.commit();
  for (const [k, v] of rows) sheet.addRow([text(k), typeof v === 'number' ? v : text(v)]).commit();
  sheet.commit();
}
