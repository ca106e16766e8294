import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/audit-result.js';
import { COLUMNS, COLUMN_NAMES, formatAmps } from '../../src/report/columns.js';
import { REPORT_COLUMN_NAMES } from '../../src/report/column-names.js';

const DOC = readFileSync(new URL('../../docs/report-columns.md', import.meta.url), 'utf8');

/** Rows of the doc's column table: | `name` | kind | group | description | */
function documentedColumns(): Array<{ name: string; kind: string; group: string; description: string }> {
  return DOC.split('\n')
    .map((line) => /^\| `([a-z_]+)` \| (\w+) \| (\w+) \| (.+) \|$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, name = '', kind = '', group = '', description = '']) => ({ name, kind, group, description }));
}

describe('report columns', () => {
  it('follow the name list the baseline reader uses (column-names.ts), in the same order', () => {
    expect(COLUMNS.map((c) => c.name)).toEqual([...REPORT_COLUMN_NAMES]);
  });

  it('are the stable column set, in order', () => {
    expect(COLUMN_NAMES).toEqual([
      'host',
      'port',
      'name',
      'site',
      'verdict',
      'reason',
      'action',
      'model',
      'serial',
      'hardware_rev',
      'aos_version',
      'aos_file',
      'app_version',
      'app_file',
      'controller_firmware',
      'sys_name',
      'sys_location',
      'primary_source',
      'selected_source',
      'source_a',
      'source_b',
      'voltage_a',
      'voltage_b',
      'secondary_live',
      'load_attached',
      'load_amps',
      'advisory',
      'change',
      'previous_verdict',
      'read_at',
      'read_from',
    ]);
  });

  it('each have a one-line description', () => {
    for (const c of COLUMNS) {
      expect(c.description.length, c.name).toBeGreaterThan(10);
      expect(c.description, c.name).not.toMatch(/[\r\n|]/);
    }
  });

  it('treat device and inventory text as text, and only that', () => {
    const text = COLUMNS.filter((c) => c.kind === 'text').map((c) => c.name);
    expect(text).toEqual([
      'host',
      'name',
      'site',
      'reason',
      'action',
      'model',
      'serial',
      'hardware_rev',
      'aos_version',
      'aos_file',
      'app_version',
      'app_file',
      'controller_firmware',
      'sys_name',
      'sys_location',
      'advisory',
      'read_at',
      'read_from',
    ]);
  });
});

describe('docs/report-columns.md', () => {
  it('lists exactly the columns of columns.ts, in order, with the same kind, group and description', () => {
    expect(documentedColumns()).toEqual(
      COLUMNS.map((c) => ({ name: c.name, kind: c.kind, group: c.group, description: c.description })),
    );
  });
});

describe('column values', () => {
  const bare: AuditResult = {
    target: { host: 'h', port: 161, origin: 'test' },
    finding: { verdict: 'unknown', reason: 'r', action: '', facts: { secondaryLive: 'unknown', loadAttached: 'no', loadAmps: 0.04 } },
    requests: 1,
  };
  const value = (name: string, r: AuditResult) => COLUMNS.find((c) => c.name === name)?.value(r);

  it('format amps with one decimal, blank when unknown', () => {
    expect(formatAmps(4.2)).toBe('4.2');
    expect(formatAmps(0)).toBe('0.0');
    expect(formatAmps(17)).toBe('17.0');
    expect(formatAmps(undefined)).toBeUndefined();
    expect(formatAmps(Number.NaN)).toBeUndefined();
    expect(value('load_amps', bare)).toBe('0.0');
  });

  it('leave unknown and not-applicable values blank', () => {
    expect(value('secondary_live', bare)).toBe('unknown');
    expect(value('load_attached', bare)).toBe('no');
    expect(value('voltage_a', bare)).toBeUndefined();
    expect(value('action', bare)).toBeUndefined();
    expect(value('model', bare)).toBeUndefined();
    const notAts: AuditResult = { ...bare, finding: { verdict: 'not-ats', reason: 'r', action: '' } };
    for (const c of COLUMNS.filter((col) => col.group === 'facts')) expect(c.value(notAts), c.name).toBeUndefined();
  });

  it('drop voltages that are not finite numbers', () => {
    const odd: AuditResult = {
      ...bare,
      finding: { ...bare.finding, facts: { secondaryLive: 'yes', loadAttached: 'yes', voltageA: Number.POSITIVE_INFINITY, voltageB: 0 } },
    };
    expect(value('voltage_a', odd)).toBeUndefined();
    expect(value('voltage_b', odd)).toBe(0);
  });
});
