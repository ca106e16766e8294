// Loads a flat list of varbinds into a net-snmp Mib, through its documented provider API:
// `.0` OIDs become scalar providers, table cells become one table provider per entry.

import snmp from 'net-snmp';
import type { SimVarbind } from './profiles.js';

/** net-snmp's Mib is untyped in @types/net-snmp; this is the part used here. */
export interface NetSnmpMib {
  registerProvider(definition: object): void;
  setScalarValue(name: string, value: unknown): void;
  addTableRow(name: string, row: unknown[]): void;
}

/** The request object net-snmp hands to a provider handler. */
export interface MibRequest {
  done(error?: object): void;
}

export type ProviderHandler = (request: MibRequest) => void;

// Table rows are keyed by one implied OID-valued index so any instance suffix (".1",
// ".1.1.1") fits. It is not-accessible, so net-snmp never serves it as a column.
const INDEX_COLUMN = 0x7fffffff;

const parent = (oid: string) => oid.slice(0, oid.lastIndexOf('.'));
const lastArc = (oid: string) => Number(oid.slice(oid.lastIndexOf('.') + 1));
const arcs = (oid: string) => oid.split('.').map(Number);

function compareOids(a: string, b: string): number {
  const x = arcs(a);
  const y = arcs(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** A MIB node cannot hold a value and children at once: catch that before net-snmp does. */
function checkNoNesting(varbinds: readonly SimVarbind[]): void {
  const sorted = varbinds.map((v) => v.oid).sort(compareOids);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) throw new Error(`simulator: OID ${sorted[i]} is given twice`);
    if (sorted[i]!.startsWith(`${sorted[i - 1]}.`)) throw new Error(`simulator: OID ${sorted[i - 1]} has a value and also ${sorted[i]} below it`);
  }
}

interface TableCell {
  readonly column: number;
  readonly index: string;
  readonly v: SimVarbind;
}

/** Where a varbind goes: a scalar (`.0`, no column), else a cell of its column's entry. */
function placeCell(v: SimVarbind): { entry: string; cell: TableCell } | undefined {
  if (v.column === undefined && v.oid.endsWith('.0')) return undefined;
  // Without a known column, treat the last arc as a single-arc row index.
  const column = v.column ?? parent(v.oid);
  if (!v.oid.startsWith(`${column}.`)) throw new Error(`simulator: ${v.oid} is not under its column ${column}`);
  return { entry: parent(column), cell: { column: lastArc(column), index: v.oid.slice(column.length + 1), v } };
}

function addScalar(mib: NetSnmpMib, v: SimVarbind, handler: ProviderHandler | undefined): void {
  mib.registerProvider({
    name: v.oid,
    type: snmp.MibProviderType.Scalar,
    oid: parent(v.oid),
    scalarType: v.type,
    maxAccess: snmp.MaxAccess['read-only'],
    ...(handler ? { handler } : {}),
  });
  mib.setScalarValue(v.oid, v.value);
}

function addTable(mib: NetSnmpMib, entry: string, cells: readonly TableCell[], handler: ProviderHandler | undefined): void {
  const types = new Map<number, snmp.ObjectType>();
  for (const c of cells) {
    if (c.column === INDEX_COLUMN) throw new Error(`simulator: column number ${INDEX_COLUMN} is reserved`);
    const known = types.get(c.column);
    // net-snmp types a column, not a cell.
    if (known !== undefined && known !== c.v.type) throw new Error(`simulator: column ${entry}.${c.column} mixes value types; give every row the same type`);
    types.set(c.column, c.v.type);
  }
  const columns = [...types.keys()].sort((a, b) => a - b);
  mib.registerProvider({
    name: entry,
    type: snmp.MibProviderType.Table,
    oid: entry,
    maxAccess: snmp.MaxAccess['not-accessible'],
    tableColumns: [
      { number: INDEX_COLUMN, name: 'index', type: snmp.ObjectType.OID, maxAccess: snmp.MaxAccess['not-accessible'] },
      ...columns.map((n) => ({ number: n, name: `column${n}`, type: types.get(n), maxAccess: snmp.MaxAccess['read-only'] })),
    ],
    tableIndex: [{ columnName: 'index', implied: true }],
    ...(handler ? { handler } : {}),
  });
  const rows = new Map<string, Map<number, SimVarbind['value']>>();
  for (const c of cells) {
    const row = rows.get(c.index) ?? new Map<number, SimVarbind['value']>();
    row.set(c.column, c.v.value);
    rows.set(c.index, row);
  }
  for (const [index, row] of rows) {
    const missing = columns.filter((n) => !row.has(n));
    // net-snmp adds whole rows only.
    if (missing.length > 0) throw new Error(`simulator: row ${entry}.*.${index} lacks column(s) ${missing.join(', ')}; every row needs every column`);
    mib.addTableRow(entry, [index, ...columns.map((n) => row.get(n))]);
  }
}

/**
 * A Mib serving exactly `varbinds`, read-only. `handler`, when given, is installed on every
 * provider (the server uses it to delay answers).
 */
export function buildMib(varbinds: readonly SimVarbind[], handler?: ProviderHandler): NetSnmpMib {
  checkNoNesting(varbinds);
  const mib = snmp.createMib() as NetSnmpMib;
  const tables = new Map<string, TableCell[]>();
  for (const v of varbinds) {
    const placed = placeCell(v);
    if (!placed) {
      addScalar(mib, v, handler);
      continue;
    }
    const list = tables.get(placed.entry) ?? [];
    list.push(placed.cell);
    tables.set(placed.entry, list);
  }
  for (const [entry, cells] of tables) addTable(mib, entry, cells, handler);
  return mib;
}
