// Reports as a sequence of text chunks, so a large fleet's report is written piece by piece
// instead of being built as one string (with its intermediate structures) first.
//
// Contract of every `xxxChunks` renderer: the chunks joined are exactly the text `renderXxx`
// returns; no chunk is empty; a chunk boundary never falls inside a surrogate pair (pieces are
// whole lines, rows or units), so each chunk can be encoded to UTF-8 on its own. The iterable
// is re-iterable: each `[Symbol.iterator]()` renders the report afresh from the start.

/** A report's text in pieces; iterating again renders again. */
export type ReportChunks = Iterable<string>;

/** Roughly how much text (in UTF-16 code units) one chunk holds before it is handed on. */
export const CHUNK_CHARS = 1 << 16;

/**
 * Small pieces gathered into chunks of at least `size` code units (the last may be shorter);
 * empty pieces are dropped, and no empty chunk is yielded.
 */
export function* batched(pieces: Iterable<string>, size: number = CHUNK_CHARS): Generator<string, void, undefined> {
  let chunk = '';
  for (const piece of pieces) {
    chunk += piece;
    if (chunk.length >= size) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/** An iterable whose every iteration calls `make` afresh (a generator function, typically). */
export function reiterable(make: () => Iterator<string>): ReportChunks {
  return { [Symbol.iterator]: make };
}

/** The whole text of some chunks (what `renderXxx` returns). */
export function joinChunks(chunks: ReportChunks): string {
  let out = '';
  for (const c of chunks) out += c;
  return out;
}
