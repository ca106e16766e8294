import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/cli/output/atomic-write.js';
import { FORMAT_NAMES, formatForExtension, REPORT_FORMATS, reportFormat } from '../../src/report/formats.js';
import { renderJson, type JsonReport } from '../../src/report/json.js';
import { jsonUnit, ndjsonLine, renderNdjson } from '../../src/report/ndjson.js';
import { FLEET, FLEET_WITH_HOSTILE, RAW_CONTROL, atRisk2U, hostile, renderContext, unknown2U } from '../fixtures/results.js';

describe('renderNdjson', () => {
  const text = renderNdjson(FLEET_WITH_HOSTILE);
  const lines = text.split('\n');

  it('writes one line per unit, each ending in a newline, and nothing else', () => {
    expect(text.endsWith('\n')).toBe(true);
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1)).toHaveLength(FLEET_WITH_HOSTILE.length);
    for (const line of lines.slice(0, -1)) expect(line).toMatch(/^\{"host":.*\}$/);
  });

  it('writes exactly the units of the JSON report, in the order given', () => {
    const report = JSON.parse(renderJson(FLEET_WITH_HOSTILE, { version: '0.1.0', generatedAt: new Date(0), advisories: [] })) as JsonReport;
    expect(lines.slice(0, -1).map((l) => JSON.parse(l) as unknown)).toEqual(report.units);
    expect(FLEET_WITH_HOSTILE.map(jsonUnit)).toEqual(report.units);
  });

  it('keeps hostile text exact in the data but on one inert line', () => {
    const line = ndjsonLine(hostile);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(line).not.toMatch(RAW_CONTROL);
    const unit = JSON.parse(line) as JsonReport['units'][number];
    expect(unit.identity).toMatchObject({ controller_firmware: 'line1\nline2', sys_name: '<script>alert(1)</script>' });
    expect(unit.identity?.sys_location).toContain('\u2028');
    expect(unit.site).toContain('\u202e');
    expect(line).toContain('\\u2028');
    expect(line).toContain('\\u202e');
  });

  it('writes nothing for no units', () => {
    expect(renderNdjson([])).toBe('');
  });
});

describe('REPORT_FORMATS', () => {
  it('has every format once, with distinct extensions', () => {
    expect(FORMAT_NAMES).toEqual(['table', 'csv', 'json', 'ndjson', 'prometheus', 'html', 'xlsx']);
    const extensions = REPORT_FORMATS.flatMap((f) => [...f.extensions]);
    expect(new Set(extensions).size).toBe(extensions.length);
    for (const ext of extensions) expect(ext).toMatch(/^[a-z0-9]+$/);
  });

  it('each has a section in docs/formats.md naming its extensions', () => {
    const doc = readFileSync(new URL('../../docs/formats.md', import.meta.url), 'utf8');
    for (const f of REPORT_FORMATS) {
      expect(doc, f.name).toContain(`\n## ${f.name}\n`);
      for (const ext of f.extensions) expect(doc, `${f.name} .${ext}`).toContain(`\`.${ext}\``);
    }
  });

  it('picks a format from the output file extension', () => {
    expect(formatForExtension('fleet.ndjson')).toBe('ndjson');
    expect(formatForExtension('fleet.JSONL')).toBe('ndjson');
    expect(formatForExtension('ats_audit.prom')).toBe('prometheus');
    expect(formatForExtension('fleet.htm')).toBe('html');
    expect(formatForExtension('fleet.json')).toBe('json');
    expect(formatForExtension('fleet.xlsx')).toBe('xlsx');
    expect(formatForExtension('fleet.xls')).toBeUndefined();
  });

  it('streams ndjson: line by line gives the same text as rendering at the end', () => {
    const ndjson = reportFormat('ndjson');
    const ctx = renderContext();
    expect(ndjson.line).toBeDefined();
    expect(FLEET_WITH_HOSTILE.map((r) => ndjson.line?.(r, ctx)).join('')).toBe(ndjson.render(FLEET_WITH_HOSTILE, ctx));
    // Only ndjson streams: the others need every unit (sorting, totals) before writing.
    expect(REPORT_FORMATS.filter((f) => 'line' in f).map((f) => f.name)).toEqual(['ndjson']);
  });
});

describe('--excel: CSV with a byte order mark', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ats-audit-excel-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const csv = reportFormat('csv');

  it('starts the file with EF BB BF and keeps non-ASCII text intact', () => {
    const file = join(dir, 'fleet.csv');
    writeFileAtomic(file, csv.render(FLEET, renderContext({ excel: true })));
    const bytes = readFileSync(file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3, 16).toString('latin1')).toBe('"host","port"');
    const rows = parse(bytes, { columns: true, bom: true }) as Array<Record<string, string>>;
    expect(rows.find((r) => r.host === atRisk2U.target.host)?.site).toBe('Zürich Süd');
    expect(rows.find((r) => r.host === unknown2U.target.host)?.site).toBe('Zürich Süd');
    // "ü" is the two UTF-8 bytes C3 BC, not a Latin-1 FC.
    expect(bytes.includes(Buffer.from([0x5a, 0xc3, 0xbc]))).toBe(true);
  });

  it('writes no byte order mark without --excel', () => {
    const text = csv.render(FLEET, renderContext());
    expect(text.startsWith('"host","port",')).toBe(true);
    expect(csv.render(FLEET, renderContext({ excel: true }))).toBe(`\ufeff${text}`);
  });
});
