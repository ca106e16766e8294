import { describe, expect, it } from 'vitest';
import { loadBundledAdvisories } from '../../src/audit/advisory.js';
import { classify } from '../../src/audit/classify.js';
import { evaluate } from '../../src/audit/evaluate.js';
import type { RawValue, Reading } from '../../src/poll/reading.js';
import { sysDescr } from '../../tools/simulator/profiles.js';
import { AP4423_SYSDESCR, AP7724, AP7724_READING, AP7724_SYSDESCR } from '../fixtures/units.js';

const s = (value: string): RawValue => ({ type: 'string', value });
const i = (value: number): RawValue => ({ type: 'integer', value });
const oid = (value: string): RawValue => ({ type: 'oid', value });

/** The recorded 2U AP7724 (test/fixtures/units.ts) as a poll reads it: preferred B, on B, 7.7 A on bank total. */
const ap7724: Reading = AP7724_READING;

describe('classify', () => {
  it('the fixture AP7724 description renders the recorded sysDescr (one unit, two forms)', () => {
    expect(sysDescr(AP7724)).toBe(AP7724_SYSDESCR);
  });

  it('reads a full 2U AP7724: identity, firmware, sources, bank current', () => {
    const d = classify(ap7724);
    expect(d.kind).toBe('ats');
    if (d.kind !== 'ats') return;
    expect(d.identity).toMatchObject({
      model: 'AP7724',
      modelFrom: 'atsIdentModelNumber',
      serial: '5A1516T15268',
      hardwareRev: 'R01',
      controllerFirmware: '3.0.5',
      aosVersion: 'v3.7.4',
      aosFile: 'apc_hw02_aos_374.bin',
      appVersion: 'v3.7.1',
      appFile: 'apc_hw02_g2ats_371.bin',
      sysName: 'm-ups-04',
    });
    expect(d.state).toEqual({
      commStatus: 'established',
      preferredSource: 'B',
      selectedSource: 'B',
      sourceStatus: { A: 'ok', B: 'ok' },
      redundancy: 'full',
      inputVoltage: { A: 221, B: 221 },
      outputAmps: 7.7,
      outputAmpsFrom: 'atsOutputBankCurrent',
      anomalies: [],
    });
  });

  it('prefers the 1U phase current when supported', () => {
    const d = classify({ ...ap7724, atsOutputCurrent: i(42), atsOutputBankCurrent: undefined });
    expect(d.kind === 'ats' && d.state).toMatchObject({ outputAmps: 4.2, outputAmpsFrom: 'atsOutputCurrent' });
  });

  it('treats -1 everywhere as "load not reported"', () => {
    const d = classify({ ...ap7724, atsOutputCurrent: i(-1), atsOutputBankCurrent: i(-1), atsInputVoltageB: i(-1) });
    expect(d.kind === 'ats' && d.state.outputAmps).toBeUndefined();
    expect(d.kind === 'ats' && d.state.inputVoltage).toEqual({ A: 221 });
  });

  it('falls back to sysDescr for model and firmware when the ATS identity and card objects are missing', () => {
    const { atsIdentModelNumber, atsIdentSerialNumber, cardAosVersion, cardAppVersion, ...rest } = ap7724;
    const d = classify(rest);
    expect(d.kind).toBe('ats');
    expect(d.identity).toMatchObject({ model: 'AP7724', modelFrom: 'sysDescr', serial: '5A1516T15268', aosVersion: 'v3.7.4', appVersion: 'v3.7.1' });
  });

  it('uses walked rows when the known instances were missing', () => {
    const { atsInputVoltageA, atsInputVoltageB, atsOutputCurrent, atsOutputBankCurrent, ...rest } = ap7724;
    const d = classify(rest, {
      atsInputVoltageA: [
        { instance: '1.1', value: i(230) },
        { instance: '2.1', value: i(0) },
      ],
      atsInputVoltageB: [
        { instance: '1.1', value: i(230) },
        { instance: '2.1', value: i(0) },
      ],
      atsOutputCurrent: [{ instance: '1.1', value: i(13) }],
    });
    expect(d.kind === 'ats' && d.state).toMatchObject({ inputVoltage: { A: 230, B: 0 }, outputAmps: 1.3 });
  });

  it('turns wrong types and out-of-range values into anomalies, not values', () => {
    const d = classify({ ...ap7724, atsStatusSourceBStatus: i(7), atsConfigPreferredSource: s('sourceA'), atsInputVoltageA: i(99999) });
    expect(d.kind).toBe('ats');
    if (d.kind !== 'ats') return;
    expect(d.state.sourceStatus.B).toBeUndefined();
    expect(d.state.preferredSource).toBeUndefined();
    expect(d.state.inputVoltage.A).toBeUndefined();
    expect(d.state.anomalies).toEqual([
      'atsConfigPreferredSource sent a string where an integer belongs',
      'atsStatusSourceBStatus = 7 is not a defined value',
      'atsInputVoltage = 99999 is out of range',
    ]);
  });

  it('notes when the card firmware object and sysDescr disagree', () => {
    const d = classify({ ...ap7724, cardAosVersion: s('v2.6.4') });
    expect(d.kind === 'ats' && d.state.anomalies).toContain('card firmware object says AOS v2.6.4 but sysDescr says v3.7.4');
  });

  it('recognises the AP44xx line by sysObjectID', () => {
    const d = classify({
      sysDescr: s(AP4423_SYSDESCR),
      sysObjectID: oid('1.3.6.1.4.1.318.1.3.32'),
    });
    expect(d.kind).toBe('ats');
    expect(d.identity.model).toBe('AP4423');
  });

  it('says a rack PDU is not an ATS, and does not take the card model for the device', () => {
    const d = classify({
      sysDescr: s('APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.8.2 PN:apc_hw05_aos_682.bin AF1:v6.8.0 AN1:apc_hw05_rpdu2g_680.bin MN:AP7900B HR:B2 SN: ZA1732000177 MD:08/07/2017)'),
      sysObjectID: oid('1.3.6.1.4.1.318.1.3.4.8'),
    });
    expect(d.kind).toBe('not-ats');
    if (d.kind !== 'not-ats') return;
    expect(d.why).toMatch(/not a Rack ATS .*looks like a rack PDU.*card\/model AP7900B/);
    expect(d.identity.model).toBeUndefined();
    expect(d.identity.aosVersion).toBe('v6.8.2');
  });

  it('says a UPS with an AP9631 card is not an ATS', () => {
    const d = classify({
      sysDescr: s('APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.8.8 PN:apc_hw05_aos_688.bin AF1:v6.8.8 AN1:apc_hw05_sumx_688.bin MN:AP9631 HR:08 SN: ZA1615015104 MD:04/16/2016)'),
      sysObjectID: oid('1.3.6.1.4.1.318.1.3.27'),
    });
    expect(d.kind === 'not-ats' && d.why).toMatch(/looks like a UPS/);
  });

  it('says a non-APC device with nothing but sysDescr is not an ATS', () => {
    const d = classify({ sysDescr: s('GALAXY 5000 30 kVA'), sysObjectID: oid('1.3.6.1.4.1.705.1') });
    expect(d.kind === 'not-ats' && d.why).toMatch(/sysObjectID 1\.3\.6\.1\.4\.1\.705\.1.*GALAXY 5000/);
    // Nothing at all identified it: neither an ATS nor not one.
    expect(classify({}).kind).toBe('unidentified');
  });
});

describe('classify: damaged device text', () => {
  it('marks invalid UTF-8 and over-long strings in the reason of any kind of unit', () => {
    const pdu = classify({
      sysDescr: { type: 'string', value: 'APC \uFFFD\uFFFD card', invalidUtf8: true },
      sysObjectID: oid('1.3.6.1.4.1.318.1.3.4.8'),
      sysName: { type: 'string', value: 'x'.repeat(1024), truncated: true },
    });
    expect(pdu.kind === 'not-ats' && pdu.why).toMatch(/sysDescr is not valid UTF-8 \(shown with replacement characters\); sysName is over-long \(cut to its first 1024 characters\)/);
    const ats = classify({ ...ap7724, sysLocation: { type: 'string', value: 'row \uFFFD', invalidUtf8: true } });
    expect(ats.kind === 'ats' && ats.state.anomalies).toEqual(['sysLocation is not valid UTF-8 (shown with replacement characters)']);
  });
});

describe('classify: issue 9, a model must be a clean model string', () => {
  const advisories = loadBundledAdvisories();
  const judged = (reading: Reading) => evaluate(classify(reading), advisories);
  // The seen failure: loaded, both inputs live, and the model padded or a formula.
  const loadedBothLive: Reading = { ...ap7724, atsInputVoltageA: i(230), atsInputVoltageB: i(230) };

  it('trims only trailing NUL and space padding', () => {
    for (const padded of ['AP7724\0', 'AP7724 ', 'AP7724\0\0 \0', 'AP7724   ']) {
      const d = classify({ ...ap7724, atsIdentModelNumber: s(padded) });
      expect(d.kind === 'ats' && d.identity.model, JSON.stringify(padded)).toBe('AP7724');
      expect(d.kind === 'ats' && d.doubts, JSON.stringify(padded)).toBeUndefined();
      expect(judged({ ...loadedBothLive, atsIdentModelNumber: s(padded) }).verdict).toBe('at-risk');
    }
  });

  it.each([
    ['AP77\u000024', /control character \(U\+0000 at position 5\)/],
    ['AP7724\u0007', /control character \(U\+0007/],
    ['AP7722\u200b', /control character \(U\+200B/],
    ['\u202eAP7722', /control character \(U\+202E/],
    [' AP7722', /not shaped like an APC part number/],
    ['AP7722\t', /control character \(U\+0009/],
    ['=HYPERLINK("http://x.example/","AP7722")', /looks like a spreadsheet formula/],
    ['+AP7722', /looks like a spreadsheet formula/],
    ['-AP7722', /looks like a spreadsheet formula/],
    ['@SUM(A1)', /looks like a spreadsheet formula/],
    ['Rack ATS', /not shaped like an APC part number/],
    ['AP77224XYZ', /not shaped like an APC part number/],
  ])('%j leaves the unit unknown, never not-affected', (model, why) => {
    // The sysDescr MN: is dropped so that only the model under test speaks.
    const reading = { ...loadedBothLive, sysDescr: s('APC Web/SNMP Management Card (MB:v3.9.2 PF:v3.7.4 AF1:v3.7.1)'), atsIdentModelNumber: s(model) };
    const d = classify(reading);
    expect(d.kind).toBe('ats');
    expect(d.kind === 'ats' && d.doubts?.model).toMatch(why);
    const f = evaluate(d, advisories);
    expect(f.verdict).toBe('unknown');
    expect(f.reason).toMatch(/model cannot be trusted/);
    expect(f.reason).toMatch(why);
  });

  it('a damaged (not UTF-8, cut) or wrongly typed model is doubted, not replaced by sysDescr', () => {
    for (const bad of [
      { type: 'string', value: 'AP7722\uFFFD', invalidUtf8: true },
      { type: 'string', value: 'AP7722', truncated: true },
      { type: 'integer', value: 7722 },
    ] as RawValue[]) {
      const f = judged({ ...loadedBothLive, atsIdentModelNumber: bad });
      expect(f.verdict, JSON.stringify(bad)).toBe('unknown');
      expect(f.reason).toMatch(/model cannot be trusted/);
    }
  });

  it('a model beside a sysObjectID of another product is a disagreement', () => {
    const f = judged({ ...loadedBothLive, sysObjectID: oid('1.3.6.1.4.1.318.1.3.4.8') });
    expect(f.verdict).toBe('unknown');
    expect(f.reason).toMatch(/sysObjectID 1\.3\.6\.1\.4\.1\.318\.1\.3\.4\.8 is not a Rack ATS's, but atsIdentModelNumber says "AP7724"/);
  });

  it('a blank model is "not said": sysDescr MN: stands in, and must itself be clean', () => {
    const d = classify({ ...ap7724, atsIdentModelNumber: s('\0\0\0') });
    expect(d.identity).toMatchObject({ model: 'AP7724', modelFrom: 'sysDescr' });
    const bad = classify({ ...ap7724, atsIdentModelNumber: undefined, sysDescr: s(AP7724_SYSDESCR.replace('MN:AP7724', 'MN:=1+1')) });
    expect(bad.kind === 'ats' && bad.doubts?.model).toMatch(/sysDescr MN: the model "=1\+1" looks like a spreadsheet formula/);
  });
});

describe('classify: issue 9, atsIdentModelNumber and sysDescr MN: must agree', () => {
  const advisories = loadBundledAdvisories();
  it('a first-generation model beside a listed MN: is unknown with both values', () => {
    const f = evaluate(classify({ ...ap7724, atsIdentModelNumber: s('AP7722') }), advisories);
    expect(f.verdict).toBe('unknown');
    expect(f.reason).toContain('atsIdentModelNumber says "AP7722" but sysDescr MN: says "AP7724"');
  });

  it('agreement after trimming padding and case is agreement', () => {
    const d = classify({ ...ap7724, atsIdentModelNumber: s('ap7724\0 ') });
    expect(d.kind === 'ats' && d.doubts).toBeUndefined();
  });

  it('firmware and serial from two sources: a disagreement is kept as a doubt and named', () => {
    const d = classify({ ...ap7724, cardAppVersion: s('v3.9.2'), atsIdentSerialNumber: s('5A1516T99999') });
    expect(d.kind === 'ats' && d.doubts).toEqual({
      firmware: 'card firmware object says application v3.9.2 but sysDescr says v3.7.1',
      serial: 'atsIdentSerialNumber says "5A1516T99999" but sysDescr SN: says "5A1516T15268"',
    });
  });

  it('output current: one object reading 0.0 A beside the other reading a load is named and never "no load"', () => {
    const d = classify({ ...ap7724, atsOutputCurrent: i(0), atsOutputBankCurrent: i(77) });
    expect(d.kind === 'ats' && d.state.outputAmps).toBe(7.7);
    expect(d.kind === 'ats' && d.state.anomalies).toContain('atsOutputCurrent reads 0.0 A but atsOutputBankCurrent reads 7.7 A; the larger is taken');
  });
});

describe('classify + evaluate: issue 9, "not an ATS" needs agreement too', () => {
  const advisories = loadBundledAdvisories();
  it('a PDU sysObjectID beside a sysDescr MN: naming a listed model is unknown, both named', () => {
    const f = evaluate(
      classify({ sysDescr: s(AP7724_SYSDESCR), sysObjectID: oid('1.3.6.1.4.1.318.1.3.4.8') }),
      advisories,
    );
    expect(f.verdict).toBe('unknown');
    expect(f.reason).toMatch(/not a Rack ATS .*but sysDescr MN: names "AP7724", a model on FA156178: the sources disagree/);
  });

  it('a PDU whose MN: is its card (AP9631, not on any bulletin) stays not-ats', () => {
    const f = evaluate(
      classify({ sysDescr: s(AP7724_SYSDESCR.replace('MN:AP7724', 'MN:AP9631')), sysObjectID: oid('1.3.6.1.4.1.318.1.3.4.8') }),
      advisories,
    );
    expect(f.verdict).toBe('not-ats');
  });
});
