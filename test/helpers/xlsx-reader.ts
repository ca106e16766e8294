// An .xlsx reader for the tests that shares no code with the writer (exceljs): fflate unzips,
// fast-xml-parser parses the Office Open XML parts, and this file reads them as the spec
// (ECMA-376 part 1, SpreadsheetML) says. It returns what a spreadsheet program would see:
// each cell's type attribute, its value, whether it holds a formula, its fill colour; each
// sheet's frozen pane, autofilter and column widths.

import { strFromU8, unzipSync } from 'fflate';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XlsxCell {
  readonly ref: string;
  readonly row: number;
  readonly col: number;
  /** The `t` attribute: `s`, `inlineStr`, `str`, `b`, `e`, `n` or undefined (a number). */
  readonly type: string | undefined;
  /** Text for string cells (OOXML `_xHHHH_` escapes decoded), a number for numeric cells. */
  readonly value: string | number | boolean | undefined;
  readonly hasFormula: boolean;
  /** Solid fill colour of the cell's style, `RRGGBB` upper case, if any. */
  readonly fill: string | undefined;
  /** Font colour of the cell's style, `RRGGBB`, if any. */
  readonly fontColor: string | undefined;
  /** The number format code of the cell's style (`General` when none). */
  readonly numFmt: string;
}

export interface XlsxSheet {
  readonly name: string;
  readonly cells: readonly XlsxCell[];
  /** Rows as arrays of values (blank cells undefined), row 1 first. */
  readonly rows: ReadonlyArray<ReadonlyArray<string | number | boolean | undefined>>;
  readonly pane: { readonly xSplit: number; readonly ySplit: number; readonly state: string | undefined; readonly topLeftCell: string | undefined } | undefined;
  readonly autoFilter: string | undefined;
  /** Width per 1-based column, where the sheet sets one. */
  readonly widths: ReadonlyMap<number, number>;
  /** The raw XML of the sheet part. */
  readonly xml: string;
}

export interface XlsxBook {
  readonly sheets: readonly XlsxSheet[];
  readonly sheet: (name: string) => XlsxSheet;
  /** Every part of the zip, by path, as text. */
  readonly parts: ReadonlyMap<string, string>;
}

const ARRAYS = new Set(['sheet', 'Relationship', 'row', 'c', 'si', 'r', 'xf', 'fill', 'font', 'col', 'numFmt', 'sheetView', 'pane']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  htmlEntities: true,
  isArray: (name) => ARRAYS.has(name),
  removeNSPrefix: true,
});

type Node = Record<string, unknown>;

function arr(v: unknown): Node[] {
  return v === undefined ? [] : Array.isArray(v) ? (v as Node[]) : [v as Node];
}

function textOf(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(textOf).join('');
  return textOf((v as Node)['#text']);
}

/** OOXML ST_Xstring escapes: `_x0041_` is `A`, `_x005F_` an underscore. */
export function decodeOoxmlEscapes(s: string): string {
  return s.replace(/_x([0-9A-Fa-f]{4})_/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Rich or plain string item (`<si>` or `<is>`): its runs' text joined. */
function stringItem(n: Node | undefined): string {
  if (!n) return '';
  if (n['t'] !== undefined) return decodeOoxmlEscapes(textOf(n['t']));
  return decodeOoxmlEscapes(arr(n['r']).map((r) => textOf(r['t'])).join(''));
}

function splitRef(ref: string): { row: number; col: number } {
  const m = /^([A-Z]+)(\d+)$/.exec(ref);
  if (!m) throw new Error(`bad cell reference ${ref}`);
  let col = 0;
  for (const ch of m[1]!) col = col * 26 + (ch.charCodeAt(0) - 64);
  return { row: Number(m[2]), col };
}

const BUILTIN_NUMFMTS: Readonly<Record<number, string>> = { 0: 'General', 1: '0', 2: '0.00', 14: 'mm-dd-yy', 49: '@' };

function rgb(n: Node | undefined): string | undefined {
  const v = n?.['@_rgb'];
  return typeof v === 'string' ? v.slice(-6).toUpperCase() : undefined;
}

export function readXlsx(bytes: Uint8Array): XlsxBook {
  const files = unzipSync(bytes);
  const parts = new Map<string, string>();
  for (const [path, data] of Object.entries(files)) parts.set(path, strFromU8(data));
  const part = (path: string): Node => {
    const xml = parts.get(path);
    if (xml === undefined) throw new Error(`missing part ${path}`);
    const valid = XMLValidator.validate(xml);
    if (valid !== true) throw new Error(`${path}: not well-formed XML: ${JSON.stringify(valid)}`);
    return parser.parse(xml) as Node;
  };

  const workbook = part('xl/workbook.xml')['workbook'] as Node;
  const rels = arr((part('xl/_rels/workbook.xml.rels')['Relationships'] as Node)['Relationship']);
  const target = new Map(rels.map((r) => [String(r['@_Id']), String(r['@_Target']).replace(/^\/?(xl\/)?/, 'xl/')]));

  const shared = parts.has('xl/sharedStrings.xml') ? arr((part('xl/sharedStrings.xml')['sst'] as Node)['si']).map(stringItem) : [];

  // Styles: cellXfs index -> fill colour, font colour, number format.
  const styleSheet = parts.has('xl/styles.xml') ? (part('xl/styles.xml')['styleSheet'] as Node) : {};
  const fills = arr((styleSheet['fills'] as Node | undefined)?.['fill']);
  const fonts = arr((styleSheet['fonts'] as Node | undefined)?.['font']);
  const numFmts = new Map(arr((styleSheet['numFmts'] as Node | undefined)?.['numFmt']).map((f) => [Number(f['@_numFmtId']), String(f['@_formatCode'])]));
  const xfs = arr((styleSheet['cellXfs'] as Node | undefined)?.['xf']);
  const style = (s: number) => {
    const xf = xfs[s];
    const fill = xf ? (fills[Number(xf['@_fillId'] ?? 0)]?.['patternFill'] as Node | undefined) : undefined;
    const font = xf ? fonts[Number(xf['@_fontId'] ?? 0)] : undefined;
    const numFmtId = Number(xf?.['@_numFmtId'] ?? 0);
    return {
      fill: fill?.['@_patternType'] === 'solid' ? rgb(fill['fgColor'] as Node | undefined) : undefined,
      fontColor: rgb(font?.['color'] as Node | undefined),
      numFmt: numFmts.get(numFmtId) ?? BUILTIN_NUMFMTS[numFmtId] ?? `#${numFmtId}`,
    };
  };

  const sheets: XlsxSheet[] = arr((workbook['sheets'] as Node)['sheet']).map((s) => {
    const path = target.get(String(s['@_id']));
    if (!path) throw new Error(`sheet ${String(s['@_name'])}: no relationship`);
    const ws = part(path)['worksheet'] as Node;
    const cells: XlsxCell[] = [];
    for (const row of arr((ws['sheetData'] as Node | undefined)?.['row'])) {
      for (const c of arr(row['c'])) {
        const ref = String(c['@_r']);
        const type = c['@_t'] === undefined ? undefined : String(c['@_t']);
        const raw = c['v'] === undefined ? undefined : textOf(c['v']);
        let value: string | number | boolean | undefined;
        if (type === 's') value = shared[Number(raw)];
        else if (type === 'inlineStr') value = stringItem(c['is'] as Node | undefined);
        else if (type === 'str') value = raw === undefined ? undefined : decodeOoxmlEscapes(raw);
        else if (type === 'b') value = raw === '1';
        else if (type === 'e') value = raw;
        else value = raw === undefined ? undefined : Number(raw);
        cells.push({ ref, ...splitRef(ref), type, value, hasFormula: c['f'] !== undefined, ...style(Number(c['@_s'] ?? 0)) });
      }
    }
    const rows: Array<Array<string | number | boolean | undefined>> = [];
    for (const c of cells) {
      const r = (rows[c.row - 1] ??= []);
      r[c.col - 1] = c.value;
    }
    for (let i = 0; i < rows.length; i++) rows[i] ??= [];
    const view = arr((ws['sheetViews'] as Node | undefined)?.['sheetView'])[0];
    const pane = arr(view?.['pane'])[0];
    const widths = new Map<number, number>();
    for (const col of arr((ws['cols'] as Node | undefined)?.['col'])) {
      if (col['@_width'] === undefined) continue;
      for (let i = Number(col['@_min']); i <= Number(col['@_max']); i++) widths.set(i, Number(col['@_width']));
    }
    const autoFilter = (ws['autoFilter'] as Node | undefined)?.['@_ref'];
    return {
      name: String(s['@_name']),
      cells,
      rows,
      pane: pane
        ? {
            xSplit: Number(pane['@_xSplit'] ?? 0),
            ySplit: Number(pane['@_ySplit'] ?? 0),
            state: pane['@_state'] as string | undefined,
            topLeftCell: pane['@_topLeftCell'] as string | undefined,
          }
        : undefined,
      autoFilter: typeof autoFilter === 'string' ? autoFilter : undefined,
      widths,
      xml: parts.get(path) ?? '',
    };
  });
  return {
    sheets,
    parts,
    sheet: (name) => {
      const s = sheets.find((x) => x.name === name);
      if (!s) throw new Error(`no sheet ${name}; sheets: ${sheets.map((x) => x.name).join(', ')}`);
      return s;
    },
  };
}
