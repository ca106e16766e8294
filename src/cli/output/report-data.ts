import { writeSync } from 'node:fs';
import type { ReportChunks } from '../../report/chunks.js';

/**
 * A report to write: its whole text or bytes, or its text in chunks (report/chunks.ts). Chunks
 * must be re-iterable (each iteration renders afresh): a failed write is retried elsewhere
 * (saveFallback) by rendering again.
 */
export type ReportData = string | Uint8Array | ReportChunks;

/**
 * Rendering failed while the report was being written (the chunks threw): a fault of the
 * renderer, not of the destination, so no other destination would do better. `cause` is
 * what was thrown.
 */
export class ReportRenderError extends Error {
  override readonly name = 'ReportRenderError';
  constructor(override readonly cause: unknown) {
    super(`rendering the report failed: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/**
 * Writes every byte of `data` to `fd`, chunk by chunk as they are rendered (a renderer's chunks
 * are already some 64 KB each: report/chunks.ts); throws ReportRenderError when the chunks throw.
 */
export function writeDataSync(fd: number, data: ReportData): void {
  if (typeof data === 'string') return writeAll(fd, Buffer.from(data, 'utf8'));
  if (data instanceof Uint8Array) return writeAll(fd, data);
  // A chunk never ends inside a surrogate pair (chunks.ts), so each encodes on its own.
  for (const chunk of rendered(data)) writeAll(fd, Buffer.from(chunk, 'utf8'));
}

/** The chunks, with whatever rendering throws wrapped in ReportRenderError. */
function* rendered(chunks: ReportChunks): Generator<string> {
  let it: Iterator<string>;
  try {
    it = chunks[Symbol.iterator]();
  } catch (e) {
    throw new ReportRenderError(e);
  }
  for (;;) {
    let next: IteratorResult<string>;
    try {
      next = it.next();
    } catch (e) {
      throw new ReportRenderError(e);
    }
    if (next.done) return;
    yield next.value;
  }
}

/** One write(2) may be short: loop until every byte is written. */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
}
