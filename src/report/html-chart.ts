// The HTML report's picture: one horizontal bar per site, split by verdict, drawn as inline
// SVG (no script, no external file). Every segment carries its count as text, the at-risk
// colour is also hatched, and the legend names each colour, so nothing depends on telling
// colours apart. Only presentation attributes are used (no style="" attributes), which the
// report's Content-Security-Policy would block.

import type { AuditResult } from '../audit/audit-result.js';
import { VERDICTS, type Verdict } from '../audit/finding.js';
import { html } from './html-escape.js';
import { escapeControls } from './sanitize.js';
import { truncateToWidth } from './text-width.js';

/** Fill for the verdict's colour, and the text colour that reads on it (WCAG AA). */
export const VERDICT_COLORS: Readonly<Record<Verdict, { readonly fill: string; readonly ink: string }>> = {
  'at-risk': { fill: '#c62828', ink: '#ffffff' },
  unknown: { fill: '#e69f00', ink: '#1b1f24' },
  unreachable: { fill: '#7a4fa0', ink: '#ffffff' },
  'safe-to-upgrade': { fill: '#1b7f5a', ink: '#ffffff' },
  'not-affected': { fill: '#4f6d8a', ink: '#ffffff' },
  'not-ats': { fill: '#c9ced4', ink: '#1b1f24' },
};

/** What each verdict means, in a few words, for the legend and the summary. */
export const VERDICT_MEANING: Readonly<Record<Verdict, string>> = {
  'at-risk': 'on the bulletin, secondary live and load attached: the upgrade can destroy it',
  unknown: 'could not tell whether the upgrade is safe: check on site',
  unreachable: 'no usable SNMP answer',
  'safe-to-upgrade': 'on the bulletin, but no live secondary or no load right now',
  'not-affected': 'a Rack ATS that is not on the bulletin',
  'not-ats': 'not a Rack ATS',
};

export const NO_SITE = '(no site)';

export interface SiteCounts {
  /** undefined: units with no site in the inventory. */
  readonly site: string | undefined;
  readonly byVerdict: Readonly<Record<Verdict, number>>;
  readonly total: number;
}

const collator = new Intl.Collator('en', { numeric: true });

/** Units per site and verdict; sites in name order (numeric-aware), units without a site last. */
export function countBySite(results: readonly AuditResult[]): SiteCounts[] {
  const sites = new Map<string | undefined, Record<Verdict, number>>();
  for (const r of results) {
    const site = r.target.site || undefined;
    let counts = sites.get(site);
    if (!counts) {
      counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
      sites.set(site, counts);
    }
    counts[r.finding.verdict] += 1;
  }
  return [...sites.entries()]
    .map(([site, byVerdict]) => ({ site, byVerdict, total: VERDICTS.reduce((n, v) => n + byVerdict[v], 0) }))
    .sort((a, b) => (a.site === undefined ? 1 : 0) - (b.site === undefined ? 1 : 0) || collator.compare(a.site ?? '', b.site ?? ''));
}

const WIDTH = 960;
const LABEL_WIDTH = 220;
const TOTAL_WIDTH = 56;
const BAR_AREA = WIDTH - LABEL_WIDTH - TOTAL_WIDTH - 12;
const LEGEND_HEIGHT = 34;
const ROW_HEIGHT = 30;
const BAR_HEIGHT = 20;
/**
 * Every segment is at least this wide, so a site with a handful of units stays visible beside
 * one with thousands: a segment is MIN_SEGMENT plus its share of what is left (see barScale).
 */
export const MIN_SEGMENT = 8;
/** Widest site name drawn, in terminal-style columns; the full name is in a tooltip and in the table. */
const SITE_LABEL_MAX = 28;

/** A number of pixels, to one decimal: small files, no float noise. */
function px(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function legend(): string {
  const step = WIDTH / VERDICTS.length;
  return VERDICTS.map((v, i) => {
    const x = i * step;
    return (
      `<g class="legend-item"><rect x="${px(x)}" y="4" width="16" height="16" rx="3" fill="${fillOf(v)}"/>` +
      `<text x="${px(x + 22)}" y="17">${v}</text></g>`
    );
  }).join('');
}

function fillOf(v: Verdict): string {
  return v === 'at-risk' ? 'url(#hatch-at-risk)' : VERDICT_COLORS[v].fill;
}

/**
 * Pixels per unit, after each segment's MIN_SEGMENT: the largest scale at which every site's
 * bar (MIN_SEGMENT per non-empty segment, plus its units) fits in the bar area.
 */
export function barScale(sites: readonly SiteCounts[]): number {
  return Math.min(
    ...sites.map((s) => {
      const segments = VERDICTS.filter((v) => s.byVerdict[v] > 0).length;
      return s.total === 0 ? Infinity : (BAR_AREA - MIN_SEGMENT * segments) / s.total;
    }),
  );
}

function bar(s: SiteCounts, row: number, perUnit: number): string {
  const y = LEGEND_HEIGHT + row * ROW_HEIGHT;
  const barY = y + (ROW_HEIGHT - BAR_HEIGHT) / 2;
  const textY = barY + BAR_HEIGHT / 2 + 4.5;
  const name = s.site === undefined ? NO_SITE : escapeControls(s.site);
  const label = truncateToWidth(name, SITE_LABEL_MAX).replace(/\s+…$/u, '…');
  const parts: string[] = [
    `<g class="site-bar">`,
    `<title>${html(`${name}: ${s.total} ${s.total === 1 ? 'unit' : 'units'}, ${VERDICTS.filter((v) => s.byVerdict[v] > 0).map((v) => `${s.byVerdict[v]} ${v}`).join(', ')}`)}</title>`,
    `<text class="site${s.site === undefined ? ' no-site' : ''}" x="${LABEL_WIDTH - 10}" y="${px(textY)}" text-anchor="end">${html(label)}</text>`,
  ];
  let x = LABEL_WIDTH;
  for (const v of VERDICTS) {
    const n = s.byVerdict[v];
    if (n === 0) continue;
    const w = MIN_SEGMENT + n * perUnit;
    parts.push(`<rect x="${px(x)}" y="${px(barY)}" width="${px(w)}" height="${BAR_HEIGHT}" fill="${fillOf(v)}"><title>${html(`${name}: ${n} ${v}`)}</title></rect>`);
    // A count only where it fits; the tooltip, the total and the table below always have it.
    if (w >= 10 + 8 * String(n).length) {
      parts.push(
        `<text class="count" x="${px(x + w / 2)}" y="${px(textY)}" text-anchor="middle" fill="${VERDICT_COLORS[v].ink}">${n}</text>`,
      );
    }
    x += w;
  }
  parts.push(`<text class="total" x="${px(x + 8)}" y="${px(textY)}">${s.total}</text>`, `</g>`);
  return parts.join('');
}

/** The picture, or '' when there are no units. `titleId` must be unique in the page. */
export function renderSiteChart(sites: readonly SiteCounts[], titleId = 'fleet-chart'): string {
  if (sites.length === 0) return '';
  const perUnit = barScale(sites);
  const height = LEGEND_HEIGHT + sites.length * ROW_HEIGHT + 6;
  const desc = sites
    .map((s) => `${s.site === undefined ? NO_SITE : escapeControls(s.site)}: ${VERDICTS.filter((v) => s.byVerdict[v] > 0).map((v) => `${s.byVerdict[v]} ${v}`).join(', ')}`)
    .join('; ');
  return [
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-labelledby="${titleId}-title ${titleId}-desc">`,
    `<title id="${titleId}-title">Units per site, by verdict</title>`,
    `<desc id="${titleId}-desc">${html(desc)}</desc>`,
    // White stripes over the at-risk red: a cue that survives greyscale printing and colour blindness.
    `<defs><pattern id="hatch-at-risk" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">`,
    `<rect width="8" height="8" fill="${VERDICT_COLORS['at-risk'].fill}"/><rect width="2.5" height="8" fill="#ffffff" fill-opacity="0.35"/></pattern></defs>`,
    legend(),
    ...sites.map((s, i) => bar(s, i, perUnit)),
    `</svg>`,
  ].join('\n');
}
