import { describe, expect, it } from 'vitest';
import { loadBundledAdvisories, parseAdvisory } from '../../src/audit/advisory.js';
import type { AtsState, Device } from '../../src/audit/device.js';
import { evaluate } from '../../src/audit/evaluate.js';
import type { Verdict } from '../../src/audit/finding.js';
import { classify } from '../../src/audit/classify.js';
import { AP7724, AP7724_READING, LOADED_BOTH_LIVE } from '../fixtures/units.js';

const advisories = loadBundledAdvisories();

/** A healthy, loaded AP7724 on primary A with both inputs live: the at-risk baseline. */
function ats(state: Partial<AtsState> = {}, model: string | null = AP7724.model): Device {
  return {
    kind: 'ats',
    identity: model === null ? {} : { model },
    state: { ...LOADED_BOTH_LIVE, ...state },
  };
}

/** The recorded 2U AP7724 (test/fixtures/units.ts) as classify() makes it: primary B, on B, 7.7 A of bank current. */
const RECORDED_AP7724: Device = classify(AP7724_READING);

type Row = [label: string, device: Device, verdict: Verdict, reason: RegExp, action?: RegExp];

const table: Row[] = [
  ['loaded, primary A, B live', ats(), 'at-risk', /load 4\.2 A and secondary Source B is live/, /^Disconnect Source B \(secondary\) and run on primary Source A only \(procedure 1\), or remove all loads \(procedure 2\)/],
  [
    'loaded, primary B, A live (2U)',
    RECORDED_AP7724,
    'at-risk',
    /secondary Source A is live/,
    /Disconnect Source A \(secondary\) and run on primary Source B only/,
  ],
  [
    'no preferred source, both live, loaded',
    ats({ preferredSource: 'none' }),
    'at-risk',
    /no preferred source is configured and both inputs are live/,
    /Disconnect Source B \(the input not in use\) and run on Source A only/,
  ],
  [
    'procedure 1: secondary failed, on primary',
    ats({ sourceStatus: { A: 'ok', B: 'fail' }, inputVoltage: { A: 230, B: 0 }, redundancy: 'lost' }),
    'safe-to-upgrade',
    /secondary Source B is not live and the unit runs on primary Source A alone/,
    /Keep Source B disconnected/,
  ],
  ['procedure 2: no load', ats({ outputAmps: 0 }), 'safe-to-upgrade', /no load attached \(output reads 0\.0 A/, /procedure 2/],
  [
    'procedure 2 holds even with no preferred source',
    ats({ preferredSource: 'none', outputAmps: 0 }),
    'safe-to-upgrade',
    /no load attached/,
  ],
  [
    'issue 9: secondary status failed but its input reads line voltage (208 V): unknown, both named',
    ats({ sourceStatus: { A: 'ok', B: 'fail' }, inputVoltage: { A: 208, B: 208 }, redundancy: 'lost' }),
    'unknown',
    /secondary Source B status says failed, but its input reads 208 V \(line voltage\): the signals disagree/,
    /Check on site that Source B is really disconnected/,
  ],
  [
    'issue 9: secondary failed beside "fully redundant": unknown, both named',
    ats({ sourceStatus: { A: 'ok', B: 'fail' }, inputVoltage: { A: 230 }, redundancy: 'full' }),
    'unknown',
    /secondary Source B status says failed, but atsStatusRedundancyState says fully redundant/,
  ],
  [
    'issue 9: primary status ok but its input reads 0 V while the secondary is failed: unknown',
    ats({ sourceStatus: { A: 'ok', B: 'fail' }, inputVoltage: { A: 0, B: 0 }, redundancy: 'lost' }),
    'unknown',
    /primary Source A status says ok but its input reads 0 V/,
  ],
  [
    'issue 9: every signal agrees (failed, no voltage reported, redundancy lost, on primary): safe stays',
    ats({ sourceStatus: { A: 'ok', B: 'fail' }, inputVoltage: {}, redundancy: 'lost' }),
    'safe-to-upgrade',
    /secondary Source B is not live and the unit runs on primary Source A alone/,
  ],
  [
    'issue 9: every signal agrees, redundancy not reported, B reads 0 V: safe stays',
    ats({ sourceStatus: { A: 'ok', B: 'fail' }, inputVoltage: { A: 230, B: 0 }, redundancy: undefined }),
    'safe-to-upgrade',
    /not live/,
  ],
  [
    'status ok but 0 V: status alone proves live (at-risk), disagreement said',
    ats({ inputVoltage: { A: 230, B: 0 } }),
    'at-risk',
    /Source B status says ok but its input reads 0 V; taken as live/,
  ],
  [
    'redundancy lost beside two ok statuses: named, status still proves live',
    ats({ redundancy: 'lost' }),
    'at-risk',
    /atsStatusRedundancyState says redundancy lost but both source statuses say ok/,
  ],
  ['comm lost: stale data', ats({ commStatus: 'lost' }), 'unknown', /lost communication with the switch, so its status values are stale/],
  ['comm never discovered', ats({ commStatus: 'never-discovered', outputAmps: 0 }), 'unknown', /never had communication/],
  ['comm status missing', ats({ commStatus: undefined, outputAmps: 0 }), 'unknown', /atsStatusCommStatus missing/],
  [
    'primary failed, running on the secondary',
    ats({ sourceStatus: { A: 'fail', B: 'ok' }, selectedSource: 'B' }),
    'unknown',
    /primary Source A has failed \(runs on Source B, load 4\.2 A\)/,
    /Restore primary Source A/,
  ],
  [
    'load not reported, both live',
    ats({ outputAmps: undefined }),
    'unknown',
    /the output load is not reported/,
  ],
  [
    'load not reported but procedure 1 holds',
    ats({ outputAmps: undefined, sourceStatus: { A: 'ok', B: 'fail' }, inputVoltage: { A: 230, B: 0 }, redundancy: 'lost' }),
    'safe-to-upgrade',
    /load not reported/,
  ],
  [
    'secondary status missing',
    ats({ sourceStatus: { A: 'ok' } }),
    'unknown',
    /Source B \(secondary\) status is not reported/,
  ],
  [
    'secondary failed but running on it (selected = secondary)',
    ats({ sourceStatus: { A: 'ok', B: 'fail' }, selectedSource: 'B' }),
    'unknown',
    /running on secondary Source B, not on the primary/,
  ],
  [
    'secondary failed, selected source missing',
    ats({ sourceStatus: { A: 'ok', B: 'fail' }, selectedSource: undefined }),
    'unknown',
    /selected source is not reported/,
  ],
  [
    'preferred source missing, both live, loaded',
    ats({ preferredSource: undefined }),
    'at-risk',
    /preferred source is not reported and both inputs are live/,
  ],
  [
    'preferred source missing, one input down',
    ats({ preferredSource: undefined, sourceStatus: { A: 'ok', B: 'fail' } }),
    'unknown',
    /preferred \(primary\) source is not reported/,
  ],
  [
    'no preferred source, one input down, loaded',
    ats({ preferredSource: 'none', sourceStatus: { A: 'ok', B: 'fail' } }),
    'unknown',
    /no preferred source is configured/,
  ],
  [
    'anomalies are carried into the reason',
    ats({ sourceStatus: { A: 'ok' }, anomalies: ['atsStatusSourceBStatus = 7 is not a defined value'] }),
    'unknown',
    /atsStatusSourceBStatus = 7 is not a defined value/,
  ],
  ['first-generation AP7722 (no A)', ats({}, 'AP7722'), 'not-affected', /AP7722 is not on FA156178: first-generation unit/],
  ['first-generation AP7750 (no A)', ats({}, 'AP7750'), 'not-affected', /first-generation/],
  ['AP4423, the newer line', ats({}, 'AP4423'), 'not-affected', /AP4423 is not on FA156178: newer ATS line/],
  ['AP7750A is listed', ats({}, 'AP7750A'), 'at-risk', /AP7750A is on FA156178/],
  ['model compares without case or blanks', ats({}, ' ap7752j '), 'at-risk', /is on FA156178/],
  ['Rack ATS with no model at all', ats({}, null), 'unknown', /reported no usable model number/],
  [
    'issue 9: a doubted model is never judged, even one not on the bulletin',
    { ...(ats({}, 'AP7722') as Extract<Device, { kind: 'ats' }>), doubts: { model: 'atsIdentModelNumber says "AP7722" but sysDescr MN: says "AP7724"' } },
    'unknown',
    /model cannot be trusted: atsIdentModelNumber says "AP7722" but sysDescr MN: says "AP7724"/,
  ],
  [
    'not an ATS',
    { kind: 'not-ats', identity: { sysObjectID: '1.3.6.1.4.1.318.1.3.4.8' }, why: 'answered SNMP but is not a Rack ATS (rack PDU)' },
    'not-ats',
    /not a Rack ATS/,
  ],
  [
    'answered, but nothing identified it',
    { kind: 'unidentified', identity: {}, why: 'answered SNMP but reported neither sysObjectID nor an ATS identity' },
    'unknown',
    /reported neither sysObjectID nor an ATS identity/,
    /system group/,
  ],
];

describe('evaluate: device states -> verdicts', () => {
  it.each(table)('%s', (_label, device, verdict, reason, action) => {
    const f = evaluate(device, advisories);
    expect(f.verdict).toBe(verdict);
    expect(f.reason).toMatch(reason);
    if (action) expect(f.action).toMatch(action);
  });

  it('every affected model on the bulletin is at risk in the baseline state', () => {
    for (const model of ['AP7721', 'AP7722A', 'AP7723', 'AP7724', 'AP7730', 'AP7731', 'AP7732', 'AP7750A', 'AP7752', 'AP7752J', 'AP7753']) {
      expect(evaluate(ats({}, model), advisories).verdict, model).toBe('at-risk');
    }
  });

  it('never says safe-to-upgrade when the comm status is not established', () => {
    for (const commStatus of [undefined, 'lost', 'never-discovered'] as const) {
      for (const outputAmps of [0, 4.2, undefined]) {
        const f = evaluate(ats({ commStatus, outputAmps, sourceStatus: { A: 'ok', B: 'fail' } }), advisories);
        expect(f.verdict).toBe('unknown');
      }
    }
  });

  it('issue 9: facts say the secondary is live on status alone, dead only when status and voltage agree', () => {
    const live = (state: Partial<AtsState>) => evaluate(ats(state), advisories).facts?.secondaryLive;
    expect(live({ inputVoltage: { A: 230, B: 0 } })).toBe('yes');
    expect(live({ sourceStatus: { A: 'ok', B: 'fail' }, inputVoltage: { A: 230, B: 208 } })).toBe('unknown');
    expect(live({ sourceStatus: { A: 'ok', B: 'fail' }, inputVoltage: { A: 230, B: 3 }, redundancy: 'lost' })).toBe('no');
    expect(live({ sourceStatus: { A: 'ok', B: 'fail' }, inputVoltage: { A: 230 }, redundancy: 'lost' })).toBe('no');
    expect(live({ sourceStatus: { A: 'ok', B: 'fail' }, inputVoltage: { A: 230, B: 0 }, redundancy: 'full' })).toBe('unknown');
  });

  it('reports the derived facts', () => {
    const f = evaluate(ats({ preferredSource: 'B', selectedSource: 'B' }), advisories);
    expect(f.facts).toMatchObject({ primarySource: 'B', secondarySource: 'A', secondaryLive: 'yes', loadAttached: 'yes', loadAmps: 4.2 });
    expect(evaluate(ats({ outputAmps: 0 }), advisories).facts?.loadAttached).toBe('no');
    expect(evaluate(ats({ outputAmps: undefined }), advisories).facts?.loadAttached).toBe('unknown');
  });

  it('takes the worst finding when two bulletins list the model', () => {
    const second = parseAdvisory(
      { id: 'TEST-2', title: 't', source: 's', hazard: 'h', models: ['AP7724'], packages: ['x.exe'], procedures: { 'isolate-secondary': 'a', 'remove-load': 'b' } },
      'test-2.json',
    );
    const f = evaluate(ats(), [second, ...advisories]);
    expect(f.verdict).toBe('at-risk');
    expect(evaluate(ats({}, 'AP7724'), [second]).advisoryId).toBe('TEST-2');
  });
});

describe('advisory data file', () => {
  it('bundles FA156178 with the exact models and packages of the bulletin', () => {
    const a = advisories.find((x) => x.id === 'FA156178');
    expect(a?.models).toEqual(['AP7721', 'AP7722A', 'AP7723', 'AP7724', 'AP7730', 'AP7731', 'AP7732', 'AP7750A', 'AP7752', 'AP7752J', 'AP7753']);
    expect(a?.packages).toEqual([
      'apc_hw02_aos357_g2ats357.exe',
      'apc_hw02_aos374_g2ats370.exe',
      'apc_hw02_aos374_g2ats371.exe',
      'apc_hw02_aos390_g2ats390.exe',
      'apc_hw02_aos390_g2ats392.exe',
    ]);
  });

  it('rejects a malformed advisory naming the file and each problem', () => {
    expect(() => parseAdvisory({ id: 'X', models: [], lookalikes: [{ pattern: '(' , note: 'n' }] }, 'bad.json')).toThrow(
      /bad\.json: invalid advisory: .*"title" must be a non-empty string.*"models" must be a non-empty array.*"procedures\.isolate-secondary".*lookalikes\[0\]\.pattern" is not a valid regular expression/,
    );
    expect(() => parseAdvisory([1, 2], 'arr.json')).toThrow(/arr\.json: invalid advisory: expected a JSON object/);
  });
});
