import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/audit-result.js';
import { VERDICTS, verdictRank } from '../../src/audit/finding.js';
import { COLUMNS, COLUMN_NAMES } from '../../src/report/columns.js';
import { formatForExtension, reportFormat } from '../../src/report/formats.js';
import { countBySite, NO_SITE, VERDICT_COLORS } from '../../src/report/html-chart.js';
import { escapeControls } from '../../src/report/sanitize.js';
import { columnLetter, forXlsxText, renderXlsx, writeXlsx, XLSX_MAX_CELL_CHARS, XLSX_SHEETS } from '../../src/report/xlsx.js';
import { Writable } from 'node:stream';
import { renderContext } from '../fixtures/results.js';
import { SPREADSHEET_FLEET, trap } from '../fixtures/spreadsheet-traps.js';
import { readXlsx, type XlsxBook } from '../helpers/xlsx-reader.js';

// The workbook is read back with test/helpers/xlsx-reader.ts (fflate + fast-xml-parser, no
// exceljs), as a spreadsheet program would see it.

const META = {
  version: '0.1.0',
  generatedAt: new Date('2025-01-02T03:04:05Z'),
  advisories: [{ id: 'FA156178', title: 'Rack ATS firmware upgrade' }],
  settings: [
    ['timeout_ms', '2000'],
    ['default_credentials', '$ATS_AUDIT_COMMUNITY'],
  ] as const,
};

async function book(results: readonly AuditResult[] = SPREADSHEET_FLEET): Promise<XlsxBook> {
  return readXlsx(await renderXlsx(results, META));
}

/** What the report means a cell to hold: numbers as numbers, text escaped for display. */
function expected(c: (typeof COLUMNS)[number], r: AuditResult): string | number | undefined {
  const v = c.value(r);
  if (v === undefined || v === '') return undefined;
  if (c.kind === 'number') return Number(v);
  return escapeControls(String(v));
}

describe('xlsx report: Units sheet', () => {
  it('has the three sheets, in order', async () => {
    expect((await book()).sheets.map((s) => s.name)).toEqual([...XLSX_SHEETS]);
  });

  it('has the CSV columns as its header and one row per unit, worst verdict first', async () => {
    const units = (await book()).sheet('Units');
    expect(units.rows[0]).toEqual([...COLUMN_NAMES]);
    expect(units.rows).toHaveLength(SPREADSHEET_FLEET.length + 1);
    const verdicts = units.rows.slice(1).map((r) => r[COLUMN_NAMES.indexOf('verdict')] as string);
    expect(verdicts.map((v) => verdictRank(v as never))).toEqual([...verdicts.map((v) => verdictRank(v as never))].sort((a, b) => a - b));
    expect(new Set(verdicts)).toEqual(new Set(VERDICTS));
  });

  it('holds every value of every unit, typed: numbers as numbers, all else as inline text', async () => {
    const units = (await book()).sheet('Units');
    const hosts = units.rows.slice(1).map((r) => `${String(r[0])}:${String(r[1])}`);
    for (const r of SPREADSHEET_FLEET) {
      const row = hosts.indexOf(`${r.target.host}:${r.target.port}`) + 2;
      expect(row).toBeGreaterThan(1);
      COLUMNS.forEach((c, i) => {
        const cell = units.cells.find((x) => x.row === row && x.col === i + 1);
        const want = expected(c, r);
        expect(cell?.value, `${c.name} of ${r.target.host}`).toEqual(want);
        if (want === undefined) return;
        expect(cell?.hasFormula).toBe(false);
        if (c.kind === 'number') expect(cell?.type, c.name).toBeUndefined();
        else expect(cell?.type, c.name).toBe('inlineStr');
      });
    }
  });

  it('keeps the traps as text: versions, zero-padded serials, fractions, formulas, OOXML escapes', async () => {
    const units = (await book([trap])).sheet('Units');
    const get = (name: string) => units.cells.find((c) => c.row === 2 && c.col === COLUMN_NAMES.indexOf(name as never) + 1);
    expect(get('controller_firmware')).toMatchObject({ type: 'inlineStr', value: '2.5.1' });
    expect(get('app_version')).toMatchObject({ type: 'inlineStr', value: '4.1.9' });
    expect(get('serial')).toMatchObject({ type: 'inlineStr', value: '00012345' });
    expect(get('hardware_rev')).toMatchObject({ type: 'inlineStr', value: '1/2' });
    expect(get('aos_version')).toMatchObject({ type: 'inlineStr', value: '01.02' });
    expect(get('aos_file')).toMatchObject({ type: 'inlineStr', value: '1e5' });
    expect(get('name')).toMatchObject({ type: 'inlineStr', value: trap.target.name, hasFormula: false });
    expect(get('sys_location')?.value).toBe(trap.identity?.sysLocation);
    expect(get('port')).toMatchObject({ type: undefined, value: 1161, numFmt: '0' });
    expect(get('voltage_a')).toMatchObject({ type: undefined, value: 229.5, numFmt: 'General' });
    expect(get('voltage_b')).toMatchObject({ type: undefined, value: 0, numFmt: 'General' });
    expect(get('load_amps')).toMatchObject({ type: undefined, value: 4, numFmt: '0.0' });
    // No formula element in any part of the file, and no formula-string cell type.
    for (const [path, xml] of (await book()).parts) {
      expect(xml, path).not.toMatch(/<f[\s>]/);
      expect(xml, path).not.toMatch(/\bt="str"/);
    }
  });

  it('freezes the header row and puts the autofilter over the whole table', async () => {
    const units = (await book()).sheet('Units');
    expect(units.pane).toMatchObject({ state: 'frozen', ySplit: 1, xSplit: 0, topLeftCell: 'A2' });
    expect(units.autoFilter).toBe(`A1:${columnLetter(COLUMNS.length)}${SPREADSHEET_FLEET.length + 1}`);
    // Excel's own record of the filter range, which LibreOffice needs to show the buttons.
    expect((await book()).parts.get('xl/workbook.xml')).toContain(
      `<definedName name="_xlnm._FilterDatabase" localSheetId="0">Units!$A$1:$${columnLetter(COLUMNS.length)}$${SPREADSHEET_FLEET.length + 1}</definedName>`,
    );
  });

  it('sets a readable width on every column: at least the header, at most 70', async () => {
    const units = (await book()).sheet('Units');
    COLUMNS.forEach((c, i) => {
      const w = units.widths.get(i + 1);
      expect(w, c.name).toBeGreaterThanOrEqual(Math.min(c.name.length, 48));
      expect(w, c.name).toBeLessThanOrEqual(70);
    });
    expect(units.widths.get(COLUMN_NAMES.indexOf('reason') + 1)).toBeGreaterThan(units.widths.get(COLUMN_NAMES.indexOf('port') + 1)!);
  });

  it('colours each verdict cell as the HTML report does', async () => {
    const units = (await book()).sheet('Units');
    const col = COLUMN_NAMES.indexOf('verdict') + 1;
    const cells = units.cells.filter((c) => c.col === col && c.row > 1);
    expect(cells).toHaveLength(SPREADSHEET_FLEET.length);
    for (const c of cells) {
      const colors = VERDICT_COLORS[c.value as keyof typeof VERDICT_COLORS];
      expect(c.fill, String(c.value)).toBe(colors.fill.slice(1).toUpperCase());
      expect(c.fontColor, String(c.value)).toBe(colors.ink.slice(1).toUpperCase());
    }
  });

  it('keeps hostile device text inert and the XML well-formed', async () => {
    const b = await book();
    const all = b.sheets.flatMap((s) => s.cells).map((c) => c.value);
    for (const v of all) if (typeof v === 'string') expect(v).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]/);
    expect(all).toContain('\\x1b]0;pwned\\x07');
    expect(all).toContain('<script>alert(1)</script>');
    expect(forXlsxText('a\x00b\uffffc')).toBe('a\\x00b\\uffffc');
    expect(forXlsxText('_x0041_')).toBe('_x005F_x0041_');
    const long = forXlsxText('x'.repeat(40_000));
    expect(long).toHaveLength(XLSX_MAX_CELL_CHARS);
    expect(long.endsWith('…')).toBe(true);
  });

  it('writes a header-only sheet for no units', async () => {
    const units = (await book([])).sheet('Units');
    expect(units.rows).toEqual([[...COLUMN_NAMES]]);
    expect(units.autoFilter).toBe(`A1:${columnLetter(COLUMNS.length)}1`);
  });
});

describe('xlsx report: Summary and Run sheets', () => {
  it('counts units by site and verdict, with totals', async () => {
    const summary = (await book()).sheet('Summary');
    expect(summary.rows[0]).toEqual(['site', ...VERDICTS, 'total']);
    const sites = countBySite(SPREADSHEET_FLEET);
    expect(summary.rows.slice(1, -1)).toEqual(
      sites.map((s) => [escapeControls(s.site ?? NO_SITE), ...VERDICTS.map((v) => s.byVerdict[v]), s.total]),
    );
    expect(summary.rows.at(-1)).toEqual([
      'All sites',
      ...VERDICTS.map((v) => SPREADSHEET_FLEET.filter((r) => r.finding.verdict === v).length),
      SPREADSHEET_FLEET.length,
    ]);
    expect(summary.cells.filter((c) => c.row > 1 && c.col > 1).every((c) => c.type === undefined)).toBe(true);
  });

  it('records tool, version, UTC time, bulletins and the settings given', async () => {
    const run = Object.fromEntries((await book()).sheet('Run').rows.slice(1).map((r) => [r[0], r[1]]));
    expect(run).toEqual({
      tool: 'ats-audit',
      version: '0.1.0',
      generated_at: '2025-01-02T03:04:05.000Z',
      bulletins: 'FA156178 (Rack ATS firmware upgrade)',
      units: SPREADSHEET_FLEET.length,
      timeout_ms: '2000',
      default_credentials: '$ATS_AUDIT_COMMUNITY',
    });
  });
});

describe('xlsx format registration', () => {
  it('is picked by the .xlsx extension and renders bytes, not text', async () => {
    expect(formatForExtension('report.XLSX')).toBe('xlsx');
    const f = reportFormat('xlsx');
    expect(f.render).toBeUndefined();
    const bytes = await f.bytes(SPREADSHEET_FLEET, renderContext({ settings: [['retries', '1']] }));
    expect(Buffer.from(bytes.subarray(0, 4)).toString('binary')).toBe('PK\x03\x04');
    expect(readXlsx(bytes).sheet('Run').rows).toContainEqual(['retries', '1']);
  });
});

describe('xlsx report: memory', () => {
  it('pauses for the compressor instead of queueing the sheet: exceljs and archiver internals still as expected', async () => {
    // 2,048 units make about 3 MiB of sheet XML, three times the backlog allowed.
    const many = Array.from({ length: 2048 }, (_, i): AuditResult => {
      const r = SPREADSHEET_FLEET[i % SPREADSHEET_FLEET.length]!;
      return { ...r, target: { ...r.target, host: `10.1.${i >> 8}.${i & 255}` } };
    });
    let bytes = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        done();
      },
    });
    const finished = new Promise((resolve) => sink.on('finish', resolve));
    const stats = await writeXlsx(many, META, sink);
    await finished;
    expect(stats.pauses).toBeGreaterThan(0);
    expect(bytes).toBeGreaterThan(10_000);
  }, 60_000);
});

