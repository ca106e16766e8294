import { afterEach, describe, expect, it, vi } from 'vitest';
import { InterruptPolicy, processIo } from '../../src/cli/io.js';

// One interrupt delivered twice within a second is one interrupt; a second one a second or
// more later stops at once. The policy with given times, then the process's own handler.

describe('InterruptPolicy', () => {
  it('the first signal stops the scan, repeats within a second are the same interrupt, one later stops at once', () => {
    const p = new InterruptPolicy();
    expect(p.onSignal(5000)).toBe('first');
    expect(p.onSignal(5001)).toBe('duplicate');
    expect(p.onSignal(5999)).toBe('duplicate');
    expect(p.onSignal(6000)).toBe('stop');
    expect(p.onSignal(9000)).toBe('stop');
  });
});

describe('processIo().onInterrupt (real SIGINT/SIGTERM handlers, process.exit stubbed)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('SIGTERM then SIGINT 10 ms apart: one interrupt; another Ctrl-C 1.5 s later exits 130 at once', () => {
    let now = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation(((s: string) => said.push(s)) as never);
    const firsts: string[] = [];
    const unsubscribe = processIo().onInterrupt!((signal) => firsts.push(signal));
    try {
      process.emit('SIGTERM', 'SIGTERM');
      now += 10;
      process.emit('SIGINT', 'SIGINT');
      expect(firsts).toEqual(['SIGTERM']);
      expect(exit).not.toHaveBeenCalled();
      now += 1500;
      process.emit('SIGINT', 'SIGINT');
      expect(exit).toHaveBeenCalledWith(130);
      expect(said.join('')).toMatch(/SIGINT again: stopping now, no report written/);
      expect(firsts).toEqual(['SIGTERM']);
    } finally {
      unsubscribe();
    }
  });
});
