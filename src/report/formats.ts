import type { Advisory } from '../audit/advisory.js';
import type { AuditResult } from '../audit/audit-result.js';
import type { Comparison } from '../changes/baseline.js';
import { comparisonJson, formatChangeSummary } from './changes-text.js';
import { forTerminal } from './sanitize.js';
import { joinChunks, type ReportChunks } from './chunks.js';
import { csvChunks } from './csv.js';
import { htmlChunks } from './html.js';
import { jsonChunks } from './json.js';
import { ndjsonChunks, ndjsonLine } from './ndjson.js';
import { prometheusChunks } from './prometheus.js';
import { tableChunks } from './table.js';
import { renderXlsx } from './xlsx.js';

// Every report format in one place: the CLI's --format choices, the extension that picks a
// format for --output, and how to render. A streaming format also writes each unit as it
// is known (memory stays flat); the others render once, at the end, from sorted results: text
// in chunks written as they are made (so the report is never held whole), xlsx as bytes.

export interface RenderContext {
  readonly advisories: readonly Advisory[];
  readonly version: string;
  readonly generatedAt: Date;
  readonly color: boolean;
  readonly width?: number;
  /** CSV for Excel: UTF-8 byte order mark. */
  readonly excel?: boolean;
  /** With --baseline: the comparison, summarised by the table and the JSON report. */
  readonly baseline?: Comparison;
  /** The run's settings as name/value pairs, for formats that record them (xlsx). No secrets. */
  readonly settings?: ReadonlyArray<readonly [name: string, value: string]>;
}

interface ReportFormatBase {
  readonly name: string;
  /** File extensions that select this format for --output. */
  readonly extensions: readonly string[];
  /**
   * Whether the report shows each unit's raw readings (AuditResult.raw). The scan keeps them
   * only for such a format: they are a score of objects per unit, held until the end.
   */
  readonly showsRaw: boolean;
  /** One unit, as soon as it is known; for streaming text formats only. */
  readonly line?: (result: AuditResult, ctx: RenderContext) => string;
}

/** A report that is text: written to a file or to the terminal as it is. */
export interface TextReportFormat extends ReportFormatBase {
  /**
   * The report in chunks of roughly 64 KB, to write one after the other (chunks.ts): iterating
   * again renders again. Their join is `render`'s text.
   */
  readonly chunks: (results: readonly AuditResult[], ctx: RenderContext) => ReportChunks;
  /** The whole report as one string. */
  readonly render: (results: readonly AuditResult[], ctx: RenderContext) => string;
  readonly bytes?: undefined;
}

/** A report that is bytes (a zip): for a file or a pipe, never for a terminal. */
export interface BinaryReportFormat extends ReportFormatBase {
  readonly bytes: (results: readonly AuditResult[], ctx: RenderContext) => Promise<Uint8Array>;
  readonly render?: undefined;
  readonly chunks?: undefined;
}

export type ReportFormat = TextReportFormat | BinaryReportFormat;

/** A text format from its chunk renderer: `render` is the join of the chunks. */
function text<const F extends Omit<TextReportFormat, 'render'>>(f: F): F & Pick<TextReportFormat, 'render'> {
  return { ...f, render: (results, ctx) => joinChunks(f.chunks(results, ctx)) };
}

export const REPORT_FORMATS = [
  text({
    name: 'table',
    extensions: ['txt'],
    showsRaw: false,
    chunks: (results, ctx) =>
      tableChunks(results, { color: ctx.color, width: ctx.width, ...(ctx.baseline && { changes: formatChangeSummary(ctx.baseline) }) }),
  }),
  text({ name: 'csv', extensions: ['csv'], showsRaw: false, chunks: (results, ctx) => csvChunks(results, { bom: ctx.excel ?? false }) }),
  text({
    name: 'json',
    extensions: ['json'],
    showsRaw: true,
    chunks: (results, ctx) =>
      jsonChunks(results, {
        version: ctx.version,
        generatedAt: ctx.generatedAt,
        advisories: ctx.advisories.map((a) => a.id),
        ...(ctx.baseline ? { baseline: comparisonJson(ctx.baseline) } : {}),
      }),
  }),
  // `jsonl` is the other common name for the same thing.
  text({ name: 'ndjson', extensions: ['ndjson', 'jsonl'], showsRaw: true, chunks: (results) => ndjsonChunks(results), line: (result) => ndjsonLine(result) }),
  text({
    name: 'prometheus',
    extensions: ['prom'],
    showsRaw: false,
    chunks: (results, ctx) => prometheusChunks(results, { version: ctx.version, generatedAt: ctx.generatedAt }),
  }),
  text({
    name: 'html',
    extensions: ['html', 'htm'],
    showsRaw: false,
    chunks: (results, ctx) => htmlChunks(results, { version: ctx.version, generatedAt: ctx.generatedAt, advisories: ctx.advisories }),
  }),
  {
    name: 'xlsx',
    extensions: ['xlsx'],
    showsRaw: false,
    bytes: (results, ctx) =>
      renderXlsx(results, { version: ctx.version, generatedAt: ctx.generatedAt, advisories: ctx.advisories, settings: ctx.settings }),
  },
] as const satisfies readonly ReportFormat[];

export type FormatName = (typeof REPORT_FORMATS)[number]['name'];
export const FORMAT_NAMES = REPORT_FORMATS.map((f) => f.name) as FormatName[];

/** The format of that name, with its exact shape (text or binary) when the name is a literal. */
export function reportFormat<N extends FormatName>(name: N): Extract<(typeof REPORT_FORMATS)[number], { name: N }> & ReportFormat {
  return REPORT_FORMATS.find((f) => f.name === name) as Extract<(typeof REPORT_FORMATS)[number], { name: N }> & ReportFormat;
}

export function formatForExtension(file: string): FormatName | undefined {
  const ext = /\.([a-z0-9]+)$/i.exec(file)?.[1]?.toLowerCase();
  return ext === undefined ? undefined : REPORT_FORMATS.find((f) => (f.extensions as readonly string[]).includes(ext))?.name;
}
