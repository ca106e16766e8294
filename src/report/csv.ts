// CSV report: a header row, then one row per unit, columns as in columns.ts.
// Records end with CRLF (RFC 4180; what spreadsheets expect). Untrusted text cells go
// through forCsvCell; numbers and enum words the tool produces are written as they are.

import { stringify } from 'csv-stringify/sync';
import type { AuditResult } from '../audit/audit-result.js';
import { COLUMNS, COLUMN_NAMES, type Cell } from './columns.js';
import { forCsvCell } from './sanitize.js';

export interface CsvOptions {
  /** Start with a UTF-8 byte order mark, so Excel reads the file as UTF-8. Default false. */
  readonly bom?: boolean;
}

function cell(kind: 'text' | 'enum' | 'number', value: Cell): string | number {
  if (value === undefined) return '';
  if (kind === 'text' && typeof value === 'string') return forCsvCell(value);
  return value;
}

export function renderCsv(results: readonly AuditResult[], opts: CsvOptions = {}): string {
  const rows = results.map((r) => COLUMNS.map((c) => cell(c.kind, c.value(r))));
  return stringify([[...COLUMN_NAMES], ...rows], {
    bom: opts.bom ?? false,
    record_delimiter: 'windows',
    // Text cells never hold a raw CR or LF (forCsvCell escapes them); quote any that might.
    quote_record_delimiter: true,
  });
}
