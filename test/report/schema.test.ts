import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/audit-result.js';
import { VERDICTS } from '../../src/audit/finding.js';
import { OBJECT_KEYS, WALKABLE_KEYS } from '../../src/poll/oid-map.js';
import { COLUMNS } from '../../src/report/columns.js';
import { renderJson } from '../../src/report/json.js';
import { renderNdjson } from '../../src/report/ndjson.js';
import { FLEET, FLEET_WITH_HOSTILE, atRisk1U, hostile, notAts, unknown2U, unreachable } from '../fixtures/results.js';
import { reportAjv } from '../helpers/report-schema.js';

// The published schema of the JSON report (and of each NDJSON line), checked against real
// rendered reports with Ajv, and against the code's own lists so the two cannot drift.

const SCHEMA_FILE = new URL('../../schema/ats-audit-report.schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown> & { $id: string; $defs: Record<string, Record<string, unknown>> };

// strict: unknown keywords or formats, and ambiguous types, are schema errors, not ignored.
const ajv = reportAjv();
const validateReport = ajv.compile(schema);
const validateUnit = ajv.getSchema(`${schema.$id}#/$defs/unit`) as ValidateFunction;

const META = { version: '0.1.0', generatedAt: new Date('2025-01-02T03:04:05Z'), advisories: ['FA156178'] };

function report(results: readonly AuditResult[]): Record<string, unknown> {
  return JSON.parse(renderJson(results, META)) as Record<string, unknown>;
}

function errorsOf(validate: ValidateFunction, data: unknown): string {
  return validate(data) ? '' : ajv.errorsText(validate.errors);
}

/** A deep copy of `value` changed by `edit`. */
function broken<T>(value: T, edit: (copy: any) => void): T {
  const copy = structuredClone(value);
  edit(copy);
  return copy;
}

describe('schema/ats-audit-report.schema.json', () => {
  it('is a valid draft 2020-12 schema', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(validateUnit).toBeTypeOf('function');
  });

  it('accepts real reports: every verdict, hostile text, a single unit, no units', () => {
    for (const [what, results] of [
      ['fleet', FLEET],
      ['fleet with hostile text', FLEET_WITH_HOSTILE],
      ['unreachable only', [unreachable]],
      ['hostile only', [hostile]],
      ['none', []],
    ] as const) {
      expect(errorsOf(validateReport, report(results)), what).toBe('');
    }
    const verdicts = (report(FLEET).units as Array<{ verdict: string }>).map((u) => u.verdict);
    expect(new Set(verdicts)).toEqual(new Set(VERDICTS));
  });

  it('accepts every NDJSON line as a unit', () => {
    const lines = renderNdjson(FLEET_WITH_HOSTILE).trimEnd().split('\n');
    expect(lines).toHaveLength(FLEET_WITH_HOSTILE.length);
    for (const line of lines) expect(errorsOf(validateUnit, JSON.parse(line)), line.slice(0, 60)).toBe('');
  });

  it('rejects broken reports', () => {
    const good = report(FLEET);
    const cases: Array<[string, (r: any) => void, RegExp]> = [
      ['a wrong verdict word', (r) => (r.units[0].verdict = 'at_risk'), /verdict must be equal to one of the allowed values/],
      ['a missing unit key', (r) => delete r.units[0].facts, /must have required property 'facts'/],
      ['a missing top-level key', (r) => delete r.summary, /must have required property 'summary'/],
      ['an extra key', (r) => (r.units[0].community = 'public'), /must NOT have additional properties/],
      ['a wrong yes/no word', (r) => (r.units.find((u: any) => u.facts).facts.secondary_live = 'maybe'), /secondary_live must be equal to one of the allowed values/],
      ['a port as text', (r) => (r.units[0].port = '161'), /port must be integer/],
      ['a missing verdict count', (r) => delete r.summary.byVerdict['not-ats'], /must have required property 'not-ats'/],
      ['another tool', (r) => (r.tool = 'other'), /tool must be equal to constant/],
      ['a date that is not one', (r) => (r.generatedAt = 'yesterday'), /generatedAt must match format "date-time"/],
      ['an unknown raw object', (r) => (r.units.find((u: any) => u.raw).raw.ifInOctets = { type: 'integer', value: 1 }), /property name must be valid/],
      ['a raw integer as text', (r) => (r.units.find((u: any) => u.raw?.atsOutputCurrent).raw.atsOutputCurrent.value = '42'), /must match exactly one schema in oneOf/],
      ['a flag that is false', (r) => (r.units.find((u: any) => u.raw?.sysName).raw.sysName.truncated = false), /must match exactly one schema in oneOf/],
      ['a walked row without instance', (r) => delete r.units.find((u: any) => u.walked?.atsOutputBankCurrent).walked.atsOutputBankCurrent[0].instance, /must have required property 'instance'/],
      ['an empty action instead of null', (r) => (r.units.find((u: any) => u.action === null).action = ''), /action must NOT have fewer than 1 characters/],
    ];
    for (const [what, edit, message] of cases) expect(errorsOf(validateReport, broken(good, edit)), what).toMatch(message);
    expect(errorsOf(validateUnit, broken(report([atRisk1U]).units, () => {}))).toMatch(/must be object/);
  });

  it('lists exactly the keys and words the code writes', () => {
    const defs = schema.$defs;
    const names = (group: string) => COLUMNS.filter((c) => c.group === group).map((c) => c.name);
    expect(defs.verdict?.enum).toEqual([...VERDICTS]);
    expect((defs.summary?.properties as any).byVerdict.required).toEqual([...VERDICTS]);
    expect(defs.unit?.required).toEqual([...names('unit'), 'identity', 'facts', 'raw', 'walked']);
    expect(Object.keys(defs.unit?.properties ?? {})).toEqual(defs.unit?.required);
    expect(defs.identity?.required).toEqual(names('identity'));
    expect(Object.keys(defs.identity?.properties ?? {})).toEqual(names('identity'));
    expect(defs.facts?.required).toEqual(names('facts'));
    expect(Object.keys(defs.facts?.properties ?? {})).toEqual(names('facts'));
    expect(defs.objectKey?.enum).toEqual(OBJECT_KEYS);
    expect(defs.walkableKey?.enum).toEqual(WALKABLE_KEYS);
    expect(schema.required).toEqual(Object.keys(report([])));
    // Key order in a rendered unit is the schema's order too.
    for (const u of report([atRisk1U, unknown2U, notAts]).units as Array<Record<string, unknown>>) expect(Object.keys(u)).toEqual(defs.unit?.required);
  });
});
