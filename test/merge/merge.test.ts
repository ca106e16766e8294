import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/audit-result.js';
import { main } from '../../src/cli/main.js';
import { durationMs } from '../../src/cli/duration.js';
import { formatAge, mergeReports } from '../../src/merge/merge.js';
import { parseReport, ReportFileError } from '../../src/merge/read-report.js';
import { jsonUnit, renderJson } from '../../src/report/json.js';
import { renderNdjson } from '../../src/report/ndjson.js';
import { FLEET, atRisk1U, atRisk2U, notAffected, notAts, safe, unreachable } from '../fixtures/results.js';
import { captureIo } from '../helpers/capture-io.js';

// Reports of several sites (JSON and NDJSON) joined into one: each unit once, the freshest
// reading winning, old readings unknown with --max-age, a bad file named and left out.

const HOUR = 3_600_000;
const json = (results: readonly AuditResult[], generatedAt: Date) => renderJson(results, { version: '0.1.0', generatedAt, advisories: ['FA156178'] });
type Row = Record<string, string>;

describe('reading a report back', () => {
  it('gives every unit of a JSON report as it was written, with the time and file of its reading', () => {
    const at = new Date('2026-12-01T10:00:00Z');
    const report = parseReport(json(FLEET, at), 'dc1.json', 0);
    expect(report.format).toBe('json');
    expect(report.units.map((u) => u.at)).toEqual(FLEET.map(() => at.getTime()));
    report.units.forEach((u, i) => {
      const { read_at, read_from, ...back } = jsonUnit(u.result);
      const { read_at: _a, read_from: _f, ...original } = jsonUnit(FLEET[i]!);
      expect(back).toEqual(original);
      expect([read_at, read_from]).toEqual(['2026-12-01T10:00:00.000Z', 'dc1.json']);
    });
  });

  it('takes NDJSON lines, with the file time for lines that carry none, and says so', () => {
    const mtime = Date.parse('2026-12-02T08:00:00Z');
    const report = parseReport(renderNdjson([safe, notAts]), 'dc2.ndjson', mtime);
    expect(report.format).toBe('ndjson');
    expect(report.units.map((u) => [u.result.target.host, u.at, u.result.target.origin])).toEqual([
      [safe.target.host, mtime, 'dc2.ndjson:1'],
      [notAts.target.host, mtime, 'dc2.ndjson:2'],
    ]);
    expect(report.notes).toEqual([expect.stringMatching(/^dc2\.ndjson: 2 unit\(s\) carry no reading time .* 2026-12-02T08:00:00\.000Z/)]);
  });

  it('refuses a foreign or damaged file as a whole, naming it (and the line)', () => {
    const refused = (text: string, file = 'x.json') => {
      try {
        parseReport(text, file, 0);
      } catch (e) {
        expect(e).toBeInstanceOf(ReportFileError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused('')).toMatch(/^x\.json: the file is empty/);
    expect(refused('host,port,verdict\n')).toMatch(/^x\.json: not an ats-audit report: it starts with "host,port,verdict"/);
    expect(refused('{"name": "my-app", "version": "1.0.0"}')).toMatch(/^x\.json: not an ats-audit report: a JSON object without "tool": "ats-audit"/);
    expect(refused(json(FLEET, new Date()).slice(0, 300))).toMatch(/^x\.json: a damaged JSON report/);
    const lines = renderNdjson([safe, notAts]).split('\n');
    expect(refused(`${lines[0]}\n${lines[1]}\n{"host": "10.0.0.1", "port": 161, "verdi`, 'y.ndjson')).toMatch(/^y\.ndjson:3: not valid JSON/);
    expect(refused('{"host": "10.0.0.1", "port": 161, "verdict": "fine", "reason": ""}', 'z.ndjson')).toMatch(/^z\.ndjson:1: "verdict" is not one of/);
  });
});

describe('joining', () => {
  const read = (results: readonly AuditResult[], file: string, at: number) => parseReport(json(results, new Date(at)), file, 0);
  const now = Date.parse('2026-12-07T12:00:00Z');

  it('joins by serial, and a unit without serial by host, port and site; the freshest reading wins and the reason says so', () => {
    const movedAndSafe: AuditResult = { ...safe, identity: { ...safe.identity, serial: atRisk1U.identity!.serial! }, target: { ...safe.target, site: 'dc1' } };
    const nowAnswering: AuditResult = { ...notAts, target: { ...unreachable.target } };
    const merged = mergeReports(
      [read([atRisk1U, unreachable], 'site1.json', now - 2 * HOUR), read([movedAndSafe, nowAnswering], 'site2.json', now - HOUR)],
      { now },
    );
    expect(merged).toHaveLength(2);
    const bySerial = merged.find((r) => r.identity?.serial === atRisk1U.identity!.serial)!;
    expect(bySerial.finding.verdict).toBe('safe-to-upgrade');
    expect(bySerial.target.host).toBe(safe.target.host);
    expect(bySerial.finding.reason).toBe(
      `${safe.finding.reason} (freshest of 2 readings: site2.json at 2026-12-07T11:00:00.000Z; site1.json at 2026-12-07T10:00:00.000Z said at-risk)`,
    );
    expect(bySerial.reading).toEqual({ at: '2026-12-07T11:00:00.000Z', file: 'site2.json' });
    const byAddress = merged.find((r) => r.target.host === unreachable.target.host)!;
    expect(byAddress.finding.verdict).toBe('not-ats');
    expect(byAddress.finding.reason).toMatch(/said unreachable\)$/);
  });

  it('keeps the reason as it was when the readings agree, and takes the less certain verdict at the same time', () => {
    const same = mergeReports([read([atRisk2U], 'a.json', now - HOUR), read([atRisk2U], 'b.json', now - 2 * HOUR)], { now });
    expect(same).toHaveLength(1);
    expect(same[0]!.finding.reason).toBe(atRisk2U.finding.reason);
    expect(same[0]!.reading?.file).toBe('a.json');
    const safeNow: AuditResult = { ...safe, identity: { ...atRisk2U.identity } };
    const tie = mergeReports([read([safeNow], 'a.json', now - HOUR), read([atRisk2U], 'b.json', now - HOUR)], { now });
    expect(tie.map((r) => [r.finding.verdict, r.reading?.file])).toEqual([['at-risk', 'b.json']]);
  });

  it('turns a reading older than --max-age into unknown, saying how old it is and what it said', () => {
    const [old] = mergeReports([read([notAffected], 'old.json', now - 30 * HOUR - 5 * 60_000)], { now, maxAgeMs: 24 * HOUR });
    expect(old!.finding.verdict).toBe('unknown');
    expect(old!.finding.reason).toBe(
      `reading is 30 h old (old.json at 2026-12-06T05:55:00.000Z; older than --max-age); it said not-affected: ${notAffected.finding.reason}`,
    );
    expect(old!.finding.facts).toBeUndefined();
    expect(old!.identity?.model).toBe('AP7722');
    const [fresh] = mergeReports([read([notAffected], 'new.json', now - 23 * HOUR)], { now, maxAgeMs: 24 * HOUR });
    expect(fresh!.finding.verdict).toBe('not-affected');
  });

  it('reads durations and ages in words people use', () => {
    // --max-age takes the command line's one duration grammar (cli/duration.ts), without a bare number.
    expect(durationMs('24h')).toBe(24 * HOUR);
    expect(durationMs('1h30m')).toBe(90 * 60_000);
    expect(durationMs('24')).toBeUndefined();
    expect([formatAge(45 * 60_000), formatAge(30 * HOUR + 59 * 60_000), formatAge(100 * HOUR)]).toEqual(['45 min', '30 h', '4 days']);
  });
});

describe('ats-audit merge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ats-merge-'));
  const write = (name: string, text: string, mtime?: number) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    if (mtime !== undefined) utimesSync(file, mtime / 1000, mtime / 1000);
    return file;
  };

  it('merges JSON and NDJSON with overlapping units, ages out stale readings, names a foreign file and loses nothing else', async () => {
    const now = Date.now();
    // Site 1 ran two hours ago; site 2 (NDJSON, one hour ago) saw site 1's at-risk unit again, now safe.
    const nowSafe: AuditResult = { ...safe, identity: { ...safe.identity, serial: atRisk1U.identity!.serial! }, target: atRisk1U.target };
    const site1 = write('site1.json', json([atRisk1U, atRisk2U, unreachable], new Date(now - 2 * HOUR)));
    const site2Time = Math.floor((now - HOUR) / 1000) * 1000;
    const site2 = write('site2.ndjson', renderNdjson([nowSafe, notAts]), site2Time);
    const old = write('old.json', json([notAffected], new Date(now - 30 * HOUR - 60_000)));
    const foreign = write('package.json', '{"name": "not-a-report"}\n');
    const cap = captureIo();
    const code = await main(['merge', site1, site2, foreign, old, '--max-age', '24h', '-f', 'csv'], cap.io);
    // An at-risk unit takes precedence over the bad input, as in scan.
    expect(code).toBe(3);
    expect(cap.stderr()).toContain(`ats-audit: ${foreign}: not an ats-audit report: a JSON object without "tool": "ats-audit"`);
    expect(cap.stderr()).toMatch(/this file is left out, the others are merged/);
    expect(cap.stderr()).toMatch(/site2\.ndjson: 2 unit\(s\) carry no reading time/);
    const rows = parse(cap.stdout(), { columns: true }) as Row[];
    expect(rows.map((r) => `${r.host}:${r.port}`).sort()).toEqual(
      [atRisk1U, atRisk2U, unreachable, notAts, notAffected].map((r) => `${r.target.host}:${r.target.port}`).sort(),
    );
    const row = (host: string) => rows.find((r) => r.host === host)!;
    expect(row(atRisk1U.target.host)).toMatchObject({
      verdict: 'safe-to-upgrade',
      site: 'dc1',
      read_from: site2,
      read_at: new Date(site2Time).toISOString(),
    });
    expect(row(atRisk1U.target.host).reason).toMatch(/\(freshest of 2 readings: .*site2\.ndjson at .*; .*site1\.json at .* said at-risk\)$/);
    expect(row(atRisk2U.target.host)).toMatchObject({ verdict: 'at-risk', site: 'Zürich Süd', read_from: site1, read_at: new Date(now - 2 * HOUR).toISOString() });
    expect(row(notAffected.target.host)).toMatchObject({ verdict: 'unknown', read_from: old });
    expect(row(notAffected.target.host).reason).toMatch(/^reading is 30 h old \(.*old\.json at .*\); it said not-affected: /);
  });

  it('exits as scan does: 2 when a file was bad and nothing is at risk, 0 when all is clear; JSON output follows the schema', async () => {
    const now = Date.now();
    const good = write('good.json', json([safe, notAts], new Date(now - HOUR)));
    const damaged = write('damaged.json', json([atRisk1U], new Date(now)).slice(0, 200));
    const cap = captureIo();
    expect(await main(['merge', good, damaged, '-f', 'json'], cap.io)).toBe(2);
    expect(cap.stderr()).toContain(`${damaged}: a damaged JSON report`);
    expect((JSON.parse(cap.stdout()) as { units: unknown[] }).units).toHaveLength(2);

    const out = join(dir, 'merged.json');
    const clean = captureIo();
    expect(await main(['merge', good, '-o', out], clean.io)).toBe(0);
    expect(clean.stderr()).toMatch(/merged 2 unit\(s\) from 1 report\(s\) into .*merged\.json \(json\)/);
    const schema = JSON.parse(readFileSync(new URL('../../schema/ats-audit-report.schema.json', import.meta.url), 'utf8')) as object;
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
    const merged = JSON.parse(readFileSync(out, 'utf8')) as { units: Array<Record<string, unknown>> };
    expect(ajv.validate(schema, merged), ajv.errorsText()).toBe(true);
    expect(merged.units.map((u) => u.read_from)).toEqual([good, good]);
    // A merged report merges again: the reading keeps its first file and time.
    const again = captureIo();
    expect(await main(['merge', out, '-f', 'ndjson'], again.io)).toBe(0);
    expect(again.stdout().trim().split('\n').map((l) => (JSON.parse(l) as Record<string, unknown>).read_from)).toEqual([good, good]);
  });

  it('refuses a bad --max-age and no reports before reading anything', async () => {
    const cap = captureIo();
    expect(await main(['merge', 'x.json', '--max-age', 'tomorrow'], cap.io)).toBe(2);
    expect(cap.stderr()).toMatch(/--max-age "tomorrow": expected a duration such as 24h/);
    const none = captureIo();
    expect(await main(['merge'], none.io)).toBe(2);
  });
});
