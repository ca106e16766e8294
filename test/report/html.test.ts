import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/audit-result.js';
import { VERDICTS } from '../../src/audit/finding.js';
import { formatForExtension, reportFormat } from '../../src/report/formats.js';
import { barScale, countBySite, MIN_SEGMENT, renderSiteChart, VERDICT_COLORS, type SiteCounts } from '../../src/report/html-chart.js';
import { html } from '../../src/report/html-escape.js';
import { CONTENT_SECURITY_POLICY, renderHtml } from '../../src/report/html.js';
import { inReportOrder } from '../../src/report/order.js';
import { debianProgram } from '../helpers/debian-program.js';
import {
  FLEET,
  FLEET_WITH_HOSTILE,
  HOSTILE_MODEL,
  HOSTILE_NAME,
  HOSTILE_SYSNAME,
  RAW_CONTROL,
  atRisk1U,
  hostile,
  renderContext,
} from '../fixtures/results.js';

const META = { version: '0.1.0', generatedAt: new Date('2025-01-02T03:04:05Z'), advisories: renderContext().advisories };
const page = renderHtml(FLEET_WITH_HOSTILE, META);

// ---------------------------------------------------------------------------------------------
// A small tag scanner: enough for markup this renderer writes (every attribute double-quoted).
// Escaped text cannot hold '<', so every '<' in the page opens a real tag.

interface Tag {
  readonly name: string;
  readonly attrs: ReadonlyArray<readonly [string, string]>;
}

function tags(doc: string): Tag[] {
  const out: Tag[] = [];
  for (const m of doc.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*\/?>/g)) {
    const attrs = [...(m[2] ?? '').matchAll(/([^\s=>/]+)(?:="([^"]*)")?/g)].map((a) => [a[1] ?? '', a[2] ?? ''] as const);
    out.push({ name: (m[1] ?? '').toLowerCase(), attrs });
  }
  return out;
}

/** Text of every element with the given class, tags stripped. */
function textOf(doc: string, pattern: RegExp): string[] {
  return [...doc.matchAll(pattern)].map((m) => (m[1] ?? '').replace(/<[^>]*>/g, ''));
}

const ALLOWED_TAGS = new Set(
  'html head meta title style body header main section footer div h1 h2 p strong span time ul li dl dt dd figure figcaption table caption thead tbody tfoot tr th td svg g defs pattern rect text desc'.split(
    ' ',
  ),
);

// ---------------------------------------------------------------------------------------------

describe('renderHtml: a self-contained page', () => {
  it('is an HTML5 document in English with a charset and a title', () => {
    expect(page.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')).toBe(true);
    expect(page.trimEnd().endsWith('</html>')).toBe(true);
    expect(page).toContain('<title>Rack ATS audit: 3 at risk of 8 (2025-01-02 03:04:05 UTC)</title>');
  });

  it('has a Content-Security-Policy, right after the charset, that forbids every load and script', () => {
    const meta = tags(page).find((t) => t.name === 'meta' && t.attrs.some(([k, v]) => k === 'http-equiv' && v === 'Content-Security-Policy'));
    const policy = meta?.attrs.find(([k]) => k === 'content')?.[1] ?? '';
    expect(policy).toBe(CONTENT_SECURITY_POLICY);
    expect(page.indexOf('Content-Security-Policy')).toBeLessThan(page.indexOf('<title>'));
    const directives = new Map(policy.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    for (const d of ['script-src', 'img-src', 'font-src', 'connect-src', 'base-uri', 'form-action']) expect(directives.get(d), d).toEqual(["'none'"]);
    // Only the page's own style sheet, by hash: not 'unsafe-inline'.
    const css = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? '';
    expect(directives.get('style-src')).toEqual([`'sha256-${createHash('sha256').update(css).digest('base64')}'`]);
  });

  it('loads nothing: no script, link, image, font, frame, remote URL or event handler', () => {
    const all = tags(page);
    expect(all.length).toBeGreaterThan(100);
    for (const t of all) {
      expect(ALLOWED_TAGS.has(t.name), `<${t.name}>`).toBe(true);
      for (const [k, v] of t.attrs) {
        expect(k, `<${t.name} ${k}>`).not.toMatch(/^(on|href$|src$|xlink:|srcset$|action$|style$)/i);
        expect(v, `<${t.name} ${k}="${v}">`).not.toMatch(/(https?:|\/\/|javascript:|data:)/i);
      }
    }
    const css = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? '';
    expect(css).not.toMatch(/@import|url\(|@font-face/i);
    // The only url() is the SVG's reference to its own hatch pattern.
    expect([...page.matchAll(/url\(([^)]*)\)/g)].map((m) => m[1])).toEqual(expect.arrayContaining(['#hatch-at-risk']));
    expect(new Set([...page.matchAll(/url\(([^)]*)\)/g)].map((m) => m[1]))).toEqual(new Set(['#hatch-at-risk']));
  });
});

describe('renderHtml: untrusted text', () => {
  it('shows markup from a device as text, never as markup', () => {
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toMatch(/<img|<svg onload/i);
    expect(page).toContain(html(HOSTILE_MODEL));
    expect(html(HOSTILE_MODEL)).toBe('AP7721&quot;&gt;&lt;svg onload=alert(4)&gt;');
  });

  it('cannot break out of an attribute value', () => {
    for (const t of tags(page)) for (const [k] of t.attrs) expect(k).toMatch(/^(lang|charset|http-equiv|content|name|class|id|datetime|title|scope|viewBox|width|height|role|aria-labelledby|x|y|rx|fill|fill-opacity|text-anchor|patternUnits|patternTransform)$/);
    expect(page).toContain('&quot; onmouseover=&quot;alert(2)&quot; x=&#39;y\\z\\nnext');
    expect(page).toContain('v3.7.1&#39; autofocus onfocus=&#39;alert(5)');
    // Site names also go into SVG tooltips and desc, escaped there too.
    expect(page).toContain('&lt;img src=x onerror=alert(3)&gt;\\u202eevil');
  });

  it('writes no raw control, bidi or line-separator character', () => {
    expect(page).not.toMatch(RAW_CONTROL);
    expect(page).toContain('\\u202eevil');
    expect(page).toContain('&amp;amp; \\u2028');
  });

  it('escapes the five markup characters and controls', () => {
    expect(html(`a&b<c>d"e'f\x1b\u202e`)).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;f\\x1b\\u202e');
    expect(html('Zürich Süd')).toBe('Zürich Süd');
  });
});

describe('renderHtml: content', () => {
  const cards = [...page.matchAll(/<li class="v-[a-z-]+(?: zero)?"><span class="n">(\d+)<\/span><span class="badge v-[a-z-]+">([a-z-]+)<\/span>/g)].map((m) => [m[1], m[2]]);

  it('counts units by verdict at the top, every verdict, zeros included', () => {
    expect(page.indexOf('Units by verdict')).toBeLessThan(page.indexOf('Units by site'));
    expect(page.indexOf('Units by site')).toBeLessThan(page.indexOf('<table class="units">'));
    expect(cards).toEqual([
      ['3', 'at-risk'],
      ['1', 'unknown'],
      ['1', 'unreachable'],
      ['1', 'safe-to-upgrade'],
      ['1', 'not-affected'],
      ['1', 'not-ats'],
    ]);
    expect(page).toMatch(/<strong>3 units are at risk<\/strong>/);
    expect(renderHtml([atRisk1U], META)).toMatch(/<strong>1 unit is at risk<\/strong>: do not upgrade it/);
  });

  it('counts units by site, sites in name order and units without a site last', () => {
    const table = /<table class="sites">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? '';
    const rows = [...table.matchAll(/<tr><th scope="row">([\s\S]*?)<\/th>([\s\S]*?)<\/tr>/g)].map((m) => [
      (m[1] ?? '').replace(/<[^>]*>/g, ''),
      ...textOf(m[2] ?? '', /<td[^>]*>([\s\S]*?)<\/td>/g),
    ]);
    expect(rows).toEqual([
      ['&lt;img src=x onerror=alert(3)&gt;\\u202eevil', '1', '0', '0', '0', '0', '0', '1'],
      ['dc1', '1', '0', '0', '1', '1', '1', '4'],
      ['Zürich Süd', '1', '1', '0', '0', '0', '0', '2'],
      ['(no site)', '0', '0', '1', '0', '0', '0', '1'],
      ['All sites', '3', '1', '1', '1', '1', '1', '8'],
    ]);
  });

  it('draws one bar per site, split by verdict, with a legend and text labels', () => {
    const svg = /<svg[\s\S]*?<\/svg>/.exec(page)?.[0] ?? '';
    expect(svg).toMatch(/^<svg class="chart" viewBox="0 0 960 \d+" width="960" height="\d+" role="img" aria-labelledby="fleet-chart-title fleet-chart-desc">/);
    expect(svg).toContain('<title id="fleet-chart-title">Units per site, by verdict</title>');
    expect(svg).toContain('<desc id="fleet-chart-desc">');
    const legend = textOf(svg, /<g class="legend-item">([\s\S]*?)<\/g>/g);
    expect(legend).toEqual([...VERDICTS]);
    const bars = [...svg.matchAll(/<g class="site-bar">([\s\S]*?)<\/g>/g)].map((m) => m[1] ?? '');
    expect(bars).toHaveLength(4);
    // dc1: four segments (at-risk, safe, not-affected, not-ats), as wide as the count says.
    const dc1 = bars[1] ?? '';
    expect(dc1).toContain('>dc1</text>');
    const widths = [...dc1.matchAll(/<rect [^>]*width="([\d.]+)"[^>]*fill="([^"]+)"/g)].map((m) => [Number(m[1]), m[2]]);
    expect(widths.map((w) => w[1])).toEqual(['url(#hatch-at-risk)', VERDICT_COLORS['safe-to-upgrade'].fill, VERDICT_COLORS['not-affected'].fill, VERDICT_COLORS['not-ats'].fill]);
    const unit = Number(widths[0]?.[0]);
    for (const [w] of widths) expect(w).toBeCloseTo(unit, 0);
    expect(dc1).toMatch(/<text class="total"[^>]*>4<\/text>/);
    expect(bars[3]).toContain('>(no site)</text>');
  });

  it('keeps a site with one unit visible beside one with thousands, every bar inside the picture', () => {
    const zero = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as SiteCounts['byVerdict'];
    const sites: SiteCounts[] = [
      { site: 'big', byVerdict: { ...zero, 'at-risk': 1, 'safe-to-upgrade': 9000, 'not-ats': 999 }, total: 10_000 },
      { site: 'small', byVerdict: { ...zero, unknown: 1 }, total: 1 },
      { site: 'mixed', byVerdict: { ...zero, 'at-risk': 1, unknown: 1, unreachable: 1, 'safe-to-upgrade': 1, 'not-affected': 1, 'not-ats': 9995 }, total: 10_000 },
    ];
    const svg = renderSiteChart(sites);
    const bars = [...svg.matchAll(/<g class="site-bar">([\s\S]*?)<\/g>/g)].map((m) => m[1] ?? '');
    const rects = (bar: string) => [...bar.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => ({ x: Number(m[1]), w: Number(m[2]) }));
    for (const bar of bars) {
      const r = rects(bar);
      for (const { w } of r) expect(w).toBeGreaterThanOrEqual(MIN_SEGMENT);
      const end = Math.max(...r.map(({ x, w }) => x + w));
      // Label column 220 px, bar area up to 960 - 56 - 12; the total is drawn after the bar.
      expect(end).toBeLessThanOrEqual(960 - 56 - 12 + 220 + 0.1);
    }
    expect(rects(bars[1]!)).toHaveLength(1);
    expect(bars[1]).toMatch(/<text class="total"[^>]*>1<\/text>/);
    // Larger counts still get wider segments.
    const big = rects(bars[0]!);
    expect(big[1]!.w).toBeGreaterThan(big[2]!.w);
    expect(big[2]!.w).toBeGreaterThan(big[0]!.w);
    expect(barScale(sites)).toBeGreaterThan(0);
    expect(countBySite([])).toEqual([]);
  });

  it('cuts a long site name in the picture but not in the table', () => {
    const long = { ...atRisk1U, target: { ...atRisk1U.target, site: 'Frankfurt am Main, Hanauer Landstraße 300, hall 4' } };
    const doc = renderHtml([long], META);
    const svg = /<svg[\s\S]*?<\/svg>/.exec(doc)?.[0] ?? '';
    expect(svg).toMatch(/>Frankfurt am Main, Hanauer…<\/text>/);
    expect(svg).toContain('<title>Frankfurt am Main, Hanauer Landstraße 300, hall 4: 1 unit, 1 at-risk</title>');
    expect(doc).toContain('<th scope="row">Frankfurt am Main, Hanauer Landstraße 300, hall 4</th>');
  });

  it('lists every unit, worst first in the console table order, with reason and action', () => {
    const table = /<table class="units">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? '';
    expect(table).toMatch(/^\n<caption>All 8 units, worst verdict first/);
    const headers = textOf(table, /<th scope="col">([\s\S]*?)<\/th>/g);
    expect(headers).toEqual(['Verdict', 'Unit', 'Site', 'Model', 'Firmware', 'Primary', 'Secondary live', 'Load', 'Reason', 'Action']);
    const rows = [...table.matchAll(/<tr class="v-([a-z-]+)">([\s\S]*?)<\/tr>/g)];
    const expected = inReportOrder(FLEET_WITH_HOSTILE);
    expect(rows.map((m) => m[1])).toEqual(expected.map((r) => r.finding.verdict));
    expect(rows.slice(0, 3).map((m) => m[1])).toEqual(['at-risk', 'at-risk', 'at-risk']);
    // The hostile unit's site starts with '<', which sorts before dc1.
    expect(rows[0]?.[2]).toContain('10.0.0.66');
    const first = rows[1]?.[2] ?? '';
    expect(first).toContain('<th scope="row"><strong>ats-r12</strong><span class="sub mono host">10.0.0.10</span></th>');
    expect(first).toContain('<span class="nobreak">AOS v3.7.4</span><span class="sub nobreak">app v3.7.1</span>');
    expect(first).toContain('<span class="nobreak">AP7721</span><span class="sub mono nobreak">5A1234E01234</span>');
    expect(first).toContain(`<td class="load">yes<span class="sub">4.2 A</span></td>`);
    expect(first).toContain(html(atRisk1U.finding.reason));
    expect(first).toContain(html(atRisk1U.finding.action));
    // Port shown when it is not 161; blanks are marked, not left empty.
    expect(table).toContain('10.0.1.2:1161');
    const unreachableRow = rows.find((m) => m[1] === 'unreachable')?.[2] ?? '';
    expect(unreachableRow.match(/class="blank"/g)?.length).toBe(6);
  });

  it('shows the hostile unit with its device text escaped', () => {
    const table = /<table class="units">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? '';
    const row = [...table.matchAll(/<tr class="v-at-risk">([\s\S]*?)<\/tr>/g)].map((m) => m[1] ?? '').find((r) => r.includes('10.0.0.66')) ?? '';
    expect(row).toContain(`<strong>${html(HOSTILE_NAME)}</strong>`);
    expect(row).toContain(`sysName ${html(HOSTILE_SYSNAME)}`);
    expect(row).toContain(html(hostile.finding.reason));
  });

  it('explains every verdict in the footer', () => {
    const footer = /<footer>([\s\S]*?)<\/footer>/.exec(page)?.[1] ?? '';
    expect(textOf(footer, /<dt>([\s\S]*?)<\/dt>/g)).toEqual([...VERDICTS]);
  });

  it('says so when there are no units', () => {
    const empty = renderHtml([], META);
    expect(empty).toContain('No units were audited.');
    expect(empty).not.toContain('<table');
    expect(empty).not.toContain('<svg');
  });

  it('is registered as html, for .html and .htm', () => {
    expect(formatForExtension('fleet.html')).toBe('html');
    expect(formatForExtension('FLEET.HTM')).toBe('html');
    expect(reportFormat('html').render(FLEET_WITH_HOSTILE, renderContext())).toBe(page);
    expect(reportFormat('html').line).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Rendering in a real browser: Debian's headless chromium takes a screenshot of a sample
// report; the PNG must be a real picture showing the verdict colours. Set
// ATS_AUDIT_SCREENSHOT=path/to.png to keep the screenshot (and the page, as path/to.html).

// Skipped where chromium is not installed, except in CI (where its absence fails).
const chromiumProgram = debianProgram('chromium', 'chromium');
const BROWSER_TIMEOUT_MS = 90_000;

interface Png {
  readonly width: number;
  readonly height: number;
  /** RGB triplets, row by row. */
  readonly rgb: Uint8Array;
}

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what chromium writes). */
function decodePng(buf: Buffer): Png {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colorType, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      expect({ depth, interlace }).toEqual({ depth: 8, interlace: 0 });
      channels = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
      expect(channels, `colour type ${colorType}`).toBeGreaterThan(0);
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? (pixels[y * stride + x - channels] ?? 0) : 0;
      const b = y > 0 ? (pixels[(y - 1) * stride + x] ?? 0) : 0;
      const c = x >= channels && y > 0 ? (pixels[(y - 1) * stride + x - channels] ?? 0) : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter ?? 0] ?? 0;
      pixels[y * stride + x] = ((line[x] ?? 0) + predictor) & 0xff;
    }
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb.set(pixels.subarray(i * channels, i * channels + 3), i * 3);
  return { width, height, rgb };
}

function countColor(png: Png, hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < png.rgb.length; i += 3) {
    if (Math.abs((png.rgb[i] ?? 0) - (r ?? 0)) <= 2 && Math.abs((png.rgb[i + 1] ?? 0) - (g ?? 0)) <= 2 && Math.abs((png.rgb[i + 2] ?? 0) - (b ?? 0)) <= 2) n++;
  }
  return n;
}

describe.skipIf(chromiumProgram.skip)('renderHtml in headless chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ats-audit-html-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function chromium(...args: string[]) {
    // A fresh profile, and nothing that would reach the network on its own.
    return spawnSync(
      chromiumProgram.require(),
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        `--user-data-dir=${mkdtempSync(join(dir, 'profile-'))}`,
        ...args,
      ],
      { timeout: BROWSER_TIMEOUT_MS, encoding: 'utf8', killSignal: 'SIGKILL' },
    );
  }

  const file = join(dir, 'report.html');
  writeFileSync(file, renderHtml([...FLEET_WITH_HOSTILE, ...FLEET.map((r, i): AuditResult => ({ ...r, target: { ...r.target, host: `10.9.0.${i}` } }))], META));

  it(
    'renders a non-trivial picture with the verdict colours in it',
    () => {
      const png = join(dir, 'report.png');
      const run = chromium(`--screenshot=${png}`, '--window-size=1280,1600', `file://${file}`);
      expect(run.error, run.stderr).toBeUndefined();
      expect(existsSync(png), run.stderr).toBe(true);
      expect(statSync(png).size).toBeGreaterThan(40_000);
      const keep = process.env.ATS_AUDIT_SCREENSHOT;
      if (keep) {
        copyFileSync(png, keep);
        copyFileSync(file, keep.replace(/(\.png)?$/, '.html'));
      }
      const image = decodePng(readFileSync(png));
      expect({ width: image.width, height: image.height }).toEqual({ width: 1280, height: 1600 });
      // Flat fills of each verdict colour: badges and bar segments were drawn.
      for (const v of VERDICTS) expect(countColor(image, VERDICT_COLORS[v].fill), v).toBeGreaterThan(200);
      expect(countColor(image, '#ffffff')).toBeLessThan(image.width * image.height * 0.95);
    },
    BROWSER_TIMEOUT_MS + 10_000,
  );

  it(
    'holds no script or event handler once parsed by the browser',
    () => {
      const run = chromium('--dump-dom', `file://${file}`);
      expect(run.error, run.stderr).toBeUndefined();
      expect(run.stdout).toContain('<table class="units">');
      const parsed = tags(run.stdout);
      expect(parsed.filter((t) => !ALLOWED_TAGS.has(t.name)).map((t) => t.name)).toEqual([]);
      expect(parsed.flatMap((t) => t.attrs.filter(([k]) => /^on/i.test(k)))).toEqual([]);
      expect(run.stdout).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    },
    BROWSER_TIMEOUT_MS + 10_000,
  );
  it(
    'never breaks a version, a serial or a model in the middle, even in a narrow window',
    () => {
      const long: AuditResult = {
        ...FLEET[3]!,
        identity: { ...FLEET[3]!.identity, model: 'AP7722A-EXTRA-LONG-MODEL', serial: '5A1234E01234567890ABCDEF', aosVersion: 'v3.7.4-rc.20240101.1234', appVersion: 'v3.7.1-beta.20240101.5678' },
      };
      // The report itself runs no script (its CSP forbids it); this copy, for measuring only,
      // drops the CSP and counts the line boxes of every no-break span after layout.
      const page = renderHtml([long, ...FLEET], META)
        .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '')
        .replace(
          '</body>',
          `<script>const spans=[...document.querySelectorAll('.nobreak')];document.body.setAttribute('data-spans',spans.length);document.body.setAttribute('data-broken',spans.filter((e)=>e.getClientRects().length!==1).map((e)=>e.textContent).join('|'));</script></body>`,
        );
      const measure = join(dir, 'measure.html');
      writeFileSync(measure, page);
      const run = chromium('--window-size=480,2000', '--dump-dom', `file://${measure}`);
      expect(run.error, run.stderr).toBeUndefined();
      const spans = Number(/data-spans="(\d+)"/.exec(run.stdout)?.[1]);
      expect(spans).toBeGreaterThanOrEqual(3 * (FLEET.length + 1) - 6);
      expect(/data-broken="([^"]*)"/.exec(run.stdout)?.[1]).toBe('');
    },
    BROWSER_TIMEOUT_MS + 10_000,
  );
});
