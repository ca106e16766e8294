import type { AuditResult } from '../audit/audit-result.js';
import { escapeHelp, renderUnitMetrics } from '../report/prometheus.js';

// What /probe and /metrics answer, in the Prometheus text format (0.0.4). The unit's own
// families come from the report's renderer (report/prometheus.ts), so a probe and a
// `--format prometheus` file name the same series; only the exporter's own families are here.

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A probe succeeded when the unit gave a usable SNMP answer, whatever its verdict. */
export function probeSucceeded(r: AuditResult): boolean {
  return r.finding.verdict !== 'unreachable';
}

function family(name: string, type: 'gauge' | 'counter', help: string, samples: ReadonlyArray<readonly [labels: string, value: number]>): string {
  return [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`, ...samples.map(([l, v]) => `${name}${l} ${v}`)].join('\n');
}

export interface ProbeAnswer {
  readonly result: AuditResult;
  /** When the unit was polled (the answer may come from the cache). */
  readonly polledAt: Date;
  /** How long that poll took. */
  readonly durationSeconds: number;
}

/** One unit's families (as `--format prometheus`), then probe_success and probe_duration_seconds. */
export function renderProbe(answer: ProbeAnswer, version: string): string {
  // The unit's families only: the fleet totals of a report file mean nothing for one probe.
  const unit = renderUnitMetrics([answer.result]);
  const own = [
    family('ats_audit_probe_success', 'gauge', 'Whether the unit gave a usable SNMP answer (1) or not (0).', [['', probeSucceeded(answer.result) ? 1 : 0]]),
    family('ats_audit_probe_duration_seconds', 'gauge', 'How long polling the unit took, in seconds (of the poll whose result is shown: cached answers repeat it).', [
      ['', Math.round(answer.durationSeconds * 1000) / 1000],
    ]),
  ];
  return `${unit}${own.join('\n')}\n`;
}

/** The exporter's own counters, for GET /metrics. */
export interface ExporterCounters {
  /** Probes answered with a unit's metrics (new polls and cache hits). */
  probes: number;
  /** Of those, probes whose unit gave no usable answer (probe_success 0). */
  probeFailures: number;
  /** Polls actually sent to units. */
  polls: number;
  /** Probes answered from a recent or running poll of the same unit (no new poll). */
  cacheHits: number;
  /** Requests refused: bad query (400), target outside --allow (403), other paths and methods. */
  refused: { badRequest: number; forbidden: number; notFound: number };
  /** Unexpected errors while probing (500). */
  errors: number;
}

export function newCounters(): ExporterCounters {
  return { probes: 0, probeFailures: 0, polls: 0, cacheHits: 0, refused: { badRequest: 0, forbidden: 0, notFound: 0 }, errors: 0 };
}

export function renderOwnMetrics(c: ExporterCounters, pollsInFlight: number, version: string): string {
  return `${[
    family('ats_audit_exporter_probes_total', 'counter', 'Probes answered with a unit\'s metrics, new polls and cache hits alike.', [['', c.probes]]),
    family('ats_audit_exporter_probe_failures_total', 'counter', 'Probes whose unit gave no usable answer (ats_audit_probe_success 0).', [['', c.probeFailures]]),
    family('ats_audit_exporter_polls_total', 'counter', 'SNMP polls of units actually started.', [['', c.polls]]),
    family('ats_audit_exporter_cache_hits_total', 'counter', 'Probes answered from a recent or running poll of the same unit.', [['', c.cacheHits]]),
    family('ats_audit_exporter_requests_refused_total', 'counter', 'HTTP requests refused, by reason.', [
      ['{reason="bad-request"}', c.refused.badRequest],
      ['{reason="forbidden"}', c.refused.forbidden],
      ['{reason="not-found"}', c.refused.notFound],
    ]),
    family('ats_audit_exporter_errors_total', 'counter', 'Probes that failed inside the exporter (HTTP 500).', [['', c.errors]]),
    family('ats_audit_exporter_polls_in_flight', 'gauge', 'Units being polled now.', [['', pollsInFlight]]),
    family('ats_audit_exporter_build_info', 'gauge', 'Version of ats-audit serving; always 1.', [[`{version="${version.replace(/[\\"\n]/g, '')}"}`, 1]]),
  ].join('\n')}\n`;
}
