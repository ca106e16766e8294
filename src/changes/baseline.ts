import { readFileSync } from 'node:fs';
import { parse as parseCsv, type CsvError } from 'csv-parse/sync';
import type { AuditResult } from '../audit/audit-result.js';
import { EXIT } from '../exit-codes.js';
import { VERDICTS, type Verdict } from '../audit/finding.js';
import type { ColumnName } from '../report/column-names.js';
import { escapeControls } from '../report/sanitize.js';
import { targetKey, type Target } from '../targets/target.js';
import { errorCode, readProblem } from '../file-problem.js';

// Changes since a previous run. A previous report of this tool (CSV or JSON, told apart by
// content) is the baseline; units are matched by host:port (targetKey). Pure, apart from
// readBaselineFile.
//
// Per unit, `kinds` lists every change that applies, most important first:
//   new-at-risk        at-risk now, and not at-risk in the baseline (or not in it at all)
//   newly-unreachable  unreachable now, and not unreachable in the baseline (or not in it)
//   no-longer-at-risk  at-risk in the baseline, and now proven otherwise (safe-to-upgrade or
//                      not-affected); a unit that stopped answering is newly-unreachable
//                      only, and one that can no longer be judged is verdict-changed: neither
//                      is fixed
//   back-online        unreachable in the baseline, answering now
//   verdict-changed    the verdict differs and none of the four above says how
//   firmware-changed   AOS or application version differs (only when both runs read it)
//   new-unit           not in the baseline
//   unchanged          none of the above
// `gone` (in the baseline, not polled in this run) is not a row: the unit was not polled, so it
// has no verdict to report. Gone units are counted in the summary and listed in `gone`.

export { CHANGE_KINDS, type ChangeKind, type UnitChange } from './change-kinds.js';
import { CHANGE_KINDS, type ChangeKind, type UnitChange } from './change-kinds.js';

/**
 * Suggested exit code when a --fail-on rule matches (0-4 and 130 are taken in exit-codes.ts;
 * 5 is the check command's wrong-package code).
 */
export const CHANGES_EXIT_CODE = EXIT.changed;

export class BaselineError extends Error {
  override readonly name = 'BaselineError';
}

/** One unit of the previous report. */
export interface BaselineUnit {
  /** targetKey(host, port). */
  readonly key: string;
  readonly host: string;
  readonly port: number;
  readonly name?: string;
  readonly site?: string;
  readonly verdict: Verdict;
  readonly reason?: string;
  readonly model?: string;
  readonly aosVersion?: string;
  readonly appVersion?: string;
  /** Where in the file: "old.csv:14" or "old.json units[3]". */
  readonly origin: string;
}

export interface Baseline {
  readonly file: string;
  readonly format: 'csv' | 'json';
  /** From the JSON report; CSV reports do not carry it. */
  readonly generatedAt?: string;
  /** In file order; the first row wins when a host:port appears twice. */
  readonly units: ReadonlyMap<string, BaselineUnit>;
  /** Accepted, but worth a note on stderr (duplicate rows). */
  readonly notes: readonly string[];
}

export interface ChangeSummary {
  readonly baselineFile: string;
  /** Units in this run. */
  readonly total: number;
  /** Units in the baseline. */
  readonly baselineTotal: number;
  /** Units with each kind (a unit with two kinds counts in both); every kind, zeros included. */
  readonly byKind: Readonly<Record<ChangeKind, number>>;
}

export interface Comparison {
  readonly baseline: Pick<Baseline, 'file' | 'format' | 'generatedAt'>;
  /** Keyed by targetKey of this run's targets. */
  readonly changes: ReadonlyMap<string, UnitChange>;
  /** In the baseline, not in this run (not polled, so no verdict): summary only. */
  readonly gone: readonly BaselineUnit[];
  readonly summary: ChangeSummary;
}

// ---------------------------------------------------------------------------------- reading

const EXPECTED_CSV = 'the CSV written by "ats-audit --format csv" (a header row with host, port and verdict columns)';
const EXPECTED_JSON = 'the JSON written by "ats-audit --format json" (an object with "tool": "ats-audit" and a "units" array)';
const EXPECTED = 'a CSV or JSON report written by ats-audit (--format csv or --format json)';

const isVerdict = (v: unknown): v is Verdict => typeof v === 'string' && (VERDICTS as readonly string[]).includes(v);

// Error messages name the file, the line and what was expected, never what the file holds: a
// file given as --baseline by mistake may be an inventory with communities in it.

/** Where JSON.parse stopped, as "line L", from its message (which itself quotes the text). */
function jsonErrorPlace(text: string, e: unknown): string {
  const at = /position (\d+)/.exec((e as Error).message)?.[1];
  if (at === undefined) return 'not valid JSON';
  const line = text.slice(0, Number(at)).split('\n').length;
  return `not valid JSON at line ${line}`;
}

/** csv-parse's error codes in words (its messages may quote the text). */
function csvProblem(e: unknown): string {
  switch ((e as CsvError).code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return 'a row with a different number of cells than the header';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quote that is never closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'text after a closing quote';
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'text after a closing quote';
    default:
      return (e as CsvError).code ?? 'unreadable';
  }
}

/** Reads a baseline report; throws BaselineError naming the file. */
export function readBaselineFile(file: string): Baseline {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BaselineError(`--baseline ${file}: ${readProblem(errorCode(e))}`);
  }
  return parseBaseline(text, file);
}

/** A previous report, CSV or JSON (told apart by its first character). */
export function parseBaseline(text: string, file: string): Baseline {
  const body = text.replace(/^\uFEFF/, '');
  const start = body.trimStart();
  if (start === '') throw new BaselineError(`${file}: the baseline is empty; expected ${EXPECTED}`);
  if (start.startsWith('{') || start.startsWith('[')) return parseJsonBaseline(body, file);
  return parseCsvBaseline(body, file);
}

function parseJsonBaseline(text: string, file: string): Baseline {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BaselineError(`${file}: ${jsonErrorPlace(text, e)}; expected ${EXPECTED_JSON}`);
  }
  const o = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  if (!o || o.tool !== 'ats-audit') {
    const found = Array.isArray(json) ? 'a JSON array' : o ? 'a JSON object without "tool": "ats-audit"' : 'a JSON value that is not an object';
    throw new BaselineError(`${file}: not an ats-audit report: found ${found}; expected ${EXPECTED_JSON}`);
  }
  if (!Array.isArray(o.units)) throw new BaselineError(`${file}: not an ats-audit report: "units" is not an array; expected ${EXPECTED_JSON}`);
  const rows: BaselineUnit[] = o.units.map((u: unknown, i) => {
    const origin = `${file} units[${i}]`;
    const unit = typeof u === 'object' && u !== null ? (u as Record<string, unknown>) : undefined;
    if (!unit) throw new BaselineError(`${origin}: expected an object`);
    const identity = typeof unit.identity === 'object' && unit.identity !== null ? (unit.identity as Record<string, unknown>) : {};
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    return unitFrom(origin, {
      host: unit.host,
      port: unit.port,
      verdict: unit.verdict,
      name: str(unit.name),
      site: str(unit.site),
      reason: str(unit.reason),
      model: str(identity.model),
      aosVersion: str(identity.aos_version),
      appVersion: str(identity.app_version),
    });
  });
  return assemble(file, 'json', rows, typeof o.generatedAt === 'string' ? o.generatedAt : undefined);
}

/** Undoes forCsvCell's formula guard (a leading `'` before = + - @ ...). */
function fromCsvCell(s: string | undefined): string | undefined {
  if (s === undefined || s === '') return undefined;
  return /^' *[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/u.test(s) ? s.slice(1) : s;
}

function parseCsvBaseline(text: string, file: string): Baseline {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  if (/^\s*VERDICT\s+HOST\b/.test(firstLine)) {
    throw new BaselineError(
      `${file}: this looks like the console table, which is for people and cannot be read back; expected ${EXPECTED}`,
    );
  }
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parseCsv(text, { info: true, skip_empty_lines: true, relax_column_count: false }) as unknown as typeof records;
  } catch (e) {
    const line = (e as CsvError).lines;
    throw new BaselineError(
      `${file}${line ? `:${line}` : ''}: not a readable CSV (${csvProblem(e)}); expected ${EXPECTED_CSV}`,
    );
  }
  const header = records[0]?.record.map((h) => h.trim());
  const need: ColumnName[] = ['host', 'port', 'verdict'];
  const missing = header ? need.filter((n) => !header.includes(n)) : need;
  if (!header || missing.length > 0) {
    throw new BaselineError(
      `${file}: not an ats-audit report: the first line has no ${missing.map((m) => `"${m}"`).join(', ')} column${missing.length > 1 ? 's' : ''}; expected ${EXPECTED_CSV}`,
    );
  }
  // Names typed by the report's column list: renaming a column there breaks this at compile time.
  const col = (name: ColumnName) => header.indexOf(name);
  const idx = {
    host: col('host'),
    port: col('port'),
    verdict: col('verdict'),
    name: col('name'),
    site: col('site'),
    reason: col('reason'),
    model: col('model'),
    aosVersion: col('aos_version'),
    appVersion: col('app_version'),
  };
  const rows = records.slice(1).map(({ record, info }) => {
    const cell = (i: number) => (i >= 0 ? fromCsvCell(record[i]) : undefined);
    const portText = record[idx.port]?.trim() ?? '';
    return unitFrom(`${file}:${info.lines}`, {
      host: cell(idx.host) ?? '',
      port: /^\d+$/.test(portText) ? Number(portText) : portText,
      verdict: record[idx.verdict]?.trim(),
      name: cell(idx.name),
      site: cell(idx.site),
      reason: cell(idx.reason),
      model: cell(idx.model),
      aosVersion: cell(idx.aosVersion),
      appVersion: cell(idx.appVersion),
    });
  });
  return assemble(file, 'csv', rows, undefined);
}

interface RawUnit {
  readonly host: unknown;
  readonly port: unknown;
  readonly verdict: unknown;
  readonly name?: string;
  readonly site?: string;
  readonly reason?: string;
  readonly model?: string;
  readonly aosVersion?: string;
  readonly appVersion?: string;
}

function unitFrom(origin: string, raw: RawUnit): BaselineUnit {
  if (typeof raw.host !== 'string' || raw.host === '') throw new BaselineError(`${origin}: "host" is empty`);
  const port = raw.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new BaselineError(`${origin}: "port" is ${port === undefined || port === '' ? 'empty; expected' : 'not'} a port number 1-65535`);
  }
  if (!isVerdict(raw.verdict)) {
    throw new BaselineError(`${origin}: "verdict" is ${raw.verdict === undefined || raw.verdict === '' ? 'empty; expected one of' : 'not one of'} ${VERDICTS.join(', ')}`);
  }
  const optional = { name: raw.name, site: raw.site, reason: raw.reason, model: raw.model, aosVersion: raw.aosVersion, appVersion: raw.appVersion };
  return {
    key: targetKey({ host: raw.host, port }),
    host: raw.host,
    port,
    verdict: raw.verdict,
    origin,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}

function assemble(file: string, format: Baseline['format'], rows: readonly BaselineUnit[], generatedAt: string | undefined): Baseline {
  const units = new Map<string, BaselineUnit>();
  const notes: string[] = [];
  for (const u of rows) {
    const first = units.get(u.key);
    if (first) notes.push(`${u.origin}: ${u.key} is already in the baseline at ${first.origin}; the first row is used`);
    else units.set(u.key, u);
  }
  return { file, format, ...(generatedAt !== undefined && { generatedAt }), units, notes };
}

// -------------------------------------------------------------------------------- comparing

/** Text as both report formats can hold it: control characters escaped, blanks trimmed. */
const comparable = (s: string | undefined) => (s === undefined ? undefined : escapeControls(s).trim() || undefined);

function firmwareChanged(before: BaselineUnit, r: AuditResult): boolean {
  const pairs: Array<[string | undefined, string | undefined]> = [
    [before.aosVersion, r.identity?.aosVersion],
    [before.appVersion, r.identity?.appVersion],
  ];
  return pairs.some(([a, b]) => {
    const x = comparable(a);
    const y = comparable(b);
    return x !== undefined && y !== undefined && x !== y;
  });
}

/** The change of one unit of this run against its baseline row (undefined: not in the baseline). */
export function changeOf(before: BaselineUnit | undefined, r: AuditResult): UnitChange {
  const key = targetKey(r.target);
  const now = r.finding.verdict;
  const was = before?.verdict;
  const kinds: ChangeKind[] = [];
  if (now === 'at-risk' && was !== 'at-risk') kinds.push('new-at-risk');
  if (now === 'unreachable' && was !== 'unreachable') kinds.push('newly-unreachable');
  if (was === 'at-risk' && (now === 'safe-to-upgrade' || now === 'not-affected')) kinds.push('no-longer-at-risk');
  if (was === 'unreachable' && now !== 'unreachable') kinds.push('back-online');
  if (before && was !== now && kinds.length === 0) kinds.push('verdict-changed');
  if (before && firmwareChanged(before, r)) kinds.push('firmware-changed');
  if (!before) kinds.push('new-unit');
  if (kinds.length === 0) kinds.push('unchanged');
  return { key, kinds, ...(was !== undefined && { previousVerdict: was }) };
}

/** This run against the baseline: a change per unit, the units gone, and the counts. */
export function compareWithBaseline(baseline: Baseline, results: readonly AuditResult[]): Comparison {
  const changes = new Map<string, UnitChange>();
  for (const r of results) {
    const key = targetKey(r.target);
    if (!changes.has(key)) changes.set(key, changeOf(baseline.units.get(key), r));
  }
  const gone = [...baseline.units.values()].filter((u) => !changes.has(u.key));
  const byKind = Object.fromEntries(CHANGE_KINDS.map((k) => [k, 0])) as Record<ChangeKind, number>;
  for (const c of changes.values()) for (const k of c.kinds) byKind[k] += 1;
  byKind.gone = gone.length;
  return {
    baseline: { file: baseline.file, format: baseline.format, ...(baseline.generatedAt !== undefined && { generatedAt: baseline.generatedAt }) },
    changes,
    gone,
    summary: { baselineFile: baseline.file, total: changes.size, baselineTotal: baseline.units.size, byKind },
  };
}

/** The change of one target of this run, for the report's `change` column. */
export function changeFor(comparison: Comparison, target: Pick<Target, 'host' | 'port'>): UnitChange | undefined {
  return comparison.changes.get(targetKey(target));
}

// ---------------------------------------------------------------------------------- fail-on

/** What --fail-on accepts: every change kind but `unchanged`, and `any`. */
export const FAIL_ON_RULES = [...CHANGE_KINDS.filter((k) => k !== 'unchanged'), 'any'] as const;
export type FailOnRule = Exclude<ChangeKind, 'unchanged'> | 'any';

/** `--fail-on new-at-risk,newly-unreachable` (repeatable); unknown words are an error naming the valid ones. */
export function parseFailOn(
  values: string | readonly string[],
): { readonly ok: true; readonly rules: readonly FailOnRule[] } | { readonly ok: false; readonly error: string } {
  const words = (typeof values === 'string' ? [values] : values).flatMap((v) => v.split(',')).map((w) => w.trim().toLowerCase());
  const rules: FailOnRule[] = [];
  for (const w of words) {
    if (w === '') continue;
    if (!(FAIL_ON_RULES as readonly string[]).includes(w)) {
      return { ok: false, error: `--fail-on ${JSON.stringify(w)}: expected a comma-separated list of ${FAIL_ON_RULES.join(', ')}` };
    }
    if (!rules.includes(w as FailOnRule)) rules.push(w as FailOnRule);
  }
  if (rules.length === 0) return { ok: false, error: `--fail-on: expected one or more of ${FAIL_ON_RULES.join(', ')}` };
  return { ok: true, rules };
}

export interface FailOnOutcome {
  readonly fail: boolean;
  /** CHANGES_EXIT_CODE when `fail`, else 0. */
  readonly exitCode: number;
  /** For each rule that matched: the units (host:port) that matched it. */
  readonly matched: ReadonlyArray<{ readonly rule: FailOnRule; readonly units: readonly string[] }>;
}

/** Kinds that mean the verdict differs from the baseline's. */
const VERDICT_KINDS: ReadonlySet<ChangeKind> = new Set(['new-at-risk', 'newly-unreachable', 'no-longer-at-risk', 'back-online', 'verdict-changed']);

/**
 * Whether cron should hear about this run. `verdict-changed` matches every unit whose verdict
 * differs from the baseline (also those with a more specific kind); `any` matches every
 * change, gone units included.
 */
export function failOn(comparison: Comparison, rules: readonly FailOnRule[]): FailOnOutcome {
  const matched: Array<{ rule: FailOnRule; units: string[] }> = [];
  const changes = [...comparison.changes.values()];
  for (const rule of rules) {
    let units: string[];
    if (rule === 'gone') units = comparison.gone.map((u) => u.key);
    else if (rule === 'any')
      units = [...changes.filter((c) => !c.kinds.includes('unchanged')).map((c) => c.key), ...comparison.gone.map((u) => u.key)];
    else if (rule === 'verdict-changed')
      units = changes.filter((c) => c.previousVerdict !== undefined && c.kinds.some((k) => VERDICT_KINDS.has(k))).map((c) => c.key);
    else units = changes.filter((c) => c.kinds.includes(rule)).map((c) => c.key);
    if (units.length > 0) matched.push({ rule, units });
  }
  const fail = matched.length > 0;
  return { fail, exitCode: fail ? CHANGES_EXIT_CODE : 0, matched };
}
