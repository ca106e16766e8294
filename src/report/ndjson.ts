// NDJSON report (one JSON object per line, newline-terminated): exactly the per-unit objects
// of the JSON report's `units[]`, so one schema and one jq filter serve both. Every line is a
// unit, with no header or summary line: log shippers and `jq -c 'select(...)'` then see one
// shape only, and a line can be written the moment its unit is known (memory stays flat on a
// large fleet). Counts are `jq -s 'group_by(.verdict)'` away.

import type { AuditResult } from '../audit/audit-result.js';
import { batched, joinChunks, reiterable, type ReportChunks } from './chunks.js';
import { jsonUnit } from './json.js';
import { forJsonText } from './sanitize.js';

export { jsonUnit };

/**
 * One unit as one line, ending in `\n`. JSON.stringify without indentation escapes every
 * line break inside strings, and forJsonText the separators and controls it leaves raw.
 */
export function ndjsonLine(result: AuditResult): string {
  return `${forJsonText(JSON.stringify(jsonUnit(result)))}\n`;
}

/** All units, one line each, in the order given, in chunks (see chunks.ts); none for no units. */
export function ndjsonChunks(results: readonly AuditResult[]): ReportChunks {
  return reiterable(() => batched(lines(results)));
}

function* lines(results: readonly AuditResult[]): Generator<string> {
  for (const r of results) yield ndjsonLine(r);
}

/** All units, one line each, in the order given; empty for no units. */
export function renderNdjson(results: readonly AuditResult[]): string {
  return joinChunks(ndjsonChunks(results));
}
