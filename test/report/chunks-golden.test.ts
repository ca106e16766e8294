import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHUNK_CHARS } from '../../src/report/chunks.js';
import { REPORT_FORMATS, type ReportFormat, type TextReportFormat } from '../../src/report/formats.js';
import { reportCases } from './report-cases.js';

// Every text format's output on fixed inputs, held to reference digests recorded from the
// renderers as they were before they produced chunks (UPDATE_REPORT_GOLDENS=1 records anew).
// A chunked renderer must reproduce that output byte for byte.

const GOLDENS = new URL('../fixtures/reports/text-report-digests.json', import.meta.url);

interface Digest {
  readonly sha256: string;
  readonly length: number;
}

function digest(text: string): Digest {
  return { sha256: createHash('sha256').update(text).digest('hex'), length: text.length };
}

const TEXT_FORMATS = (REPORT_FORMATS as readonly ReportFormat[]).filter((f): f is TextReportFormat => f.render !== undefined);
const cases = reportCases();

if (process.env.UPDATE_REPORT_GOLDENS === '1') {
  const out: Record<string, Digest> = {};
  for (const c of cases) for (const f of TEXT_FORMATS) out[`${f.name}/${c.name}`] = digest(f.render(c.results, c.ctx));
  writeFileSync(GOLDENS, `${JSON.stringify(out, null, 2)}\n`);
}

const goldens = existsSync(GOLDENS) ? (JSON.parse(readFileSync(GOLDENS, 'utf8')) as Record<string, Digest>) : {};

describe('text reports match their reference output', () => {
  for (const f of TEXT_FORMATS) {
    for (const c of cases) {
      it(`${f.name} / ${c.name}`, () => {
        const expected = goldens[`${f.name}/${c.name}`];
        expect(expected).toBeDefined();
        expect(digest(f.render(c.results, c.ctx))).toEqual(expected);
      });
      it(`${f.name} / ${c.name}: the chunks join to the same text, and iterating again renders again`, () => {
        const chunks = f.chunks(c.results, c.ctx);
        const first = [...chunks];
        expect(digest(first.join(''))).toEqual(goldens[`${f.name}/${c.name}`]);
        expect([...chunks]).toEqual(first);
        expect(first.every((chunk) => chunk.length > 0)).toBe(true);
        // Batched: every chunk but the last at least the size, none far beyond it.
        first.slice(0, -1).forEach((chunk) => expect(chunk.length).toBeGreaterThanOrEqual(CHUNK_CHARS));
        first.forEach((chunk) => expect(chunk.length).toBeLessThan(CHUNK_CHARS * 2));
        if (c.name.startsWith('many')) expect(first.length).toBeGreaterThan(1);
      });
    }
  }
});
