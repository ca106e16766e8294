// Terminal column widths for the console table. Input is text already through forTerminal
// (no control characters). An approximation of East Asian Width, good enough to keep the
// table's columns aligned for the text devices actually send.

const ZERO_WIDTH = /^[\p{Mn}\p{Me}]$/u;

/** Wide (two-column) ranges: Hangul Jamo, CJK, Hangul syllables, full-width forms, emoji. */
const WIDE = /^[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]$/u;

function charWidth(ch: string): number {
  if (ZERO_WIDTH.test(ch)) return 0;
  return WIDE.test(ch) ? 2 : 1;
}

/** Columns the text takes on a terminal. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch);
  return w;
}

/** Cut to at most `width` columns, ending with `…` when cut. */
export function truncateToWidth(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const ch of s) {
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
  for (const ch of word) {
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
