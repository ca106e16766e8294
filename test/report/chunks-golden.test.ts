import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPORT_FORMATS, type TextReportFormat } from '../../src/report/formats.js';
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

const TEXT_FORMATS = REPORT_FORMATS.filter((f): f is (typeof REPORT_FORMATS)[number] & TextReportFormat => f.render !== undefined);
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
    }
  }
});
