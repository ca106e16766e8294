// What a simulated unit answers, as plain data: a unit description in, varbinds out.
// Pure functions, no sockets. Every OID comes from oid-map.ts; enum codes are looked up
// there by name so the simulator and the classifier cannot drift apart.

import snmp from 'net-snmp';
import { APC, ATS_SYS_OBJECT_IDS, OBJECTS, type ObjectKey } from '../../src/poll/oid-map.js';

/** One value the simulated agent serves. Counter64 values are always 8-byte Buffers. */
export interface SimVarbind {
  readonly oid: string;
  readonly type: snmp.ObjectType;
  readonly value: string | number | Buffer;
  /** For table cells: the column OID, so the MIB builder knows where the index starts. */
  readonly column?: string;
  /** The oid-map object this varbind belongs to, so it can be omitted by name. */
  readonly key?: ObjectKey;
}

/** A raw value forced onto a unit (odd types, out-of-range enums, extra rows...). */
export interface RawOverride {
  /** An oid-map name (its instance OID is used) or a full instance OID. */
  readonly oid: ObjectKey | string;
  readonly type: snmp.ObjectType;
  /** Counter64 accepts a number or bigint and is turned into the 8-byte Buffer net-snmp needs. */
  readonly value: string | number | bigint | Buffer;
}

export type Source = 'A' | 'B';
export type SourceState = 'ok' | 'fail';
export type CommState = 'established' | 'lost' | 'never-discovered';

/** The network management card: its firmware shows in sysDescr and in the card OIDs. */
export interface CardFirmware {
  /** Card hardware generation as it appears in file names: "hw01", "hw02", "hw05". */
  readonly hardware: string;
  /** Boot monitor (`MB:`), e.g. "v3.9.2". */
  readonly bootMonitor: string;
  /** AOS (`PF:`), e.g. "v3.7.4". */
  readonly aos: string;
  /** Application (`AF1:`), e.g. "v3.7.1". */
  readonly app: string;
  /** Application name inside the file name: "g2ats", "ats4g", "rpdu2g", "sumx". */
  readonly appName: string;
  /** File names; derived from the versions when absent. */
  readonly aosFile?: string;
  readonly appFile?: string;
  /** Manufacture date (`MD:`), mm/dd/yyyy. */
  readonly manufactured: string;
}

interface CommonUnit {
  /** Model as the unit reports it (`MN:` and, for an ATS, atsIdentModelNumber). */
  readonly model: string;
  readonly serial: string;
  readonly hardwareRev: string;
  readonly card: CardFirmware;
  readonly sysName: string;
  readonly sysLocation: string;
  /** Objects the unit does not have: oid-map names (every instance of that object) or instance OIDs. */
  readonly omit?: readonly (ObjectKey | string)[];
  /** Raw values that replace (same OID) or add to the generated ones, applied after `omit`. */
  readonly overrides?: readonly RawOverride[];
}

/** Output current as the two ATS form factors report it, in tenths of amps. */
export type AtsOutput =
  /** 1U: atsOutputCurrent on the phase table. */
  | { readonly form: '1U'; readonly tenths: number }
  /** 2U: bank table rows total, bank1, bank2; atsOutputCurrent reads -1. */
  | { readonly form: '2U'; readonly bankTenths: readonly [total: number, bank1: number, bank2: number] };

export interface AtsDescription extends CommonUnit {
  readonly kind: 'ats';
  /** Which sysObjectID the unit answers: Rack ATS AP77xx, or the newer ATS 4G (AP44xx). */
  readonly line: 'rack-ats' | 'ats4g';
  /** atsIdentFirmwareRev: the switch controller's firmware, e.g. "3.0.5". */
  readonly controllerFirmware: string;
  readonly preferredSource: Source | 'none';
  readonly selectedSource: Source;
  readonly sourceStatus: { readonly A: SourceState; readonly B: SourceState };
  readonly commStatus: CommState;
  /** Volts; -1 = unsupported by that input. */
  readonly inputVolts: { readonly A: number; readonly B: number };
  readonly output: AtsOutput;
}

/** APC devices that are not an ATS: they answer the system group and the card OIDs only. */
export interface OtherApcDescription extends CommonUnit {
  readonly kind: 'rack-pdu' | 'ups';
}

export type UnitDescription = AtsDescription | OtherApcDescription;

/**
 * sysObjectID values of the non-ATS look-alikes, as recorded from real units (LibreNMS
 * recordings of an AP7900B and a Smart-UPS with AP9631). Values served, not objects read.
 */
export const OTHER_SYS_OBJECT_IDS = {
  'rack-pdu': `${APC}.1.3.4.8`,
  ups: `${APC}.1.3.27`,
} as const;

const T = snmp.ObjectType;

/** "v3.7.4" -> "374", "v3.0.9.a" -> "309a": the version as APC writes it in file names. */
function fileVersion(version: string): string {
  return version.replace(/^v/, '').replace(/\./g, '');
}

export function aosFileName(card: CardFirmware): string {
  return card.aosFile ?? `apc_${card.hardware}_aos_${fileVersion(card.aos)}.bin`;
}

export function appFileName(card: CardFirmware): string {
  return card.appFile ?? `apc_${card.hardware}_${card.appName}_${fileVersion(card.app)}.bin`;
}

/** sysDescr in the shape real cards use (note the space after `SN:`). */
export function sysDescr(unit: UnitDescription): string {
  const c = unit.card;
  const fields =
    `MB:${c.bootMonitor} PF:${c.aos} PN:${aosFileName(c)} AF1:${c.app} AN1:${appFileName(c)} ` +
    `MN:${unit.model} HR:${unit.hardwareRev} SN: ${unit.serial} MD:${c.manufactured}`;
  // UPS cards append the compatibility note, as the recorded AP9631s do.
  const suffix = unit.kind === 'ups' ? ' (Embedded PowerNet SNMP Agent SW v2.2 compatible)' : '';
  return `APC Web/SNMP Management Card (${fields})${suffix}`;
}

export function sysObjectId(unit: UnitDescription): string {
  if (unit.kind !== 'ats') return OTHER_SYS_OBJECT_IDS[unit.kind];
  return unit.line === 'ats4g' ? ATS_SYS_OBJECT_IDS.ats4g : ATS_SYS_OBJECT_IDS.rackAts;
}

type EnumKey = {
  [K in ObjectKey]: (typeof OBJECTS)[K] extends { values: Readonly<Record<number, string>> } ? K : never;
}[ObjectKey];

/** The integer the MIB assigns to an enum label, taken from oid-map (throws on a typo). */
export function enumCode(key: EnumKey, label: string): number {
  const values: Readonly<Record<number, string>> = OBJECTS[key].values;
  for (const [code, name] of Object.entries(values)) if (name === label) return Number(code);
  throw new Error(`simulator: ${key} has no value named ${label}`);
}

const COMM_LABEL: Record<CommState, string> = {
  established: 'atsCommEstablished',
  lost: 'atsCommLost',
  'never-discovered': 'atsNeverDiscovered',
};

function str(key: ObjectKey, value: string): SimVarbind {
  return { key, oid: OBJECTS[key].oid, type: T.OctetString, value };
}

function int(key: ObjectKey, value: number): SimVarbind {
  return { key, oid: OBJECTS[key].oid, type: T.Integer, value };
}

function cell(key: ObjectKey & ('atsInputVoltageA' | 'atsInputVoltageB' | 'atsOutputCurrent'), value: number): SimVarbind {
  const def = OBJECTS[key];
  return { key, oid: def.oid, column: def.column, type: T.Integer, value };
}

function identityVarbinds(unit: UnitDescription): SimVarbind[] {
  return [
    str('sysDescr', sysDescr(unit)),
    { key: 'sysObjectID', oid: OBJECTS.sysObjectID.oid, type: T.OID, value: sysObjectId(unit) },
    str('sysName', unit.sysName),
    str('sysLocation', unit.sysLocation),
    str('cardAosVersion', unit.card.aos),
    str('cardAppVersion', unit.card.app),
  ];
}

function outputVarbinds(output: AtsOutput): SimVarbind[] {
  if (output.form === '1U') return [cell('atsOutputCurrent', output.tenths)];
  const column = OBJECTS.atsOutputBankCurrent.column;
  // The MIB types atsOutputBankCurrent as Gauge, so real cards send Gauge32, not INTEGER.
  const bank = output.bankTenths.map(
    (tenths, i): SimVarbind => ({ key: 'atsOutputBankCurrent', oid: `${column}.${i + 1}`, column, type: T.Gauge32, value: tenths }),
  );
  return [cell('atsOutputCurrent', -1), ...bank];
}

function atsVarbinds(unit: AtsDescription): SimVarbind[] {
  const sourceLabel = (s: Source) => (s === 'A' ? 'sourceA' : 'sourceB');
  // Derived, as the card does it: fully redundant iff both inputs are good.
  const redundant = unit.sourceStatus.A === 'ok' && unit.sourceStatus.B === 'ok';
  return [
    str('atsIdentHardwareRev', unit.hardwareRev),
    str('atsIdentFirmwareRev', unit.controllerFirmware),
    str('atsIdentModelNumber', unit.model),
    str('atsIdentSerialNumber', unit.serial),
    int(
      'atsConfigPreferredSource',
      enumCode('atsConfigPreferredSource', unit.preferredSource === 'none' ? 'none' : sourceLabel(unit.preferredSource)),
    ),
    int('atsStatusCommStatus', enumCode('atsStatusCommStatus', COMM_LABEL[unit.commStatus])),
    int('atsStatusSelectedSource', enumCode('atsStatusSelectedSource', sourceLabel(unit.selectedSource))),
    int('atsStatusRedundancyState', enumCode('atsStatusRedundancyState', redundant ? 'atsFullyRedundant' : 'atsRedundancyLost')),
    int('atsStatusSourceAStatus', enumCode('atsStatusSourceAStatus', unit.sourceStatus.A)),
    int('atsStatusSourceBStatus', enumCode('atsStatusSourceBStatus', unit.sourceStatus.B)),
    cell('atsInputVoltageA', unit.inputVolts.A),
    cell('atsInputVoltageB', unit.inputVolts.B),
    ...outputVarbinds(unit.output),
  ];
}

/** 8-byte big-endian Counter64, the only form net-snmp's agent can encode. */
export function counter64(value: number | bigint): Buffer {
  const big = BigInt(value);
  if (big < 0n || big >= 1n << 64n) throw new RangeError(`simulator: Counter64 out of range: ${value}`);
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64BE(big);
  return buf;
}

function isObjectKey(name: string): name is ObjectKey {
  return Object.hasOwn(OBJECTS, name);
}

/** Where an override lands: the oid-map instance for a name, or the OID as given. */
function resolveOverride(o: RawOverride): SimVarbind {
  const def = isObjectKey(o.oid) ? OBJECTS[o.oid] : undefined;
  const oid = def ? def.oid : o.oid;
  if (!/^\d+(\.\d+)+$/.test(oid)) throw new Error(`simulator: override OID is neither an oid-map name nor an OID: ${o.oid}`);
  let value: string | number | Buffer;
  if (o.type === T.Counter64) value = Buffer.isBuffer(o.value) ? o.value : counter64(o.value as number | bigint);
  else if (typeof o.value === 'bigint') value = Number(o.value);
  else value = o.value;
  if (o.type === T.Counter64 && (value as Buffer).length !== 8) throw new Error(`simulator: Counter64 Buffer for ${oid} is not 8 bytes`);
  // A known column keeps its table shape; anything else is placed by its OID alone.
  const column = def && 'column' in def ? def.column : columnOf(oid);
  return { oid, type: o.type, value, ...(column ? { column } : {}) };
}

/** An OID under one of oid-map's table columns belongs to that column. */
function columnOf(oid: string): string | undefined {
  for (const def of Object.values(OBJECTS)) {
    if ('column' in def && oid.startsWith(`${def.column}.`)) return def.column;
  }
  return undefined;
}

/** Everything the unit answers, after omissions and overrides. */
export function unitVarbinds(unit: UnitDescription): SimVarbind[] {
  const generated = [...identityVarbinds(unit), ...(unit.kind === 'ats' ? atsVarbinds(unit) : [])];
  const omit = new Set(unit.omit ?? []);
  const byOid = new Map<string, SimVarbind>();
  for (const v of generated) {
    if (omit.has(v.oid) || (v.key !== undefined && omit.has(v.key))) continue;
    byOid.set(v.oid, v);
  }
  for (const o of unit.overrides ?? []) {
    const v = resolveOverride(o);
    byOid.set(v.oid, v);
  }
  return [...byOid.values()];
}
