import type { AuditResult } from '../audit/audit-result.js';
import type { Identity, Source, SourceStatus } from '../audit/device.js';
import { VERDICTS, type Facts, type Verdict, type YesNoUnknown } from '../audit/finding.js';
import { OBJECT_KEYS, type ObjectKey } from '../poll/oid-map.js';
import type { RawValue, Reading, WalkedRows } from '../poll/reading.js';

// Reads back a report this tool wrote as JSON (`--format json`) or NDJSON (`--format ndjson`):
// each unit becomes an AuditResult again, with the time and file of its reading. Pure: the
// caller reads the file (and gives its modification time for NDJSON lines without one).
// Anything that is not such a report is refused as a whole with a ReportFileError naming the
// file (and line or unit): a half-read report would silently drop units.

export class ReportFileError extends Error {
  override readonly name = 'ReportFileError';
}

/** One unit read back: the result, and when it was read. */
export interface ReadUnit {
  readonly result: AuditResult;
  /** When the unit was read, in ms since the epoch. */
  readonly at: number;
}

export interface ReadReport {
  readonly file: string;
  readonly format: 'json' | 'ndjson';
  readonly units: readonly ReadUnit[];
  /** Accepted, but worth a line on stderr (where a reading time came from). */
  readonly notes: readonly string[];
}

const EXPECTED = 'a JSON or NDJSON report written by ats-audit (--format json or --format ndjson)';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isVerdict = (v: unknown): v is Verdict => typeof v === 'string' && (VERDICTS as readonly string[]).includes(v);

/** First characters of the text, quoted, for an error message. */
function excerpt(s: string): string {
  const line = s.trimStart().split(/\r?\n/, 1)[0] ?? '';
  return JSON.stringify(line.length > 40 ? `${line.slice(0, 40)}…` : line);
}

/**
 * A report's text. `fileTime` (ms) is the time used for units that carry no reading time of
 * their own and no report time (NDJSON lines from a scan): the file's modification time.
 */
export function parseReport(text: string, file: string, fileTime: number): ReadReport {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new ReportFileError(`${file}: the file is empty; expected ${EXPECTED}`);
  if (!body.trimStart().startsWith('{')) {
    throw new ReportFileError(`${file}: not an ats-audit report: it starts with ${excerpt(body)}; expected ${EXPECTED}`);
  }
  // A JSON report is one object over many lines; NDJSON is one object per line.
  let whole: unknown;
  try {
    whole = JSON.parse(body);
  } catch (e) {
    // A report written with indentation opens with a lone "{": it is a damaged JSON report.
    if (body.trimStart().split(/\r?\n/, 1)[0]?.trim() === '{') {
      throw new ReportFileError(`${file}: a damaged JSON report (${(e as Error).message}); expected ${EXPECTED}`);
    }
    whole = undefined;
  }
  if (isObj(whole) && !('host' in whole)) return jsonReport(whole, file);
  return ndjsonReport(body, file, fileTime);
}

function jsonReport(o: Obj, file: string): ReadReport {
  if (o.tool !== 'ats-audit') throw new ReportFileError(`${file}: not an ats-audit report: a JSON object without "tool": "ats-audit"; expected ${EXPECTED}`);
  if (!Array.isArray(o.units)) throw new ReportFileError(`${file}: not an ats-audit report: "units" is not an array; expected ${EXPECTED}`);
  const generated = typeof o.generatedAt === 'string' ? Date.parse(o.generatedAt) : Number.NaN;
  if (!Number.isFinite(generated)) throw new ReportFileError(`${file}: "generatedAt" is not a date and time; expected ${EXPECTED}`);
  const units = o.units.map((u: unknown, i) => unitFrom(u, `${file} units[${i}]`, file, generated));
  return { file, format: 'json', units, notes: [] };
}

function ndjsonReport(body: string, file: string, fileTime: number): ReadReport {
  const units: ReadUnit[] = [];
  let withoutTime = 0;
  const lines = body.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    let u: unknown;
    try {
      u = JSON.parse(line);
    } catch (e) {
      throw new ReportFileError(`${where}: not valid JSON (${(e as Error).message}); expected ${EXPECTED}`);
    }
    const unit = unitFrom(u, where, file, fileTime);
    if (!isObj(u) || typeof u.read_at !== 'string') withoutTime++;
    units.push(unit);
  });
  const notes =
    withoutTime > 0
      ? [`${file}: ${withoutTime} unit(s) carry no reading time (NDJSON from a scan): the file's modification time, ${new Date(fileTime).toISOString()}, is taken as theirs`]
      : [];
  return { file, format: 'ndjson', units, notes };
}

/** One unit object of the JSON report (one NDJSON line). */
function unitFrom(u: unknown, where: string, file: string, reportTime: number): ReadUnit {
  const bad = (why: string) => new ReportFileError(`${where}: ${why}; expected ${EXPECTED}`);
  if (!isObj(u)) throw bad('not a JSON object');
  if (typeof u.host !== 'string' || u.host === '') throw bad('"host" is missing or not text');
  if (typeof u.port !== 'number' || !Number.isInteger(u.port) || u.port < 1 || u.port > 65535) throw bad('"port" is not a port number');
  if (!isVerdict(u.verdict)) throw bad(`"verdict" is not one of ${VERDICTS.join(', ')}`);
  if (typeof u.reason !== 'string') throw bad('"reason" is missing or not text');
  let at = reportTime;
  if (u.read_at !== undefined && u.read_at !== null) {
    const t = typeof u.read_at === 'string' ? Date.parse(u.read_at) : Number.NaN;
    if (!Number.isFinite(t)) throw bad('"read_at" is not a date and time');
    at = t;
  }
  const readFrom = str(u.read_from) ?? file;
  const identity = isObj(u.identity) ? identityFrom(u.identity) : undefined;
  const facts = isObj(u.facts) ? factsFrom(u.facts) : undefined;
  const raw = isObj(u.raw) ? { reading: readingFrom(u.raw), walked: isObj(u.walked) ? walkedFrom(u.walked) : {} } : undefined;
  const advisoryId = str(u.advisory);
  const result: AuditResult = {
    target: { host: u.host, port: u.port, ...opt('name', str(u.name)), ...opt('site', str(u.site)), origin: where },
    finding: {
      verdict: u.verdict,
      reason: u.reason,
      action: str(u.action) ?? '',
      ...(advisoryId ? { advisoryId } : {}),
      ...(facts ? { facts } : {}),
    },
    ...(identity ? { identity } : {}),
    ...(raw ? { raw } : {}),
    requests: 0,
    reading: { at: new Date(at).toISOString(), file: readFrom },
  };
  return { result, at };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function opt<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[]): T | undefined {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : undefined;
}

function identityFrom(o: Obj): Identity {
  return {
    ...opt('model', str(o.model)),
    ...opt('serial', str(o.serial)),
    ...opt('hardwareRev', str(o.hardware_rev)),
    ...opt('aosVersion', str(o.aos_version)),
    ...opt('aosFile', str(o.aos_file)),
    ...opt('appVersion', str(o.app_version)),
    ...opt('appFile', str(o.app_file)),
    ...opt('controllerFirmware', str(o.controller_firmware)),
    ...opt('sysName', str(o.sys_name)),
    ...opt('sysLocation', str(o.sys_location)),
  };
}

const SOURCES = ['A', 'B'] as const satisfies readonly Source[];
const STATUSES = ['ok', 'fail'] as const satisfies readonly SourceStatus[];
const YES_NO = ['yes', 'no', 'unknown'] as const satisfies readonly YesNoUnknown[];

function factsFrom(o: Obj): Facts {
  return {
    ...opt('primarySource', oneOf(o.primary_source, ['A', 'B', 'none'] as const)),
    ...opt('selectedSource', oneOf(o.selected_source, SOURCES)),
    ...opt('sourceA', oneOf(o.source_a, STATUSES)),
    ...opt('sourceB', oneOf(o.source_b, STATUSES)),
    ...opt('voltageA', num(o.voltage_a)),
    ...opt('voltageB', num(o.voltage_b)),
    // A fact the report does not give is not known.
    secondaryLive: oneOf(o.secondary_live, YES_NO) ?? 'unknown',
    loadAttached: oneOf(o.load_attached, YES_NO) ?? 'unknown',
    ...opt('loadAmps', num(o.load_amps)),
  };
}

/** The inverse of json.ts rawValueToJson; a value of another shape is left out. */
function rawValueFrom(v: unknown): RawValue | undefined {
  if (!isObj(v)) return undefined;
  if ((v.type === 'integer') && typeof v.value === 'number') return { type: 'integer', value: v.value };
  if (v.type === 'oid' && typeof v.value === 'string') return { type: 'oid', value: v.value };
  if (v.type === 'string' && typeof v.value === 'string') {
    return { type: 'string', value: v.value, ...(v.invalid_utf8 === true ? { invalidUtf8: true as const } : {}), ...(v.truncated === true ? { truncated: true as const } : {}) };
  }
  if (v.type === 'other' && typeof v.value === 'string') return { type: 'other', value: v.value, snmpType: typeof v.snmp_type === 'string' ? v.snmp_type : 'unknown' };
  return undefined;
}

const isObjectKey = (k: string): k is ObjectKey => (OBJECT_KEYS as readonly string[]).includes(k);

function readingFrom(o: Obj): Reading {
  const out: Partial<Record<ObjectKey, RawValue>> = {};
  for (const [k, v] of Object.entries(o)) {
    const value = rawValueFrom(v);
    if (isObjectKey(k) && value) out[k] = value;
  }
  return out;
}

function walkedFrom(o: Obj): WalkedRows {
  const out: Partial<Record<ObjectKey, Array<{ instance: string; value: RawValue }>>> = {};
  for (const [k, rows] of Object.entries(o)) {
    if (!isObjectKey(k) || !Array.isArray(rows)) continue;
    out[k] = rows.flatMap((row: unknown) => {
      const value = rawValueFrom(row);
      return isObj(row) && typeof row.instance === 'string' && value ? [{ instance: row.instance, value }] : [];
    });
  }
  return out;
}
