import { readFileSync, statSync } from 'node:fs';
import type { Argv } from 'yargs';
import { EXIT, exitCodeFor } from '../../exit-codes.js';
import { mergeReports } from '../../merge/merge.js';
import { parseReport, ReportFileError, type ReadReport } from '../../merge/read-report.js';
import { reportFormat, type RenderContext } from '../../report/formats.js';
import { forTerminal } from '../../report/sanitize.js';
import { inReportOrder } from '../../report/order.js';
import { shouldUseColor } from '../../report/table.js';
import { parseDuration } from '../duration.js';
import { UsageError, type Io } from '../io.js';
import { FORMATS, outputWidth, resolveFormat, type Format } from '../options.js';
import { checkOutputFile, isStdoutName } from '../output/destination.js';
import type { ReportData } from '../output/report-data.js';
import { endingInNewline, writeToSink } from '../output/report-stream.js';
import { writeReportFile } from '../output/write-report.js';
import { loadAdvisorySet } from './advisories.js';
import { toolVersion } from './scan.js';

// `ats-audit merge REPORT...`: per-site JSON/NDJSON reports in, one report out (any format),
// with scan's exit codes. A file that cannot be read as a report is named on stderr and left
// out; every other file is still merged, and the exit code says the input was not all good (2,
// unless a unit is at risk: 3 takes precedence, as in scan).

export function mergeOptions<T>(y: Argv<T>) {
  return y
    .positional('reports', { describe: 'JSON or NDJSON reports written by ats-audit (one per site or run)', type: 'string', array: true })
    .option('format', { alias: 'f', describe: 'Report format (default: table on a terminal, else json; or from the --output extension)', choices: FORMATS })
    .option('output', { alias: 'o', describe: 'Write the report to this file (atomically: temp file + rename; checked before any report is read; - is stdout)', type: 'string', requiresArg: true })
    .option('max-age', {
      describe: 'Readings older than this (e.g. 24h, 90m, 36h) become unknown ("reading is 30 h old")',
      type: 'string',
      requiresArg: true,
    })
    .option('excel', { describe: 'CSV for Excel: start with a UTF-8 byte order mark', type: 'boolean', default: false })
    .option('quiet', { alias: 'q', describe: 'No notes on stderr (errors still shown)', type: 'boolean', default: false });
}

export interface MergeArgs {
  readonly reports: readonly string[];
  readonly format?: Format;
  readonly output?: string;
  readonly maxAgeMs?: number;
  readonly excel: boolean;
  readonly quiet: boolean;
}

export function validateMerge(a: Record<string, unknown>): MergeArgs {
  const reports = Array.isArray(a.reports) ? a.reports.map(String) : [];
  if (reports.length === 0) throw new UsageError('merge: give one or more JSON or NDJSON reports written by ats-audit');
  const maxAgeMs = a.maxAge === undefined ? undefined : parseDuration(a.maxAge, 'max-age', { examples: '24h, 90m or 36h' });
  return {
    reports: [...new Set(reports)],
    format: a.format as Format | undefined,
    // `-o -` and `-o /dev/stdout` are standard output, as in scan.
    output: a.output === undefined || isStdoutName(String(a.output)) ? undefined : String(a.output),
    ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
    excel: a.excel === true,
    quiet: a.quiet === true,
  };
}

export async function runMerge(args: MergeArgs, io: Io, now: () => Date = () => new Date()): Promise<number> {
  const format = resolveFormat(args, io.stdout.isTTY === true);
  const renderer = reportFormat(format);
  if (renderer.bytes && !args.output && io.stdout.isTTY === true) {
    throw new UsageError(`--format ${format} writes a binary file: give -o FILE.${format} or redirect standard output`);
  }
  // The destination is checked first: never overwrite one of the reports being merged.
  const destination = args.output === undefined ? undefined : checkOutputFile(args.output, args.reports.map((path) => ({ option: 'merge', path })));
  const say = (line: string) => io.stderr.write(`ats-audit: ${forTerminal(line, 400)}\n`);
  const reports: ReadReport[] = [];
  let bad = 0;
  for (const file of args.reports) {
    try {
      const report = readReportFile(file);
      reports.push(report);
      if (!args.quiet) for (const n of report.notes) say(`note: ${n}`);
    } catch (e) {
      if (!(e instanceof ReportFileError)) throw e;
      say(`${e.message}; this file is left out, the others are merged`);
      bad++;
    }
  }
  const generatedAt = now();
  const results = mergeReports(reports, { now: generatedAt.getTime(), ...(args.maxAgeMs === undefined ? {} : { maxAgeMs: args.maxAgeMs }) });
  const ctx: RenderContext = {
    advisories: loadAdvisorySet([]).map((a) => a.advisory),
    version: toolVersion(),
    generatedAt,
    color: !args.output && shouldUseColor(io.stdout, io.env),
    width: outputWidth(args.output ? {} : io.stdout, io.env),
    excel: args.excel,
  };
  const sorted = inReportOrder(results);
  // Text is rendered chunk by chunk as it is written: the whole report is never one string.
  const report: ReportData = renderer.bytes ? await renderer.bytes(sorted, ctx) : endingInNewline(renderer.chunks(sorted, ctx));
  if (destination) {
    const outcome = writeReportFile(destination, report);
    if (!outcome.ok) {
      say(outcome.savedTo === undefined ? `${outcome.message}: the report follows on standard output` : outcome.message);
      if (outcome.savedTo === undefined) await writeToSink(io.stdout, report);
      // A report nobody received never gets a verdict's exit code (as in scan).
      return EXIT.internalError;
    }
    if (!args.quiet) say(`merged ${results.length} unit(s) from ${reports.length} report(s) into ${destination.given} (${format})`);
  } else {
    await writeToSink(io.stdout, report);
  }
  const code = exitCodeFor(results.map((r) => r.finding.verdict));
  return code === EXIT.atRisk || bad === 0 ? code : EXIT.usage;
}

function readReportFile(file: string): ReadReport {
  let text: string;
  let mtime: number;
  try {
    text = readFileSync(file, 'utf8');
    mtime = statSync(file).mtimeMs;
  } catch (e) {
    throw new ReportFileError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseReport(text, file, mtime);
}
