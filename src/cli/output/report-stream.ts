import { reiterable, type ReportChunks } from '../../report/chunks.js';
import type { ReportData } from './report-data.js';

// A report on its way out: the CLI's rule that it ends with a newline, and writing it to a
// stream (standard output) chunk by chunk without queueing the whole report in the stream.

/** Where a report goes when it is not a file: what Io.stdout offers. */
export interface ReportSink {
  write(s: string | Uint8Array): unknown;
  /**
   * Present on a real stream: `write` returned false, wait for 'drain' before the next chunk.
   * Absent (a test double): writing never waits. An error on the stream does not end the wait;
   * process.stdout's errors end the process (stdout-guard.ts).
   */
  once?(event: 'drain', listener: () => void): unknown;
}

/** The chunks, then `\n` when the text is not empty and does not already end with one. */
export function endingInNewline(chunks: ReportChunks): ReportChunks {
  return reiterable(function* () {
    let last = '';
    for (const chunk of chunks) {
      if (chunk === '') continue;
      last = chunk;
      yield chunk;
    }
    if (last !== '' && !last.endsWith('\n')) yield '\n';
  });
}

/** Writes the report to `out`, chunk by chunk, waiting for 'drain' whenever the stream asks to. */
export async function writeToSink(out: ReportSink, data: ReportData): Promise<void> {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    await writeOne(out, data);
    return;
  }
  for (const chunk of data) await writeOne(out, chunk);
}

async function writeOne(out: ReportSink, s: string | Uint8Array): Promise<void> {
  if (out.write(s) === false && typeof out.once === 'function') {
    const once = out.once.bind(out);
    await new Promise<void>((resolve) => once('drain', resolve));
  }
}
