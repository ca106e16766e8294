// JSON report: the same facts as the CSV (same names, from columns.ts), grouped per unit, plus
// the raw values each unit answered. Keys always appear, in a fixed order; a value the unit did
// not give is null. AuditResult holds no credentials, and nothing here adds any.

import type { AuditResult } from '../audit/audit-result.js';
import { OBJECT_KEYS, type ObjectKey } from '../poll/oid-map.js';
import type { RawValue, Reading, WalkedRows } from '../poll/reading.js';
import { batched, joinChunks, reiterable, type ReportChunks } from './chunks.js';
import { COLUMNS, type Column, type ColumnGroup, type ColumnNameIn } from './columns.js';
import { forJsonText } from './sanitize.js';
import { summarize, type Summary } from './summary.js';

export interface JsonMeta {
  /** ats-audit's own version. */
  readonly version: string;
  readonly generatedAt: Date | string;
  /** Ids of the bulletins audited against, e.g. ["FA156178"]. */
  readonly advisories: readonly string[];
  /** With --baseline: the comparison (baseline.ts comparisonJson), as the top-level `baseline`. */
  readonly baseline?: unknown;
}

export type JsonScalar = string | number | null;

/** A raw SNMP value, with its type kept. */
export interface JsonRawValue {
  readonly type: RawValue['type'];
  readonly value: string | number;
  /** For `other`: the SNMP type the agent sent (e.g. "Counter32"). */
  readonly snmp_type?: string;
  /** The agent sent bytes that are not UTF-8; `value` is the lossy decoding. */
  readonly invalid_utf8?: true;
  /** The value was longer than the poller keeps; `value` is its start. */
  readonly truncated?: true;
}

export type JsonRawRow = { readonly instance: string } & JsonRawValue;

type Group<G extends ColumnGroup> = { readonly [K in ColumnNameIn<G>]: JsonScalar };

/** One unit: the `unit` columns, then identity, facts and the raw values read. */
export type JsonUnit = Group<'unit'> & {
  /** null when the unit did not answer. */
  readonly identity: Group<'identity'> | null;
  /** null when not applicable (the unit is not a Rack ATS, or did not answer). */
  readonly facts: Group<'facts'> | null;
  /** Objects the unit answered, by oid-map name; null when it did not answer. */
  readonly raw: Readonly<Record<string, JsonRawValue>> | null;
  /** Rows found by walking a column whose known instance was missing; null when it did not answer. */
  readonly walked: Readonly<Record<string, readonly JsonRawRow[]>> | null;
};

export interface JsonReport {
  readonly tool: 'ats-audit';
  readonly version: string;
  readonly generatedAt: string;
  readonly advisories: readonly string[];
  readonly summary: Summary;
  readonly units: readonly JsonUnit[];
  readonly baseline?: unknown;
}

const GROUP_COLUMNS: Readonly<Record<ColumnGroup, readonly Column[]>> = {
  unit: COLUMNS.filter((c) => c.group === 'unit'),
  identity: COLUMNS.filter((c) => c.group === 'identity'),
  facts: COLUMNS.filter((c) => c.group === 'facts'),
};

function jsonCell(c: Column, r: AuditResult): JsonScalar {
  const v = c.value(r);
  if (v === undefined) return null;
  if (c.kind === 'number' && typeof v === 'string') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return v;
}

/**
 * The group's columns as properties of `into` (a new object by default), in column order.
 * Set one by one rather than spread from another object: spreading made V8 keep each unit's
 * garbage alive through young-generation collections, and a large report's heap grew with it.
 */
function group<G extends ColumnGroup>(g: G, r: AuditResult, into: Record<string, unknown> = {}): Group<G> {
  for (const c of GROUP_COLUMNS[g]) into[c.name] = jsonCell(c, r);
  return into as Group<G>;
}

export function rawValueToJson(v: RawValue): JsonRawValue {
  switch (v.type) {
    case 'integer':
    case 'oid':
      return { type: v.type, value: v.value };
    case 'string':
      return {
        type: 'string',
        value: v.value,
        ...(v.invalidUtf8 ? { invalid_utf8: true as const } : {}),
        ...(v.truncated ? { truncated: true as const } : {}),
      };
    case 'other':
      return { type: 'other', value: v.value, snmp_type: v.snmpType };
  }
}

/** Object keys in oid-map order, whatever order the poller filled them in. */
function orderedKeys(o: object): ObjectKey[] {
  const present = new Set(Object.keys(o));
  return OBJECT_KEYS.filter((k) => present.has(k));
}

function rawReading(reading: Reading): Record<string, JsonRawValue> {
  const out: Record<string, JsonRawValue> = {};
  for (const k of orderedKeys(reading)) {
    const v = reading[k];
    if (v) out[k] = rawValueToJson(v);
  }
  return out;
}

function rawWalked(walked: WalkedRows): Record<string, JsonRawRow[]> {
  const out: Record<string, JsonRawRow[]> = {};
  for (const k of orderedKeys(walked)) {
    const rows = walked[k];
    if (rows) out[k] = rows.map((row) => ({ instance: row.instance, ...rawValueToJson(row.value) }));
  }
  return out;
}

/** One unit's JSON object (the report's `units[]` item; one ndjson line). */
export function jsonUnit(r: AuditResult): JsonUnit {
  const unit: Record<string, unknown> = {};
  group('unit', r, unit);
  unit.identity = r.identity ? group('identity', r) : null;
  unit.facts = r.finding.facts ? group('facts', r) : null;
  unit.raw = r.raw ? rawReading(r.raw.reading) : null;
  unit.walked = r.raw ? rawWalked(r.raw.walked) : null;
  return unit as JsonUnit;
}

export function buildJsonReport(results: readonly AuditResult[], meta: JsonMeta): JsonReport {
  return {
    tool: 'ats-audit',
    version: meta.version,
    generatedAt: typeof meta.generatedAt === 'string' ? meta.generatedAt : meta.generatedAt.toISOString(),
    advisories: [...meta.advisories],
    summary: summarize(results),
    units: results.map(jsonUnit),
    ...(meta.baseline === undefined ? {} : { baseline: meta.baseline }),
  };
}

/** Where the units go in the head-and-tail text: the top-level key, which is indented by two. */
const UNITS_SLOT = '\n  "units": []';
/** A unit's own indentation inside `units`. */
const UNIT_INDENT = '    ';

/**
 * The report as JSON text in chunks (see chunks.ts): exactly renderJson's text. The report
 * without its units is stringified once (its summary from one pass over the results); each
 * unit is then stringified on its own and indented to its place in `units`. JSON text holds
 * no raw line break inside a string, so indenting after every `\n` only touches structure.
 */
export function jsonChunks(results: readonly AuditResult[], meta: JsonMeta): ReportChunks {
  return reiterable(() => batched(pieces(results, meta)));
}

function* pieces(results: readonly AuditResult[], meta: JsonMeta): Generator<string> {
  const frame = JSON.stringify({ ...buildJsonReport([], meta), summary: summarize(results) }, null, 2);
  // The first match is the top-level key: earlier values are one line each (strings) or
  // indented deeper (advisories, summary), and a key appears once per object.
  const slot = frame.indexOf(UNITS_SLOT) + UNITS_SLOT.length - 2;
  if (results.length === 0) {
    yield `${forJsonText(frame)}\n`;
    return;
  }
  yield `${forJsonText(frame.slice(0, slot))}[\n`;
  yield* units(results);
  yield `\n  ]${forJsonText(frame.slice(slot + 2))}\n`;
}

/** Each unit's text, indented, with the `,\n` between units. */
function* units(results: readonly AuditResult[]): Generator<string> {
  let first = true;
  for (const r of results) {
    const text = forJsonText(JSON.stringify(jsonUnit(r), null, 2)).replaceAll('\n', `\n${UNIT_INDENT}`);
    yield first ? `${UNIT_INDENT}${text}` : `,\n${UNIT_INDENT}${text}`;
    first = false;
  }
}

/** The report as JSON text (2-space indent, trailing newline), safe to print to a terminal. */
export function renderJson(results: readonly AuditResult[], meta: JsonMeta): string {
  return joinChunks(jsonChunks(results, meta));
}
