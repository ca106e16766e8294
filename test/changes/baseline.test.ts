import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/audit-result.js';
import {
  BaselineError,
  CHANGES_EXIT_CODE,
  changeFor,
  changeOf,
  compareWithBaseline,
  failOn,
  parseBaseline,
  parseFailOn,
  readBaselineFile,
  type Baseline,
  type ChangeKind,
  type Comparison,
} from '../../src/changes/baseline.js';
import { comparisonJson, formatChange, formatChangeSummary } from '../../src/report/changes-text.js';
import type { Verdict } from '../../src/audit/finding.js';
import { renderCsv } from '../../src/report/csv.js';
import { renderJson } from '../../src/report/json.js';

/** A hand-built result: host, verdict, and optionally the firmware the card reported. */
function result(host: string, verdict: Verdict, firmware?: { aos: string; app: string }, extra: Partial<AuditResult['target']> = {}): AuditResult {
  return {
    target: { host, port: 161, origin: 'test', ...extra },
    finding: { verdict, reason: `${host} is ${verdict}`, action: '' },
    ...(verdict !== 'unreachable' && {
      identity: { model: 'AP7722A', ...(firmware && { aosVersion: firmware.aos, appVersion: firmware.app }) },
    }),
    requests: 1,
  };
}

const FW374 = { aos: 'v3.7.4', app: 'v3.7.1' };
const FW390 = { aos: 'v3.9.0', app: 'v3.9.2' };

// Yesterday's run.
const BEFORE: AuditResult[] = [
  result('10.0.0.1', 'safe-to-upgrade', FW374), // becomes at-risk
  result('10.0.0.2', 'at-risk', FW374), // becomes safe
  result('10.0.0.3', 'at-risk', FW374), // stops answering
  result('10.0.0.4', 'unreachable'), // answers again, at-risk
  result('10.0.0.5', 'at-risk', FW374), // upgraded, still at-risk
  result('10.0.0.6', 'unknown', FW374), // unchanged
  result('10.0.0.7', 'not-affected', FW374, { name: 'old-unit', site: 'DC9' }), // removed from the inventory
  result('10.0.0.8', 'unknown', FW374), // becomes not-affected
  result('2001:db8::5', 'not-ats', FW374, { port: 1161 }), // unchanged, IPv6 key
];
// Today's run.
const AFTER: AuditResult[] = [
  result('10.0.0.1', 'at-risk', FW374),
  result('10.0.0.2', 'safe-to-upgrade', FW374),
  result('10.0.0.3', 'unreachable'),
  result('10.0.0.4', 'at-risk', FW374),
  result('10.0.0.5', 'at-risk', FW390),
  result('10.0.0.6', 'unknown', FW374),
  result('10.0.0.8', 'not-affected', FW374),
  result('2001:db8::5', 'not-ats', FW374, { port: 1161 }),
  result('10.0.0.9', 'at-risk', FW374), // new, at risk
  result('10.0.0.10', 'safe-to-upgrade', FW374), // new
];

const EXPECTED: Record<string, ChangeKind[]> = {
  '10.0.0.1:161': ['new-at-risk'],
  '10.0.0.2:161': ['no-longer-at-risk'],
  // At risk before, silent now: not "no-longer-at-risk", which would read as fixed.
  '10.0.0.3:161': ['newly-unreachable'],
  '10.0.0.4:161': ['new-at-risk', 'back-online'],
  '10.0.0.5:161': ['firmware-changed'],
  '10.0.0.6:161': ['unchanged'],
  '10.0.0.8:161': ['verdict-changed'],
  '[2001:db8::5]:1161': ['unchanged'],
  '10.0.0.9:161': ['new-at-risk', 'new-unit'],
  '10.0.0.10:161': ['new-unit'],
};

const renderBaselineCsv = () => renderCsv(BEFORE, { bom: true });
const renderBaselineJson = () => renderJson(BEFORE, { version: '0.1.0', generatedAt: '2024-05-01T02:00:00.000Z', advisories: ['FA156178'] });

function checkComparison(c: Comparison) {
  for (const r of AFTER) {
    const change = changeFor(c, r.target);
    expect(change?.kinds, `${r.target.host}`).toEqual(EXPECTED[change!.key]);
  }
  expect(changeFor(c, { host: '10.0.0.3', port: 161 })?.previousVerdict).toBe('at-risk');
  expect(changeFor(c, { host: '10.0.0.9', port: 161 })?.previousVerdict).toBeUndefined();
  expect(c.gone.map((u) => u.key)).toEqual(['10.0.0.7:161']);
  expect(c.gone[0]).toMatchObject({ name: 'old-unit', site: 'DC9', verdict: 'not-affected' });
  expect(c.summary).toMatchObject({ total: 10, baselineTotal: 9 });
  expect(c.summary.byKind).toEqual({
    'new-at-risk': 3,
    'newly-unreachable': 1,
    'no-longer-at-risk': 1,
    'back-online': 1,
    'verdict-changed': 1,
    'firmware-changed': 1,
    'new-unit': 2,
    gone: 1,
    unchanged: 2,
  });
}

describe('baseline from a previous report', () => {
  it('reads the CSV report (with BOM) and computes every change kind', () => {
    const b = parseBaseline(renderBaselineCsv(), 'yesterday.csv');
    expect(b.format).toBe('csv');
    expect(b.units.size).toBe(BEFORE.length);
    expect(b.units.get('10.0.0.5:161')).toMatchObject({ verdict: 'at-risk', aosVersion: 'v3.7.4', appVersion: 'v3.7.1', origin: 'yesterday.csv:6' });
    checkComparison(compareWithBaseline(b, AFTER));
  });

  it('reads the JSON report and gives the same changes', () => {
    const b = parseBaseline(renderBaselineJson(), 'yesterday.json');
    expect(b.format).toBe('json');
    expect(b.generatedAt).toBe('2024-05-01T02:00:00.000Z');
    checkComparison(compareWithBaseline(b, AFTER));
  });

  it('reads a report from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-baseline-'));
    const file = join(dir, 'report.json');
    writeFileSync(file, renderBaselineJson());
    expect(readBaselineFile(file).units.size).toBe(BEFORE.length);
    expect(() => readBaselineFile(join(dir, 'missing.csv'))).toThrow(/--baseline .*missing\.csv: no such file$/);
  });

  it('keeps text the CSV guarded against formulas comparable (a leading - in a version)', () => {
    const before = [result('10.0.0.1', 'unknown', { aos: '-3.7.4', app: '=1+1' })];
    const b = parseBaseline(renderCsv(before), 'x.csv');
    expect(b.units.get('10.0.0.1:161')).toMatchObject({ aosVersion: '-3.7.4', appVersion: '=1+1' });
    const c = compareWithBaseline(b, before);
    expect(formatChange(changeFor(c, before[0]!.target)!)).toBe('unchanged');
  });

  it('ignores columns it does not know (a later report with a change column can be the next baseline)', () => {
    const text = 'host,port,verdict,change,previous_verdict\r\n10.0.0.1,161,at-risk,new-at-risk,safe-to-upgrade\r\n';
    const b = parseBaseline(text, 'with-change.csv');
    expect(b.units.get('10.0.0.1:161')?.verdict).toBe('at-risk');
  });

  it('notes a host:port given twice and keeps the first row', () => {
    const b = parseBaseline('host,port,verdict\n10.0.0.1,161,at-risk\n10.0.0.1,161,unknown\n', 'dup.csv');
    expect(b.units.get('10.0.0.1:161')?.verdict).toBe('at-risk');
    expect(b.notes).toEqual(['dup.csv:3: 10.0.0.1:161 is already in the baseline at dup.csv:2; the first row is used']);
  });
});

describe('files that are not a report of this tool', () => {
  const bad: Array<[name: string, text: string, message: RegExp]> = [
    ['empty.csv', '', /^empty\.csv: the baseline is empty; expected a CSV or JSON report written by ats-audit/],
    ['inventory.csv', 'host,community\n10.0.0.1,public\n', /^inventory\.csv: not an ats-audit report: .* has no "port", "verdict" columns; expected the CSV written by "ats-audit --format csv"/],
    ['hosts.txt', '10.0.0.1\n10.0.0.2\n', /^hosts\.txt: not an ats-audit report: the first line has no "host", "port", "verdict" columns/],
    ['table.txt', 'VERDICT  HOST      SITE\nat-risk  10.0.0.1  -\n', /^table\.txt: this looks like the console table/],
    ['other.json', '{"units": []}', /^other\.json: not an ats-audit report: found a JSON object without "tool": "ats-audit"; expected the JSON written by "ats-audit --format json"/],
    ['array.json', '[1, 2]', /^array\.json: not an ats-audit report: found a JSON array/],
    ['broken.json', '{"tool": "ats-audit", ', /^broken\.json: not valid JSON(?: at line 1)?; expected/],
    ['bad-verdict.csv', 'host,port,verdict\n10.0.0.1,161,fine\n', /^bad-verdict\.csv:2: "verdict" is not one of at-risk, unknown/],
    ['bad-port.csv', 'host,port,verdict\n10.0.0.1,http,at-risk\n', /^bad-port\.csv:2: "port" is not a port number/],
    ['bad-unit.json', '{"tool": "ats-audit", "units": [{"host": "h", "port": 161, "verdict": "maybe"}]}', /^bad-unit\.json units\[0\]: "verdict" is not one of/],
    ['ragged.csv', 'host,port,verdict\n10.0.0.1,161\n', /^ragged\.csv:2: not a readable CSV \(a row with a different number of cells than the header\)/],
  ];
  for (const [name, text, message] of bad) {
    it(`${name}: a clear error naming the file`, () => {
      expect(() => parseBaseline(text, name)).toThrow(BaselineError);
      expect(() => parseBaseline(text, name)).toThrow(message);
    });
  }
});

describe('summary and --fail-on', () => {
  const comparison = () => compareWithBaseline(parseBaseline(renderBaselineCsv(), 'yesterday.csv'), AFTER);

  it('summarises the counts in one line, with the gone units named', () => {
    expect(formatChangeSummary(comparison())).toBe(
      'since yesterday.csv (9 units): 3 new-at-risk, 1 newly-unreachable, 1 no-longer-at-risk, 1 back-online, 1 verdict-changed, ' +
        '1 firmware-changed, 2 new-unit, 2 unchanged; 1 gone (in the baseline, not polled in this run): old-unit (10.0.0.7:161)',
    );
    expect(comparisonJson(comparison())).toMatchObject({
      file: 'yesterday.csv',
      format: 'csv',
      generatedAt: null,
      gone: [{ host: '10.0.0.7', port: 161, name: 'old-unit', site: 'DC9', verdict: 'not-affected' }],
    });
  });

  it('parses the rule list strictly', () => {
    expect(parseFailOn('new-at-risk,newly-unreachable')).toEqual({ ok: true, rules: ['new-at-risk', 'newly-unreachable'] });
    expect(parseFailOn(['gone', 'New-At-Risk', 'gone'])).toEqual({ ok: true, rules: ['gone', 'new-at-risk'] });
    const bad = parseFailOn('new-at-risk,unchanged');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/^--fail-on "unchanged": expected a comma-separated list of new-at-risk, .*any$/);
    expect(parseFailOn(',').ok).toBe(false);
  });

  it('tells cron to fail when a rule matches, naming the units', () => {
    const c = comparison();
    const rules = (text: string) => {
      const parsed = parseFailOn(text);
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.rules;
    };
    expect(failOn(c, rules('new-at-risk'))).toEqual({
      fail: true,
      exitCode: CHANGES_EXIT_CODE,
      matched: [{ rule: 'new-at-risk', units: ['10.0.0.1:161', '10.0.0.4:161', '10.0.0.9:161'] }],
    });
    expect(failOn(c, rules('gone')).matched).toEqual([{ rule: 'gone', units: ['10.0.0.7:161'] }]);
    // verdict-changed: every unit whose verdict differs from the baseline's, not new ones.
    expect(failOn(c, rules('verdict-changed')).matched[0]?.units).toEqual([
      '10.0.0.1:161',
      '10.0.0.2:161',
      '10.0.0.3:161',
      '10.0.0.4:161',
      '10.0.0.8:161',
    ]);
    expect(failOn(c, rules('any')).matched[0]?.units).toHaveLength(9);
  });

  it('stays quiet when nothing matched (same fleet, same state)', () => {
    const same: Baseline = parseBaseline(renderCsv(AFTER), 'today.csv');
    const c = compareWithBaseline(same, AFTER);
    expect([...c.changes.values()].every((x) => formatChange(x) === 'unchanged')).toBe(true);
    expect(failOn(c, ['any', 'new-at-risk'])).toEqual({ fail: false, exitCode: 0, matched: [] });
    expect(formatChangeSummary(c)).toBe('since today.csv (10 units): 10 unchanged');
  });
});

describe('the change of a unit at risk in the baseline', () => {
  const before = { key: '10.0.0.1:161', host: '10.0.0.1', port: 161, verdict: 'at-risk' as const, origin: 'old.csv:2' };
  const kindsNow = (verdict: Verdict) => changeOf(before, result('10.0.0.1', verdict)).kinds;

  it('is newly-unreachable only when it stops answering (not also no-longer-at-risk, which reads as fixed)', () => {
    expect(kindsNow('unreachable')).toEqual(['newly-unreachable']);
  });

  it('is no-longer-at-risk only when the new verdict proves it (safe-to-upgrade, not-affected)', () => {
    expect(kindsNow('safe-to-upgrade')).toEqual(['no-longer-at-risk']);
    expect(kindsNow('not-affected')).toEqual(['no-longer-at-risk']);
    expect(kindsNow('unknown')).toEqual(['verdict-changed']);
    expect(kindsNow('not-ats')).toEqual(['verdict-changed']);
    expect(kindsNow('at-risk')).toEqual(['unchanged']);
  });
});
