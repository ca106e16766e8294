// The descriptor reserve is proportional: a low `ulimit -n` still leaves real concurrency.
// (The built command under `ulimit -n 64` is in test/e2e/inventory-cli.test.ts.)

import { describe, expect, it } from 'vitest';
import { capConcurrency, concurrencyCeiling, defaultConcurrency, fdReserve, FD_HEADROOM, FD_MIN_HEADROOM } from '../../src/scan/fd-limit.js';

const limit = (soft: number, open: number) => ({ soft, open, known: true });

describe('fdReserve', () => {
  it('keeps a quarter of what is free, between the floor and the cap', () => {
    expect(fdReserve(limit(64, 20))).toBe(11); // 44 free
    expect(fdReserve(limit(1024, 30))).toBe(FD_HEADROOM); // 994 free: capped
    expect(fdReserve(limit(32, 20))).toBe(FD_MIN_HEADROOM); // 12 free: the floor
    expect(fdReserve(limit(Infinity, 20))).toBe(FD_HEADROOM);
  });
});

describe('concurrency under a low ulimit -n', () => {
  it('64 descriptors with ~20 open: well above 1, and -j 32 is kept', () => {
    for (const open of [12, 16, 20]) {
      expect(concurrencyCeiling(limit(64, open))).toBeGreaterThanOrEqual(30);
      expect(capConcurrency(32, limit(64, open))).toEqual({ value: 32 });
      expect(defaultConcurrency(limit(64, open))).toBe(concurrencyCeiling(limit(64, open)));
    }
  });

  it('never promises more sockets than there are descriptors, and says why when it lowers a request', () => {
    for (let soft = 16; soft <= 4096; soft *= 2) {
      const l = limit(soft, 20);
      const ceiling = concurrencyCeiling(l);
      expect(ceiling).toBeGreaterThanOrEqual(1);
      expect(ceiling + l.open + fdReserve(l)).toBeLessThanOrEqual(Math.max(soft, l.open + fdReserve(l) + 1));
    }
    const capped = capConcurrency(1000, limit(64, 20));
    expect(capped.value).toBe(64 - 20 - 11);
    expect(capped.note).toMatch(/^concurrency 1000 lowered to 33: .*64 files \('ulimit -n'\), 20 are open and 11 are kept spare/);
  });
});
