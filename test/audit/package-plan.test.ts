import { describe, expect, it } from 'vitest';
import { loadBundledAdvisories, parseAdvisory } from '../../src/audit/advisory.js';
import type { AtsState, Device, Identity } from '../../src/audit/device.js';
import { evaluate } from '../../src/audit/evaluate.js';
import type { Finding } from '../../src/audit/finding.js';
import { isWrongPackage, parsePackageName, planPackage, type PackagePlan } from '../../src/audit/package-plan.js';

const advisories = loadBundledAdvisories();

/** A card as sysDescr shows it: hardware, AOS, application line and version. */
function card(hardware: string, aos: string, appLine: string, app: string): Identity {
  const file = (v: string) => v.replace(/^v/, '').replace(/\./g, '');
  return {
    aosVersion: aos,
    aosFile: `apc_${hardware}_aos_${file(aos)}.bin`,
    appVersion: app,
    appFile: `apc_${hardware}_${appLine}_${file(app)}.bin`,
  };
}

const LOADED_REDUNDANT: AtsState = {
  commStatus: 'established',
  preferredSource: 'A',
  selectedSource: 'A',
  sourceStatus: { A: 'ok', B: 'ok' },
  inputVoltage: { A: 230, B: 230 },
  outputAmps: 4.2,
  anomalies: [],
};
const SECONDARY_PULLED: AtsState = { ...LOADED_REDUNDANT, sourceStatus: { A: 'ok', B: 'fail' }, inputVoltage: { A: 230, B: 0 } };

function unit(identity: Identity, state: AtsState = LOADED_REDUNDANT): { identity: Identity; finding: Finding } {
  const device: Device = { kind: 'ats', identity, state };
  return { identity, finding: evaluate(device, advisories) };
}

const ap7722a = (state?: AtsState) => unit({ model: 'AP7722A', ...card('hw02', 'v3.7.4', 'g2ats', 'v3.7.1') }, state);
const ap7722FirstGen = () => unit({ model: 'AP7722', ...card('hw01', 'v2.6.4', 'ats', 'v2.6.5') });
const plan = (packageFile: string, u: { identity?: Identity; finding: Finding }): PackagePlan =>
  planPackage({ packageFile, advisories, ...u });

describe('parsePackageName', () => {
  it('reads hardware, AOS and application from a package and from its parts', () => {
    expect(parsePackageName('apc_hw02_aos390_g2ats392.exe')).toEqual({
      ok: true,
      name: {
        file: 'apc_hw02_aos390_g2ats392.exe',
        form: 'package',
        hardware: 'hw02',
        aos: { major: 3, minor: 9, patch: 0, text: '3.9.0' },
        app: { line: 'g2ats', version: { major: 3, minor: 9, patch: 2, text: '3.9.2' } },
      },
    });
    const aos = parsePackageName('C:\\Downloads\\apc_hw02_aos_374.bin');
    expect(aos.ok && aos.name).toMatchObject({ file: 'apc_hw02_aos_374.bin', form: 'aos-part', aos: { text: '3.7.4' } });
    const app = parsePackageName('/tmp/fw/apc_hw05_ats4g_647.bin');
    expect(app.ok && app.name).toMatchObject({ form: 'app-part', hardware: 'hw05', app: { line: 'ats4g', version: { text: '6.4.7' } } });
    const withDigits = parsePackageName('apc_hw05_aos646_ats4g647.exe');
    expect(withDigits.ok && withDigits.name.app).toMatchObject({ line: 'ats4g', version: { text: '6.4.7' } });
  });

  it('says plainly when a name is not an APC package', () => {
    for (const name of ['firmware.exe', 'apc_hw02_aos390.exe', 'apc_hw02_aos390_g2ats392.zip', 'apc-hw02-aos390-g2ats392.exe', '']) {
      const r = parsePackageName(name);
      expect(r.ok, name).toBe(false);
      if (!r.ok) expect(r.problem).toMatch(/apc_hw02_aos390_g2ats392\.exe/);
    }
    const r = parsePackageName('firmware.exe');
    expect(!r.ok && r.problem).toMatch(/^"firmware\.exe" does not look like an APC firmware package/);
    const close = parsePackageName('apc_hw02_aos390.exe');
    expect(!close.ok && close.problem).toMatch(/starts like an APC firmware file/);
  });
});

describe('planPackage', () => {
  it('a listed package: the bulletin rules apply and the finding stands (at-risk stays at-risk)', () => {
    const p = plan('apc_hw02_aos390_g2ats392.exe', ap7722a());
    expect(p.kind).toBe('listed');
    if (p.kind !== 'listed') return;
    expect(p.advisoryIds).toEqual(['FA156178']);
    expect(p.verdict).toBe('at-risk');
    expect(p.mayFlashNow).toBe(false);
    expect(p.reason).toMatch(/^planned package apc_hw02_aos390_g2ats392\.exe is listed in FA156178: the bulletin's rules apply/);
    expect(p.action).toMatch(/Disconnect Source B/);
    expect(isWrongPackage(p)).toBe(false);
  });

  it('a listed package on a unit running on the primary alone may be flashed now', () => {
    const p = plan('APC_HW02_AOS374_G2ATS371.EXE', ap7722a(SECONDARY_PULLED));
    expect(p).toMatchObject({ kind: 'listed', verdict: 'safe-to-upgrade', mayFlashNow: true });
  });

  it('the .bin parts of a listed package count as listed', () => {
    expect(plan('apc_hw02_g2ats_392.bin', ap7722a())).toMatchObject({ kind: 'listed', advisoryIds: ['FA156178'] });
    expect(plan('apc_hw02_aos_357.bin', ap7722a())).toMatchObject({ kind: 'listed' });
    // Not a part of any listed package.
    expect(plan('apc_hw02_g2ats_393.bin', ap7722a()).kind).toBe('not-listed');
  });

  it('an unlisted package is outside the bulletins and never called safe', () => {
    for (const u of [ap7722a(), ap7722a(SECONDARY_PULLED)]) {
      const p = plan('apc_hw02_aos391_g2ats393.exe', u);
      expect(p.kind).toBe('not-listed');
      expect(p.reason).toMatch(
        /^apc_hw02_aos391_g2ats393\.exe is not listed in any bundled bulletin \(checked: FA156178\): this tool cannot judge it; follow the vendor's release notes/,
      );
      expect(`${p.reason} ${p.action}`).not.toMatch(/\bsafe\b/i);
      expect(isWrongPackage(p)).toBe(false);
    }
  });

  it('a 3.x package on a first-generation AP7722 is the wrong firmware for that hardware, listed or not', () => {
    for (const file of ['apc_hw02_aos390_g2ats392.exe', 'apc_hw02_aos391_g2ats393.exe', 'apc_hw02_aos_390.bin']) {
      const p = plan(file, ap7722FirstGen());
      expect(p.kind, file).toBe('wrong-hardware');
      expect(p.reason).toMatch(/first-generation/);
      expect(p.action).toMatch(/Do not load/);
      expect(isWrongPackage(p)).toBe(true);
    }
  });

  it('first generation is told by the model alone, or by AOS 2.x, or by hw01, whichever the unit gives', () => {
    // Model only (card file names and versions not reported).
    expect(plan('apc_hw02_aos390_g2ats392.exe', unit({ model: 'AP7750' })).kind).toBe('wrong-hardware');
    // AOS 2.x on a model the tool does not know as first-generation.
    expect(plan('apc_hw02_aos390_g2ats392.exe', unit({ model: 'AP7721', aosVersion: 'v2.6.1' })).reason).toMatch(/AOS v2\.6\.1/);
    // hw01 card file names.
    expect(plan('apc_hw02_aos390_g2ats392.exe', unit({ model: 'AP7721', ...card('hw01', 'v2.6.4', 'ats', 'v2.6.5') })).kind).toBe(
      'wrong-hardware',
    );
    // A 2.x hw01 package on the first-generation unit is not wrong, just outside the bulletins.
    expect(plan('apc_hw01_aos264_ats265.exe', ap7722FirstGen()).kind).toBe('not-listed');
  });

  it('a package for another product line is the wrong product', () => {
    const pdu = plan('apc_hw05_aos682_rpdu2g680.exe', ap7722a());
    expect(pdu.kind).toBe('wrong-product');
    expect(pdu.reason).toMatch(/another product line.*g2ats/);
    expect(plan('apc_hw05_aos646_ats4g647.exe', ap7722a()).kind).toBe('wrong-product');
    // Without the card's file names the model says it is a Rack ATS (g2ats).
    expect(plan('apc_hw05_aos646_ats4g647.exe', unit({ model: 'AP7724' })).kind).toBe('wrong-product');
    // An AOS file for another card generation.
    expect(plan('apc_hw05_aos_646.bin', ap7722a()).kind).toBe('wrong-hardware');
  });

  it('a Rack ATS package on an ATS 4G, a PDU or a UPS is the wrong product', () => {
    const ap4423 = unit({ model: 'AP4423', ...card('hw05', 'v6.4.6', 'ats4g', 'v6.4.7') });
    expect(ap4423.finding.verdict).toBe('not-affected');
    expect(plan('apc_hw02_aos390_g2ats392.exe', ap4423).kind).toBe('wrong-product');
    expect(plan('apc_hw02_aos390_g2ats392.exe', unit({ model: 'AP4423' })).kind).toBe('wrong-product');

    const pduIdentity: Identity = card('hw05', 'v6.8.2', 'rpdu2g', 'v6.8.0');
    const pdu = { identity: pduIdentity, finding: evaluate({ kind: 'not-ats', identity: pduIdentity, why: 'a rack PDU' }, advisories) };
    const p = plan('apc_hw02_aos390_g2ats392.exe', pdu);
    expect(p.kind).toBe('wrong-product');
    expect(p.reason).toMatch(/not a Rack ATS \(a rack PDU\)/);
    // Its own product line's package is simply outside the bulletins.
    expect(plan('apc_hw05_aos682_rpdu2g680.exe', pdu).kind).toBe('not-listed');
  });

  it('a unit that did not answer: a listed package keeps the unreachable verdict, and the fit is said to be unchecked', () => {
    const finding: Finding = { verdict: 'unreachable', reason: 'no answer', action: 'Check the unit.' };
    const p = plan('apc_hw02_aos390_g2ats392.exe', { finding });
    expect(p).toMatchObject({ kind: 'listed', verdict: 'unreachable', mayFlashNow: false });
    expect(p.reason).toMatch(/was not checked/);
  });

  it('a not-a-package plan is a typed outcome too', () => {
    const p = plan('/srv/fw/firmware-latest.exe', ap7722a());
    expect(p).toMatchObject({ kind: 'not-a-package', packageFile: 'firmware-latest.exe' });
    expect(isWrongPackage(p)).toBe(true);
  });

  it('follows the bulletins it is given (data, not code)', () => {
    const extra = parseAdvisory(
      {
        id: 'TEST-1',
        title: 't',
        source: 's',
        hazard: 'h',
        models: ['AP7722A'],
        packages: ['apc_hw02_aos391_g2ats393.exe'],
        procedures: { 'isolate-secondary': 'i', 'remove-load': 'r' },
      },
      'test.json',
    );
    const p = planPackage({ packageFile: 'apc_hw02_aos391_g2ats393.exe', advisories: [...advisories, extra], ...ap7722a() });
    expect(p).toMatchObject({ kind: 'listed', advisoryIds: ['TEST-1'] });
  });
});

describe('package plan: model knowledge comes only from the bulletins (issue 10)', () => {
  const madeUp = parseAdvisory(
    {
      id: 'TEST-FAMILY',
      title: 't',
      source: 's',
      hazard: 'h',
      models: ['AP9990A'],
      packages: ['apc_hw02_aos390_g2ats392.exe'],
      procedures: { 'isolate-secondary': 'a', 'remove-load': 'b' },
      lookalikes: [
        { pattern: '^AP9990$', family: 'first-generation', note: 'first generation of the made-up line' },
        { pattern: '^AP98', family: 'other-line', note: 'another made-up line' },
      ],
    },
    'family.json',
  );
  const only = (identity: Identity) =>
    planPackage({ packageFile: 'apc_hw02_aos390_g2ats392.exe', advisories: [madeUp], identity, finding: evaluate({ kind: 'ats', identity, state: LOADED_REDUNDANT }, [madeUp]) });

  it('a look-alike of family first-generation is wrong hardware for the 3.x package, by model alone', () => {
    const p = only({ model: 'AP9990' });
    expect(p.kind).toBe('wrong-hardware');
    expect(p.reason).toMatch(/AP9990 is a first-generation Rack ATS/);
  });

  it('a look-alike of family other-line is the wrong product for Rack ATS firmware', () => {
    expect(only({ model: 'AP9812' }).kind).toBe('wrong-product');
  });

  it('without a bulletin that names them, AP7722 and AP4423 carry no model knowledge: only their card decides', () => {
    expect(only({ model: 'AP7722' }).kind).not.toBe('wrong-hardware');
    expect(only({ model: 'AP4423' }).kind).not.toBe('wrong-product');
    expect(only({ model: 'AP7722', ...card('hw01', 'v2.6.4', 'ats', 'v2.6.5') }).kind).toBe('wrong-hardware');
  });
});
