import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundledAdvisories } from '../../src/audit/advisory.js';
import { auditOne, type ScanOptions } from '../../src/scan/scan.js';
import { demoFleet } from '../../tools/simulator/fleet.js';
import { unitVarbinds, type AtsDescription, type RawOverride, type UnitDescription } from '../../tools/simulator/profiles.js';
import { ObjectType } from '../../src/snmp/session.js';
import { findSnmpsimd, startSnmpsim, type Snmpsim } from '../helpers/snmpsim.js';

// Issue 9 against an independent agent: snmpsimd (not our simulator, not our fault agent)
// serves units whose identity or signals disagree, written as .snmprec files from the
// simulator's unit descriptions (every string as hex, so NULs and control bytes go on the
// wire as they are). None of them may get a clear verdict; the control where every signal
// agrees stays safe-to-upgrade.

const SNMPSIMD = findSnmpsimd();
if (SNMPSIMD === undefined && process.env.CI) throw new Error('snmpsimd not found on PATH: CI must install the Debian package snmpsim');
const SKIP = SNMPSIMD === undefined ? '(skipped: snmpsimd not found on PATH — install Debian package snmpsim)' : '';

const loaded = demoFleet().find((u) => u.name === 'ap7722a-primary-a-loaded')!.description as AtsDescription;
/** AP7724, primary A, loaded 4.2 A, both inputs live at 230 V: at risk as recorded. */
const AP7724: AtsDescription = { ...loaded, model: 'AP7724', inputVolts: { A: 230, B: 230 } };
const model = (value: string): RawOverride => ({ oid: 'atsIdentModelNumber', type: ObjectType.OctetString!, value });
const int = (oid: string, value: number): RawOverride => ({ oid, type: ObjectType.Integer!, value });

const UNITS: ReadonlyArray<{ name: string; description: UnitDescription; verdict: string; reason: RegExp }> = [
  { name: 'nul-padded', description: { ...AP7724, overrides: [model('AP7724\0\0')] }, verdict: 'at-risk', reason: /AP7724 is on FA156178; load 4\.2 A/ },
  {
    name: 'formula',
    description: { ...AP7724, overrides: [model('=HYPERLINK("http://x.example/","AP7722")')] },
    verdict: 'unknown',
    reason: /model cannot be trusted: .*looks like a spreadsheet formula/,
  },
  { name: 'nul-inside', description: { ...AP7724, overrides: [model('AP77\u000024')] }, verdict: 'unknown', reason: /control character \(U\+0000/ },
  {
    name: 'mismatch',
    description: { ...AP7724, overrides: [model('AP7722')] },
    verdict: 'unknown',
    reason: /atsIdentModelNumber says "AP7722" but sysDescr MN: says "AP7724"/,
  },
  {
    name: 'status-fail-208v',
    description: { ...AP7724, sourceStatus: { A: 'ok', B: 'fail' }, inputVolts: { A: 208, B: 208 } },
    verdict: 'unknown',
    reason: /secondary Source B status says failed, but its input reads 208 V \(line voltage\)/,
  },
  {
    name: 'fail-fully-redundant',
    description: { ...AP7724, sourceStatus: { A: 'ok', B: 'fail' }, inputVolts: { A: 230, B: 0 }, overrides: [int('atsStatusRedundancyState', 2)] },
    verdict: 'unknown',
    reason: /atsStatusRedundancyState says fully redundant/,
  },
  {
    name: 'all-agree',
    description: { ...AP7724, sourceStatus: { A: 'ok', B: 'fail' }, inputVolts: { A: 230, B: 0 } },
    verdict: 'safe-to-upgrade',
    reason: /secondary Source B is not live and the unit runs on primary Source A alone/,
  },
];

/** snmprec tags for the types the simulator serves. */
const TAG: Record<number, string> = { 2: '2', 4: '4x', 6: '6', 65: '65', 66: '66', 67: '67', 70: '70' };

function snmprec(description: UnitDescription): string {
  return (
    unitVarbinds(description)
      .map((v) => {
        const type = v.type as number;
        const tag = TAG[type];
        if (tag === undefined) throw new Error(`no snmprec tag for type ${type}`);
        const value = type === 4 ? Buffer.from(v.value as string | Buffer).toString('hex') : Buffer.isBuffer(v.value) ? v.value.readBigUInt64BE().toString() : String(v.value);
        return { oid: v.oid, line: `${v.oid}|${tag}|${value}` };
      })
      .sort((a, b) => {
        const x = a.oid.split('.').map(Number);
        const y = b.oid.split('.').map(Number);
        for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
        return x.length - y.length;
      })
      .map((l) => l.line)
      .join('\n') + '\n'
  );
}

describe.skipIf(SKIP !== '')(`issue 9 against snmpsimd: disagreeing units never get a clear verdict ${SKIP}`, () => {
  let sim: Snmpsim;
  let dir: string;
  const options: ScanOptions = { concurrency: 1, timeoutMs: 1500, retries: 1, advisories: loadBundledAdvisories() };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ats-audit-agree-'));
    const files = UNITS.map((u) => {
      const file = join(dir, `${u.name}.snmprec`);
      writeFileSync(file, snmprec(u.description));
      return file;
    });
    sim = await startSnmpsim({ files });
  }, 30_000);

  afterAll(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const u of UNITS) {
    it.each(['2c', '1'] as const)(`${u.name}: ${u.verdict} (SNMPv%s)`, async (version) => {
      const r = await auditOne({ target: { host: sim.host, port: sim.port, origin: u.name }, credentials: { version, community: u.name } }, options);
      expect(r.finding.verdict, r.finding.reason).toBe(u.verdict);
      expect(r.finding.reason).toMatch(u.reason);
    });
  }
});
