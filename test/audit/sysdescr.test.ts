import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSysDescr } from '../../src/audit/sysdescr.js';
import { AP4423_SYSDESCR } from '../fixtures/units.js';
import { HAS_SHARED, SHARED_REFERENCE, SKIP_NOTE } from '../helpers/shared-reference.js';

describe('parseSysDescr on real card strings', () => {
  it('reads an NMC hw02 string (AP9617 card, AOS 3.5.7)', () => {
    const d = parseSysDescr(
      'APC Web/SNMP Management Card (MB:v3.8.6 PF:v3.5.7 PN:apc_hw02_aos_357.bin AF1:v3.5.5 AN1:apc_hw02_nairfm_355.bin MN:AP9617 HR:A10 SN: NA0728003639 MD:07/11/2007)',
    );
    expect(d).toEqual({
      product: 'APC Web/SNMP Management Card',
      mb: 'v3.8.6',
      pf: 'v3.5.7',
      pn: 'apc_hw02_aos_357.bin',
      af1: 'v3.5.5',
      an1: 'apc_hw02_nairfm_355.bin',
      mn: 'AP9617',
      hr: 'A10',
      sn: 'NA0728003639',
      md: '07/11/2007',
    });
  });

  it('reads the AP4423 string and ignores an anonymised serial', () => {
    const d = parseSysDescr(
      AP4423_SYSDESCR,
    );
    expect(d.mn).toBe('AP4423');
    expect(d.an1).toBe('apc_hw05_ats4g_647.bin');
    expect(d.sn).toBeUndefined();
  });

  it('reads old "MN: AP9606" spacing and the oldest "MOD: AP9605," form', () => {
    expect(
      parseSysDescr('APC Web/SNMP Management Card (MB:v3.2.0 PF:v3.0.9.a PN:aos309a.bin AF1:v2.2.5.a AN1:ms225a.bin MN: AP9606 HR: G9 SN: FFFFFFFFFFFF MD: 04/05/2000)'),
    ).toMatchObject({ mn: 'AP9606', hr: 'G9', sn: 'FFFFFFFFFFFF', md: '04/05/2000', pf: 'v3.0.9.a' });
    expect(
      parseSysDescr('APC Embedded PowerNet SNMP Agent (FW v3.0.1 SW v2.2.4.a, HW B2, MOD: AP9605, Mfg: 04/02/1998, SN: WA9814786862)'),
    ).toMatchObject({ mn: 'AP9605', sn: 'WA9814786862' });
  });

  it('does not let an empty field swallow the next one', () => {
    expect(parseSysDescr('X (MN:AP7724 SN:  MD:01/01/2015)')).toMatchObject({ mn: 'AP7724', md: '01/01/2015' });
    expect(parseSysDescr('X (MN:AP7724 SN:  MD:01/01/2015)').sn).toBeUndefined();
  });

  it('copes with strings that carry no fields at all', () => {
    expect(parseSysDescr('EPDU1116S')).toEqual({ product: 'EPDU1116S' });
    expect(parseSysDescr('')).toEqual({});
    expect(parseSysDescr(undefined)).toEqual({});
    expect(parseSysDescr('APC Web/SNMP Management Card (MB:v3.9.2 PF:v3.7.3 PN:apc_hw02_aos_373.bin AF1:v3.7.3 AN1:apc_hw02_xpdu_373.bin) ')).toMatchObject({
      pf: 'v3.7.3',
      an1: 'apc_hw02_xpdu_373.bin',
    });
  });
});

describe.skipIf(!HAS_SHARED)(`parseSysDescr on every recording in ../shared/reference ${HAS_SHARED ? '' : SKIP_NOTE}`, () => {
  const files = HAS_SHARED ? readdirSync(SHARED_REFERENCE).filter((f) => f.endsWith('.snmprec')) : [];
  it.each(files)('%s: model field agrees with the MN: text', (file) => {
    const line = readFileSync(join(SHARED_REFERENCE, file), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('1.3.6.1.2.1.1.1.0|'));
    const sysDescr = line?.split('|').slice(2).join('|') ?? '';
    const d = parseSysDescr(sysDescr);
    const mn = /\b(?:MN|MOD): ?([A-Z0-9_-]+)/.exec(sysDescr)?.[1];
    expect(d.mn).toBe(mn);
    if (/PF:v/.test(sysDescr)) expect(d.pf).toMatch(/^v\d/);
  });
});
