import { describe, expect, it } from 'vitest';
import { interruptedResult, unreachable } from '../../src/audit/no-answer.js';

describe('unreachable', () => {
  const silent = { kind: 'timeout', message: 'no answer after 2000 ms × 2 tries (host down, no SNMP agent, or wrong community)' } as const;

  it('gives units that failed alike one frozen finding (a sweep holds one reason, not one per address)', () => {
    const a = unreachable(silent);
    const b = unreachable({ ...silent });
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a).toEqual({ verdict: 'unreachable', reason: silent.message, action: expect.stringMatching(/powered and networked/) });
  });

  it('keeps findings apart when the kind or the words differ', () => {
    const refused = unreachable({ kind: 'refused', message: 'no SNMP agent on port 161 (port unreachable)' });
    expect(refused).not.toBe(unreachable(silent));
    expect(refused.action).toMatch(/Check the port/);
    expect(unreachable({ kind: 'timeout', message: `${silent.message}.` })).not.toBe(unreachable(silent));
    expect(unreachable({ kind: 'error', message: silent.message })).not.toBe(unreachable(silent));
  });

  it('stays right past the bound of findings it remembers', () => {
    const first = unreachable({ kind: 'dns', message: 'DNS lookup of "a0" failed (ENOTFOUND)' });
    for (let i = 1; i < 1000; i++) unreachable({ kind: 'dns', message: `DNS lookup of "a${i}" failed (ENOTFOUND)` });
    const again = unreachable({ kind: 'dns', message: 'DNS lookup of "a0" failed (ENOTFOUND)' });
    expect(again).toEqual(first);
    expect(again.reason).toBe('DNS lookup of "a0" failed (ENOTFOUND)');
  });
});

describe('interruptedResult', () => {
  it('is unknown, never guessed, with the reason given', () => {
    const r = interruptedResult({ host: '10.0.0.1', port: 161, origin: 'argument 1' }, 'scan interrupted while polling', 1);
    expect(r.finding.verdict).toBe('unknown');
    expect(r.requests).toBe(1);
  });
});
