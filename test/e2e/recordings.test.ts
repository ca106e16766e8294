import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadBundledAdvisories } from '../../src/audit/advisory.js';
import type { AuditResult } from '../../src/audit/audit-result.js';
import { classify } from '../../src/audit/classify.js';
import { OBJECT_KEYS } from '../../src/poll/oid-map.js';
import { auditOne, type ScanOptions } from '../../src/scan/scan.js';
import type { Credentials } from '../../src/targets/target.js';
import { findSnmpsimd, startSnmpsim, type Snmpsim } from '../helpers/snmpsim.js';
import { HAS_SHARED, SHARED_REFERENCE, SKIP_NOTE } from '../helpers/shared-reference.js';

// End to end over real SNMP: every LibreNMS recording of an APC device in ../shared/reference
// is served by snmpsimd on loopback and audited with the project's own auditOne, under SNMPv2c
// and SNMPv1. The expected verdict of each recording is written out by hand below, from what
// the device is (../shared/reference/SOURCES.md), not from what the code says.

type Version = '1' | '2c';
const VERSIONS: readonly Version[] = ['2c', '1'];

type Expected =
  | { readonly verdict: 'not-affected'; readonly model: string; readonly device: string }
  | { readonly verdict: 'not-ats'; readonly device: string };

const ATS = (model: string, device: string): Expected => ({ verdict: 'not-affected', model, device });
const NOT_ATS = (device: string): Expected => ({ verdict: 'not-ats', device });

/** One line per recording: community (file name without .snmprec) -> what it must be found to be. */
const EXPECTED: Readonly<Record<string, Expected>> = {
  // Rack ATS of the newer AP44xx line: an ATS, but not on the AP77xx bulletin.
  librenms__apc_ats: ATS('AP4423', 'Rack ATS AP4423, composite recording (xATS and card-firmware lines spliced in)'),
  'librenms__apc-ats': ATS('AP4423', 'Rack ATS AP4423, as first recorded (2018)'),
  // Rack PDUs (AP78xx/AP79xx/AP88xx/APDU/EPDU/xPDU/MasterSwitch).
  librenms__apc_ap7900b: NOT_ATS('Switched Rack PDU AP7900B'),
  librenms__apc_ap7998b: NOT_ATS('Rack PDU AP7998B, minimal "APC SNMP Agent"'),
  librenms__apc_ap8853: NOT_ATS('Rack PDU AP8853'),
  librenms__apc_ap8959eu3: NOT_ATS('Rack PDU AP8959EU3'),
  librenms__apc_apdu9959eu3: NOT_ATS('Rack PDU APDU9959EU3, NMC3'),
  'librenms__apc-epdu_epdu1116s': NOT_ATS('Easy PDU EPDU1116S'),
  'librenms__apc-epdu_epdu1132m': NOT_ATS('Easy PDU EPDU1132M, empty sysDescr, sysObjectID 1.3.6.1.4.1.0'),
  'librenms__apc_isx-pdu': NOT_ATS('InfraStruXure PDU, hw02 AOS 3.7.3'),
  librenms__apc_masterswitch: NOT_ATS('"APC Switched Rack PDU", minimal'),
  librenms__apc_masterswitch2: NOT_ATS('MasterSwitch with AP9606 card'),
  'librenms__apc_metered-rack': NOT_ATS('Metered Rack PDU AP7820'),
  'librenms__apc_switched-rack': NOT_ATS('"APC MasterSwitch PDU", minimal'),
  // UPSs with a network management card (MN: names the card, not the UPS).
  'librenms__apc_managementmoduleaosv6.8.8-appv6.8.8': NOT_ATS('Smart-UPS with AP9631 NMC2, AOS 6.8.8'),
  librenms__apc_smart1500: NOT_ATS('Smart-UPS with AP9631 NMC2'),
  'librenms__apc_smt750x-nmc2': NOT_ATS('Smart-UPS SMT750 with AP9631'),
  'librenms__apc_smtl1000-nmc3': NOT_ATS('Smart-UPS SMTL1000 with AP9641 NMC3'),
  librenms__apc_smx750: NOT_ATS('Smart-UPS SMX750 with AP9631'),
  librenms__apc_smx750i: NOT_ATS('Smart-UPS SMX750I with AP9631'),
  librenms__apc_sua1500rmi2u: NOT_ATS('Smart-UPS SUA1500RMI2U, hw02 card'),
  librenms__apc_sua750i: NOT_ATS('Smart-UPS SUA750I with AP9619'),
  librenms__apc_surt3000xl: NOT_ATS('Smart-UPS RT 3000 XL with AP9619, AOS 3.9.4'),
  librenms__apc_symmetralx: NOT_ATS('Symmetra LX with AP9631'),
  // MGE UPSs (enterprise 705, not APC's 318).
  'librenms__apc-mgeups': NOT_ATS('MGE Galaxy 5000'),
  'librenms__apc-mgeups_galaxy': NOT_ATS('MGE Galaxy 3000'),
  'librenms__apc-mgeups_galaxy7000': NOT_ATS('MGE Galaxy 7000'),
  // Cooling.
  librenms__apc_airfm: NOT_ATS('NetworkAIR FM, AP9617 card, hw02 AOS 3.5.7'),
  'librenms__apc_inrow-dx': NOT_ATS('InRow DX'),
  'librenms__apc_uniflair-sp': NOT_ATS('Uniflair SP'),
  // Environmental monitors and NetBotz.
  'librenms__aos-emu2': NOT_ATS('Environmental Monitoring Unit AP9319'),
  'librenms__aos-emu2_ap9320': NOT_ATS('Environmental Management System AP9320'),
  librenms__apc_emu: NOT_ATS('Environmental Manager AP9340'),
  'librenms__apc_environmental-manager': NOT_ATS('NetBotz NBRK0200'),
  librenms__apc: NOT_ATS('NetBotz NBRK0200'),
  // Software agent and the oldest card.
  librenms__apc_powerchute: NOT_ATS('PowerChute Business Edition'),
  'librenms__apc_embedded-powernet': NOT_ATS('old AP9605 card, "APC Embedded PowerNet SNMP Agent"'),
};

/** sysDescr and sysObjectID as written in a recording (plain `oid|4|text` and `oid|6|oid` lines). */
function recorded(file: string): { sysDescr?: string; sysObjectID?: string } {
  const out: { sysDescr?: string; sysObjectID?: string } = {};
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const [oid, type, ...rest] = line.split('|');
    const value = rest.join('|');
    if (oid === '1.3.6.1.2.1.1.1.0' && type === '4') out.sysDescr = value;
    if (oid === '1.3.6.1.2.1.1.2.0' && type === '6') out.sysObjectID = value.replace(/^\./, '');
  }
  return out;
}

const SNMPSIMD = findSnmpsimd();
const SKIP = !HAS_SHARED
  ? SKIP_NOTE
  : SNMPSIMD === undefined
    ? '(skipped: snmpsimd not found on PATH — install Debian package snmpsim)'
    : '';

/** Lines snmpsimd writes when a data file or one of its records could not be served. */
const SIMULATOR_TROUBLE = /data error|index broken|Problem with data file|Ignoring SNMP engine failure|No data file selected|value evaluation error/i;

/** One GET plus, for an ATS, one request per walked column (input voltage, output current, bank current). */
const MAX_V2C_ATS_REQUESTS = 4;
/** A v1 GET loses one missing object per noSuchName retry; walks add at most 4 requests per column. */
const MAX_V1_REQUESTS = OBJECT_KEYS.length + 3 * 4;
const STARTUP_BUDGET_MS = 5000;

describe.skipIf(SKIP !== '')(`recordings in ../shared/reference served by snmpsimd ${SKIP}`, () => {
  const files = HAS_SHARED
    ? readdirSync(SHARED_REFERENCE)
        .filter((f) => f.endsWith('.snmprec'))
        .sort()
    : [];
  const communities = files.map((f) => f.replace(/\.snmprec$/, ''));
  let options: ScanOptions;
  let sim: Snmpsim;
  let failed = false;
  const cache = new Map<string, Promise<AuditResult>>();
  const summary = new Map<string, Partial<Record<Version, string>>>();
  const began = Date.now();

  beforeAll(async () => {
    options = { concurrency: 1, timeoutMs: 1500, retries: 1, advisories: loadBundledAdvisories() };
    sim = await startSnmpsim({ files: files.map((f) => join(SHARED_REFERENCE, f)) });
    console.info(`snmpsimd ${SNMPSIMD} up on ${sim.host}:${sim.port} in ${sim.startupMs} ms serving ${files.length} recordings`);
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      failed = true;
    });
  });

  afterAll(async () => {
    if (!sim) return;
    const rows = [...summary].map(([c, r]) => `  ${c.padEnd(52)} v2c: ${(r['2c'] ?? '-').padEnd(26)} v1: ${r['1'] ?? '-'}`);
    console.info(`verdict (SNMP requests) per recording:\n${rows.join('\n')}`);
    // The log stays when a test failed, or when asked for with SNMPSIM_KEEP_LOG=1.
    const { keptLog } = await sim.stop({ keepLog: failed || process.env.SNMPSIM_KEEP_LOG === '1' });
    if (keptLog) console.warn(`snmpsimd's log kept at ${keptLog}${failed ? ' (a test failed)' : ''}`);
    console.info(`recordings suite: ${Date.now() - began} ms in all`);
  });

  /** Audits one recording once per SNMP version; later tests reuse the answer. */
  function audit(community: string, version: Version): Promise<AuditResult> {
    const key = `${community}/${version}`;
    let p = cache.get(key);
    if (!p) {
      p = auditOne(
        {
          target: { host: sim.host, port: sim.port, origin: `recording ${community}` },
          credentials: { version, community },
        },
        options,
      );
      cache.set(key, p);
    }
    return p;
  }

  it('has a hand-written expectation for every recording, and a recording for every expectation', () => {
    expect(files.length).toBeGreaterThan(0);
    expect([...communities].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it(`starts snmpsimd within ${STARTUP_BUDGET_MS} ms`, () => {
    expect(sim.startupMs).toBeLessThan(STARTUP_BUDGET_MS);
  });

  for (const version of VERSIONS) {
    describe(`SNMPv${version}`, () => {
      it.each(communities)('%s is classified as written in the table', async (community) => {
        const expected = EXPECTED[community];
        expect(expected, `no expectation for ${community}`).toBeDefined();
        if (!expected) return;
        const r = await audit(community, version);
        const row = summary.get(community) ?? {};
        row[version] = `${r.finding.verdict} (${r.requests})`;
        summary.set(community, row);

        expect(r.finding.verdict, `${community} (${expected.device}): ${r.finding.reason}`).toBe(expected.verdict);
        expect(r.finding.reason).not.toBe('');
        expect(r.requests).toBeGreaterThan(0);
        expect(r.requests).toBeLessThanOrEqual(MAX_V1_REQUESTS);
        // A device without the ATS branch costs one GET under v2c; under v1 the first GET, the
        // system group (dropping what it lacks) and one ATS probe: never object by object.
        if (expected.verdict === 'not-ats') expect(r.requests).toBeLessThanOrEqual(version === '2c' ? 1 : 6);
        if (expected.verdict === 'not-affected') {
          expect(r.identity?.model).toBe(expected.model);
          expect(r.finding.reason).toContain(expected.model);
        }
        // What went over the wire is what the recording holds. snmpsimd strips each record
        // line before splitting it, so a value's trailing blanks (six sysDescrs end in one)
        // never reach the wire: compare without them.
        const rec = recorded(join(SHARED_REFERENCE, `${community}.snmprec`));
        expect(r.identity?.sysDescr).toBe(rec.sysDescr?.trimEnd());
        expect(r.identity?.sysObjectID).toBe(rec.sysObjectID);
      });
    });
  }

  describe.each(VERSIONS)('identity from sysDescr and the ATS branch (SNMPv%s)', (version) => {
    it('AP8853 (no card-firmware objects): AOS and application from sysDescr', async () => {
      const r = await audit('librenms__apc_ap8853', version);
      expect(r.identity).toMatchObject({
        aosVersion: 'v6.8.2',
        aosFile: 'apc_hw05_aos_682.bin',
        appVersion: 'v6.8.0',
        appFile: 'apc_hw05_rpdu2g_680.bin',
        sysObjectID: '1.3.6.1.4.1.318.1.3.4.6',
      });
    });

    it('MasterSwitch with an AP9606 card (old "MN: AP9606" spacing): AOS from sysDescr', async () => {
      const r = await audit('librenms__apc_masterswitch2', version);
      expect(r.identity).toMatchObject({ aosVersion: 'v3.0.9.a', aosFile: 'aos309a.bin', appVersion: 'v2.2.5.a', appFile: 'ms225a.bin' });
    });

    it('AP4423 as first recorded: model, switch firmware, card firmware, source status', async () => {
      const r = await audit('librenms__apc-ats', version);
      expect(r.identity).toMatchObject({
        model: 'AP4423',
        modelFrom: 'atsIdentModelNumber',
        hardwareRev: 'R01',
        controllerFirmware: '4.1.9',
        aosVersion: 'v6.4.6',
        aosFile: 'apc_hw05_aos_646.bin',
        appVersion: 'v6.4.7',
        appFile: 'apc_hw05_ats4g_647.bin',
        sysObjectID: '1.3.6.1.4.1.318.1.3.32',
      });
      // atsStatusSelectedSource = 1 (A), SourceA/B status = 2 (ok); no preferred source, no load objects.
      expect(r.finding.facts).toMatchObject({ selectedSource: 'A', sourceA: 'ok', sourceB: 'ok', loadAttached: 'unknown' });
      expect(r.finding.facts?.primarySource).toBeUndefined();
    });

    it('composite AP4423 recording: the card-firmware objects (v2.6.4) disagree with sysDescr (PF:v6.4.6)', async () => {
      const r = await audit('librenms__apc_ats', version);
      expect(r.finding.verdict).toBe('not-affected');
      expect(r.identity).toMatchObject({ model: 'AP4423', aosFile: 'apc_hw05_aos_646.bin', appFile: 'apc_hw05_ats4g_647.bin' });
      // The values really came over the wire...
      expect(r.raw?.reading.cardAosVersion).toEqual({ type: 'string', value: 'v2.6.4' });
      expect(r.raw?.reading.cardAppVersion).toEqual({ type: 'string', value: 'v1.0.6' });
      // ...and the classifier notices the AOS disagreement.
      const device = classify(r.raw!.reading, r.raw!.walked);
      expect(device.kind).toBe('ats');
      if (device.kind !== 'ats') return;
      expect(device.state.anomalies.some((a) => a.includes('v2.6.4') && a.includes('v6.4.6'))).toBe(true);
      // ...and the report says so.
      expect(r.finding.reason).toMatch(/AOS v2\.6\.4 but sysDescr says v6\.4\.6.*application v1\.0\.6 but sysDescr says v6\.4\.7/);
    });
  });

  it(`audits a v2c ATS recording in at most ${MAX_V2C_ATS_REQUESTS} requests`, async () => {
    for (const community of ['librenms__apc-ats', 'librenms__apc_ats']) {
      const r = await audit(community, '2c');
      console.info(`${community} over SNMPv2c: ${r.requests} requests`);
      expect(r.requests).toBeLessThanOrEqual(MAX_V2C_ATS_REQUESTS);
    }
  });

  it('snmpsimd served every record it was asked for (no data errors in its log)', async () => {
    // Every audit has finished by now (tests in a file run in order); make sure of it anyway.
    await Promise.allSettled(cache.values());
    const trouble = sim
      .readLog()
      .split('\n')
      .filter((l) => SIMULATOR_TROUBLE.test(l));
    expect(trouble, `snmpsimd log ${sim.logFile}`).toEqual([]);
  });
});
