import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdvisoryError, loadAdvisoryFile, parseAdvisory, parseVersion } from '../../src/audit/advisory.js';
import type { Device, Identity, IdentityDoubts } from '../../src/audit/device.js';
import { evaluate } from '../../src/audit/evaluate.js';
import { LOADED_BOTH_LIVE } from '../fixtures/units.js';

// The advisory format is strict (unknown keys refused, as the config file is), its errors never
// quote the file, and `firmware` / `serials` limit a bulletin (issue 10), tested with made-up
// bulletins.

const base = {
  id: 'TEST-FW',
  title: 'Made-up bulletin',
  source: 'test',
  hazard: 'h',
  models: ['AP7724'],
  packages: ['apc_hw02_aos390_g2ats392.exe'],
  procedures: { 'isolate-secondary': 'a', 'remove-load': 'b' },
};

/** Loaded, both inputs live: at risk wherever the bulletin applies. */
function unit(identity: Identity, doubts?: IdentityDoubts): Device {
  return { kind: 'ats', identity: { model: 'AP7724', ...identity }, state: LOADED_BOTH_LIVE, ...(doubts && { doubts }) };
}

describe('advisory format: strict', () => {
  it('refuses unknown keys, at the top, in procedures, ranges and look-alikes, naming them', () => {
    expect(() =>
      parseAdvisory(
        {
          ...base,
          modles: ['AP7721'],
          procedures: { ...base.procedures, 'isolate-secondry': 'x' },
          firmware: [{ from: 'v3.5.7', too: 'v3.9.2' }],
          lookalikes: [{ pattern: '^AP44', note: 'n', famly: 'other-line' }],
        },
        'x.json',
      ),
    ).toThrow(/unknown key "modles".*unknown key firmware\[0\]\."too".*unknown key procedures\."isolate-secondry".*unknown key lookalikes\[0\]\."famly"/);
  });

  it('never quotes a value, nor a key that does not look like one', () => {
    const secret = 's3cr3t-community-value';
    let message = '';
    try {
      parseAdvisory({ [`${secret} with spaces`]: secret, id: secret, models: secret }, 'secret.json');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^secret\.json: invalid advisory: /);
    expect(message).toContain('an unknown key');
    expect(message).not.toContain(secret);
  });

  it('a file that is not JSON: the position, never the text around it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-audit-adv-'));
    const file = join(dir, 'community.txt');
    writeFileSync(file, 'public-s3cr3t\n');
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{\n  "id": "X",\n  "models": [s3cr3t]\n}\n');
    for (const f of [file, broken]) {
      let message = '';
      try {
        loadAdvisoryFile(f);
      } catch (e) {
        expect(e).toBeInstanceOf(AdvisoryError);
        message = (e as Error).message;
      }
      expect(message).toMatch(/: not valid JSON/);
      expect(message).not.toMatch(/s3cr3t|public/);
    }
  });

  it('checks ranges and families', () => {
    expect(() => parseAdvisory({ ...base, firmware: [{ from: 'latest' }] }, 'r.json')).toThrow(/"firmware\[0\]": versions must look like v3\.7\.1/);
    expect(() => parseAdvisory({ ...base, firmware: [] }, 'r.json')).toThrow(/"firmware" must be "all" or a non-empty array/);
    expect(() => parseAdvisory({ ...base, serials: [{ from: '5A15', to: '5A160' }] }, 'r.json')).toThrow(/same length/);
    expect(() => parseAdvisory({ ...base, serials: [{}] }, 'r.json')).toThrow(/"serials\[0\]" needs "from" and\/or "to"/);
    expect(() => parseAdvisory({ ...base, lookalikes: [{ pattern: 'x', note: 'n', family: 'cousin' }] }, 'r.json')).toThrow(/family" must be one of/);
    expect(parseAdvisory({ ...base, firmware: 'all', serials: 'all' }, 'ok.json')).toMatchObject({ firmware: 'all', serials: 'all' });
    expect(parseVersion('v3.7.1')).toEqual([3, 7, 1]);
    expect(parseVersion('3.9')).toEqual([3, 9]);
    expect(parseVersion('v3.7.1 beta')).toBeUndefined();
  });
});

describe('a bulletin limited to some firmware', () => {
  const fw = parseAdvisory({ ...base, firmware: [{ from: 'v3.5.7', to: 'v3.7.1' }, { from: 'v6.4.0' }] }, 'fw.json');

  it.each([
    ['v3.5.7', 'at-risk'],
    ['v3.7.1', 'at-risk'],
    ['3.6', 'at-risk'],
    ['v6.8.2', 'at-risk'],
    ['v3.7.2', 'not-affected'],
    ['v3.5.6', 'not-affected'],
    ['v3.10.0', 'not-affected'],
  ] as const)('application %s: %s', (appVersion, verdict) => {
    const f = evaluate(unit({ appVersion }), [fw]);
    expect(f.verdict).toBe(verdict);
    if (verdict === 'not-affected') expect(f.reason).toMatch(new RegExp(`AP7724 is on TEST-FW, but its application firmware ${appVersion} is outside the firmware it covers \\(v3\\.5\\.7 to v3\\.7\\.1, v6\\.4\\.0 and later\\)`));
  });

  it('firmware not reported, unreadable, or disagreeing between two sources: unknown, never not-affected', () => {
    expect(evaluate(unit({}), [fw])).toMatchObject({ verdict: 'unknown' });
    expect(evaluate(unit({}), [fw]).reason).toMatch(/for some firmware only, and the card's application version is not reported/);
    expect(evaluate(unit({ appVersion: 'v3.x' }), [fw]).reason).toMatch(/cannot be read as a version/);
    const doubted = evaluate(unit({ appVersion: 'v3.9.2' }, { firmware: 'card firmware object says application v3.9.2 but sysDescr says v3.7.1' }), [fw]);
    expect(doubted.verdict).toBe('unknown');
    expect(doubted.reason).toContain('card firmware object says application v3.9.2 but sysDescr says v3.7.1');
  });

  it('an unlimited bulletin listing the model still decides beside it (worst finding wins)', () => {
    const all = parseAdvisory({ ...base, id: 'TEST-ALL' }, 'all.json');
    expect(evaluate(unit({ appVersion: 'v3.9.2' }), [fw, all]).verdict).toBe('at-risk');
  });
});

describe('a bulletin limited to some serials', () => {
  const sn = parseAdvisory({ ...base, id: 'TEST-SN', serials: [{ from: '5A1501', to: '5A1552' }] }, 'sn.json');

  it.each([
    ['5A1516T15268', 'at-risk'],
    ['5a1501x00001', 'at-risk'],
    ['5A1552T00000', 'at-risk'],
    ['5A1553T00000', 'not-affected'],
    ['5A1402T03318', 'not-affected'],
    ['5A15', 'not-affected'],
  ] as const)('serial %s: %s', (serial, verdict) => {
    expect(evaluate(unit({ serial }), [sn]).verdict).toBe(verdict);
  });

  it('serial not reported, or two sources disagree: unknown', () => {
    expect(evaluate(unit({}), [sn]).reason).toMatch(/TEST-SN for some serials only, and the serial number is not reported \(TEST-SN covers 5A1501 to 5A1552\)/);
    expect(evaluate(unit({ serial: '5A1516T15268' }, { serial: 'atsIdentSerialNumber says "5A1516T15268" but sysDescr SN: says "5A9999T00000"' }), [sn]).verdict).toBe(
      'unknown',
    );
  });
});
