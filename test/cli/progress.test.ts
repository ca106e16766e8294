import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/audit-result.js';
import { progressStatus, startProgress, verdictCounts } from '../../src/cli/progress.js';

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
    expect(text).toMatch(/scanning .* \d+\/10 \| \d+ units\/s \| ETA .* \| at-risk 2 · not-ats 1/);
  });

  it('counts in the verdict words, never n/a', () => {
    const counts = { 'at-risk': 1, unknown: 0, unreachable: 2, 'safe-to-upgrade': 0, 'not-affected': 3, 'not-ats': 1 };
    expect(verdictCounts(counts)).toBe('at-risk 1 · unreachable 2 · not-affected 3 · not-ats 1');
  });
});

describe('progress while only silent units remain', () => {
  const base = { total: 10, startedAt: 0, timeoutMs: 2000, tries: 2 };

  it('gives an ETA from the pace while units still answer', () => {
    expect(progressStatus({ ...base, done: 5, lastStartAt: 0, now: 1000 })).toBe('ETA 1s');
  });

  it('says it waits for the silent units, with the most they can take, once all of them outlived one timeout', () => {
    // The last unit started at 0; at 2.5 s nobody left has answered its first try: ≤ 4 s - 2.5 s.
    expect(progressStatus({ ...base, done: 9, lastStartAt: 0, now: 2500 })).toBe('waiting for 1 silent unit, ≤ 2 s');
    expect(progressStatus({ ...base, done: 7, lastStartAt: 1000, now: 3100 })).toBe('waiting for 3 silent units, ≤ 2 s');
  });

  it('does not call units silent while some still wait for a slot', () => {
    expect(progressStatus({ ...base, done: 2, lastStartAt: undefined, now: 60_000 })).toMatch(/^ETA /);
  });

  it('shows it on the line, counting down without new results', async () => {
    let clock = 0;
    const s = stream(true);
    const p = startProgress(2, s, { quiet: false, timeoutMs: 1000, tries: 2, concurrency: 10, now: () => clock });
    clock = 100;
    p.onResult(result('not-affected'));
    clock = 1500;
    // The line is redrawn on a timer: wait for one redraw (bounded).
    for (let i = 0; i < 40 && !s.text().includes('silent'); i++) await new Promise((r) => setTimeout(r, 50));
    p.stop();
    expect(s.text()).toMatch(/waiting for 1 silent unit, ≤ 1 s \| not-affected 1/);
    expect(s.text()).not.toContain('n/a');
  });
});
