import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLUMNS, COLUMN_NAMES } from '../../src/report/columns.js';
import { renderCsv } from '../../src/report/csv.js';
import { VERDICT_COLORS } from '../../src/report/html-chart.js';
import { renderXlsx, XLSX_SHEETS } from '../../src/report/xlsx.js';
import { debianProgram } from '../helpers/debian-program.js';
import { readXlsx, type XlsxBook } from '../helpers/xlsx-reader.js';
import { SPREADSHEET_FLEET, trap } from '../fixtures/spreadsheet-traps.js';

// The reports as LibreOffice Calc reads them: headless soffice opens the CSV with the import
// settings docs/formats.md gives (read from the doc, so the two cannot drift) and the .xlsx as
// it is, and saves each as .xlsx; the independent reader then compares every cell with what
// the report wrote. Two soffice runs, a few seconds each.

const soffice = debianProgram('soffice', 'libreoffice-calc-nogui');

/** The `--infilter="CSV:..."` the doc tells people to use. */
function documentedCsvFilter(): string {
  const doc = readFileSync(new URL('../../docs/formats.md', import.meta.url), 'utf8');
  const m = /--infilter="(CSV:[^"]+)"/.exec(doc);
  if (!m) throw new Error('docs/formats.md gives no --infilter="CSV:..." for LibreOffice');
  return m[1]!;
}

describe.skipIf(soffice.skip)('reports opened by LibreOffice Calc (headless)', () => {
  let dir: string;
  let csvText: string;
  let fromCsv: XlsxBook;
  let original: XlsxBook;
  let fromXlsx: XlsxBook;
  let fromCsvDefault: XlsxBook;

  /** Has soffice save each file as .xlsx in outDir (one run); returns the outputs' bytes by input name. */
  function convert(files: string[], outDir: string, filter?: string): Map<string, Buffer> {
    const args = [`-env:UserInstallation=${pathToFileURL(join(dir, 'profile')).href}`, '--headless', '--norestore'];
    if (filter) args.push(`--infilter=${filter}`);
    args.push('--convert-to', 'xlsx:Calc MS Excel 2007 XML', '--outdir', outDir, ...files);
    const run = spawnSync(soffice.require(), args, { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, `soffice ${args.join(' ')}\n${run.stdout}\n${run.stderr}`).toBe(0);
    return new Map(files.map((f) => [basename(f), readFileSync(join(outDir, basename(f).replace(/\.\w+$/, '.xlsx')))]));
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ats-audit-lo-'));
    csvText = renderCsv(SPREADSHEET_FLEET);
    writeFileSync(join(dir, 'report.csv'), csvText);
    const bytes = await renderXlsx(SPREADSHEET_FLEET, {
      version: '0.1.0',
      generatedAt: new Date('2025-01-02T03:04:05Z'),
      advisories: [{ id: 'FA156178', title: 'Rack ATS firmware upgrade' }],
      settings: [['timeout_ms', '2000']],
    });
    writeFileSync(join(dir, 'report.xlsx'), bytes);
    original = readXlsx(bytes);
    writeFileSync(join(dir, 'default.csv'), csvText);
    fromCsv = readXlsx(convert([join(dir, 'report.csv')], join(dir, 'from-csv'), documentedCsvFilter()).get('report.csv')!);
    // The workbook, and the CSV with LibreOffice's default import (no settings), in one run.
    const plain = convert([join(dir, 'report.xlsx'), join(dir, 'default.csv')], join(dir, 'plain'));
    fromXlsx = readXlsx(plain.get('report.xlsx')!);
    fromCsvDefault = readXlsx(plain.get('default.csv')!);
  }, 240_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('imports the CSV with the documented settings: every cell as the report wrote it', () => {
    const records = parse(csvText) as string[][];
    const sheet = fromCsv.sheets[0]!;
    expect(sheet.rows).toHaveLength(records.length);
    records.forEach((record, r) => {
      COLUMNS.forEach((c, i) => {
        const field = record[i]!;
        const cell = sheet.cells.find((x) => x.row === r + 1 && x.col === i + 1);
        const where = `row ${r + 1} ${c.name} ${JSON.stringify(field)}`;
        if (field === '') {
          expect(cell?.value, where).toBeUndefined();
        } else if (r > 0 && c.kind === 'number') {
          expect([undefined, 'n'], where).toContain(cell?.type);
          expect(cell?.value, where).toBe(Number(field));
        } else {
          expect(cell?.type, where).toBe('s');
          expect(cell?.value, where).toBe(field);
          expect(cell?.hasFormula, where).toBe(false);
        }
      });
    });
    // The traps of issue 11, by name.
    const row = records.findIndex((rec) => rec[0] === trap.target.host) + 1;
    const value = (name: string) => sheet.rows[row - 1]?.[COLUMN_NAMES.indexOf(name as never)];
    expect([value('controller_firmware'), value('app_version'), value('serial'), value('hardware_rev'), value('aos_version')]).toEqual([
      '2.5.1',
      '4.1.9',
      '00012345',
      '1/2',
      '01.02',
    ]);
    expect(value('site')).toBe('Zürich Süd');
    expect(value('voltage_a')).toBe(229.5);
  });

  it('needs those settings: the default import does not keep the serial or the site (the control)', () => {
    const records = parse(csvText) as string[][];
    const row = records.findIndex((rec) => rec[0] === trap.target.host);
    const cells = fromCsvDefault.sheets[0]!.rows[row];
    const serial = cells?.[COLUMN_NAMES.indexOf('serial')];
    const site = cells?.[COLUMN_NAMES.indexOf('site')];
    // LibreOffice 7.4 headless: serial 12345 (a number), site "ZÃ¼rich SÃ¼d" (not read as UTF-8).
    expect(serial).not.toBe('00012345');
    expect(site).not.toBe('Zürich Süd');
  });

  it('opens the .xlsx with every sheet and every cell, typed, as written', () => {
    expect(fromXlsx.sheets.map((s) => s.name)).toEqual([...XLSX_SHEETS]);
    for (const sheet of original.sheets) {
      const lo = fromXlsx.sheet(sheet.name);
      for (const cell of sheet.cells) {
        const other = lo.cells.find((x) => x.ref === cell.ref);
        const where = `${sheet.name}!${cell.ref} ${JSON.stringify(cell.value)}`;
        expect(other?.value, where).toEqual(cell.value);
        expect(typeof other?.value, where).toBe(typeof cell.value);
        expect(other?.hasFormula, where).toBe(false);
      }
      expect(lo.cells.filter((c) => c.value !== undefined)).toHaveLength(sheet.cells.filter((c) => c.value !== undefined).length);
    }
  });

  it('keeps the autofilter and the verdict colours of the .xlsx', () => {
    expect(fromXlsx.sheet('Units').autoFilter).toBe(original.sheet('Units').autoFilter);
    const col = COLUMN_NAMES.indexOf('verdict') + 1;
    const verdictCells = fromXlsx.sheet('Units').cells.filter((c) => c.col === col && c.row > 1);
    expect(verdictCells).toHaveLength(SPREADSHEET_FLEET.length);
    for (const c of verdictCells) {
      expect(c.fill, String(c.value)).toBe(VERDICT_COLORS[c.value as keyof typeof VERDICT_COLORS].fill.slice(1).toUpperCase());
    }
  });
});
