import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// Writing a large report must add little to the heap on top of the results themselves: each
// text format is written to a file in a child process whose old generation is capped, through
// the CLI's write path (test/helpers/report-memory-child.mjs, on the built dist/src). Reports
// rendered as one string (with their intermediate structures) ran out of memory under this cap.

const run = promisify(execFile);
const ROOT = process.cwd();
const BUILT = existsSync(join(ROOT, 'dist', 'src', 'report', 'formats.js'));
const CHILD = join(ROOT, 'test', 'helpers', 'report-memory-child.mjs');
/** The 65,536 results and the loaded code take about a third of it. */
const OLD_SPACE_MB = 48;
const MB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'ats-audit-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!BUILT)(`writing a 65,536-unit report in a heap capped at ${OLD_SPACE_MB} MB${BUILT ? '' : ' (skipped: run npm run build)'}`, () => {
  for (const format of ['table', 'csv', 'json', 'ndjson', 'prometheus', 'html']) {
    it(`${format}`, { timeout: 60_000 }, async () => {
      const { stdout } = await run(process.execPath, [`--max-old-space-size=${OLD_SPACE_MB}`, CHILD, ROOT, format, join(dir, `report.${format}`)]);
      const m = JSON.parse(stdout) as { units: number; reportBytes: number; heapBefore: number; heapPeak: number };
      expect(m.units).toBe(65_536);
      expect(m.reportBytes).toBeGreaterThan(8 * MB);
      // Sampled between chunks: the garbage of the chunks written so far included.
      expect(m.heapPeak - m.heapBefore).toBeLessThan(40 * MB);
    });
  }
});
