import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  WELL_KNOWN_OIDS,
  checkObjectDefs,
  compareMibObjects,
  formatEnums,
  isUnder,
  loadMib,
  loadMibText,
  type MibModule,
} from '../helpers/mib-store.js';
import { OBJECTS } from '../../src/poll/oid-map.js';

// Paths are taken from this file's location, not from the working directory.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUR_MIB = resolve(ROOT, 'mibs/ATS-AUDIT-MIB.txt');
const VENDOR_REL = '../shared/reference/PowerNet-MIB.txt';
const VENDOR_MIB = resolve(ROOT, VENDOR_REL);
const vendorExists = existsSync(VENDOR_MIB);
const SKIP_REASON = `skipped: ${VENDOR_REL} not found — only CI and developers have it`;
if (!vendorExists) console.warn(`test/poll/mib.test.ts: PowerNet-MIB comparison ${SKIP_REASON} (looked for ${VENDOR_MIB})`);

const ourText = readFileSync(OUR_MIB, 'utf8');
const loadedOurs = loadMib(OUR_MIB, 'ATS-AUDIT-MIB');
const ours = loadedOurs.module;

/** Objects of our module under APC's experimental branch: not PowerNet-MIB objects. */
const experimentalOid = ours.objects.get('experimental')?.fullOid;
const ourExperimental = [...ours.objects.values()].filter(
  (o) => o.name !== 'experimental' && isUnder(o.fullOid, experimentalOid),
);
const CARD_FIRMWARE = new Set(ourExperimental.filter((o) => o.kind === 'OBJECT-TYPE').map((o) => o.name));
/** Names checked against PowerNet-MIB: everything of ours outside the experimental branch. */
const VENDOR_NAMES = [...ours.objects.keys()].filter((n) => !ourExperimental.some((o) => o.name === n));

/** Index columns: not read by the tool, defined only so the entries' INDEX clauses resolve. */
const INDEX_COLUMNS = new Set([
  'atsInputPhaseTableIndex',
  'atsInputPhaseIndex',
  'atsOutputPhaseTableIndex',
  'atsOutputPhaseIndex',
  'atsOutputBankTableIndex',
]);

const DEFS = Object.values(OBJECTS);
const OID_MAP_NAMES = new Set<string>(DEFS.map((d) => d.name));

/** The same module with one sub-identifier and one enum number changed. */
function brokenText(): string {
  const a = ourText.replace('::= { atsStatusDeviceStatus 12 }', '::= { atsStatusDeviceStatus 14 }');
  const b = a.replace('atsFullyRedundant(2)', 'atsFullyRedundant(3)');
  // Guard the guard: both edits must have happened, or this test proves nothing.
  expect(a).not.toBe(ourText);
  expect(b).not.toBe(a);
  return b;
}

describe('mibs/ATS-AUDIT-MIB.txt', () => {
  it('is one module that net-snmp\'s module store loads without a complaint, every name resolving to an OID', () => {
    expect(loadedOurs.messages).toEqual([]);
    expect(ourText.match(/DEFINITIONS\s*::=\s*BEGIN/g)).toHaveLength(1);
    expect(ours.objects.size).toBeGreaterThan(30);
    for (const o of ours.objects.values()) expect(o.fullOid, o.name).toMatch(/^1\.3\.6\.1\.4\.1\.318(\.\d+)*$/);
  });

  it('gives every OBJECT-TYPE a SYNTAX, ACCESS, STATUS and a DESCRIPTION of its own', () => {
    for (const o of ours.objects.values()) {
      if (o.kind !== 'OBJECT-TYPE') continue;
      expect([o.syntax, o.access, o.status].every((v) => v !== undefined), o.name).toBe(true);
      expect(o.description?.trim().length ?? 0, o.name).toBeGreaterThan(10);
    }
  });

  it('uses only names it defines or imports', () => {
    for (const o of ours.objects.values()) {
      expect(ours.objects.has(o.parent) || ours.imports.has(o.parent), `${o.name}: parent ${o.parent}`).toBe(true);
    }
    for (const type of ['DisplayString', 'Gauge', 'OBJECT-TYPE']) expect(ours.imports.has(type), type).toBe(true);
    expect(ours.imports.get('enterprises')).toBe('RFC1155-SMI');
  });

  it.each(
    Object.entries(OBJECTS)
      .filter(([, d]) => !(d.name in WELL_KNOWN_OIDS))
      .map(([key, d]) => [key, d.name, d.oid, d] as const),
  )(
    'defines OBJECTS.%s (%s, read at %s) with the same OID and enum values as src/poll/oid-map.ts',
    (_key, _name, _oid, def) => {
      expect(checkObjectDefs([def], ours, CARD_FIRMWARE)).toEqual([]);
    },
  );

  it('checks the MIB-II system objects of src/poll/oid-map.ts against their well-known OIDs (SNMPv2-MIB, not this module)', () => {
    const sys = DEFS.filter((d) => d.name in WELL_KNOWN_OIDS);
    expect(sys.map((d) => d.name)).toEqual(['sysDescr', 'sysObjectID', 'sysName', 'sysLocation']);
    expect(sys.every((d) => !ours.objects.has(d.name))).toBe(true);
    expect(checkObjectDefs(sys, ours)).toEqual([]);
  });

  it('holds nothing the tool does not read, apart from the path, tables, entries and their index columns', () => {
    const leaves = [...ours.objects.values()].filter((o) => o.kind === 'OBJECT-TYPE' && o.access !== 'not-accessible');
    const extra = leaves.map((o) => o.name).filter((n) => !OID_MAP_NAMES.has(n) && !INDEX_COLUMNS.has(n));
    expect(extra).toEqual([]);
  });

  it('marks exactly cardAosVersion and cardAppVersion as its own experimental-branch objects', () => {
    expect(experimentalOid).toBe('1.3.6.1.4.1.318.1.4');
    expect([...CARD_FIRMWARE].sort()).toEqual(['cardAosVersion', 'cardAppVersion']);
    for (const name of CARD_FIRMWARE) {
      expect(ours.objects.get(name)?.description, name).toMatch(/Not a PowerNet-MIB object/);
    }
  });
});

describe('the MIB check can fail', () => {
  it('reports a wrong sub-identifier and a wrong enum number in a broken copy of the module', () => {
    const broken = loadMibText(brokenText(), 'ATS-AUDIT-MIB').module;
    expect(compareMibObjects(broken, ours, [...ours.objects.keys()])).toEqual([
      { name: 'atsStatusRedundancyState', field: 'enums', ours: 'atsRedundancyLost(1), atsFullyRedundant(3)', theirs: 'atsRedundancyLost(1), atsFullyRedundant(2)' },
      { name: 'atsStatusSourceAStatus', field: 'parent', ours: '{ atsStatusDeviceStatus 14 }', theirs: '{ atsStatusDeviceStatus 12 }' },
      { name: 'atsStatusSourceAStatus', field: 'oid', ours: '1.3.6.1.4.1.318.1.1.8.5.1.14', theirs: '1.3.6.1.4.1.318.1.1.8.5.1.12' },
    ]);
  });

  it('reports the same breakage against src/poll/oid-map.ts', () => {
    const broken = loadMibText(brokenText(), 'ATS-AUDIT-MIB').module;
    expect(checkObjectDefs(DEFS, broken, CARD_FIRMWARE)).toEqual([
      'atsStatusRedundancyState: values atsRedundancyLost(1), atsFullyRedundant(2), module says atsRedundancyLost(1), atsFullyRedundant(3)',
      'atsStatusSourceAStatus: oid 1.3.6.1.4.1.318.1.1.8.5.1.12.0, module says 1.3.6.1.4.1.318.1.1.8.5.1.14.0',
    ]);
  });
});

describe.skipIf(!vendorExists)(
  vendorExists
    ? `against the vendor's PowerNet-MIB (${VENDOR_REL})`
    : `against the vendor's PowerNet-MIB (${SKIP_REASON})`,
  () => {
    let vendor: MibModule;
    let messages: readonly string[] = [];

    beforeAll(() => {
      ({ module: vendor, messages } = loadMib(VENDOR_MIB, 'PowerNet-MIB'));
    }, 60_000);

    it('loads the whole vendor file into net-snmp\'s module store; its only complaint is the one import it cannot resolve', () => {
      expect(vendor.objects.size).toBeGreaterThan(7000);
      // PowerNet-MIB imports SnmpAdminString from SNMP-FRAMEWORK-MIB, which the store does not
      // ship; no object this project compares uses that type.
      expect(messages.every((m) => /SNMP-FRAMEWORK-MIB|SnmpAdminString/.test(m)), messages.join('\n')).toBe(true);
      expect(vendor.imports.get('SnmpAdminString')).toBe('SNMP-FRAMEWORK-MIB');
    });

    it.each(VENDOR_NAMES)('%s has the same OID, SYNTAX, ACCESS and enum numbers/labels as in PowerNet-MIB', (name) => {
      expect(compareMibObjects(ours, vendor, [name])).toEqual([]);
    });

    it('no DESCRIPTION of ours is the vendor\'s text', () => {
      const norm = (s: string | undefined) => (s ?? '').replace(/\s+/g, ' ').trim().toLowerCase();
      const copied = VENDOR_NAMES.filter((n) => {
        const mine = norm(ours.objects.get(n)?.description);
        return mine !== '' && mine === norm(vendor.objects.get(n)?.description);
      });
      expect(copied).toEqual([]);
    });

    it('src/poll/oid-map.ts agrees with PowerNet-MIB directly too (except the card-firmware objects)', () => {
      const defs = DEFS.filter((d) => !CARD_FIRMWARE.has(d.name));
      expect(checkObjectDefs(defs, vendor)).toEqual([]);
    });

    it('card firmware (cardAosVersion, cardAppVersion): PowerNet-MIB has no object at their OIDs or on their path, and its experimental is { products 4 }', () => {
      const exp = vendor.objects.get('experimental');
      expect(exp).toMatchObject({ kind: 'OBJECT IDENTIFIER', parent: 'products', arcs: [4], fullOid: experimentalOid });
      expect(ourExperimental.length).toBeGreaterThanOrEqual(CARD_FIRMWARE.size);
      for (const o of ourExperimental) {
        expect(vendor.byOid.get(o.fullOid)?.name, `${o.name} ${o.fullOid}`).toBeUndefined();
        expect(vendor.objects.has(o.name), o.name).toBe(false);
      }
      for (const name of CARD_FIRMWARE) {
        const oid = OBJECTS[name as 'cardAosVersion' | 'cardAppVersion'].oid;
        expect(vendor.byOid.has(oid), oid).toBe(false);
      }
      // Nothing at all is published under experimental.
      const under = [...vendor.objects.values()].filter((o) => o !== exp && isUnder(o.fullOid, experimentalOid));
      expect(under.map((o) => o.name)).toEqual([]);
    });

    it('the broken copy of the module is caught against PowerNet-MIB as well', () => {
      const broken = loadMibText(brokenText(), 'ATS-AUDIT-MIB').module;
      const found = compareMibObjects(broken, vendor, VENDOR_NAMES).map((m) => `${m.name} ${m.field}`);
      expect(found).toEqual(['atsStatusRedundancyState enums', 'atsStatusSourceAStatus parent', 'atsStatusSourceAStatus oid']);
    });

    it('formats enums the same way on both sides (sanity of the comparison)', () => {
      expect(formatEnums(vendor.objects.get('atsStatusCommStatus')?.enums)).toBe(
        'atsNeverDiscovered(1), atsCommEstablished(2), atsCommLost(3)',
      );
    });
  },
);
