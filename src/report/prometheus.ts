// Prometheus text exposition format (0.0.4), for node_exporter's textfile collector: run the
// audit from cron with `--output /var/lib/node_exporter/textfile/ats_audit.prom` (the CLI
// writes it atomically, which the collector needs) and alert on the series.
//
// Choices, and why:
// - A unit's identity is the labels host, port, name, site: what the inventory says, never
//   what the unit answered. So a unit keeps the same series whatever it answers — at risk
//   today, unreachable tomorrow — and `changes()`, `max_over_time()` and `for:` see one
//   history. Model, serial and firmware (what the unit says) live on ats_audit_unit_info
//   alone, to join on when needed; that series exists only while the unit answers, and
//   changes identity when its firmware changes, by design.
// - The verdict is a state set (as kube-state-metrics does for pod phase): one series per
//   unit per verdict, 1 for the unit's verdict and 0 for the others. A unit's six verdict
//   series stay while the unit is in the report, whatever its verdict, so `== 1` alerts
//   resolve cleanly. They vanish when the unit leaves the inventory, and the yes/no and
//   amperes series below vanish while the fact is unknown: absence means "not known", not 0.
// - An unknown label value (no name or site in the inventory) is left out, which Prometheus
//   treats the same as an empty value.
// - yes/no facts are 1/0; an unknown fact has no sample.
// - No sample timestamps: the textfile collector rejects them. The run time is a metric.
// - Device text goes through escapeControls before the exposition escaping: it keeps label
//   values valid UTF-8 (no lone surrogates) and free of bidi tricks in dashboards.

import type { AuditResult } from '../audit/audit-result.js';
import { VERDICTS, type YesNoUnknown } from '../audit/finding.js';
import { targetKey } from '../targets/target.js';
import { batched, joinChunks, reiterable, type ReportChunks } from './chunks.js';
import { formatAmps } from './columns.js';
import { escapeControls } from './sanitize.js';
import { summarize } from './summary.js';

export interface PrometheusMeta {
  readonly version: string;
  readonly generatedAt: Date;
}

type Labels = ReadonlyArray<readonly [name: string, value: string]>;

interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly samples: readonly Sample[];
}

/** The per-unit metric families, in file order, with their HELP text (see renderUnitMetrics). */
export const UNIT_METRICS = [
  ['ats_audit_unit_verdict', 'Verdict of the unit: 1 for its verdict, 0 for the others (one series per verdict).'],
  ['ats_audit_unit_info', 'Model, serial, firmware and hardware of the unit as it reports them; always 1; absent while it does not answer.'],
  ['ats_audit_secondary_live', 'Secondary input of the Rack ATS is live (1) or not (0); absent when unknown.'],
  ['ats_audit_load_attached', 'Load attached to the Rack ATS output (1) or not (0); absent when unknown.'],
  ['ats_audit_load_amperes', 'Output current of the Rack ATS in amperes; absent when unknown.'],
] as const;

/** The families about the run as a whole, written after the per-unit ones. */
export const RUN_METRICS = [
  ['ats_audit_units', 'Units audited in the last run, by verdict.'],
  ['ats_audit_last_run_timestamp_seconds', 'When the last audit run finished, in seconds since the Unix epoch.'],
  ['ats_audit_build_info', 'Version of ats-audit that wrote this file; always 1.'],
] as const;

/** Every metric family of the .prom report, in file order: the list docs/formats.md follows. */
export const PROMETHEUS_METRICS = [...UNIT_METRICS, ...RUN_METRICS] as const;

/** The labels every per-unit series carries (where known), and nothing else names a unit. */
export const UNIT_LABELS = ['host', 'port', 'name', 'site'] as const;

type UnitMetricName = (typeof UNIT_METRICS)[number][0];
type RunMetricName = (typeof RUN_METRICS)[number][0];

/** Label value per the exposition format: backslash, double quote and line feed are escaped. */
export function escapeLabelValue(s: string): string {
  return s.replace(/[\\"\n]/g, (ch) => (ch === '\n' ? '\\n' : `\\${ch}`));
}

/** HELP text per the exposition format: backslash and line feed are escaped. */
export function escapeHelp(s: string): string {
  return s.replace(/[\\\n]/g, (ch) => (ch === '\n' ? '\\n' : '\\\\'));
}

/** Untrusted text as a label value: controls shown as escapes, never dropped. */
function untrusted(s: string | undefined): string | undefined {
  return s ? escapeControls(s) : undefined;
}

function present(pairs: ReadonlyArray<readonly [string, string | undefined]>): Labels {
  return pairs.filter((p): p is readonly [string, string] => p[1] !== undefined && p[1] !== '');
}

/**
 * The labels that name a unit on every per-unit series (UNIT_LABELS): from the target as
 * given, never from what the unit answered, so they do not change when it stops answering.
 */
function unitLabels(r: AuditResult): Labels {
  return present([
    ['host', untrusted(r.target.host)],
    ['port', String(r.target.port)],
    ['name', untrusted(r.target.name)],
    ['site', untrusted(r.target.site)],
  ]);
}

function labelKey(labels: Labels): string {
  return labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  return String(n);
}

function formatSample(name: string, s: Sample): string {
  const labels = s.labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
  return `${name}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}`;
}

function yesNo(v: YesNoUnknown | undefined): number | undefined {
  return v === 'yes' ? 1 : v === 'no' ? 0 : undefined;
}

/** One unit's samples of one per-unit family (none while the fact is unknown). */
function unitSamples(name: UnitMetricName, r: AuditResult): Sample[] {
  const one = (value: number | undefined, extra: () => Labels = () => []): Sample[] =>
    value === undefined ? [] : [{ labels: [...unitLabels(r), ...extra()], value }];
  switch (name) {
    case 'ats_audit_unit_verdict':
      return VERDICTS.map((v) => ({ labels: [...unitLabels(r), ['verdict', v] as const], value: r.finding.verdict === v ? 1 : 0 }));
    case 'ats_audit_unit_info':
      return one(
        r.identity ? 1 : undefined,
        () =>
          present([
            ['model', untrusted(r.identity?.model)],
            ['serial', untrusted(r.identity?.serial)],
            ['aos_version', untrusted(r.identity?.aosVersion)],
            ['aos_file', untrusted(r.identity?.aosFile)],
            ['app_version', untrusted(r.identity?.appVersion)],
            ['app_file', untrusted(r.identity?.appFile)],
            ['hardware_rev', untrusted(r.identity?.hardwareRev)],
            ['controller_firmware', untrusted(r.identity?.controllerFirmware)],
          ]),
      );
    case 'ats_audit_secondary_live':
      return one(yesNo(r.finding.facts?.secondaryLive));
    case 'ats_audit_load_attached':
      return one(yesNo(r.finding.facts?.loadAttached));
    case 'ats_audit_load_amperes': {
      // One decimal, as in the CSV and JSON reports, so all formats agree on the value.
      const amps = formatAmps(r.finding.facts?.loadAmps);
      return one(amps === undefined ? undefined : Number(amps));
    }
  }
}

function runFamilies(results: readonly AuditResult[], meta: PrometheusMeta): Family[] {
  const summary = summarize(results);
  const samples: Record<RunMetricName, Sample[]> = {
    ats_audit_units: VERDICTS.map((v) => ({ labels: [['verdict', v] as const], value: summary.byVerdict[v] })),
    ats_audit_last_run_timestamp_seconds: [{ labels: [], value: meta.generatedAt.getTime() / 1000 }],
    ats_audit_build_info: [{ labels: [['version', escapeControls(meta.version)] as const], value: 1 }],
  };
  return RUN_METRICS.map(([name, help]) => ({ name, help, samples: samples[name] }));
}

function familyHead(name: string, help: string): string[] {
  return [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} gauge`];
}

function familyLines(f: Family): string[] {
  return [...familyHead(f.name, f.help), ...f.samples.map((s) => formatSample(f.name, s))];
}

/**
 * The per-unit metric families (UNIT_METRICS, each with its HELP and TYPE lines) for these
 * results, as exposition text ending in a newline: what `ats-audit serve` exposes too. Units
 * come in the order given; a unit whose labels repeat an earlier one's (the same host and
 * port listed twice) is left out with a `#` comment line, since one duplicate series makes
 * Prometheus and the textfile collector reject the whole exposition.
 */
export function renderUnitMetrics(results: readonly AuditResult[]): string {
  return joinChunks(unitMetricLines(results));
}

/** renderUnitMetrics's lines, each ending in `\n`: the comments, then family by family. */
function* unitMetricLines(results: readonly AuditResult[]): Generator<string> {
  const { left, comments } = duplicateUnits(results);
  for (const c of comments) yield `${c}\n`;
  for (const [name, help] of UNIT_METRICS) {
    for (const line of familyHead(name, help)) yield `${line}\n`;
    // Units are visited once per family and their samples formatted at once: the file's
    // samples never exist all together.
    for (let i = 0; i < results.length; i++) {
      if (left.has(i)) continue;
      for (const s of unitSamples(name, results[i]!)) yield `${formatSample(name, s)}\n`;
    }
  }
}

/** Which units repeat an earlier one's labels (by index), and the comment line for each. */
function duplicateUnits(results: readonly AuditResult[]): { left: ReadonlySet<number>; comments: string[] } {
  const seen = new Set<string>();
  const left = new Set<number>();
  const comments: string[] = [];
  results.forEach((r, i) => {
    const key = labelKey(unitLabels(r));
    if (seen.has(key)) {
      comments.push(`# ats-audit: left out a second unit with the same labels: ${escapeControls(targetKey(r.target))}`);
      left.add(i);
      return;
    }
    seen.add(key);
  });
  return { left, comments };
}

/**
 * The report as a .prom file in chunks (see chunks.ts): the per-unit families
 * (renderUnitMetrics), then the run's. Fleet totals count every unit, duplicates included.
 */
export function prometheusChunks(results: readonly AuditResult[], meta: PrometheusMeta): ReportChunks {
  return reiterable(() => batched(prometheusLines(results, meta)));
}

function* prometheusLines(results: readonly AuditResult[], meta: PrometheusMeta): Generator<string> {
  yield* unitMetricLines(results);
  yield `${runFamilies(results, meta).flatMap(familyLines).join('\n')}\n`;
}

/** The report as a .prom file: see prometheusChunks. */
export function renderPrometheus(results: readonly AuditResult[], meta: PrometheusMeta): string {
  return joinChunks(prometheusChunks(results, meta));
}
