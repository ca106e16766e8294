import { html } from '../report/html-escape.js';

// GET /: a short page with a probe form. Every piece of text that is not a literal here goes
// through html(); the page loads nothing (Content-Security-Policy set by the server).

export interface PageInfo {
  readonly version: string;
  /** --allow blocks; empty: any target. */
  readonly allow: readonly string[];
  readonly minIntervalSeconds: number;
  readonly profiles: readonly string[];
}

export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export function renderPage(info: PageInfo): string {
  const allow = info.allow.length === 0 ? 'any target (no --allow given)' : info.allow.map((a) => `<code>${html(a)}</code>`).join(', ');
  const profiles = info.profiles.map((p) => `<option value="${html(p)}">${html(p)}</option>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ats-audit exporter</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.5rem 0}input,select{font:inherit}</style>
</head>
<body>
<h1>ats-audit exporter</h1>
<p>Audits one APC Rack ATS per probe against the firmware-upgrade bulletins, read-only (SNMP GET/GETNEXT/GETBULK only).</p>
<form action="/probe" method="get">
<label>Target (host or address, optional :port) <input name="target" required placeholder="10.20.0.11:161"></label>
<label>Profile <select name="profile"><option value="">(default credentials)</option>${profiles}</select></label>
<button type="submit">Probe</button>
</form>
<p>Probes allowed: ${allow}. Each unit is polled at most once every ${html(String(info.minIntervalSeconds))} s; probes in between get the last result.</p>
<p><a href="/metrics">Exporter metrics</a> · ats-audit ${html(info.version)}</p>
</body>
</html>
`;
}
