import { describe, expect, it } from 'vitest';
import { escapeControls, forCsvCell, forJsonText, forTerminal, TERMINAL_MAX_CHARS } from '../../src/report/sanitize.js';

/** Any character a terminal could act on: C0, DEL, C1, bidi/zero-width format chars, lone surrogates. */
const RAW_CONTROL = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u;

describe('forTerminal', () => {
  it('keeps ordinary text as it is', () => {
    expect(forTerminal('AP7721 rack 12, row B (DC-1)')).toBe('AP7721 rack 12, row B (DC-1)');
    expect(forTerminal('Zürich — 機房 ✓')).toBe('Zürich — 機房 ✓');
  });

  it('shows an OSC window-title sequence escaped instead of running it', () => {
    const out = forTerminal('\x1b]0;pwned\x07');
    expect(out).toBe('\\x1b]0;pwned\\x07');
    expect(out).not.toMatch(RAW_CONTROL);
  });

  it('neutralises CSI clear-screen and cursor movement', () => {
    expect(forTerminal('\x1b[2J\x1b[H')).toBe('\\x1b[2J\\x1b[H');
    expect(forTerminal('a\x1b[1A\x1b[2Kb')).toBe('a\\x1b[1A\\x1b[2Kb');
  });

  it('neutralises the 8-bit CSI (U+009B) and other C1 controls', () => {
    expect(forTerminal('\u009b31mred')).toBe('\\x9b31mred');
    expect(forTerminal('\u0085\u009d\u009c')).toBe('\\x85\\x9d\\x9c');
  });

  it('neutralises OSC 8 hyperlinks', () => {
    const out = forTerminal('\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\');
    expect(out).toBe('\\x1b]8;;http://evil.example/\\x1b\\click\\x1b]8;;\\x1b\\');
    expect(out).not.toMatch(RAW_CONTROL);
  });

  it('shows tab, CR, LF, NUL, BEL, backspace and DEL visibly', () => {
    expect(forTerminal('a\tb\rc\nd\0e\x07f\bg\x7f')).toBe('a\\tb\\rc\\nd\\x00e\\x07f\\x08g\\x7f');
  });

  it('escapes bidi overrides, zero-width characters and line separators', () => {
    expect(forTerminal('abc\u202etxt.exe')).toBe('abc\\u202etxt.exe');
    expect(forTerminal('a\u200bb\u2066c\u2069\u2028d\u2029\ufeff')).toBe('a\\u200bb\\u2066c\\u2069\\u2028d\\u2029\\ufeff');
    expect(forTerminal('\u{e0001}')).toBe('\\u{e0001}');
  });

  it('escapes lone surrogates but keeps paired ones and U+FFFD', () => {
    expect(forTerminal('x\ud800y')).toBe('x\\ud800y');
    expect(forTerminal('x\udfffy')).toBe('x\\udfffy');
    expect(forTerminal('emoji \u{1f600}')).toBe('emoji \u{1f600}');
    expect(forTerminal('bad \ufffd byte')).toBe('bad \ufffd byte');
  });

  it('truncates long values with an ellipsis', () => {
    const out = forTerminal('x'.repeat(10_000));
    expect([...out]).toHaveLength(TERMINAL_MAX_CHARS);
    expect(out.endsWith('…')).toBe(true);
    expect(forTerminal('abcdef', 4)).toBe('abc…');
    expect(forTerminal('abcd', 4)).toBe('abcd');
  });

  it('counts escapes after escaping and never cuts one in half', () => {
    const out = forTerminal('\x1b'.repeat(5_000));
    expect(out.length).toBeLessThanOrEqual(TERMINAL_MAX_CHARS);
    expect(out).toMatch(/^(\\x1b)+…$/);
    expect(forTerminal('ab\x1bc', 5)).toBe('ab…');
  });

  it('does not split a surrogate pair when truncating', () => {
    const out = forTerminal('\u{1f600}'.repeat(200), 10);
    expect(out).toBe(`${'\u{1f600}'.repeat(9)}…`);
    expect(out).not.toMatch(RAW_CONTROL);
  });

  it('handles a 10 kB hostile string quickly and safely', () => {
    const nasty = '\x1b]0;x\x07\u009b2J\x1b[5n\ud800'.repeat(700).slice(0, 10_240);
    const started = Date.now();
    const out = forTerminal(nasty);
    expect(Date.now() - started).toBeLessThan(200);
    expect(out).not.toMatch(RAW_CONTROL);
    expect(forTerminal(nasty, Infinity)).not.toMatch(RAW_CONTROL);
  });
});

describe('forCsvCell', () => {
  it('prefixes formula triggers with a single quote, keeping the text readable', () => {
    expect(forCsvCell('=HYPERLINK("http://x")')).toBe(`'=HYPERLINK("http://x")`);
    expect(forCsvCell("=cmd|' /C calc'!A0")).toBe("'=cmd|' /C calc'!A0");
    expect(forCsvCell('+SUM(A1)')).toBe("'+SUM(A1)");
    expect(forCsvCell('-2+3+cmd|x')).toBe("'-2+3+cmd|x");
    expect(forCsvCell('@SUM(1+1)')).toBe("'@SUM(1+1)");
  });

  it('treats a leading tab or CR as a trigger and escapes it', () => {
    expect(forCsvCell('\t=1+1')).toBe("'\\t=1+1");
    expect(forCsvCell('\r=1+1')).toBe("'\\r=1+1");
  });

  it('looks past leading spaces and catches full-width signs', () => {
    expect(forCsvCell('  =1+1')).toBe("'  =1+1");
    expect(forCsvCell('\uff1d1+1')).toBe("'\uff1d1+1");
  });

  it('leaves ordinary text alone, including triggers not at the start', () => {
    expect(forCsvCell('rack 12 = row B')).toBe('rack 12 = row B');
    expect(forCsvCell('v3.7.4')).toBe('v3.7.4');
    expect(forCsvCell('ops@example.com')).toBe('ops@example.com');
    expect(forCsvCell('')).toBe('');
  });

  it('escapes embedded control characters readably', () => {
    expect(forCsvCell('line1\nline2')).toBe('line1\\nline2');
    expect(forCsvCell('\x1b]0;pwned\x07')).toBe('\\x1b]0;pwned\\x07');
    expect(forCsvCell('\u009b31m')).toBe('\\x9b31m');
    expect(forCsvCell('a\ud800b')).toBe('a\\ud800b');
    expect(forCsvCell('a\ufffdb')).toBe('a\ufffdb');
  });

  it('does not truncate', () => {
    const long = 'y'.repeat(10_240);
    expect(forCsvCell(long)).toBe(long);
  });
});

describe('escapeControls', () => {
  it('escapes every control-like character and nothing else', () => {
    let all = '';
    for (let cp = 0; cp < 0x3000; cp++) all += String.fromCodePoint(cp);
    const out = escapeControls(all);
    expect(out).not.toMatch(RAW_CONTROL);
    expect(out).toContain('ÿĀ');
  });
});

describe('forJsonText', () => {
  it('escapes C1, DEL, bidi and separators losslessly', () => {
    const value = { s: '\u009b31m \x7f \u202e \u2028 \u{e0001} \x1b ok \u{1f600}' };
    const text = forJsonText(JSON.stringify(value));
    expect(text).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(text)).toEqual(value);
  });
});
