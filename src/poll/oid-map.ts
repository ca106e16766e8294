// What the tool reads, as data. Names follow the vendor's PowerNet-MIB (checked by
// test/poll/mib.test.ts against mibs/ATS-AUDIT-MIB.txt and the vendor's file); the poller,
// the classifier and the simulator all take their OIDs from here and nowhere else.

export const APC = '1.3.6.1.4.1.318';
/** automaticTransferSwitch branch of PowerNet-MIB. */
export const ATS = `${APC}.1.1.8`;

/** sysObjectID values of APC's Rack ATS product lines. */
export const ATS_SYS_OBJECT_IDS = {
  /** AP77xx Rack ATS (second-generation card, hw02). */
  rackAts: `${APC}.1.3.11`,
  /** Newer ATS lines (AP44xx, ATS 4G / 5G). */
  ats4g: `${APC}.1.3.32`,
  ats5g: `${APC}.1.3.38`,
} as const;

const ATS_ROOTS: readonly string[] = Object.values(ATS_SYS_OBJECT_IDS);

/**
 * Whether a sysObjectID is a Rack ATS's: one of the roots above or under one. The one place
 * that knows (the poller asks the ATS branch by it; the classifier judges by it).
 */
export function isAtsSysObjectId(sysObjectID: string): boolean {
  return ATS_ROOTS.some((root) => sysObjectID === root || (sysObjectID.startsWith(root) && sysObjectID.charCodeAt(root.length) === 46));
}

/** How a value is to be read: `enum` values are checked against `values`. */
export type ObjectKind = 'string' | 'integer' | 'enum' | 'oid';

export interface ObjectDef {
  readonly name: string;
  /** Full OID of the instance fetched in the single GET (scalar `.0` or a known row). */
  readonly oid: string;
  readonly kind: ObjectKind;
  /** For tabular objects: the column OID, walked when the expected instance is missing. */
  readonly column?: string;
  readonly values?: Readonly<Record<number, string>>;
}

const col = (column: string, instance: string) => ({ column, oid: `${column}.${instance}` });

export const OBJECTS = {
  sysDescr: { name: 'sysDescr', oid: '1.3.6.1.2.1.1.1.0', kind: 'string' },
  sysObjectID: { name: 'sysObjectID', oid: '1.3.6.1.2.1.1.2.0', kind: 'oid' },
  sysName: { name: 'sysName', oid: '1.3.6.1.2.1.1.5.0', kind: 'string' },
  sysLocation: { name: 'sysLocation', oid: '1.3.6.1.2.1.1.6.0', kind: 'string' },

  atsIdentHardwareRev: { name: 'atsIdentHardwareRev', oid: `${ATS}.1.1.0`, kind: 'string' },
  /** The switch controller's firmware, not the network card's. */
  atsIdentFirmwareRev: { name: 'atsIdentFirmwareRev', oid: `${ATS}.1.2.0`, kind: 'string' },
  atsIdentModelNumber: { name: 'atsIdentModelNumber', oid: `${ATS}.1.5.0`, kind: 'string' },
  atsIdentSerialNumber: { name: 'atsIdentSerialNumber', oid: `${ATS}.1.6.0`, kind: 'string' },

  /** Card (NMC) firmware: AOS and application. Not in PowerNet-MIB; APC's experimental branch. */
  cardAosVersion: { name: 'cardAosVersion', oid: `${APC}.1.4.2.4.1.4.1`, kind: 'string' },
  cardAppVersion: { name: 'cardAppVersion', oid: `${APC}.1.4.2.4.1.4.2`, kind: 'string' },

  atsConfigPreferredSource: {
    name: 'atsConfigPreferredSource',
    oid: `${ATS}.4.2.0`,
    kind: 'enum',
    values: { 1: 'sourceA', 2: 'sourceB', 3: 'none' },
  },
  atsStatusCommStatus: {
    name: 'atsStatusCommStatus',
    oid: `${ATS}.5.1.1.0`,
    kind: 'enum',
    values: { 1: 'atsNeverDiscovered', 2: 'atsCommEstablished', 3: 'atsCommLost' },
  },
  atsStatusSelectedSource: {
    name: 'atsStatusSelectedSource',
    oid: `${ATS}.5.1.2.0`,
    kind: 'enum',
    values: { 1: 'sourceA', 2: 'sourceB' },
  },
  atsStatusRedundancyState: {
    name: 'atsStatusRedundancyState',
    oid: `${ATS}.5.1.3.0`,
    kind: 'enum',
    values: { 1: 'atsRedundancyLost', 2: 'atsFullyRedundant' },
  },
  atsStatusSourceAStatus: {
    name: 'atsStatusSourceAStatus',
    oid: `${ATS}.5.1.12.0`,
    kind: 'enum',
    values: { 1: 'fail', 2: 'ok' },
  },
  atsStatusSourceBStatus: {
    name: 'atsStatusSourceBStatus',
    oid: `${ATS}.5.1.13.0`,
    kind: 'enum',
    values: { 1: 'fail', 2: 'ok' },
  },

  // Real cards index these tables as input.phase.1 / output.phase.1 (`.1.1.1`, `.2.1.1`).
  atsInputVoltageA: { name: 'atsInputVoltage', kind: 'integer', ...col(`${ATS}.5.3.3.1.3`, '1.1.1') },
  atsInputVoltageB: { name: 'atsInputVoltage', kind: 'integer', ...col(`${ATS}.5.3.3.1.3`, '2.1.1') },
  /** Tenths of amps; -1 = unsupported. 1U units. */
  atsOutputCurrent: { name: 'atsOutputCurrent', kind: 'integer', ...col(`${ATS}.5.4.3.1.4`, '1.1.1') },
  /** Tenths of amps; row 1 is bank `total`. 2U units. */
  atsOutputBankCurrent: { name: 'atsOutputBankCurrent', kind: 'integer', ...col(`${ATS}.5.4.5.1.4`, '1') },
} as const satisfies Record<string, ObjectDef>;

export type ObjectKey = keyof typeof OBJECTS;

export const OBJECT_KEYS = Object.keys(OBJECTS) as ObjectKey[];

/** The instance OID of every object, in OBJECT_KEYS order: the one GET every unit is asked. */
export const OBJECT_OIDS: readonly string[] = OBJECT_KEYS.map((k) => OBJECTS[k].oid);

/** Objects that identify the unit and are asked of every target. */
export const IDENTITY_KEYS: readonly ObjectKey[] = ['sysDescr', 'sysObjectID', 'sysName', 'sysLocation'];

/** Tabular objects whose column is walked when the known instance is missing (ATS units only). */
export const WALKABLE_KEYS: readonly ObjectKey[] = OBJECT_KEYS.filter((k) => 'column' in OBJECTS[k]);

/**
 * What a sweep's probe asks an address not yet known to answer (snmp/probe.ts): one object
 * every SNMP agent has, so the answer is small. Any datagram back counts; its content is not read.
 */
export const PROBE_OIDS: readonly string[] = [OBJECTS.sysObjectID.oid];
