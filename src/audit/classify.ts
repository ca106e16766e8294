import type { AtsState, CommStatus, Device, Identity, Redundancy, Source, SourceStatus } from './device.js';
import { ATS_SYS_OBJECT_IDS, OBJECTS, type ObjectKey } from '../poll/oid-map.js';
import { oid, text, type RawValue, type Reading, type WalkedRows } from '../poll/reading.js';
import { parseSysDescr, type SysDescrFields } from './sysdescr.js';

// Raw answers -> a typed unit. Pure: the poller does the I/O, the rules do the judging.

/** What a sysObjectID under APC's products.system branch says the device is. */
const APC_PRODUCT_LINES: ReadonlyArray<readonly [prefix: string, what: string]> = [
  ['1.3.6.1.4.1.318.1.3.4', 'a rack PDU'],
  ['1.3.6.1.4.1.318.1.3.2', 'a UPS'],
  ['1.3.6.1.4.1.318.1.3.5', 'a UPS'],
  ['1.3.6.1.4.1.318.1.3.27', 'a UPS'],
  ['1.3.6.1.4.1.318.1.3.8', 'an environmental monitor'],
  ['1.3.6.1.4.1.318.1.3.14', 'a cooling unit'],
  ['1.3.6.1.4.1.318.1.3.15', 'a power distribution unit'],
  ['1.3.6.1.4.1.318.1.3.33', 'PowerChute software'],
];

const ATS_ROOTS = Object.values(ATS_SYS_OBJECT_IDS);

const under = (oid: string, root: string) => oid === root || oid.startsWith(`${root}.`);

export function classify(reading: Reading, walked: WalkedRows = {}): Device {
  const sysObjectID = oid(reading.sysObjectID);
  const atsModel = usableModel(reading);
  const atsBySysObjectId = sysObjectID !== undefined && ATS_ROOTS.some((r) => under(sysObjectID, r));
  // Parsed once: identity, the not-an-ATS reason and the firmware cross-check all read it.
  const sd = parseSysDescr(text(reading.sysDescr));
  const identity = identify(reading, sd, atsModel !== undefined || atsBySysObjectId);

  const notes = textNotes(reading);
  if (!atsBySysObjectId && atsModel === undefined && sysObjectID === undefined) {
    // Nothing said what this is (a view that hides the system group, a reply that lost it):
    // never "not an ATS", which would pass as all clear.
    const why = 'answered SNMP but reported neither sysObjectID nor an ATS identity, so it cannot be told whether it is a Rack ATS';
    return { kind: 'unidentified', identity, why: notes.length ? `${why} (${notes.join('; ')})` : why };
  }
  if (!atsBySysObjectId && atsModel === undefined) {
    const why = describeNotAts(identity, sd);
    return { kind: 'not-ats', identity, why: notes.length ? `${why} (${notes.join('; ')})` : why };
  }
  const state = readState(reading, walked, sd);
  return { kind: 'ats', identity, state: { ...state, anomalies: [...notes, ...state.anomalies] } };
}

/**
 * Text the unit sent that cannot be shown or used as sent: said in the reason, never silently
 * mended. A string object that came back as something else (an OID, an integer) is ignored;
 * a string that is not UTF-8 or was cut is shown as received. One pass over the reading.
 */
function textNotes(reading: Reading): string[] {
  const notes: string[] = [];
  for (const [key, v] of Object.entries(reading) as Array<[ObjectKey, RawValue | undefined]>) {
    if (v === undefined) continue;
    const { name, kind } = OBJECTS[key];
    if ((kind === 'string' || kind === 'oid') && v.type !== kind) {
      notes.push(`${name} sent ${describeType(v)} where ${kind === 'oid' ? 'an OID' : 'a string'} belongs (ignored)`);
    } else if (v.type === 'string') {
      if (v.invalidUtf8) notes.push(`${name} is not valid UTF-8 (shown with replacement characters)`);
      if (v.truncated) notes.push(`${name} is over-long (cut to its first ${v.value.length} characters)`);
    }
  }
  return notes;
}

function nonBlank(s: string | undefined): string | undefined {
  const t = s?.trim();
  return t ? t : undefined;
}

/**
 * atsIdentModelNumber when it can be trusted: a damaged model (invalid UTF-8, cut short) must not
 * decide "not on the bulletin", so it is set aside (sysDescr's MN: may stand in) and noted.
 */
function usableModel(reading: Reading): string | undefined {
  const v = reading.atsIdentModelNumber;
  if (v?.type !== 'string' || v.invalidUtf8 || v.truncated) return undefined;
  return nonBlank(v.value);
}

function identify(reading: Reading, d: SysDescrFields, isAts: boolean): Identity {
  const atsModel = usableModel(reading);
  // On a UPS or PDU, sysDescr's MN: names the card (AP9631...), not the device: only an
  // ATS gets its model from there.
  const model = atsModel ?? (isAts ? d.mn : undefined);
  const fields: Record<string, string | undefined> = {
    model,
    modelFrom: atsModel ? 'atsIdentModelNumber' : model ? 'sysDescr' : undefined,
    serial: nonBlank(text(reading.atsIdentSerialNumber)) ?? (isAts ? d.sn : undefined),
    hardwareRev: nonBlank(text(reading.atsIdentHardwareRev)) ?? (isAts ? d.hr : undefined),
    aosVersion: nonBlank(text(reading.cardAosVersion)) ?? d.pf,
    aosFile: d.pn,
    appVersion: nonBlank(text(reading.cardAppVersion)) ?? d.af1,
    appFile: d.an1,
    controllerFirmware: nonBlank(text(reading.atsIdentFirmwareRev)),
    sysName: text(reading.sysName),
    sysLocation: text(reading.sysLocation),
    sysObjectID: oid(reading.sysObjectID),
    sysDescr: text(reading.sysDescr),
  };
  // Absent fields are left out, not set to undefined (the JSON report shows what is known).
  const identity: Record<string, string> = {};
  for (const key in fields) {
    const v = fields[key];
    if (v !== undefined) identity[key] = v;
  }
  return identity as Identity;
}

function describeNotAts(identity: Identity, { product, mn }: SysDescrFields): string {
  const oid = identity.sysObjectID;
  const line = oid ? APC_PRODUCT_LINES.find(([p]) => under(oid, p))?.[1] : undefined;
  const described = product && product.length <= 80 ? product : identity.sysDescr?.slice(0, 80);
  const what = [
    line ? `looks like ${line}` : undefined,
    described ? `"${described}"` : 'no sysDescr',
    mn ? `card/model ${mn}` : undefined,
  ].filter(Boolean);
  return `answered SNMP but is not a Rack ATS (sysObjectID ${oid ?? 'not reported'}, no ATS identity): ${what.join('; ')}`;
}

/** Reads one enum object; out-of-range or wrongly typed answers become anomalies, not values. */
function readEnum<T extends string>(
  reading: Reading,
  key: ObjectKey,
  map: Readonly<Record<number, T>>,
  anomalies: string[],
): T | undefined {
  const v = reading[key];
  if (v === undefined) return undefined;
  if (v.type !== 'integer') {
    anomalies.push(`${OBJECTS[key].name} sent ${describeType(v)} where an integer belongs`);
    return undefined;
  }
  const label = map[v.value];
  if (label === undefined) anomalies.push(`${OBJECTS[key].name} = ${v.value} is not a defined value`);
  return label;
}

function describeType(v: RawValue): string {
  return v.type === 'other' ? `a ${v.snmpType}` : v.type === 'oid' ? 'an OID' : v.type === 'integer' ? 'an integer' : 'a string';
}

/** A measurement from the known instance, else from the walked column; -1 means unsupported. */
function readMeasure(
  reading: Reading,
  walked: WalkedRows,
  key: ObjectKey,
  rowPrefix: string,
  range: readonly [number, number],
  anomalies: string[],
): number | undefined {
  const direct = reading[key];
  const row = walked[key]?.find((r) => r.instance === rowPrefix || r.instance.startsWith(`${rowPrefix}.`));
  const v = direct ?? row?.value;
  if (v === undefined) return undefined;
  if (v.type !== 'integer') {
    anomalies.push(`${OBJECTS[key].name} sent ${describeType(v)} where an integer belongs`);
    return undefined;
  }
  if (v.value === -1) return undefined;
  if (v.value < range[0] || v.value > range[1]) {
    anomalies.push(`${OBJECTS[key].name} = ${v.value} is out of range`);
    return undefined;
  }
  return v.value;
}

const SOURCE: Record<number, Source> = { 1: 'A', 2: 'B' };
const PREFERRED: Record<number, Source | 'none'> = { 1: 'A', 2: 'B', 3: 'none' };
const STATUS: Record<number, SourceStatus> = { 1: 'fail', 2: 'ok' };
const COMM: Record<number, CommStatus> = { 1: 'never-discovered', 2: 'established', 3: 'lost' };
const REDUNDANCY: Record<number, Redundancy> = { 1: 'lost', 2: 'full' };

// Bounds that no real unit reports; beyond them a value is garbage, not a measurement.
const VOLTS: readonly [number, number] = [0, 600];
const TENTHS_OF_AMPS: readonly [number, number] = [0, 10_000];

function readState(reading: Reading, walked: WalkedRows, sd: SysDescrFields): AtsState {
  const anomalies: string[] = [];
  const state = {
    commStatus: readEnum(reading, 'atsStatusCommStatus', COMM, anomalies),
    preferredSource: readEnum(reading, 'atsConfigPreferredSource', PREFERRED, anomalies),
    selectedSource: readEnum(reading, 'atsStatusSelectedSource', SOURCE, anomalies),
    sourceStatus: {
      A: readEnum(reading, 'atsStatusSourceAStatus', STATUS, anomalies),
      B: readEnum(reading, 'atsStatusSourceBStatus', STATUS, anomalies),
    },
    redundancy: readEnum(reading, 'atsStatusRedundancyState', REDUNDANCY, anomalies),
    inputVoltage: {
      A: readMeasure(reading, walked, 'atsInputVoltageA', '1', VOLTS, anomalies),
      B: readMeasure(reading, walked, 'atsInputVoltageB', '2', VOLTS, anomalies),
    },
  };
  const phase = readMeasure(reading, walked, 'atsOutputCurrent', '1', TENTHS_OF_AMPS, anomalies);
  const bank = readMeasure(reading, walked, 'atsOutputBankCurrent', '1', TENTHS_OF_AMPS, anomalies);
  const output =
    phase !== undefined
      ? { outputAmps: phase / 10, outputAmpsFrom: 'atsOutputCurrent' as const }
      : bank !== undefined
        ? { outputAmps: bank / 10, outputAmpsFrom: 'atsOutputBankCurrent' as const }
        : {};
  // Real cards agree with themselves; where the card firmware objects and sysDescr differ,
  // the identity shown is contradictory and the operator should know.
  const cardAos = nonBlank(text(reading.cardAosVersion));
  const cardApp = nonBlank(text(reading.cardAppVersion));
  if (cardAos && sd.pf && cardAos !== sd.pf) anomalies.push(`card firmware object says AOS ${cardAos} but sysDescr says ${sd.pf}`);
  if (cardApp && sd.af1 && cardApp !== sd.af1) anomalies.push(`card firmware object says application ${cardApp} but sysDescr says ${sd.af1}`);
  return { ...state, ...output, anomalies };
}
