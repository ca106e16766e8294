import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// The V8 flags the launcher sets (src/cli/v8-tuning.ts), checked with node:v8 replaced: a test
// process must never change its real flags. What they are worth is measured in bench/.

const calls: Array<{ flags: string; compiledBefore: boolean }> = [];
let compiled = false;
vi.mock('node:v8', () => ({ default: { setFlagsFromString: (flags: string) => calls.push({ flags, compiledBefore: compiled }) } }));
vi.mock('node:vm', async (importOriginal) => {
  const vm = await importOriginal<typeof import('node:vm')>();
  return {
    ...vm,
    Script: class extends vm.Script {
      constructor(...args: ConstructorParameters<typeof vm.Script>) {
        super(...args);
        compiled = true;
      }
    },
  };
});

describe('compileBundle and the V8 flags', () => {
  it('sets --interrupt-budget to four times V8 11 default, once, before compiling anything', async () => {
    const { compileBundle } = await import('../../src/cli/code-cache.js');
    const { INTERRUPT_BUDGET } = await import('../../src/cli/v8-tuning.js');
    const file = join(mkdtempSync(join(tmpdir(), 'ats-v8-')), 'b.cjs');
    writeFileSync(file, 'globalThis.__tuned = 1;\n');
    compileBundle(file);
    compileBundle(file);
    expect(INTERRUPT_BUDGET).toBe(270336);
    expect(calls).toEqual([{ flags: '--interrupt-budget=270336', compiledBefore: false }]);
  });
});
