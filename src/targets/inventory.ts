// Reads an inventory's text (or a workbook's rows) into target specs with their labels. Pure:
// the caller reads the file (inventory-file.ts) and passes the text or the rows.
//
// Two formats, told apart by the first line that is neither blank nor a `#` comment:
//
//  * CSV, when that line holds a comma, a semicolon or a tab (outside quotes), or is one cell
//    naming the host column that is not also a hostname ("host", "IP Address"; not "device"),
//    or the file is named *.csv. The delimiter is the one of those three
//    that makes the line a header with a host column, else the most frequent one. Header names
//    are matched as columns.ts says (any case; "IP Address", "Hostname", "Location"... are
//    aliases); other columns are ignored; a header without a host column refuses the file, with
//    what was found (unless the line looks like data, which may hold a community) and what is
//    accepted. Values follow RFC 4180 (quotes, doubled inner quotes, delimiters and line breaks
//    inside quotes); spaces around values are trimmed. Only whole-line `#` comments: a `#` later
//    in a row is data (communities may hold one). A row whose host is a CIDR block or range gives
//    every host in it that row's name, site, community and profile, unchanged. A port written in
//    the host cell ("10.0.0.5:1161") wins over the port column. Rows with fewer cells than the
//    header read the missing ones as empty; rows with more are refused unless the extra cells
//    are empty (spreadsheets pad rows with trailing delimiters).
//  * A plain list otherwise: one target spec per line (see spec.ts), whole-line and trailing
//    ` # ...` comments, blank lines. A later line holding a comma, semicolon or tab means the
//    file is CSV-like data read as a list (a title line above the header, a CSV not named .csv):
//    the whole file is refused, naming the line, never quoting it.
//
// CRLF line ends and a leading BOM are accepted (decode.ts turns the file's bytes into text).
//
// Problems are reported as `FILE:LINE:COLUMN: what is wrong: what was expected`; LINE is 1-based
// and, for a CSV row, the line the row starts on; COLUMN is the 1-based character column in a
// plain list and the 1-based field number in a CSV file (left out when it would not help).
//
// What may be said: a problem names the place, and quotes at most the host field (what the user
// wrote as the target). No other cell, no raw line, no csv-parse message (which quotes rows) is
// ever put in a message or a report: communities live in these files.
//
// Every row that is not blank or a comment ends up as an entry or as a row error (`kind: 'row'`),
// so the report can give it a row; a row whose cells cannot be trusted to be in their columns
// (a quote never closed, too many cells) has no `host`: the caller shows its place instead.
// File-level refusals (`refused`) stop the run before any packet.

import { parse as parseCsv, type CsvError } from 'csv-parse/sync';
import { acceptedNames, COLUMNS, columnOf, matchHeader, type Column } from './columns.js';
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
  /**
   * The host as written (trimmed) when the row's cells could be read into their columns;
   * absent when they could not (the place then stands for the row).
   */
  readonly host?: string;
  /** The row's labels, so a report can show the bad row. Never its community. */
  readonly name?: string;
  readonly site?: string;
}

export interface Inventory {
  readonly format: 'csv' | 'list' | 'empty' | 'xlsx';
  readonly entries: InventoryEntry[];
  /** One per row that could not be used: each still gets a report row. */
  readonly errors: InventoryError[];
  /** Accepted, but not exactly as written (host bits set in a CIDR block, a column named twice). */
  readonly notes: InventoryError[];
  /** The whole file refused (no host column, CSV read as a list, unreadable): nothing from it is audited. */
  readonly refused?: InventoryError;
}

/** One row of cells with the 1-based line (or spreadsheet row) it starts on. */
export interface InventoryRow {
  readonly line: number;
  readonly cells: readonly string[];
}

/** After this many CSV syntax errors the rest is not parsed (each one re-reads the rest); its rows are still listed. */
const MAX_SYNTAX_ERRORS = 100;

const DELIMITERS = [',', ';', '\t'] as const;
type Delimiter = (typeof DELIMITERS)[number];
const DELIMITER_NAMES: Record<Delimiter, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };

export function parseInventory(text: string, file: string, options: SpecOptions): Inventory {
  if (text.includes('\0')) {
    // UTF-16 read as UTF-8 (stdin is read as UTF-8 text), or binary data: nothing in it is shown.
    const reason = 'NUL characters: UTF-16 or binary data read as UTF-8 text (stdin is read as UTF-8: give a UTF-16 file with -i FILE)';
    return { format: 'list', entries: [], errors: [], notes: [], refused: problem(file, 1, undefined, reason) };
  }
  const lines = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  const first = lines.findIndex((line) => !isBlankOrComment(line));
  if (first < 0) return { format: 'empty', entries: [], errors: [], notes: [] };

  const firstLine = lines[first] ?? '';
  // A list's first line may end in a comment with a comma in it: that alone does not make CSV.
  const delimiter = detectDelimiter(firstLine.replace(/\s#.*$/, '')) === undefined ? undefined : detectDelimiter(firstLine);
  if (delimiter !== undefined) return readCsv(lines, file, options, delimiter);
  // One cell naming the host column is a one-column CSV's header, unless it could be a host of
  // a list ("device", "ip"): then only in a file named .csv. "host" is a header everywhere.
  const single = splitLine(firstLine, ',');
  const cell = single?.length === 1 ? (single[0] ?? '') : '';
  const header = columnOf(cell) === 'host' && (cell.toLowerCase() === 'host' || !parseTargetSpec(cell, options).ok);
  if (header || /\.csv$/i.test(file)) {
    return readCsv(lines, file, options, ',');
  }
  return readList(lines, file, options);
}

/**
 * The delimiter of a header line: among comma, semicolon and tab found outside quotes, the one
 * that makes a host column, else the most frequent. Undefined when the line has none.
 */
export function detectDelimiter(line: string): Delimiter | undefined {
  const counts = new Map<Delimiter, number>();
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (DELIMITERS as readonly string[]).includes(ch)) counts.set(ch as Delimiter, (counts.get(ch as Delimiter) ?? 0) + 1);
  }
  const found = DELIMITERS.filter((d) => counts.has(d));
  const withHost = found.find((d) => matchHeader(splitLine(line, d) ?? []).columns.has('host'));
  if (withHost !== undefined) return withHost;
  return found.sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0))[0];
}

function readList(lines: readonly string[], file: string, options: SpecOptions): Inventory {
  const entries: InventoryEntry[] = [];
  const errors: InventoryError[] = [];
  const notes: InventoryError[] = [];
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    const comment = /(^|\s)#/.exec(raw);
    const content = comment ? raw.slice(0, comment.index) : raw;
    const spec = content.trim();
    if (spec === '') continue;
    const column = content.length - content.trimStart().length + 1;
    const separator = DELIMITERS.find((d) => spec.includes(d));
    if (separator !== undefined) {
      const reason =
        `a ${DELIMITER_NAMES[separator]} in a list of hosts (the line is not shown: it may hold a community): ` +
        'a CSV inventory needs its header row, with a host column, as its first line that is not blank or a # comment; ' +
        'nothing from this file was audited';
      return { format: 'list', entries: [], errors: [], notes: [], refused: problem(file, line, undefined, reason) };
    }
    const gap = /\s+/.exec(spec);
    if (gap) {
      const host = spec.slice(0, gap.index);
      const reason = 'more than one word on the line (the rest is not shown: it may hold a community): expected one target per line';
      errors.push({ ...problem(file, line, column + gap.index + gap[0].length, reason), host });
      continue;
    }
    const parsed = parseTargetSpec(spec, options);
    if (!parsed.ok) {
      errors.push({ ...problem(file, line, column, parsed.error), host: spec });
      continue;
    }
    if (parsed.note !== undefined) notes.push(problem(file, line, column, parsed.note));
    entries.push({ spec: parsed.spec, origin: `${file}:${line}` });
  }
  return { format: 'list', entries, errors, notes };
}

function readCsv(lines: readonly string[], file: string, options: SpecOptions, delimiter: Delimiter): Inventory {
  const { rows, errors } = readCsvRows(lines, file, delimiter);
  return readRows('csv', rows, errors, file, options);
}

/**
 * Rows (the first is the header) to entries and row errors. Shared by CSV and workbooks.
 * `rowErrors` are rows already known bad (syntax errors): they keep their place in the order.
 */
export function readRows(
  format: 'csv' | 'xlsx',
  rows: Iterable<InventoryRow>,
  rowErrors: InventoryError[],
  file: string,
  options: SpecOptions,
): Inventory {
  const entries: InventoryEntry[] = [];
  const errors = rowErrors;
  const notes: InventoryError[] = [];
  let header: InventoryRow | undefined;
  let columns: ReadonlyMap<Column, number> = new Map();
  let hostColumn = 0;

  for (const row of rows) {
    if (header === undefined) {
      header = row;
      const match = matchHeader(row.cells);
      const host = match.columns.get('host');
      if (host === undefined) {
        return { format, entries, errors: [], notes, refused: problem(file, row.line, undefined, noHostColumn(row.cells, options)) };
      }
      for (const { index, column, first } of match.ignored) {
        const reason = `column ${index + 1} (${JSON.stringify(row.cells[index]?.trim())}) also names the ${column} column: column ${first + 1} (${JSON.stringify(row.cells[first]?.trim())}) is used`;
        notes.push(problem(file, row.line, index + 1, reason));
      }
      columns = match.columns;
      hostColumn = host;
      continue;
    }
    const { line, cells } = row;
    const values = cells.map((cell) => cell.trim());
    if (values.every((value) => value === '')) continue;
    if (values.slice(header.cells.length).some((value) => value !== '')) {
      // The cells are not where the header says: the "host" cell may be a piece of another one.
      const reason =
        `row has ${values.length} cells but the header has ${header.cells.length}: ` +
        'expected a value that contains the delimiter to be in double quotes';
      errors.push(problem(file, line, undefined, reason));
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
  return { format, entries, errors, notes };
}

/**
 * Why a header row is refused. What was found is listed only when the row looks like a header:
 * a first row of data (no header at all) may hold a community.
 */
function noHostColumn(cells: readonly string[], options: SpecOptions): string {
  const trimmed = cells.map((c) => c.trim()).filter((c) => c !== '');
  const accepted =
    `the host column may be named ${acceptedNames('host')}; ` +
    `also read: ${COLUMNS.filter((c) => c !== 'host').map(acceptedNames).join(', ')}`;
  const looksLikeData = trimmed.some((c) => {
    const parsed = parseTargetSpec(c, { ...options, allowLarge: true });
    return (parsed.ok && (parsed.spec.kind !== 'host' || parsed.spec.hostKind !== 'hostname' || c.includes('.'))) || /\d/.test(c);
  });
  if (looksLikeData || trimmed.length === 0) {
    return `no host column: this first row is not a header row (not shown: it may be data holding a community); ${accepted}`;
  }
  const found = trimmed.map((c) => JSON.stringify(c.length > 40 ? `${c.slice(0, 40)}…` : c)).join(', ');
  return `no host column in the header row: found ${found}; ${accepted}`;
}

const CSV_OPTIONS = {
  comment: '#',
  comment_no_infix: true,
  skip_empty_lines: true,
  relax_column_count: true,
  trim: true,
  skip_records_with_error: true,
} as const;

/**
 * csv-parse reads the rows; after a syntax error it can lose its place, so rows are kept up to
 * the first error only and reading starts again on the line after the bad one. Each syntax
 * error is a row error of its own (no host: the row's cells are not known).
 */
function readCsvRows(lines: readonly string[], file: string, delimiter: Delimiter): { rows: InventoryRow[]; errors: InventoryError[] } {
  const rows: InventoryRow[] = [];
  const errors: InventoryError[] = [];
  let offset = 0; // lines before the chunk being read
  while (offset < lines.length) {
    let failure: CsvError | undefined;
    let failedAt = Infinity;
    let lastGood = 0; // chunk-relative line of the last row kept
    // Rows are made as csv-parse reads them (no info object kept per record); once a record has
    // failed, the later ones are dropped: they are read again from the line after the bad one.
    const chunk = parseRows(lines.slice(offset).join('\n'), {
      ...CSV_OPTIONS,
      delimiter,
      on_skip: (error: CsvError | undefined) => {
        if (failure === undefined && error !== undefined) {
          failure = error;
          failedAt = lineOf(error);
        }
        return undefined;
      },
      on_record: (record: string[], context: { lines: number }) => {
        if (failure !== undefined || context.lines >= failedAt) return null;
        const breaks = record.reduce((n, cell) => n + cell.split('\n').length - 1, 0);
        lastGood = context.lines;
        return { line: offset + context.lines - breaks, cells: record };
      },
    });
    for (const row of chunk) rows.push(row);
    if (failure === undefined) break;

    // The failed record starts on the first row line after the last good record. A quote opened
    // there may have swallowed the lines up to where csv-parse noticed: blame the opening line
    // and read again from the line after it, so each swallowed line is judged on its own.
    let badLine = lastGood + 1;
    while (badLine < failedAt && isBlankOrComment(lines[offset + badLine - 1] ?? '')) badLine++;
    const reason = badLine < failedAt ? csvSyntaxReason({ code: 'CSV_QUOTE_NOT_CLOSED' }) : csvSyntaxReason(failure);
    errors.push(problem(file, offset + badLine, undefined, reason));
    offset += badLine;
    if (errors.length >= MAX_SYNTAX_ERRORS && offset < lines.length) {
      // Not parsed any further, but every row still gets its row error, so none is lost.
      lines.slice(offset).forEach((text, i) => {
        if (isBlankOrComment(text)) return;
        errors.push(problem(file, offset + i + 1, undefined, `not read: more than ${MAX_SYNTAX_ERRORS} CSV syntax errors above it`));
      });
      break;
    }
  }
  return { rows, errors };
}

/** csv-parse with an on_record that returns rows, not string arrays (its types allow only the latter). */
const parseRows = parseCsv as unknown as (input: string, options: object) => InventoryRow[];

function lineOf(error: CsvError): number {
  return typeof error['lines'] === 'number' ? error['lines'] : 1;
}

/** Words for a CSV syntax error. Never csv-parse's own message: it can quote the row, secrets and all. */
function csvSyntaxReason(error: Pick<CsvError, 'code'>): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'quote never closed: expected a closing " (a quote inside a quoted value is written "")';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'text after a closing quote: expected the delimiter or the end of the line';
    case 'INVALID_OPENING_QUOTE':
      return 'quote inside an unquoted value: expected the whole value in double quotes, with inner quotes doubled';
    default:
      return `unreadable CSV row (${error.code})`;
  }
}

/** One line read as CSV cells, or undefined when it is not valid CSV on its own. */
function splitLine(line: string, delimiter: Delimiter): string[] | undefined {
  try {
    const [cells] = parseCsv(line, { relax_column_count: true, trim: true, delimiter }) as string[][];
    return cells;
  } catch {
    return undefined;
  }
}

function isBlankOrComment(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === '' || trimmed.startsWith('#');
}

export function problem(file: string, line: number, column: number | undefined, reason: string): InventoryError {
  const place = column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
  return column === undefined
    ? { file, line, reason, message: `${place}: ${reason}` }
    : { file, line, column, reason, message: `${place}: ${reason}` };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
