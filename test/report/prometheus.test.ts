import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/audit-result.js';
import { VERDICTS } from '../../src/audit/finding.js';
import { formatForExtension, reportFormat } from '../../src/report/formats.js';
import { escapeHelp, escapeLabelValue, PROMETHEUS_METRICS, renderPrometheus, renderUnitMetrics, UNIT_LABELS, UNIT_METRICS } from '../../src/report/prometheus.js';
import { escapeControls } from '../../src/report/sanitize.js';
import { debianProgram } from '../helpers/debian-program.js';
import {
  FLEET,
  FLEET_WITH_HOSTILE,
  HOSTILE_MODEL,
  HOSTILE_NAME,
  HOSTILE_SERIAL,
  HOSTILE_SITE,
  atRisk1U,
  hostile,
  notAffected,
  notAts,
  renderContext,
  safe,
  unknown2U,
  unreachable,
} from '../fixtures/results.js';

// ---------------------------------------------------------------------------------------------
// A strict parser for the Prometheus text exposition format 0.0.4, as node_exporter's textfile
// collector reads it, plus the collector's own rules: every sample line is checked, escapes
// other than \\ \" \n are errors, a family's samples must be contiguous and follow its TYPE,
// no series may repeat, and samples may carry no timestamp.

interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

interface ParsedFamily {
  readonly name: string;
  help?: string;
  type?: string;
  readonly samples: ParsedSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

class ExpositionError extends Error {}

function unescape(s: string, allowed: string, where: string): string {
  return s.replace(/\\(.)/gs, (_m, ch: string) => {
    if (!allowed.includes(ch)) throw new ExpositionError(`${where}: invalid escape \\${ch}`);
    return ch === 'n' ? '\n' : ch;
  });
}

function parseValue(s: string, where: string): number {
  if (!FLOAT.test(s)) throw new ExpositionError(`${where}: bad value ${JSON.stringify(s)}`);
  return s.endsWith('Inf') ? (s.startsWith('-') ? -Infinity : Infinity) : Number(s);
}

/** `{a="x",b="y"}` starting at `text[0] === '{'`: the labels and the rest of the line. */
function parseLabels(text: string, where: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1;
  if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
  for (;;) {
    const name = /^[^=]*/.exec(text.slice(i))?.[0] ?? '';
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new ExpositionError(`${where}: bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new ExpositionError(`${where}: label ${name} twice`);
    i += name.length;
    if (text.slice(i, i + 2) !== '="') throw new ExpositionError(`${where}: expected =" after ${name}`);
    i += 2;
    let raw = '';
    for (;;) {
      const ch = text[i];
      if (ch === undefined) throw new ExpositionError(`${where}: unterminated value of ${name}`);
      if (ch === '\n') throw new ExpositionError(`${where}: raw newline in ${name}`);
      if (ch === '"') break;
      if (ch === '\\') {
        raw += ch + (text[i + 1] ?? '');
        i += 2;
      } else {
        raw += ch;
        i += 1;
      }
    }
    labels[name] = unescape(raw, '\\"n', `${where} label ${name}`);
    i += 1;
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    // The format allows a trailing comma; this renderer never writes one, so it is an error here.
    if (text[i] !== ',' || text[i + 1] === '}') throw new ExpositionError(`${where}: expected , or } after ${name}`);
    i += 1;
  }
}

function parseExposition(text: string): ParsedFamily[] {
  if (Buffer.from(text, 'utf8').toString('utf8') !== text) throw new ExpositionError('not valid UTF-8 (lone surrogate)');
  if (!text.endsWith('\n')) throw new ExpositionError('does not end with a newline');
  if (text.includes('\r')) throw new ExpositionError('carriage return');
  const families = new Map<string, ParsedFamily>();
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: string | undefined;
  const family = (name: string): ParsedFamily => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, samples: [] }));
    return f;
  };
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, index) => {
      const where = `line ${index + 1}`;
      if (line === '') throw new ExpositionError(`${where}: empty line`);
      const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (meta) {
        const [, kind, name = '', rest = ''] = meta;
        if (!METRIC_NAME.test(name)) throw new ExpositionError(`${where}: bad metric name ${name}`);
        const f = family(name);
        if (closed.has(name) || f.samples.length > 0) throw new ExpositionError(`${where}: ${kind} for ${name} after its samples`);
        if (kind === 'HELP') {
          if (f.help !== undefined) throw new ExpositionError(`${where}: second HELP for ${name}`);
          f.help = unescape(rest, '\\n', where);
        } else {
          if (f.type !== undefined) throw new ExpositionError(`${where}: second TYPE for ${name}`);
          if (!TYPES.has(rest)) throw new ExpositionError(`${where}: bad type ${rest}`);
          f.type = rest;
        }
        return;
      }
      if (line.startsWith('#')) return; // a comment
      const name = /^[^\s{]*/.exec(line)?.[0] ?? '';
      if (!METRIC_NAME.test(name)) throw new ExpositionError(`${where}: bad metric name ${JSON.stringify(name)}`);
      let rest = line.slice(name.length);
      let labels: Record<string, string> = {};
      if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, where));
      const fields = rest.split(' ');
      if (fields[0] !== '' || fields.length < 2) throw new ExpositionError(`${where}: expected one space before the value`);
      if (fields.length > 2) throw new ExpositionError(`${where}: a timestamp or trailing text (the textfile collector rejects timestamps)`);
      const value = parseValue(fields[1] ?? '', where);
      if (closed.has(name)) throw new ExpositionError(`${where}: samples of ${name} are not contiguous`);
      if (current !== undefined && current !== name) closed.add(current);
      current = name;
      const key = `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
      if (series.has(key)) throw new ExpositionError(`${where}: duplicate series ${key}`);
      series.add(key);
      family(name).samples.push({ name, labels, value });
    });
  return [...families.values()];
}

// ---------------------------------------------------------------------------------------------

const META = { version: '0.1.0', generatedAt: new Date('2025-01-02T03:04:05Z') };
const text = renderPrometheus(FLEET_WITH_HOSTILE, META);
const parsed = parseExposition(text);
const byName = new Map(parsed.map((f) => [f.name, f]));

function samples(name: string): ParsedSample[] {
  const f = byName.get(name);
  if (!f) throw new Error(`no family ${name}`);
  return f.samples;
}

function seriesOf(name: string, r: AuditResult): ParsedSample[] {
  return samples(name).filter((s) => s.labels.host === r.target.host && s.labels.port === String(r.target.port));
}

describe('the strict exposition parser used here', () => {
  it('rejects what the textfile collector would reject', () => {
    const bad = [
      'm 1',
      '# TYPE m gauge\nm{a="x} 1\n',
      '# TYPE m gauge\nm{a="\\t"} 1\n',
      '# TYPE m gauge\nm{a="x",a="y"} 1\n',
      '# TYPE m gauge\nm{__a="x"} 1\n',
      '# TYPE m gauge\nm 1 1700000000000\n',
      '# TYPE m gauge\nm 1\nm 2\n',
      '# TYPE m gauge\nm{a="1"} 1\n# TYPE n gauge\nn 1\nm{a="2"} 1\n',
      '# TYPE m gauge\nm one\n',
      'm-x 1\n',
      '# TYPE m gauge\nm 1\n# TYPE m gauge\n',
      '# TYPE m gauge\n\nm 1\n',
      '# TYPE m gauge\nm{a="\ud800"} 1\n',
    ];
    for (const b of bad) expect(() => parseExposition(b), JSON.stringify(b)).toThrow(ExpositionError);
    expect(parseExposition('# HELP m a \\\\ b\\nc\n# TYPE m gauge\nm{a="q\\"\\\\\\n"} +Inf\n# just a comment\n')).toEqual([
      { name: 'm', help: 'a \\ b\nc', type: 'gauge', samples: [{ name: 'm', labels: { a: 'q"\\\n' }, value: Infinity }] },
    ]);
  });
});

describe('renderPrometheus', () => {
  it('parses, with HELP and TYPE gauge for every family, in the documented order', () => {
    expect(parsed.map((f) => f.name)).toEqual(PROMETHEUS_METRICS.map(([n]) => n));
    for (const f of parsed) {
      expect(f.type, f.name).toBe('gauge');
      expect(f.help, f.name).toBe(PROMETHEUS_METRICS.find(([n]) => n === f.name)?.[1]);
      expect(f.name).toMatch(/^ats_audit_[a-z_]+$/);
      // Gauges do not end in _total (a counter's suffix) and name their unit.
      expect(f.name).not.toMatch(/_total$/);
    }
  });

  it('gives every unit one verdict series per verdict, 1 for its own', () => {
    expect(samples('ats_audit_unit_verdict')).toHaveLength(FLEET_WITH_HOSTILE.length * VERDICTS.length);
    for (const r of FLEET_WITH_HOSTILE) {
      const s = seriesOf('ats_audit_unit_verdict', r);
      expect(s.map((x) => x.labels.verdict)).toEqual([...VERDICTS]);
      expect(s.filter((x) => x.value === 1).map((x) => x.labels.verdict)).toEqual([r.finding.verdict]);
      expect(s.filter((x) => x.value === 0)).toHaveLength(VERDICTS.length - 1);
    }
  });

  it('labels each unit with host, port, name and site only: what the inventory says', () => {
    const [first] = seriesOf('ats_audit_unit_verdict', atRisk1U);
    expect(first?.labels).toEqual({ host: '10.0.0.10', port: '161', name: 'ats-r12', site: 'dc1', verdict: 'at-risk' });
    expect(Object.keys(seriesOf('ats_audit_unit_verdict', unreachable)[0]?.labels ?? {})).toEqual(['host', 'port', 'verdict']);
    expect(seriesOf('ats_audit_unit_verdict', unknown2U)[0]?.labels).toEqual({ host: '10.0.1.2', port: '1161', name: 'ats-2u', site: 'Zürich Süd', verdict: 'at-risk' });
    expect(text).toContain('site="Zürich Süd"');
    for (const [name] of UNIT_METRICS.filter(([n]) => n !== 'ats_audit_unit_info')) {
      for (const s of samples(name)) expect(Object.keys(s.labels).filter((k) => k !== 'verdict').every((k) => (UNIT_LABELS as readonly string[]).includes(k)), name).toBe(true);
    }
  });

  it('keeps one identity per unit whatever it answered: an at-risk unit that stops answering keeps its series', () => {
    const answering = atRisk1U;
    const silent: AuditResult = {
      target: answering.target,
      finding: { verdict: 'unreachable', reason: 'No answer after 2000 ms × 2 tries.', action: 'Check the address.' },
      requests: 2,
    };
    const before = parseExposition(renderUnitMetrics([answering]));
    const after = parseExposition(renderUnitMetrics([silent]));
    const identities = (families: typeof before, name: string) => families.find((f) => f.name === name)?.samples.map((s) => JSON.stringify(s.labels));
    // The six verdict series: the same label sets before and after, only the values move.
    expect(identities(after, 'ats_audit_unit_verdict')).toEqual(identities(before, 'ats_audit_unit_verdict'));
    const atRisk = (families: typeof before) => families.find((f) => f.name === 'ats_audit_unit_verdict')?.samples.find((s) => s.labels.verdict === 'at-risk')?.value;
    expect([atRisk(before), atRisk(after)]).toEqual([1, 0]);
    // What the unit said (model, serial) is on the info series alone, which goes while it is silent.
    expect(before.find((f) => f.name === 'ats_audit_unit_info')?.samples[0]?.labels).toMatchObject({ model: 'AP7721', serial: '5A1234E01234' });
    expect(after.find((f) => f.name === 'ats_audit_unit_info')?.samples).toEqual([]);
  });

  it('renders the per-unit families alone for `serve`, the .prom file adds the run families', () => {
    const units = renderUnitMetrics(FLEET_WITH_HOSTILE);
    expect(parseExposition(units).map((f) => f.name)).toEqual(UNIT_METRICS.map(([n]) => n));
    expect(renderPrometheus(FLEET_WITH_HOSTILE, META).startsWith(units)).toBe(true);
    expect(renderUnitMetrics([])).toBe(`${UNIT_METRICS.flatMap(([n, h]) => [`# HELP ${n} ${h}`, `# TYPE ${n} gauge`]).join('\n')}\n`);
  });

  it('describes firmware on an info series, for units that answered', () => {
    expect(seriesOf('ats_audit_unit_info', atRisk1U)).toEqual([
      {
        name: 'ats_audit_unit_info',
        labels: {
          host: '10.0.0.10',
          port: '161',
          name: 'ats-r12',
          site: 'dc1',
          model: 'AP7721',
          serial: '5A1234E01234',
          aos_version: 'v3.7.4',
          aos_file: 'apc_hw02_aos_374.bin',
          app_version: 'v3.7.1',
          app_file: 'apc_hw02_g2ats_371.bin',
          hardware_rev: 'v2',
          controller_firmware: '3.0.5',
        },
        value: 1,
      },
    ]);
    expect(seriesOf('ats_audit_unit_info', unreachable)).toEqual([]);
    expect(seriesOf('ats_audit_unit_info', notAts)[0]?.labels).toEqual({ host: '10.0.0.30', port: '161', site: 'dc1' });
  });

  it('writes yes/no facts as 1/0 and leaves unknown ones out', () => {
    const value = (name: string, r: AuditResult) => seriesOf(name, r).map((s) => s.value);
    expect(value('ats_audit_secondary_live', atRisk1U)).toEqual([1]);
    expect(value('ats_audit_secondary_live', safe)).toEqual([0]);
    expect(value('ats_audit_secondary_live', unknown2U)).toEqual([]);
    expect(value('ats_audit_secondary_live', notAts)).toEqual([]);
    expect(value('ats_audit_load_attached', atRisk1U)).toEqual([1]);
    expect(value('ats_audit_load_attached', safe)).toEqual([0]);
    expect(value('ats_audit_load_attached', unreachable)).toEqual([]);
    expect(value('ats_audit_load_amperes', atRisk1U)).toEqual([4.2]);
    expect(value('ats_audit_load_amperes', safe)).toEqual([0]);
    expect(value('ats_audit_load_amperes', notAffected)).toEqual([12.3]);
    expect(value('ats_audit_load_amperes', unknown2U)).toEqual([]);
  });

  it('totals the fleet by verdict, zeros included, and stamps the run', () => {
    expect(samples('ats_audit_units').map((s) => [s.labels.verdict, s.value])).toEqual([
      ['at-risk', 3],
      ['unknown', 1],
      ['unreachable', 1],
      ['safe-to-upgrade', 1],
      ['not-affected', 1],
      ['not-ats', 1],
    ]);
    expect(samples('ats_audit_last_run_timestamp_seconds')).toEqual([{ name: 'ats_audit_last_run_timestamp_seconds', labels: {}, value: 1735787045 }]);
    expect(text).toContain('\nats_audit_last_run_timestamp_seconds 1735787045\n');
    expect(samples('ats_audit_build_info')).toEqual([{ name: 'ats_audit_build_info', labels: { version: '0.1.0' }, value: 1 }]);
  });

  it('keeps hostile text inside its label value: quotes, backslashes and newlines escaped', () => {
    const [s] = seriesOf('ats_audit_unit_verdict', hostile);
    expect(s?.labels).toMatchObject({
      name: escapeControls(HOSTILE_NAME),
      site: escapeControls(HOSTILE_SITE),
    });
    expect(seriesOf('ats_audit_unit_info', hostile)[0]?.labels).toMatchObject({ model: HOSTILE_MODEL, serial: escapeControls(HOSTILE_SERIAL) });
    // The serial tries to close the label set and start a series of its own.
    expect(samples('ats_audit_unit_verdict').every((x) => x.labels.verdict !== undefined)).toBe(true);
    expect(seriesOf('ats_audit_unit_info', hostile)[0]?.labels.controller_firmware).toBe('line1\\nline2');
    expect(text).toContain('name="\\" onmouseover=\\"alert(2)\\" x=\'y\\\\z\\\\nnext"');
    expect(text).toContain('site="<img src=x onerror=alert(3)>\\\\u202eevil"');
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2028\u2029]/);
  });

  it('escapes label values and HELP text per the exposition format', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue('Zürich Süd')).toBe('Zürich Süd');
    expect(escapeHelp('a\\b"c\nd')).toBe('a\\\\b"c\\nd');
    const tricky = { ...atRisk1U, target: { ...atRisk1U.target, name: 'a\\b"c\nd' } };
    const [s] = parseExposition(renderPrometheus([tricky], META)).find((f) => f.name === 'ats_audit_unit_verdict')?.samples ?? [];
    expect(s?.labels.name).toBe('a\\b"c\\nd');
  });

  it('writes one unit listed twice once, with a comment, so the collector still reads the file', () => {
    const twice = renderPrometheus([atRisk1U, { ...atRisk1U, target: { ...atRisk1U.target, origin: 'other.csv:9' } }], META);
    const families = parseExposition(twice);
    expect(families.find((f) => f.name === 'ats_audit_unit_verdict')?.samples).toHaveLength(VERDICTS.length);
    expect(twice.split('\n')[0]).toBe('# ats-audit: left out a second unit with the same labels: 10.0.0.10:161');
    expect(families.find((f) => f.name === 'ats_audit_units')?.samples[0]?.value).toBe(2);
  });

  it('writes only fleet series for no units', () => {
    const families = parseExposition(renderPrometheus([], META));
    expect(families.find((f) => f.name === 'ats_audit_unit_verdict')?.samples).toEqual([]);
    expect(families.find((f) => f.name === 'ats_audit_units')?.samples.map((s) => s.value)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('has every metric documented in docs/formats.md', () => {
    const doc = readFileSync(new URL('../../docs/formats.md', import.meta.url), 'utf8');
    for (const [name] of PROMETHEUS_METRICS) expect(doc, name).toContain(`| \`${name}\` |`);
  });

  it('is registered as prometheus, for .prom files', () => {
    expect(formatForExtension('/var/lib/node_exporter/textfile/ats_audit.prom')).toBe('prometheus');
    expect(reportFormat('prometheus').render(FLEET, renderContext())).toBe(renderPrometheus(FLEET, META));
  });
});

// Prometheus's own parser and linter (Debian's `prometheus` package): exit 0 means it parsed
// and promtool found nothing to lint (names, HELP, units). Skipped where it is not installed,
// except in CI.
const promtool = debianProgram('promtool', 'prometheus');

describe.skipIf(promtool.skip)('renderPrometheus through promtool', () => {
  it('passes `promtool check metrics`, the whole file and the per-unit families alone', () => {
    for (const text of [renderPrometheus(FLEET_WITH_HOSTILE, META), renderPrometheus([], META), renderUnitMetrics(FLEET_WITH_HOSTILE)]) {
      const run = spawnSync(promtool.require(), ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 15_000 });
      expect(run.error).toBeUndefined();
      expect(`${run.stdout}${run.stderr}`).toBe('');
      expect(run.status).toBe(0);
    }
  });
});
