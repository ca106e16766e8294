import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/audit-result.js';
import { renderTable } from '../../src/report/table.js';
import stringWidth from 'string-width';
import { displayWidth, NARROW_TEXT } from '../../src/report/text-width.js';
import * as fx from '../fixtures/results.js';

// The console table fits the terminal: no line wider than asked, no host cut, and the reason
// and action wrap. Six units on neighbouring addresses and a non-default port are the case
// that used to read `127.1.11.20…` six times.

const neighbours: AuditResult[] = [200, 201, 202, 203, 204, 205].map((n, i) => ({
  ...(i % 2 === 0 ? fx.atRisk1U : fx.unknown2U),
  target: { host: `127.1.11.${n}`, port: 16161, origin: `fleet.csv:${i + 2}` },
}));

const widest = (text: string) => Math.max(...text.split('\n').map(displayWidth));

describe('renderTable at the width of the terminal', () => {
  for (const width of [60, 80, 100, 132]) {
    it(`keeps every line within ${width} columns and shows every host whole`, () => {
      const text = renderTable([...neighbours, ...fx.FLEET], { color: false, width });
      expect(widest(text)).toBeLessThanOrEqual(width);
      expect(text).not.toContain('…');
      for (const r of neighbours) expect(text).toContain(`${r.target.host}:16161`);
      for (const r of fx.FLEET) expect(text).toContain(r.target.host);
    });
  }

  it('folds the least needed columns under the row rather than cutting cells (80 columns)', () => {
    const lines = renderTable([...neighbours, fx.safe], { color: false, width: 80 }).split('\n');
    expect(lines[0]).toMatch(/^VERDICT\s+HOST\s+SITE\s+MODEL\s+PRIMARY/);
    expect(lines[0]).not.toContain('AOS/APP');
    const row = lines.findIndex((l) => l.includes('127.1.11.200:16161'));
    expect(lines[row + 1]).toMatch(/^ {17}AOS\/app v3\.7\.4\/v3\.7\.1$/);
  });

  it('keeps all columns on one line when they fit', () => {
    const lines = renderTable(neighbours, { color: false, width: 132 }).split('\n');
    expect(lines[0]).toMatch(/^VERDICT\s+HOST\s+MODEL\s+AOS\/APP\s+PRIMARY\s+SEC LIVE\s+LOAD$/);
  });

  it('wraps reason and action text instead of running past the edge', () => {
    const longReason = { ...fx.atRisk1U, finding: { ...fx.atRisk1U.finding, reason: 'word '.repeat(60).trim(), action: 'act '.repeat(60).trim() } };
    const text = renderTable([longReason], { color: false, width: 80 });
    expect(widest(text)).toBeLessThanOrEqual(80);
    expect(text.split('\n').filter((l) => /^ +word word/.test(l)).length).toBeGreaterThan(3);
    expect(text.split('\n').filter((l) => /^ {4}act act/.test(l)).length).toBeGreaterThan(2);
  });

  it('wraps a host longer than the terminal inside its column, never cutting it', () => {
    const host = `ats-${'very-long-label-'.repeat(6)}example.net`;
    const r = { ...fx.safe, target: { ...fx.safe.target, host, port: 161 } };
    const text = renderTable([r], { color: false, width: 60 });
    expect(widest(text)).toBeLessThanOrEqual(60);
    expect(text.replace(/\s+/g, '')).toContain(host);
  });

  it('breaks the summary between counts when it is wider than the terminal', () => {
    const lines = renderTable(fx.FLEET, { color: false, width: 60 }).trimEnd().split('\n');
    const at = lines.findIndex((l) => /^\d+ units:/.test(l));
    const summary = lines.slice(at).join(' ').replace(/\s+/g, ' ');
    expect(summary).toBe('7 units: 2 at-risk, 1 unknown, 1 unreachable, 1 safe-to-upgrade, 1 not-affected, 1 not-ats');
    expect(lines.length - at).toBeGreaterThan(1);
  });
});

describe('renderTable with a baseline', () => {
  it("shows each unit's change in a CHANGE column", () => {
    const changed: AuditResult[] = [
      { ...fx.atRisk1U, change: { key: '10.0.0.10:161', kinds: ['new-at-risk'], previousVerdict: 'safe-to-upgrade' } },
      { ...fx.safe, change: { key: '10.0.0.9:161', kinds: ['unchanged'], previousVerdict: 'safe-to-upgrade' } },
      { ...fx.unreachable, change: { key: 'ats-gone.example:161', kinds: ['newly-unreachable'], previousVerdict: 'at-risk' } },
    ];
    const lines = renderTable(changed, { color: false, width: 120, changes: 'since old.csv (3 units): 1 new-at-risk' }).split('\n');
    expect(lines[0]).toMatch(/^VERDICT\s+CHANGE\s+HOST/);
    expect(lines.find((l) => l.includes('10.0.0.10'))).toMatch(/^at-risk\s+new-at-risk\s+10\.0\.0\.10/);
    expect(lines.find((l) => l.includes('10.0.0.9 '))).toMatch(/^safe-to-upgrade\s+unchanged\s+10\.0\.0\.9/);
    expect(lines.find((l) => l.includes('ats-gone'))).toMatch(/^unreachable\s+newly-unreachable\s+ats-gone\.example/);
    expect(lines).toContain('Changes since old.csv (3 units): 1 new-at-risk');
  });

  it('has no CHANGE column without a baseline', () => {
    expect(renderTable(fx.FLEET, { color: false }).split('\n')[0]).not.toContain('CHANGE');
  });
});

describe('displayWidth: the fast path for narrow text', () => {
  it('agrees with string-width on every character it counts as one column', () => {
    let counted = 0;
    for (let code = 0; code <= 0xffff; code++) {
      const ch = String.fromCharCode(code);
      if (!NARROW_TEXT.test(ch)) continue;
      counted++;
      expect(stringWidth(ch), `U+${code.toString(16).padStart(4, '0')}`).toBe(1);
    }
    // Printable ASCII and Latin-1 at least: the fast path is not empty.
    expect(counted).toBeGreaterThan(600);
  });

  it('leaves everything else to string-width (wide, combining, zero-width, emoji)', () => {
    for (const s of ['日本', 'e\u0301', 'a\u200bb', 'soft\u00adhyphen', '👍', '\u2028']) {
      expect(NARROW_TEXT.test(s), s).toBe(false);
      expect(displayWidth(s)).toBe(stringWidth(s));
    }
    expect(displayWidth('no answer after 2000 ms × 2 tries — ok…')).toBe(39);
  });
});
