// Reads ats-audit's own reports back: the JSON report's raw values (type and value per oid-map
// name, mapped to OIDs here) for the exact object check, and the CSV report's verdicts.

import { parse as parseCsv } from 'csv-parse/sync';
import { OBJECTS, type ObjectKey } from '../src/poll/oid-map.js';
import type { HostValues, ToolValue } from './compare.js';

interface JsonRaw {
  readonly type: string;
  readonly value: string | number;
}

interface JsonUnitLike {
  readonly host: string;
  readonly verdict: string;
  readonly raw: Record<string, JsonRaw> | null;
}

function isKey(name: string): name is ObjectKey {
  return Object.hasOwn(OBJECTS, name);
}

function toolValue(raw: JsonRaw): ToolValue {
  switch (raw.type) {
    case 'integer':
      return { kind: 'integer', text: String(raw.value) };
    case 'string':
      return { kind: 'string', text: String(raw.value) };
    case 'oid':
      return { kind: 'oid', text: String(raw.value).replace(/^\./, '') };
    default:
      return { kind: 'other', text: String(raw.value) };
  }
}

export interface OursJson {
  readonly values: HostValues;
  readonly verdicts: Map<string, string>;
  /** raw keys that are not oid-map names (would mean the report and the map disagree). */
  readonly unknownKeys: readonly string[];
}

export function parseOursJson(text: string): OursJson {
  const report = JSON.parse(text) as { units?: JsonUnitLike[] };
  if (!Array.isArray(report.units)) throw new Error('bench: ats-audit JSON report has no units array');
  const values: HostValues = new Map();
  const verdicts = new Map<string, string>();
  const unknownKeys = new Set<string>();
  for (const u of report.units) {
    verdicts.set(u.host, u.verdict);
    const unit = new Map<string, ToolValue>();
    for (const [name, raw] of Object.entries(u.raw ?? {})) {
      if (!isKey(name)) {
        unknownKeys.add(name);
        continue;
      }
      unit.set(OBJECTS[name].oid, toolValue(raw));
    }
    values.set(u.host, unit);
  }
  return { values, verdicts, unknownKeys: [...unknownKeys] };
}

/** host -> verdict and host -> reason from the CSV report (the first occurrence wins; duplicates are counted). */
export function parseOursCsv(text: string): { verdicts: Map<string, string>; reasons: Map<string, string>; duplicates: number } {
  const rows = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true }) as Array<Record<string, string>>;
  const verdicts = new Map<string, string>();
  const reasons = new Map<string, string>();
  let duplicates = 0;
  for (const row of rows) {
    const host = row.host;
    const verdict = row.verdict;
    if (host === undefined || verdict === undefined) throw new Error('bench: ats-audit CSV report lacks host/verdict columns');
    if (verdicts.has(host)) duplicates++;
    else {
      verdicts.set(host, verdict);
      reasons.set(host, row.reason ?? '');
    }
  }
  return { verdicts, reasons, duplicates };
}
