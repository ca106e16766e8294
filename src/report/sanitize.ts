// Device and inventory text is untrusted: a unit can put anything in sysName or sysLocation.
// These pure functions make such text safe for the place it is written to, while keeping it
// readable (nothing is dropped silently: a control character is shown as its escape).

/** Longest value (in characters, after escaping) shown in a console table cell. */
export const TERMINAL_MAX_CHARS = 120;

const ELLIPSIS = '…';

/**
 * Characters a terminal (or a spreadsheet, or a text viewer) may act on rather than show:
 * C0 controls, DEL and C1 controls (Cc, which includes ESC, BEL and the 8-bit CSI 0x9b),
 * format characters (Cf: bidi overrides and isolates, zero-width characters, BOM),
 * lone surrogates (Cs) and the Unicode line/paragraph separators (Zl, Zp).
 */
const UNSAFE_CHAR = /^[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]$/u;
const UNSAFE_CHARS = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0');
}

/** The visible escape of one unsafe character: `\t`, `\x1b`, `\u202e`, `\u{e0001}`. */
function escapeChar(ch: string): string {
  const short = SHORT_ESCAPES[ch];
  if (short) return short;
  const cp = ch.codePointAt(0) ?? 0;
  if (cp <= 0xff) return `\\x${hex(cp, 2)}`;
  if (cp <= 0xffff) return `\\u${hex(cp, 4)}`;
  return `\\u{${hex(cp, 1)}}`;
}

/** Replace every unsafe character with its visible escape; everything else is kept as is. */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE_CHARS, escapeChar);
}

/**
 * Text for a terminal: control characters and escape sequences (ESC, CSI 0x9b, OSC, BEL...)
 * are shown escaped (`\x1b]0;pwned\x07`), so nothing a device sends can move the cursor,
 * clear the screen, retitle the window or inject a hyperlink. Values longer than `maxChars`
 * characters (counted after escaping, by code point) are cut and end with `…`; an escape is
 * never cut in half.
 */
export function forTerminal(s: string, maxChars: number = TERMINAL_MAX_CHARS): string {
  const limit = Math.max(1, Math.floor(maxChars));
  let out = '';
  let used = 0;
  /** Length of `out` at the last point where an ellipsis would still fit within `limit`. */
  let keep = 0;
  for (const ch of s) {
    const piece = UNSAFE_CHAR.test(ch) ? escapeChar(ch) : ch;
    const width = piece === ch ? 1 : piece.length;
    if (used + width > limit) return out.slice(0, keep) + ELLIPSIS;
    out += piece;
    used += width;
    if (used <= limit - 1) keep = out.length;
  }
  return out;
}

/**
 * First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection):
 * `=`, `+`, `-`, `@`, tab and CR, and - defensively - their full-width forms. Leading spaces
 * are skipped before the check, since some importers trim them.
 */
const FORMULA_START = /^ *[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/u;

/**
 * A CSV cell holding untrusted text (device or inventory). Control characters are escaped
 * as in {@link escapeControls} (so a cell never holds a raw newline, tab or ESC), and a cell
 * that would start a formula gets a leading `'`, which spreadsheets show as text: `=1+1`
 * becomes `'=1+1`. Not for numbers the tool produces itself.
 */
export function forCsvCell(s: string): string {
  const escaped = escapeControls(s);
  return FORMULA_START.test(s) ? `'${escaped}` : escaped;
}

/** What JSON.stringify leaves raw inside strings (it escapes C0 and lone surrogates itself). */
const JSON_UNSAFE_CHARS = /[\x7f-\x9f\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

/**
 * Serialized JSON made safe to `cat`: JSON.stringify already escapes C0 controls and lone
 * surrogates, but leaves DEL, C1 controls (the 8-bit CSI 0x9b), bidi and zero-width
 * characters and U+2028/U+2029 raw. Those are rewritten as `\uXXXX` escapes, which any JSON
 * parser reads back to the same string. Only valid on JSON text: these characters can only
 * occur inside string literals there (the whitespace between tokens is left alone).
 */
export function forJsonText(json: string): string {
  return json.replace(JSON_UNSAFE_CHARS, (ch) => {
    let out = '';
    for (let i = 0; i < ch.length; i++) out += `\\u${hex(ch.charCodeAt(i), 4)}`;
    return out;
  });
}
