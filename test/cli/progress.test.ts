import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/audit-result.js';
import { startProgress } from '../../src/cli/progress.js';

const result = (verdict: AuditResult['finding']['verdict']): AuditResult => ({
  target: { host: '127.0.0.1', port: 161, origin: 'test' },
  finding: { verdict, reason: 'r', action: '' },
  requests: 1,
});

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, write: (s: string) => chunks.push(s), text: () => chunks.join(''), chunks, columns: 120, on: () => undefined, removeListener: () => undefined, cursorTo: () => true, clearLine: () => true, moveCursor: () => true };
}

describe('progress on stderr', () => {
  it('writes nothing when stderr is not a terminal', () => {
    const s = stream(false);
    const p = startProgress(100, s, { quiet: false });
    for (let i = 0; i < 100; i++) p.onResult(result('at-risk'));
    p.stop();
    expect(s.chunks).toEqual([]);
  });

  it('writes nothing with --quiet, even on a terminal', () => {
    const s = stream(true);
    const p = startProgress(100, s, { quiet: true });
    p.onResult(result('unknown'));
    p.stop();
    expect(s.chunks).toEqual([]);
  });

  it('shows done/total, rate, ETA and counts by verdict on a terminal', () => {
    const s = stream(true);
    const p = startProgress(10, s, { quiet: false });
    p.onResult(result('at-risk'));
    p.onResult(result('not-ats'));
    p.onResult(result('at-risk'));
    p.stop();
    const text = s.text();
    expect(text).toMatch(/scanning .* \d+\/10 \| \d+ units\/s \| ETA .* \| risk 2 · not-ats 1/);
  });
});
