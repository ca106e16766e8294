import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/cli/output/atomic-write.js';
import { checkOutputFile } from '../../src/cli/output/destination.js';
import { saveFallback } from '../../src/cli/output/fallback.js';
import { endingInNewline, writeToSink } from '../../src/cli/output/report-stream.js';
import { writeReportFile } from '../../src/cli/output/write-report.js';
import { reiterable, type ReportChunks } from '../../src/report/chunks.js';
import { reportFormat } from '../../src/report/formats.js';
import { manyResults } from '../fixtures/many-results.js';
import { renderContext } from '../fixtures/results.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ats-audit-write-test-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Chunks that count how often they were rendered. */
function counted(pieces: readonly string[]): { chunks: ReportChunks; renders: () => number } {
  let renders = 0;
  return {
    chunks: reiterable(function* () {
      renders++;
      yield* pieces;
    }),
    renders: () => renders,
  };
}

describe('writing a report in chunks', () => {
  const results = manyResults(700, 97);

  for (const name of ['table', 'csv', 'json', 'ndjson', 'prometheus', 'html'] as const) {
    it(`${name}: the file written chunk by chunk is the file written from the whole text`, () => {
      const dir = tempDir();
      const format = reportFormat(name);
      writeFileAtomic(join(dir, 'whole'), format.render(results, renderContext()));
      writeFileAtomic(join(dir, 'chunked'), format.chunks(results, renderContext()));
      expect(readFileSync(join(dir, 'chunked')).equals(readFileSync(join(dir, 'whole')))).toBe(true);
      expect(readdirSync(dir).sort()).toEqual(['chunked', 'whole']);
    });
  }

  it('small chunks and multi-byte text are written whole', () => {
    const dir = tempDir();
    const pieces = ['é', '\u{1f600}', 'x'.repeat(70_000), '日本', ''];
    writeFileAtomic(join(dir, 'f'), counted(pieces).chunks);
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe(pieces.join(''));
  });

  it('a replaced file keeps its mode', () => {
    const dir = tempDir();
    const file = join(dir, 'r.csv');
    writeFileSync(file, 'old');
    chmodSync(file, 0o640);
    const dest = checkOutputFile(file, []);
    expect(writeReportFile(dest, counted(['a,b\r\n', '1,2\r\n']).chunks)).toEqual({ ok: true });
    expect(readFileSync(file, 'utf8')).toBe('a,b\r\n1,2\r\n');
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it('when the destination fails midway, the fallback renders the chunks again into a private file', () => {
    const dir = tempDir();
    const dest = checkOutputFile(join(dir, 'r.json'), []);
    let renders = 0;
    const chunks = reiterable(function* () {
      renders++;
      yield '{\n';
      // The directory goes away while the report is written: the rename fails.
      rmSync(dir, { recursive: true, force: true });
      yield '"a": 1\n}\n';
    });
    const outcome = writeReportFile(dest, chunks);
    expect(outcome.ok).toBe(false);
    const savedTo = outcome.ok ? undefined : outcome.savedTo;
    expect(savedTo).toBeDefined();
    dirs.push(join(savedTo!, '..'));
    expect(readFileSync(savedTo!, 'utf8')).toBe('{\n"a": 1\n}\n');
    expect(statSync(savedTo!).mode & 0o777).toBe(0o600);
    expect(renders).toBe(2);
  });

  it('saveFallback writes chunks as it writes text', () => {
    const file = saveFallback('r.prom', counted(['a 1\n', 'b 2\n']).chunks);
    dirs.push(join(file, '..'));
    expect(readFileSync(file, 'utf8')).toBe('a 1\nb 2\n');
  });

  it('a renderer that throws: its error, no fallback, no temporary file left', () => {
    const dir = tempDir();
    const dest = checkOutputFile(join(dir, 'r.txt'), []);
    let renders = 0;
    const failing = reiterable(function* () {
      renders++;
      yield 'x'.repeat(100_000);
      throw new TypeError('renderer bug');
    });
    expect(() => writeReportFile(dest, failing)).toThrow(TypeError);
    expect(renders).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('a report on standard output', () => {
  it('ends with a newline, added only when missing', () => {
    const joined = (pieces: string[]) => [...endingInNewline(counted(pieces).chunks)].join('');
    expect(joined(['a', 'b'])).toBe('ab\n');
    expect(joined(['a\n', ''])).toBe('a\n');
    expect(joined([])).toBe('');
    expect(joined(['', ''])).toBe('');
  });

  it('waits for drain whenever the stream asks to, and never without a way to wait', async () => {
    const events: string[] = [];
    let drain: (() => void) | undefined;
    const sink = {
      write: (s: string | Uint8Array) => {
        events.push(`write ${String(s)}`);
        return false;
      },
      once: (_event: 'drain', listener: () => void) => {
        drain = listener;
      },
    };
    const done = writeToSink(sink, counted(['a', 'b']).chunks);
    await Promise.resolve();
    expect(events).toEqual(['write a']);
    drain!();
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['write a', 'write b']);
    drain!();
    await done;

    const out: string[] = [];
    await writeToSink({ write: (s: string | Uint8Array) => out.push(String(s)) && false }, counted(['c', 'd']).chunks);
    expect(out).toEqual(['c', 'd']);
  });
});
