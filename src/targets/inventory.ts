// Reads an inventory file's text into target specs with their labels. Pure: the caller reads the
// file (or stdin) and passes the text.
//
// Two formats, told apart by the first line that is neither blank nor a `#` comment:
//
//  * CSV, when that line (read as CSV) has a cell equal to `host` (any case, spaces trimmed).
//    Columns, named in that header row in any order and case: `host` (required), `port`,
//    `community`, `name`, `site`, `profile`; other columns are ignored. Values follow RFC 4180
//    (quotes, doubled inner quotes, commas and line breaks inside quotes); spaces around values are
//    trimmed. Only whole-line `#` comments: a `#` later in a row is data (communities may hold
//    one). A row whose `host` is a CIDR block or range gives every host in it that row's name,
//    site, community and profile, unchanged (no per-host suffix on the name). A port written in
//    the host cell ("10.0.0.5:1161") wins over the `port` column. Rows with fewer cells than the
//    header read the missing ones as empty; rows with more are refused unless the extra cells
//    are empty (spreadsheets pad rows with trailing commas).
//  * A plain list otherwise: one target spec per line (see target-spec.ts), whole-line and
//    trailing ` # ...` comments, blank lines.
//    A first line that holds a comma, or any first line of a `.csv` file, is a CSV header
//    without a `host` column: that is reported, not read as a list of hosts.
//
// A UTF-8 byte order mark (Excel writes one) and CRLF line ends are accepted in both formats.
//
// Problems are reported as `FILE:LINE:COLUMN: what is wrong: what was expected`; LINE is 1-based
// and, for a CSV row, the line the row starts on; COLUMN is the 1-based character column in a
// plain list and the 1-based field number in a CSV file (left out when it would not help). A bad
// line never costs the good ones. The community string is a secret: no message ever quotes it,
// nor a CSV row's raw text (which may contain it).

import { parse as parseCsv, type CsvError, type InfoRecord } from 'csv-parse/sync';
import { parsePort, parseTargetSpec, type SpecOptions, type TargetSpec } from './spec.js';

export interface InventoryEntry {
  readonly spec: TargetSpec;
  /** "fleet.csv:14": file and line, for messages and the report. */
  readonly origin: string;
  readonly name?: string;
  readonly site?: string;
  /** SNMP community from the inventory: a secret, never printed. */
  readonly community?: string;
  readonly profile?: string;
}

/** One problem (or note) with its place in the file. */
export interface InventoryError {
  readonly file: string;
  readonly line: number;
  readonly column?: number;
  /** What is wrong, without the place: `bad port "70000": expected 1-65535`. */
  readonly reason: string;
  /** The full message: `fleet.csv:14:2: bad port "70000": expected 1-65535`. */
  readonly message: string;
  /** The host as written (trimmed) when the problem is with one host's line or row. */
  readonly host?: string;
  /** The row's labels, so a report can show the bad row. Never its community. */
  readonly name?: string;
  readonly site?: string;
}

export interface Inventory {
  readonly format: 'csv' | 'list' | 'empty';
  readonly entries: InventoryEntry[];
  readonly errors: InventoryError[];
  /** Accepted, but not exactly as written (host bits set in a CIDR block). */
  readonly notes: InventoryError[];
}

const COLUMNS = ['host', 'port', 'community', 'name', 'site', 'profile'] as const;
type Column = (typeof COLUMNS)[number];

/** After this many CSV syntax errors the rest of the file is not read (each one re-reads the rest). */
const MAX_SYNTAX_ERRORS = 100;

export function parseInventory(text: string, file: string, options: SpecOptions): Inventory {
  const lines = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  const first = lines.findIndex((line) => !isBlankOrComment(line));
  if (first < 0) return { format: 'empty', entries: [], errors: [], notes: [] };

  const headerCells = splitCsvLine(lines[first] ?? '');
  const hasHost = headerCells?.some((cell) => cell.trim().toLowerCase() === 'host') ?? false;
  if (hasHost) return readCsv(lines, file, options);
  if ((headerCells?.length ?? 0) > 1 || /\.csv$/i.test(file)) {
    return {
      format: 'csv',
      entries: [],
      errors: [problem(file, first + 1, undefined, 'header has no "host" column')],
      notes: [],
    };
  }
  return readList(lines, file, options);
}

function readList(lines: readonly string[], file: string, options: SpecOptions): Inventory {
  const entries: InventoryEntry[] = [];
  const errors: InventoryError[] = [];
  const notes: InventoryError[] = [];
  lines.forEach((raw, index) => {
    const line = index + 1;
    const comment = /(^|\s)#/.exec(raw);
    const content = comment ? raw.slice(0, comment.index) : raw;
    const spec = content.trim();
    if (spec === '') return;
    const column = content.length - content.trimStart().length + 1;
    const gap = /\s+/.exec(spec);
    if (gap) {
      const extra = spec.slice(gap.index + gap[0].length);
      const at = column + gap.index + gap[0].length;
      const reason = `unexpected ${JSON.stringify(extra)}: expected one target per line`;
      errors.push({ ...problem(file, line, at, reason), host: spec });
      return;
    }
    const parsed = parseTargetSpec(spec, options);
    if (!parsed.ok) {
      errors.push({ ...problem(file, line, column, parsed.error), host: spec });
      return;
    }
    if (parsed.note !== undefined) notes.push(problem(file, line, column, parsed.note));
    entries.push({ spec: parsed.spec, origin: `${file}:${line}` });
  });
  return { format: 'list', entries, errors, notes };
}

function readCsv(lines: readonly string[], file: string, options: SpecOptions): Inventory {
  const entries: InventoryEntry[] = [];
  const notes: InventoryError[] = [];
  const { rows, errors } = readCsvRows(lines, file);
  const [header, ...data] = rows;
  if (!header) return { format: 'csv', entries, errors, notes };

  const columns = new Map<Column, number>();
  header.cells.forEach((cell, index) => {
    const name = cell.trim().toLowerCase();
    if (!(COLUMNS as readonly string[]).includes(name)) return;
    if (columns.has(name as Column)) {
      errors.push(problem(file, header.line, index + 1, `column "${name}" appears twice: the first one is used`));
    } else {
      columns.set(name as Column, index);
    }
  });
  const hostColumn = columns.get('host');
  if (hostColumn === undefined) {
    errors.unshift(problem(file, header.line, undefined, 'header has no "host" column'));
    return { format: 'csv', entries, errors, notes };
  }

  for (const { line, cells } of data) {
    const values = cells.map((cell) => cell.trim());
    if (values.every((value) => value === '')) continue;
    if (values.slice(header.cells.length).some((value) => value !== '')) {
      errors.push(
        problem(
          file,
          line,
          undefined,
          `row has ${values.length} cells but the header has ${header.cells.length}: ` +
            'expected a value that contains a comma to be in double quotes',
        ),
      );
      continue;
    }
    const cell = (column: Column): string | undefined => {
      const index = columns.get(column);
      const value = index === undefined ? '' : (values[index] ?? '');
      return value === '' ? undefined : value;
    };

    const host = cell('host');
    const labels = withoutUndefined({ host: host ?? '', name: cell('name'), site: cell('site') });
    if (host === undefined) {
      const reason = 'empty host: expected a hostname, IP address, CIDR block or range';
      errors.push({ ...problem(file, line, hostColumn + 1, reason), ...labels });
      continue;
    }
    let port = options.port;
    const portText = cell('port');
    if (portText !== undefined) {
      const parsed = parsePort(portText);
      if (!parsed.ok) {
        errors.push({ ...problem(file, line, (columns.get('port') ?? 0) + 1, parsed.error), ...labels });
        continue;
      }
      port = parsed.port;
    }
    const parsed = parseTargetSpec(host, { ...options, port });
    if (!parsed.ok) {
      errors.push({ ...problem(file, line, hostColumn + 1, parsed.error), ...labels });
      continue;
    }
    if (parsed.note !== undefined) notes.push(problem(file, line, hostColumn + 1, parsed.note));
    entries.push(
      withoutUndefined({
        spec: parsed.spec,
        origin: `${file}:${line}`,
        name: cell('name'),
        site: cell('site'),
        community: cell('community'),
        profile: cell('profile'),
      }),
    );
  }
  errors.sort((a, b) => a.line - b.line);
  return { format: 'csv', entries, errors, notes };
}

interface CsvRow {
  /** 1-based line the row starts on. */
  readonly line: number;
  readonly cells: string[];
}

const CSV_OPTIONS = {
  comment: '#',
  comment_no_infix: true,
  skip_empty_lines: true,
  relax_column_count: true,
  trim: true,
  info: true,
  skip_records_with_error: true,
} as const;

/**
 * csv-parse reads the rows; after a syntax error it can lose its place, so rows are kept up to
 * the first error only and reading starts again on the line after the bad one.
 */
function readCsvRows(lines: readonly string[], file: string): { rows: CsvRow[]; errors: InventoryError[] } {
  const rows: CsvRow[] = [];
  const errors: InventoryError[] = [];
  let offset = 0; // lines before the chunk being read
  while (offset < lines.length) {
    let failure: CsvError | undefined;
    const records = parseCsv(lines.slice(offset).join('\n'), {
      ...CSV_OPTIONS,
      on_skip: (error: CsvError | undefined) => {
        failure ??= error;
        return undefined;
      },
    }) as unknown as Array<{ record: string[]; info: InfoRecord }>;

    const failedAt = failure === undefined ? Infinity : lineOf(failure);
    let lastGood = 0; // chunk-relative line of the last row kept
    for (const { record, info } of records) {
      if (info.lines >= failedAt) break;
      const breaks = record.reduce((n, cell) => n + cell.split('\n').length - 1, 0);
      rows.push({ line: offset + info.lines - breaks, cells: record });
      lastGood = info.lines;
    }
    if (failure === undefined) break;

    let badLine = failedAt;
    if (failure.code === 'CSV_QUOTE_NOT_CLOSED') {
      // Reported at the end of the input: the row that opened the quote is the next one after
      // the last good row.
      badLine = lastGood + 1;
      while (badLine < failedAt && isBlankOrComment(lines[offset + badLine - 1] ?? '')) badLine++;
    }
    errors.push(problem(file, offset + badLine, undefined, csvSyntaxReason(failure)));
    offset += badLine;
    if (errors.length >= MAX_SYNTAX_ERRORS && offset < lines.length) {
      errors.push(problem(file, offset + 1, undefined, `more than ${MAX_SYNTAX_ERRORS} CSV syntax errors: the rest of the file was not read`));
      break;
    }
  }
  return { rows, errors };
}

function lineOf(error: CsvError): number {
  return typeof error['lines'] === 'number' ? error['lines'] : 1;
}

/** Words for a CSV syntax error. Never csv-parse's own message: it can quote the row, secrets and all. */
function csvSyntaxReason(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'quote never closed: expected a closing " (a quote inside a quoted value is written "")';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'text after a closing quote: expected "," or the end of the line';
    case 'INVALID_OPENING_QUOTE':
      return 'quote inside an unquoted value: expected the whole value in double quotes, with inner quotes doubled';
    default:
      return `unreadable CSV row (${error.code})`;
  }
}

/** One line read as CSV cells, or undefined when it is not valid CSV on its own. */
function splitCsvLine(line: string): string[] | undefined {
  try {
    const [cells] = parseCsv(line, { relax_column_count: true, trim: true });
    return cells;
  } catch {
    return undefined;
  }
}

function isBlankOrComment(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === '' || trimmed.startsWith('#');
}

function problem(file: string, line: number, column: number | undefined, reason: string): InventoryError {
  const place = column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
  return column === undefined
    ? { file, line, reason, message: `${place}: ${reason}` }
    : { file, line, column, reason, message: `${place}: ${reason}` };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
