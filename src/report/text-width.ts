// Terminal column widths for the console table. Input is text already through forTerminal
// (no control characters). Widths come from string-width (East Asian Width, emoji, combining
// marks); this file only cuts, pads and wraps by grapheme so a cluster is never split.
import stringWidth from 'string-width';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

function* clusters(s: string): Generator<string> {
  for (const g of graphemes.segment(s)) yield g.segment;
}

/**
 * Text made only of characters one column wide and one UTF-16 unit long (printable ASCII, Latin-1
 * and the Latin extensions, general punctuation such as × – — …; no combining, zero-width or
 * format character) is as wide as it is long: no need for string-width's segmenting, which
 * costs ~0.3 ms a call and made a 65,536-row table take a minute. A test holds every character
 * of these ranges to string-width's answer.
 */
export const NARROW_TEXT = /^[\x20-\x7e\u00a0-\u00ac\u00ae-\u02ff\u2010-\u2027\u2030-\u205e]*$/;

const charWidth = (cluster: string): number => displayWidth(cluster);

/** Columns the text takes on a terminal. */
export function displayWidth(s: string): number {
  return NARROW_TEXT.test(s) ? s.length : stringWidth(s);
}

/** Cut to at most `width` columns, ending with `…` when cut. */
export function truncateToWidth(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const ch of clusters(s)) {
    const w = charWidth(ch);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return `${out}…`;
}

/** Pad with spaces on the right to `width` columns. */
export function padToWidth(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

/** Split a word longer than `width` columns into pieces that fit. */
function splitWord(word: string, width: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let used = 0;
  for (const ch of clusters(word)) {
    const w = charWidth(ch);
    if (used + w > width && piece) {
      pieces.push(piece);
      piece = '';
      used = 0;
    }
    piece += ch;
    used += w;
  }
  if (piece) pieces.push(piece);
  return pieces;
}

/**
 * Word-wrap to lines of at most `width` columns (`restWidth` for the lines after the first);
 * runs of spaces collapse, and words longer than a line are split.
 */
export function wrapToWidth(s: string, width: number, restWidth: number = width): string[] {
  const lines: string[] = [];
  const limit = () => Math.max(1, lines.length === 0 ? width : restWidth);
  let line = '';
  for (const word of s.split(' ').filter((x) => x !== '')) {
    for (const piece of displayWidth(word) > limit() ? splitWord(word, Math.max(1, Math.min(width, restWidth))) : [word]) {
      if (!line) line = piece;
      else if (displayWidth(line) + 1 + displayWidth(piece) <= limit()) line += ` ${piece}`;
      else {
        lines.push(line);
        line = piece;
      }
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}
