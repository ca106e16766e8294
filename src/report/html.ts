// HTML report: one self-contained file to mail, attach to a change ticket or print. Counts by
// verdict and by site first, then a picture of the fleet by site, then every unit, at-risk
// first (the console table's order). No script, no external CSS, font or image: the
// Content-Security-Policy says so too, so a browser refuses any remote load even if some
// text slipped through unescaped. All device, inventory and bulletin text goes through html().

import { createHash } from 'node:crypto';
import type { Advisory } from '../audit/advisory.js';
import type { AuditResult } from '../audit/audit-result.js';
import { VERDICTS, type Verdict } from '../audit/finding.js';
import { targetKey } from '../targets/target.js';
import { batched, joinChunks, reiterable, type ReportChunks } from './chunks.js';
import { formatAmps } from './columns.js';
import { countBySite, NO_SITE, renderSiteChart, VERDICT_COLORS, VERDICT_MEANING, type SiteCounts } from './html-chart.js';
import { html } from './html-escape.js';
import { summarize, type Summary } from './summary.js';
import { inReportOrder } from './order.js';

export interface HtmlMeta {
  readonly version: string;
  readonly generatedAt: Date;
  readonly advisories: readonly Pick<Advisory, 'id' | 'title'>[];
}

const BLANK = '<span class="blank" title="not known or not applicable">–</span>';

function verdictCss(): string {
  return VERDICTS.map((v) => {
    const c = VERDICT_COLORS[v];
    return `.v-${v}{--v:${c.fill};--ink:${c.ink}}`;
  }).join('\n');
}

const CSS = `
:root{color-scheme:light;--fg:#1b1f24;--muted:#59636e;--line:#d1d9e0;--head:#f3f5f7}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;padding:28px 36px 48px;color:var(--fg);background:#fff;
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans","DejaVu Sans",Arial,sans-serif}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:32px 0 12px;padding-bottom:4px;border-bottom:1px solid var(--line)}
p{margin:0 0 8px}
.meta{color:var(--muted)}
.lead{font-size:16px;margin:14px 0 0}
.mono{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",monospace;font-size:.9em}
.muted,.blank{color:var(--muted)}
${verdictCss()}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;background:var(--v);color:var(--ink);font-weight:600;font-size:.85em;white-space:nowrap}
.counts{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:10px;list-style:none;padding:0;margin:12px 0 0}
.counts li{border:1px solid var(--line);border-top:6px solid var(--v);border-radius:6px;padding:8px 12px}
.counts .n{display:block;font-size:30px;font-weight:700;line-height:1.15;font-variant-numeric:tabular-nums}
.counts .what{display:block;color:var(--muted);font-size:.85em;margin-top:4px}
.counts li.zero{opacity:.6}
.counts li.zero .n{font-weight:400}
figure{margin:8px 0 20px}
figcaption{color:var(--muted);font-size:.85em}
svg.chart{display:block;width:100%;max-width:960px;height:auto;fill:var(--fg)}
svg.chart text{font:13px system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans","DejaVu Sans",Arial,sans-serif}
svg.chart text.count{font-weight:700}
svg.chart text.total{font-weight:700}
svg.chart text.no-site{font-style:italic;fill:var(--muted)}
table{border-collapse:collapse;width:100%}
caption{caption-side:top;text-align:left;font-weight:600;padding:0 0 8px}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:var(--head);border-bottom:2px solid var(--line);font-size:.9em}
.num{text-align:right;font-variant-numeric:tabular-nums}
td.zero{color:#a0a8b0}
table.sites{width:auto;min-width:60%}
table.sites th[scope=row]{font-weight:600}
table.sites tfoot td,table.sites tfoot th{font-weight:700;border-top:2px solid var(--line);border-bottom:0}
table.units{font-size:13px}
table.units td,table.units th[scope=row]{overflow-wrap:anywhere}
table.units th[scope=row]{font-weight:400;min-width:9em}
table.units tbody tr>:first-child{border-left:5px solid var(--v)}
table.units tr.v-at-risk{background:#fdf0ef}
table.units tr.v-unknown{background:#fff8e6}
td.text{min-width:13em}
td.site{min-width:7em}
td.model{min-width:8em}
td.load{white-space:nowrap}
td.fw{min-width:6.5em}
.scroll{overflow-x:auto}
.sub{display:block;color:var(--muted);font-size:.92em}
/* An address, a version or a serial cut at any character reads as a different one. */
.host,.nobreak{white-space:nowrap;overflow-wrap:normal}
footer{margin-top:28px;color:var(--muted);font-size:.85em}
footer dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0 0}
footer dd{margin:0}
@page{size:A4 landscape;margin:12mm}
@media print{
body{padding:0;font-size:11px}
h2{break-after:avoid}
figure,table.sites,.counts{break-inside:avoid}
tr{break-inside:avoid}
table.units{font-size:10px}
.counts{grid-template-columns:repeat(6,1fr)}
}
`;

/** CSP hash of the one inline style sheet: only that exact sheet may apply. */
const CSS_HASH = createHash('sha256').update(CSS).digest('base64');

/**
 * Nothing may be fetched or run: no scripts, frames, fonts, images or connections, and no
 * `<base>` or form could point anywhere. Only the page's own style sheet applies.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${CSS_HASH}'`,
  "img-src 'none'",
  "font-src 'none'",
  "script-src 'none'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function text(s: string | undefined): string {
  return s ? html(s) : BLANK;
}

function badge(v: Verdict): string {
  return `<span class="badge v-${v}">${v}</span>`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function formatTime(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function header(summary: Summary, meta: HtmlMeta): string {
  const bulletins = meta.advisories.map((a) => `${html(a.id)} (${html(a.title)})`).join('; ');
  const worst = summary.byVerdict['at-risk'];
  const lead =
    summary.total === 0
      ? 'No units were audited.'
      : worst > 0
        ? `<strong>${plural(worst, 'unit is', 'units are')} at risk</strong>: do not upgrade ${worst === 1 ? 'it' : 'them'} as they stand (see the action for each below).`
        : 'No unit is at risk right now.';
  return [
    '<header>',
    '<h1>Rack ATS firmware-upgrade audit</h1>',
    `<p class="meta">${plural(summary.total, 'unit')} audited at <time datetime="${meta.generatedAt.toISOString()}">${formatTime(meta.generatedAt)}</time> by ats-audit ${html(meta.version)}${bulletins ? ` against ${bulletins}` : ''}.</p>`,
    `<p class="lead">${lead}</p>`,
    '</header>',
  ].join('\n');
}

function verdictCounts(summary: Summary): string {
  const items = VERDICTS.map((v) => {
    const n = summary.byVerdict[v];
    return `<li class="v-${v}${n === 0 ? ' zero' : ''}"><span class="n">${n}</span>${badge(v)}<span class="what">${VERDICT_MEANING[v]}</span></li>`;
  });
  return ['<section aria-labelledby="h-verdicts">', '<h2 id="h-verdicts">Units by verdict</h2>', '<ul class="counts">', ...items, '</ul>', '</section>'].join('\n');
}

function siteTable(sites: readonly SiteCounts[], summary: Summary): string {
  const cells = (counts: Readonly<Record<Verdict, number>>, tag: 'td' | 'th') =>
    VERDICTS.map((v) => `<${tag} class="num${counts[v] === 0 ? ' zero' : ''}">${counts[v]}</${tag}>`).join('');
  const rows = sites.map(
    (s) =>
      `<tr><th scope="row">${s.site === undefined ? `<span class="muted">${NO_SITE}</span>` : html(s.site)}</th>${cells(s.byVerdict, 'td')}<td class="num"><strong>${s.total}</strong></td></tr>`,
  );
  return [
    '<table class="sites">',
    '<caption>Units by site and verdict</caption>',
    `<thead><tr><th scope="col">Site</th>${VERDICTS.map((v) => `<th scope="col" class="num">${badge(v)}</th>`).join('')}<th scope="col" class="num">Total</th></tr></thead>`,
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    `<tfoot><tr><th scope="row">All sites</th>${cells(summary.byVerdict, 'td')}<td class="num">${summary.total}</td></tr></tfoot>`,
    '</table>',
  ].join('\n');
}

function sites(results: readonly AuditResult[], summary: Summary): string {
  const counts = countBySite(results);
  return [
    '<section aria-labelledby="h-sites">',
    '<h2 id="h-sites">Units by site</h2>',
    '<figure>',
    renderSiteChart(counts),
    '<figcaption>Each bar is one site, split by verdict, worst on the left; the number at the end is the site\'s total.</figcaption>',
    '</figure>',
    siteTable(counts, summary),
    '</section>',
  ].join('\n');
}

/** Host, with :port when it is not the SNMP default (as in the console table). */
function hostLabel(r: AuditResult): string {
  return r.target.port === 161 ? r.target.host : targetKey(r.target);
}

function unitCell(r: AuditResult): string {
  const sysName = r.identity?.sysName;
  const parts = r.target.name
    ? [`<strong>${html(r.target.name)}</strong>`, `<span class="sub mono host">${html(hostLabel(r))}</span>`]
    : [`<span class="mono host">${html(hostLabel(r))}</span>`];
  if (sysName && sysName !== r.target.name) parts.push(`<span class="sub">sysName ${html(sysName)}</span>`);
  return parts.join('');
}

function withSub(main: string | undefined, sub: string | undefined, subClass = 'sub'): string {
  return `${text(main)}${sub ? `<span class="${subClass}">${html(sub)}</span>` : ''}`;
}

/** Text that must not wrap inside (a version, a serial, a model), or the blank mark. */
function whole(s: string | undefined): string {
  return s ? `<span class="nobreak">${html(s)}</span>` : BLANK;
}

function firmware(r: AuditResult): string {
  const aos = r.identity?.aosVersion;
  const app = r.identity?.appVersion;
  if (!aos && !app) return BLANK;
  // Each line is kept whole (.nobreak): a version cut in the middle reads as another version.
  return `<span class="nobreak">AOS ${text(aos)}</span><span class="sub nobreak">app ${text(app)}</span>`;
}

function load(r: AuditResult): string {
  const facts = r.finding.facts;
  if (!facts) return BLANK;
  const amps = formatAmps(facts.loadAmps);
  return amps === undefined ? facts.loadAttached : `${facts.loadAttached}<span class="sub">${amps} A</span>`;
}

interface UnitColumn {
  readonly header: string;
  readonly className?: string;
  readonly cell: (r: AuditResult) => string;
}

const UNIT_COLUMNS: readonly UnitColumn[] = [
  { header: 'Verdict', cell: (r) => badge(r.finding.verdict) },
  { header: 'Unit', cell: unitCell },
  { header: 'Site', className: 'site', cell: (r) => withSub(r.target.site, r.identity?.sysLocation) },
  {
    header: 'Model',
    className: 'model',
    cell: (r) => `${whole(r.identity?.model)}${r.identity?.serial ? `<span class="sub mono nobreak">${html(r.identity.serial)}</span>` : ''}`,
  },
  { header: 'Firmware', className: 'fw', cell: firmware },
  { header: 'Primary', cell: (r) => text(r.finding.facts?.primarySource) },
  { header: 'Secondary live', cell: (r) => text(r.finding.facts?.secondaryLive) },
  { header: 'Load', className: 'load', cell: load },
  { header: 'Reason', className: 'text', cell: (r) => text(r.finding.reason) },
  { header: 'Action', className: 'text', cell: (r) => text(r.finding.action) },
];

function unitRow(r: AuditResult): string {
  const cells = UNIT_COLUMNS.map((c) => {
    const cls = c.className ? ` class="${c.className}"` : '';
    // The unit's name is the row's header for screen readers.
    return c.header === 'Unit' ? `<th scope="row"${cls}>${c.cell(r)}</th>` : `<td${cls}>${c.cell(r)}</td>`;
  });
  return `<tr class="v-${r.finding.verdict}">${cells.join('')}</tr>`;
}

/** The units section, in pieces (rows one by one); only for one unit or more. */
function* unitsTable(results: readonly AuditResult[]): Generator<string> {
  const sorted = inReportOrder(results);
  yield [
    '<section aria-labelledby="h-units">',
    '<h2 id="h-units">Units</h2>',
    // A narrow window scrolls the table sideways rather than crushing its columns.
    '<div class="scroll">',
    '<table class="units">',
    `<caption>All ${plural(sorted.length, 'unit')}, worst verdict first (${VERDICTS.join(', ')}), then by site and host</caption>`,
    `<thead><tr>${UNIT_COLUMNS.map((c) => `<th scope="col">${c.header}</th>`).join('')}</tr></thead>`,
    '<tbody>\n',
  ].join('\n');
  for (const [i, r] of sorted.entries()) yield i === 0 ? unitRow(r) : `\n${unitRow(r)}`;
  yield ['\n</tbody>', '</table>', '</div>', '</section>'].join('\n');
}

function footer(): string {
  const meanings = VERDICTS.map((v) => `<dt>${badge(v)}</dt><dd>${VERDICT_MEANING[v]}</dd>`).join('');
  return `<footer>\n<p>What the verdicts mean:</p>\n<dl>${meanings}</dl>\n</footer>`;
}

/**
 * The report as one HTML document, in chunks (see chunks.ts): the page's head, the summary and
 * chart, the units' rows in batches, then the tail. Units are sorted worst first whatever order
 * they come in.
 */
export function htmlChunks(results: readonly AuditResult[], meta: HtmlMeta): ReportChunks {
  return reiterable(() => batched(htmlPieces(results, meta)));
}

/** The report as one HTML document (see htmlChunks). */
export function renderHtml(results: readonly AuditResult[], meta: HtmlMeta): string {
  return joinChunks(htmlChunks(results, meta));
}

/** The document's pieces: every part of the page ends in `\n`, as the lines of one text. */
function* htmlPieces(results: readonly AuditResult[], meta: HtmlMeta): Generator<string> {
  const summary = summarize(results);
  const lines = (...parts: string[]) => parts.map((p) => `${p}\n`).join('');
  yield lines(
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="ats-audit ${html(meta.version)}">`,
    `<title>Rack ATS audit: ${summary.byVerdict['at-risk']} at risk of ${summary.total} (${formatTime(meta.generatedAt)})</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    header(summary, meta),
  );
  if (results.length > 0) {
    yield lines('<main>', verdictCounts(summary), sites(results, summary));
    yield* unitsTable(results);
    yield lines('', '</main>', footer());
  }
  yield lines('</body>', '</html>');
}
