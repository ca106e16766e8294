import type { AtsState, CommStatus, Device, Identity, IdentityDoubts, Redundancy, Source, SourceStatus } from './device.js';
import { normaliseModel } from './advisory.js';
import { cleanModel } from './model.js';
import { isAtsSysObjectId, OBJECTS, type ObjectDef, type ObjectKey } from '../poll/oid-map.js';
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

const under = (oid: string, root: string) => oid === root || oid.startsWith(`${root}.`);

export function classify(reading: Reading, walked: WalkedRows = {}): Device {
  const sysObjectID = oid(reading.sysObjectID);
  // Any non-blank atsIdentModelNumber is the ATS branch answering, clean or not.
  const atsModelRaw = modelText(reading);
  const atsBySysObjectId = sysObjectID !== undefined && isAtsSysObjectId(sysObjectID);
  // Parsed once: identity, the not-an-ATS reason and the firmware cross-check all read it.
  const sd = parseSysDescr(text(reading.sysDescr));
  const isAts = atsModelRaw !== undefined || atsBySysObjectId;
  const model = isAts ? judgeModel(reading, sd, sysObjectID, atsBySysObjectId) : {};
  const identity = identify(reading, sd, isAts, model);

  const notes = textNotes(reading);
  if (!isAts && sysObjectID === undefined) {
    // Nothing said what this is (a view that hides the system group, a reply that lost it):
    // never "not an ATS", which would pass as all clear.
    const why = 'answered SNMP but reported neither sysObjectID nor an ATS identity, so it cannot be told whether it is a Rack ATS';
    return { kind: 'unidentified', identity, why: notes.length ? `${why} (${notes.join('; ')})` : why };
  }
  if (!isAts) {
    const why = describeNotAts(identity, sd);
    return { kind: 'not-ats', identity, why: notes.length ? `${why} (${notes.join('; ')})` : why, ...(sd.mn !== undefined && { sysDescrModel: sd.mn }) };
  }
  const state = readState(reading, walked, sd);
  const doubts: IdentityDoubts = {
    ...(model.doubt !== undefined && { model: model.doubt }),
    ...firmwareAndSerialDoubts(reading, sd),
  };
  return {
    kind: 'ats',
    identity,
    state: { ...state, anomalies: [...notes, ...state.anomalies] },
    ...(Object.keys(doubts).length > 0 && { doubts }),
  };
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
 * atsIdentModelNumber as sent, when it says anything: a non-string, or a string that is more than
 * NUL and space padding. Blank means "not said" (sysDescr's MN: may then stand in).
 */
function modelText(reading: Reading): RawValue | undefined {
  const v = reading.atsIdentModelNumber;
  if (v === undefined) return undefined;
  if (v.type === 'string' && v.value.replace(/[\0\s]+/g, '') === '') return undefined;
  return v;
}

interface ModelJudgement {
  /** The clean model, when one source gave one (shown in the report even when doubted). */
  readonly model?: string;
  readonly from?: 'atsIdentModelNumber' | 'sysDescr';
  /** Why the model may not decide the bulletin. */
  readonly doubt?: string;
}

/**
 * The model of a unit taken for an ATS, from atsIdentModelNumber and sysDescr's MN:. A model is
 * only a model when it is a clean APC part number (model.ts); where both sources say one they
 * must agree; and a model beside a sysObjectID of another product is a disagreement too.
 */
function judgeModel(reading: Reading, sd: SysDescrFields, sysObjectID: string | undefined, atsBySysObjectId: boolean): ModelJudgement {
  const raw = modelText(reading);
  const mn = sd.mn === undefined ? undefined : cleanModel(sd.mn);
  let judged: ModelJudgement;
  if (raw !== undefined) {
    const damaged =
      raw.type !== 'string'
        ? `atsIdentModelNumber sent ${describeType(raw)}, not a model number`
        : raw.invalidUtf8
          ? 'atsIdentModelNumber is not valid UTF-8'
          : raw.truncated
            ? 'atsIdentModelNumber is over-long'
            : undefined;
    const clean = raw.type === 'string' && damaged === undefined ? cleanModel(raw.value) : undefined;
    if (damaged !== undefined || clean === undefined) return { doubt: `${damaged ?? 'atsIdentModelNumber is unusable'}, so the model cannot be trusted` };
    if (!clean.ok) return { doubt: `atsIdentModelNumber: ${clean.why}` };
    judged = { model: clean.model, from: 'atsIdentModelNumber' };
    if (sd.mn !== undefined && normaliseModel(sd.mn) !== normaliseModel(clean.model)) {
      judged = { ...judged, doubt: `atsIdentModelNumber says ${JSON.stringify(clean.model)} but sysDescr MN: says ${JSON.stringify(sd.mn)}` };
    }
  } else if (mn !== undefined) {
    if (!mn.ok) return { doubt: `sysDescr MN: ${mn.why}` };
    judged = { model: mn.model, from: 'sysDescr' };
  } else {
    return {};
  }
  if (judged.doubt === undefined && sysObjectID !== undefined && !atsBySysObjectId) {
    judged = { ...judged, doubt: `sysObjectID ${sysObjectID} is not a Rack ATS's, but ${judged.from} says ${JSON.stringify(judged.model)}` };
  }
  return judged;
}

/** The card firmware and the serial, where two sources give them and they disagree. */
function firmwareAndSerialDoubts(reading: Reading, sd: SysDescrFields): Pick<IdentityDoubts, 'firmware' | 'serial'> {
  const app = nonBlank(text(reading.cardAppVersion));
  const serial = nonBlank(text(reading.atsIdentSerialNumber));
  return {
    ...(app !== undefined && sd.af1 !== undefined && app !== sd.af1 && { firmware: `card firmware object says application ${app} but sysDescr says ${sd.af1}` }),
    ...(serial !== undefined &&
      sd.sn !== undefined &&
      serial.toUpperCase() !== sd.sn.toUpperCase() && { serial: `atsIdentSerialNumber says ${JSON.stringify(serial)} but sysDescr SN: says ${JSON.stringify(sd.sn)}` }),
  };
}

function identify(reading: Reading, d: SysDescrFields, isAts: boolean, model: ModelJudgement): Identity {
  // On a UPS or PDU, sysDescr's MN: names the card (AP9631...), not the device: only an
  // ATS gets its model from there.
  const fields: Record<string, string | undefined> = {
    // A doubted model is not shown as the unit's model (the reason names every value).
    model: model.doubt === undefined ? model.model : undefined,
    modelFrom: model.doubt === undefined ? model.from : undefined,
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

/**
 * Reads one enum object: the number is looked up in the OID map's labels (the one list of
 * them), then the label in `words`. Out-of-range or wrongly typed answers become anomalies.
 */
function readEnum<T extends string>(reading: Reading, key: ObjectKey, words: Readonly<Record<string, T>>, anomalies: string[]): T | undefined {
  const v = reading[key];
  if (v === undefined) return undefined;
  if (v.type !== 'integer') {
    anomalies.push(`${OBJECTS[key].name} sent ${describeType(v)} where an integer belongs`);
    return undefined;
  }
  const def: ObjectDef = OBJECTS[key];
  const label = def.values?.[v.value];
  const word = label === undefined ? undefined : words[label];
  if (word === undefined) anomalies.push(`${OBJECTS[key].name} = ${v.value} is not a defined value`);
  return word;
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

// The device's words for the MIB's labels (oid-map.ts holds the numbers and labels).
const SOURCE: Readonly<Record<string, Source>> = { sourceA: 'A', sourceB: 'B' };
const PREFERRED: Readonly<Record<string, Source | 'none'>> = { ...SOURCE, none: 'none' };
const STATUS: Readonly<Record<string, SourceStatus>> = { fail: 'fail', ok: 'ok' };
const COMM: Readonly<Record<string, CommStatus>> = { atsNeverDiscovered: 'never-discovered', atsCommEstablished: 'established', atsCommLost: 'lost' };
const REDUNDANCY: Readonly<Record<string, Redundancy>> = { atsRedundancyLost: 'lost', atsFullyRedundant: 'full' };

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
  // Where both report, a load on either is a load: one reading 0.0 A beside the other reading
  // current is a disagreement, named, and the larger reading stands (never "no load").
  if (phase !== undefined && bank !== undefined && (phase === 0) !== (bank === 0)) {
    anomalies.push(`atsOutputCurrent reads ${(phase / 10).toFixed(1)} A but atsOutputBankCurrent reads ${(bank / 10).toFixed(1)} A; the larger is taken`);
  }
  const output =
    phase !== undefined && (bank === undefined || phase >= bank)
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
