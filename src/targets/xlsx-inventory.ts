// An .xlsx workbook's sheet as inventory rows: the first sheet, or the one named. Read with
// exceljs (the project's one workbook library; the report's xlsx writer uses it too), loaded
// only when a workbook is given so a plain scan does not pay for it.
//
// Each cell is taken as the text a spreadsheet shows: a number as written ("161"), a formula by
// its cached result, rich text and hyperlinks by their text. Row numbers are the sheet's own, so
// a message's "fleet.xlsx:14" is row 14 in the spreadsheet program. The rows then go through the
// same reader as a CSV file's (inventory.ts), header aliases and all.

import { problem, readRows, type Inventory, type InventoryRow } from './inventory.js';
import type { SpecOptions } from './spec.js';
import { excelJs } from '../xlsx-library.js';

/** `file` is the path to open; `label` names it in messages. */
export async function readXlsxInventory(file: string, label: string, options: SpecOptions, sheet?: string): Promise<Inventory> {
  const refuse = (reason: string): Inventory => ({ format: 'xlsx', entries: [], errors: [], notes: [], refused: problem(label, 1, undefined, reason) });
  const ExcelJS = excelJs();
  // The streaming reader: rows one at a time, no workbook model (a 65,536-row workbook is read in
  // about a third of the memory of workbook.xlsx.readFile).
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    worksheets: 'emit',
    entries: 'ignore',
  });
  const names: string[] = [];
  const rows: InventoryRow[] = [];
  let found = false;
  try {
    for await (const worksheet of reader) {
      const ws = worksheet as unknown as AsyncIterable<XlsxRow> & { name: string };
      names.push(ws.name);
      // The first sheet in the workbook's order (the reader knows it once workbook.xml is read).
      const first = (reader as unknown as { model?: { sheets?: Array<{ name: string }> } }).model?.sheets?.[0]?.name ?? names[0];
      const wanted = !found && (sheet === undefined ? ws.name === first : ws.name === sheet);
      for await (const row of ws) {
        if (!wanted) continue; // drained: the archive is read in order
        const cells: string[] = [];
        row.eachCell({ includeEmpty: true }, (cell, column) => {
          cells[column - 1] = cell.text;
        });
        for (let i = 0; i < cells.length; i++) cells[i] ??= '';
        if (cells.some((c) => c.trim() !== '') && !(cells[0] ?? '').trim().startsWith('#')) rows.push({ line: row.number, cells });
      }
      if (wanted) found = true;
    }
  } catch (e) {
    // The library's message is about the zip or XML, never the cells; its code or first words only.
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]?.slice(0, 80) ?? 'unknown error';
    return refuse(`cannot read as an .xlsx workbook (${why})`);
  }
  if (!found) {
    return refuse(
      sheet === undefined
        ? 'the workbook has no sheet'
        : `no sheet named ${JSON.stringify(sheet)}: the workbook has ${names.map((n) => JSON.stringify(n)).join(', ')}`,
    );
  }
  if (rows.length === 0) return { format: 'xlsx', entries: [], errors: [], notes: [] };
  return readRows('xlsx', rows, [], label, options);
}

/** The part of exceljs's streamed row this reader uses. */
interface XlsxRow {
  readonly number: number;
  eachCell(options: { includeEmpty: boolean }, callback: (cell: { text: string }, column: number) => void): void;
}
