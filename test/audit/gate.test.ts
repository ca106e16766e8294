import { describe, expect, it } from 'vitest';
import { loadBundledAdvisories } from '../../src/audit/advisory.js';
import type { AuditResult } from '../../src/audit/audit-result.js';
import type { AtsState } from '../../src/audit/device.js';
import { evaluate } from '../../src/audit/evaluate.js';
import { checkExitCode, checkUnit, CHECK_EXIT, stateSignature } from '../../src/audit/gate.js';
import { LOADED_BOTH_LIVE } from '../fixtures/units.js';

// The gate, pure: per-poll gate, confirmation over consecutive polls, and what counts as a
// change (structured facts, never the reason text).

const advisories = loadBundledAdvisories();
const LIVE: AtsState = LOADED_BOTH_LIVE;
/** Source B pulled: status, voltage and redundancy all say so. */
const PULLED: AtsState = { ...LIVE, sourceStatus: { A: 'ok', B: 'fail' }, redundancy: 'lost', inputVoltage: { A: 230, B: 0 } };

function result(state: AtsState, model = 'AP7724'): AuditResult {
  const identity = { model };
  return { target: { host: '127.0.0.1', port: 161, origin: 'test' }, identity, finding: evaluate({ kind: 'ats', identity, state }, advisories), requests: 1 };
}

describe('gate: confirmation over consecutive polls', () => {
  it('one ready poll is not enough when two are needed; a second spaced, agreeing one is', () => {
    const first = checkUnit(result(PULLED), advisories, undefined, { needed: 2 });
    expect(first).toMatchObject({ gate: 'cannot-tell', readyNow: true, confirmation: { polls: 1, needed: 2 } });
    const second = checkUnit(result(PULLED), advisories, undefined, { needed: 2, previous: first, spaced: true });
    expect(second).toMatchObject({ gate: 'ready', confirmation: { polls: 2 } });
    expect(checkExitCode([first])).toBe(CHECK_EXIT.incomplete);
    expect(checkExitCode([second])).toBe(CHECK_EXIT.ready);
  });

  it('polls too close together, or in another state, start the count again', () => {
    const first = checkUnit(result(PULLED), advisories, undefined, { needed: 2 });
    expect(checkUnit(result(PULLED), advisories, undefined, { needed: 2, previous: first, spaced: false }).confirmation.polls).toBe(1);
    // Procedure 2 (no load) instead of procedure 1: ready both times, but not the same state.
    const noLoad = checkUnit(result({ ...LIVE, outputAmps: 0 }), advisories, undefined, { needed: 2, previous: first, spaced: true });
    expect(noLoad).toMatchObject({ gate: 'cannot-tell', confirmation: { polls: 1 } });
  });

  it('a poll that is not ready breaks the run: at risk, then ready, needs two more', () => {
    const risk = checkUnit(result(LIVE), advisories, undefined, { needed: 2 });
    expect(risk.gate).toBe('not-now');
    const after = checkUnit(result(PULLED), advisories, undefined, { needed: 2, previous: risk, spaced: true });
    expect(after.confirmation.polls).toBe(1);
  });
});

describe('gate: what counts as a change', () => {
  const sig = (state: AtsState) => stateSignature(checkUnit(result(state), advisories, undefined));
  it('a load moving from 4.2 A to 4.3 A, or a voltage moving, is not news', () => {
    expect(sig({ ...LIVE, outputAmps: 4.3 })).toBe(sig(LIVE));
    expect(sig({ ...LIVE, inputVoltage: { A: 229, B: 231 } })).toBe(sig(LIVE));
  });
  it('a load appearing, an input failing or the selected source moving is', () => {
    expect(sig({ ...LIVE, outputAmps: 0 })).not.toBe(sig(LIVE));
    expect(sig(PULLED)).not.toBe(sig(LIVE));
    expect(sig({ ...LIVE, selectedSource: 'B' })).not.toBe(sig(LIVE));
  });
  it('is computed from facts, not the reason: the same facts under other words are the same state', () => {
    const u = checkUnit(result(LIVE), advisories, undefined);
    const reworded = { ...u, result: { ...u.result, finding: { ...u.result.finding, reason: 'entirely different words, 9.9 A, 123 V' } } };
    expect(stateSignature(reworded)).toBe(stateSignature(u));
  });
});
