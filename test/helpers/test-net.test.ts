import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_NETS } from './test-net.js';

const TEST_DIR = join(process.cwd(), 'test');

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? testFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

describe('test network allocation (test/helpers/test-net.ts)', () => {
  it('gives no two files the same port on the same loopback block', () => {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const [name, net] of Object.entries(TEST_NETS)) {
      for (const block of net.blocks) {
        const key = `${block}.*:${net.port}`;
        const other = seen.get(key);
        if (other) clashes.push(`${key}: ${other} and ${name}`);
        else seen.set(key, name);
      }
    }
    expect(clashes).toEqual([]);
  });

  it('is where every test file takes its port from (no file declares its own)', () => {
    const own = testFiles(TEST_DIR)
      .filter((f) => /\bconst PORT = \d+/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(TEST_DIR, f));
    expect(own).toEqual([]);
  });
});
