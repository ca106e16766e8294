// De-duplication without a set of every host: the interval set, the same answers as a plain
// set of keys would give, and memory that stays flat on a /8.

import { describe, expect, it } from 'vitest';
import { IntervalSet } from '../../src/targets/interval-set.js';
import { buildTargets, expandSources, type TargetSource } from '../../src/targets/list.js';
import { expand, parseTargetSpec } from '../../src/targets/spec.js';
import { targetKey } from '../../src/targets/target.js';

function source(text: string, origin = text): TargetSource {
  const parsed = parseTargetSpec(text, { port: 161, allowLarge: true });
  if (!parsed.ok) throw new Error(parsed.error);
  return { spec: parsed.spec, origin };
}

/** The reference: every key in a Set, first occurrence wins. */
function naive(sources: readonly TargetSource[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of sources) {
    for (const a of expand(s.spec)) {
      const key = targetKey(a);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(`${key} ${s.origin}`);
    }
  }
  return out;
}

describe('IntervalSet', () => {
  it('merges overlapping and adjacent intervals and finds what holds a number', () => {
    const set = new IntervalSet();
    set.add(10n, 20n);
    set.add(30n, 40n);
    expect(set.size).toBe(2);
    expect(set.find(15n)).toEqual({ start: 10n, end: 20n });
    expect(set.find(25n)).toBeUndefined();
    expect(set.nextStartAfter(25n)).toBe(30n);
    expect(set.nextStartAfter(35n)).toBeUndefined();
    set.add(21n, 29n); // adjacent on both sides: one interval
    expect(set.size).toBe(1);
    expect(set.find(25n)).toEqual({ start: 10n, end: 40n });
    set.add(0n, 5n);
    set.add(3n, 100n);
    expect(set.size).toBe(1);
    expect(set.find(0n)).toEqual({ start: 0n, end: 100n });
  });
});

describe('expandSources: de-duplication by intervals', () => {
  it('gives exactly what a set of every key gives, on random overlapping blocks, ranges and hosts', () => {
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 30; round++) {
      const sources: TargetSource[] = [];
      for (let i = 0; i < 12; i++) {
        const a = random(200);
        const port = random(4) === 0 ? ':1161' : '';
        const kind = random(4);
        const text =
          kind === 0
            ? `10.0.0.${a}${port}`
            : kind === 1
              ? `10.0.0.${a}-${Math.min(255, a + random(60))}${port}`
              : kind === 2
                ? `10.0.0.${a & ~7}/${29 - random(3)}${port}`
                : `[2001:db8::${a.toString(16)}]${port}`;
        sources.push(source(text, `line ${i + 1}`));
      }
      const got = [...expandSources(sources)].map((t) => `${targetKey(t.target)} ${t.target.origin}`);
      expect(got).toEqual(naive(sources));
    }
  });

  it('drops a single host already inside an earlier block, and a block host named earlier alone', () => {
    const got = [...expandSources([source('10.0.0.5'), source('10.0.0.0/29'), source('10.0.0.3'), source('10.0.0.4')])];
    expect(got.map((t) => `${t.target.host} ${t.target.origin}`)).toEqual([
      '10.0.0.5 10.0.0.5',
      '10.0.0.1 10.0.0.0/29',
      '10.0.0.2 10.0.0.0/29',
      '10.0.0.3 10.0.0.0/29',
      '10.0.0.4 10.0.0.0/29',
      '10.0.0.6 10.0.0.0/29',
    ]);
  });

  it('keeps the same address on another port', () => {
    const got = [...expandSources([source('10.0.0.0/30'), source('10.0.0.1:1161'), source('10.0.0.1-2')])];
    expect(got.map((t) => targetKey(t.target))).toEqual(['10.0.0.1:161', '10.0.0.2:161', '10.0.0.1:1161']);
  });

  it('walks a /10 given twice in flat memory: every host once, the heap not growing with them', () => {
    // Measured by the heap, not the clock. A set of its 4.2 million keys would take a few hundred
    // MB; the /8 itself is checked through the CLI in test/e2e/inventory-cli.test.ts.
    const built = buildTargets({ args: ['10.0.0.0/10', '10.32.0.0/11', '10.0.0.0/10'], inventories: [] }, { port: 161, allowLarge: true });
    let n = 0;
    let heapAtMillion = 0;
    let heapMost = 0;
    for (const _ of built.targets) {
      n++;
      if (n === 1_000_000) heapAtMillion = process.memoryUsage().heapUsed;
      if (n % 500_000 === 0) heapMost = Math.max(heapMost, process.memoryUsage().heapUsed);
    }
    expect(n).toBe(4_194_302);
    expect(heapMost - heapAtMillion).toBeLessThan(48 * 1024 * 1024);
  });
});
