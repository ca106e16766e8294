// CSV report: a header row, then one row per unit, columns as in columns.ts.
// Records end with CRLF (RFC 4180; what spreadsheets expect). Every text cell (the header,
// device and inventory text, enum words) is quoted and numbers are not, so an import that
// keeps quoted fields as text (LibreOffice's "Format quoted field as text"; docs/formats.md)
// keeps versions, serials and names exactly, and still reads port, voltages and amps as
// numbers. A blank cell is empty, unquoted. Untrusted text goes through forCsvCell.

import { stringify, type Options } from 'csv-stringify/sync';
import type { AuditResult } from '../audit/audit-result.js';
import { batched, joinChunks, reiterable, type ReportChunks } from './chunks.js';
import { COLUMNS, COLUMN_NAMES, type Cell } from './columns.js';
import { forCsvCell } from './sanitize.js';

export interface CsvOptions {
  /** Start with a UTF-8 byte order mark, so Excel reads the file as UTF-8. Default false. */
  readonly bom?: boolean;
}

function cell(kind: 'text' | 'enum' | 'number', value: Cell): string | number {
  if (value === undefined || value === '') return '';
  if (kind === 'number') {
    // A number column's value is a number, written unquoted (amps keep their one decimal below).
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  return kind === 'text' ? forCsvCell(String(value)) : String(value);
}

const LOAD_AMPS = COLUMN_NAMES.indexOf('load_amps');

/** Rows stringified together (batches are then gathered into chunks). */
const ROWS_PER_BATCH = 64;

/** The same options for the header and every batch of rows (the BOM is the header's alone). */
function csvOptions(bom: boolean): Options {
  return {
    bom,
    record_delimiter: 'windows',
    quoted_string: true,
    quoted_empty: false,
    // Amps with one decimal, as in every format (4.0, not 4).
    cast: { number: (n, ctx) => (ctx.column === LOAD_AMPS ? n.toFixed(1) : String(n)) },
    // Text cells never hold a raw CR or LF (forCsvCell escapes them); quote any that might.
    quote_record_delimiter: true,
  };
}

function row(r: AuditResult): Array<string | number> {
  return COLUMNS.map((c) => cell(c.kind, c.value(r)));
}

/**
 * The CSV report in chunks (see chunks.ts): the header (with the BOM when asked), then the rows
 * in batches. Every record ends with its delimiter, so the batches join into the one document.
 */
export function csvChunks(results: readonly AuditResult[], opts: CsvOptions = {}): ReportChunks {
  return reiterable(() => batched(pieces(results, opts.bom ?? false)));
}

function* pieces(results: readonly AuditResult[], bom: boolean): Generator<string> {
  yield stringify([[...COLUMN_NAMES]], csvOptions(bom));
  const rows = csvOptions(false);
  for (let start = 0; start < results.length; start += ROWS_PER_BATCH) {
    yield stringify(results.slice(start, start + ROWS_PER_BATCH).map(row), rows);
  }
}

export function renderCsv(results: readonly AuditResult[], opts: CsvOptions = {}): string {
  return joinChunks(csvChunks(results, opts));
}
