import { readFileSync } from 'node:fs';
import { checkOutputFile, type FileDestination, type InputFile } from '../output/destination.js';
import type { ReportData } from '../output/report-data.js';
import { endingInNewline, writeToSink } from '../output/report-stream.js';
import { writeReportFile } from '../output/write-report.js';
import { configLocation } from '../../credentials/config-file.js';
import type { Advisory } from '../../audit/advisory.js';
import type { AuditResult } from '../../audit/audit-result.js';
import type { Verdict } from '../../audit/finding.js';
import { EXIT, exitCodeFor } from '../../exit-codes.js';
import { packageRoot } from '../../package-root.js';
import type { PollDeps } from '../../poll/poll-unit.js';
import { reportFormat, type FormatName, type RenderContext, type ReportFormat } from '../../report/formats.js';
import { forTerminal } from '../../report/sanitize.js';
import { formatSummary, summarize } from '../../report/summary.js';
import { inReportOrder } from '../../report/order.js';
import { shouldUseColor } from '../../report/table.js';
import type { Progress } from '../progress.js';
import { capConcurrency, defaultConcurrency } from '../../scan/fd-limit.js';
import { invalidTargetResult } from '../../audit/no-answer.js';
import { scan, SCAN_DEFAULTS } from '../../scan/scan.js';
import { longestFirst, redact } from '../../snmp/session.js';
import { buildTargets, type TargetList } from '../../targets/list.js';
import { InventoryReadError, readInventoryFile, type InventorySource } from '../../targets/inventory-file.js';
import { targetKey, type AuditTarget, type Target } from '../../targets/target.js';
import { BaselineError, changeOf, compareWithBaseline, failOn, readBaselineFile, type Baseline, type Comparison } from '../../changes/baseline.js';
import { formatChangeSummary } from '../../report/changes-text.js';
import { loadAdvisorySet } from './advisories.js';
import { reportSettings } from '../report-settings.js';
import { UsageError, type Io } from '../io.js';
import { communityOption, listedTargets, listFormat, writeTargetList } from '../list-targets.js';
import { outputWidth, resolveFormat, type ScanArgs } from '../options.js';
import type { CredentialPlan } from '../../credentials/resolve.js';
import { loadRunConfig, planRunCredentials } from '../run-credentials.js';
import { errorCode, readProblem } from '../../file-problem.js';

// The scan command from parsed options to exit code: read inputs, audit, report. Each phase
// is a function of its own; runScan only strings them together.

export async function runScan(args: ScanArgs, io: Io, deps?: PollDeps): Promise<number> {
  if (args.listTargets) return listTargetsRun(args, io);
  const run = await prepareRun(args, io);
  const out = reportOutput(run, args, io);
  const audited = await auditAll(run, out, args, io, deps);
  const comparison = run.baseline ? compareWithBaseline(run.baseline, audited.results) : undefined;
  const delivered = await writeReport(run, out, audited.results, comparison, args, io);
  // A report nobody received never gets a verdict's exit code.
  return delivered ? exitCode(run, audited, comparison, args) : EXIT.internalError;
}

/** Everything read and resolved before the first packet. */
interface PreparedRun {
  readonly advisories: readonly Advisory[];
  readonly format: FormatName;
  readonly baseline: Baseline | undefined;
  readonly built: TargetList;
  readonly plan: CredentialPlan;
  /** --output, checked: undefined for standard output. */
  readonly destination: FileDestination | undefined;
  /** Targets that cannot be audited as given (bad lines, unusable credentials). */
  readonly invalidCount: number;
  /** The secrets known for this run: redacted from everything said. */
  readonly secrets: () => readonly string[];
  /** One line on stderr, secrets redacted and made safe for a terminal. */
  readonly say: (line: string) => void;
}

/** The targets from the arguments and every inventory (stdin for `-`). */
async function readTargets(args: ScanArgs, io: Io): Promise<TargetList> {
  const inventories = await readInventories(args.inventory, { port: args.port, allowLarge: args.allowLarge, sheet: args.sheet }, io);
  const built = buildTargets({ args: args.targets, inventories }, { port: args.port, allowLarge: args.allowLarge });
  // A refused file quotes no cell but a header's: the messages are safe as they are.
  for (const r of built.refused) io.stderr.write(`ats-audit: ${forTerminal(r.message, 1000)}\n`);
  if (built.refused.length > 0) throw new UsageError(`${built.refused.length} inventory file(s) refused: nothing sent`);
  return built;
}

async function prepareRun(args: ScanArgs, io: Io): Promise<PreparedRun> {
  const config = loadRunConfig(args, io);
  // The report's destination is checked before the inventories are read or anything is sent.
  const destination = args.output === undefined ? undefined : checkOutputFile(args.output, inputFiles(args, io));
  const advisories = loadAdvisorySet(args.advisory).map((a) => a.advisory);
  const format = resolveFormat(args, io.stdout.isTTY === true);
  if (reportFormat(format).bytes && !args.output && !args.listTargets && io.stdout.isTTY === true) {
    throw new UsageError(`--format ${format} writes a binary file: give --output FILE.${format}, or redirect standard output`);
  }
  const baseline = args.baseline === undefined ? undefined : readBaseline(args.baseline);
  const built = await readTargets(args, io);
  // Every profile the inventory names is resolved (and its secrets known) before any packet.
  const plan = planRunCredentials(args, io, config, built.sources);
  // "public" is the well-known default, not a secret: redacting it would only garble text.
  // Filtered again only when the plan has met a new secret (say() runs once per unit with --verbose).
  let secretsOfPlan: readonly string[] | undefined;
  let hidden: readonly string[] = [];
  const secrets = (): readonly string[] => {
    if (plan.secrets !== secretsOfPlan) {
      secretsOfPlan = plan.secrets;
      hidden = longestFirst(secretsOfPlan.filter((x) => x !== 'public'));
    }
    return hidden;
  };
  const say = (line: string) => io.stderr.write(`ats-audit: ${forTerminal(redact(line, secrets()), 400)}\n`);
  for (const e of built.errors) say(e.message);
  for (const p of plan.problems) say(p.message);
  if (!args.quiet) {
    for (const n of [...built.notes.map((n) => n.message), ...plan.notes, ...(baseline?.notes ?? [])]) say(`note: ${n}`);
  }
  const invalidCount = built.errors.length + plan.problems.length;
  if (invalidCount > 0 && args.strict) {
    throw new UsageError(`${invalidCount} invalid target(s) and --strict given: nothing scanned`);
  }
  if (built.count === 0 && built.errors.length === 0) {
    throw new UsageError('no targets: give hosts, CIDR blocks or ranges as arguments, or --inventory FILE (see --help)');
  }
  return { advisories, format, baseline, built, plan, destination, invalidCount, secrets, say };
}

/** Where and how the report goes. */
interface ReportOutput {
  readonly renderer: ReportFormat;
  readonly ctx: RenderContext;
  /** A streaming format on stdout: each unit is written the moment it is known. */
  readonly stream: ((r: AuditResult, ctx: RenderContext) => string) | undefined;
  /** The result as reported: with its change since the baseline, when there is one. */
  readonly withChange: (r: AuditResult) => AuditResult;
}

function reportOutput(run: PreparedRun, args: ScanArgs, io: Io): ReportOutput {
  const renderer = reportFormat(run.format);
  const ctx: RenderContext = {
    advisories: run.advisories,
    version: toolVersion(),
    generatedAt: new Date(),
    color: !args.output && shouldUseColor(io.stdout, io.env),
    // On stdout: the terminal's width, else $COLUMNS. A report file is not drawn for this
    // terminal: $COLUMNS if set, else the table's default.
    width: outputWidth(args.output ? {} : io.stdout, io.env),
    excel: args.excel,
    settings: reportSettings(args, run.built.count, run.plan.defaultSource),
  };
  const { baseline } = run;
  const withChange = (r: AuditResult): AuditResult => (baseline ? { ...r, change: changeOf(baseline.units.get(targetKey(r.target)), r) } : r);
  const stream = renderer.line !== undefined && args.output === undefined ? renderer.line : undefined;
  return { renderer, ctx, stream, withChange };
}

interface Audited {
  /** Every target's result (a streaming scan without a baseline keeps only the invalid ones). */
  readonly results: AuditResult[];
  /** Verdicts seen, for the exit code: a streaming scan keeps no results. */
  readonly verdicts: ReadonlySet<Verdict>;
  readonly interrupted: boolean;
}

/** Audits every target: invalid ones get their row without a packet, the rest are scanned. */
async function auditAll(run: PreparedRun, out: ReportOutput, args: ScanArgs, io: Io, deps?: PollDeps): Promise<Audited> {
  const { built, plan, say, secrets } = run;
  const refused: AuditResult[] = [];
  const audits = (function* (): Iterable<AuditTarget> {
    for (const t of built.targets) {
      const r = plan.credentialsFor({ origin: t.target.origin, profile: t.profile, community: t.community });
      if (r.ok) yield { target: t.target, credentials: r.credentials };
      else refused.push(invalidTargetResult(t.target, redact(r.error, secrets())));
    }
  })();
  // A bad target line is still a target the user gave: it gets a row. File-level problems
  // (a CSV header without "host") name no target and are reported on stderr only.
  const results: AuditResult[] = built.errors
    .filter((e) => e.target.host !== '')
    .map((e) => invalidTargetResult(e.target, `invalid target: ${redact(e.message, secrets())}`));
  const verdicts = new Set<Verdict>();
  const done = (r: AuditResult) => {
    verdicts.add(r.finding.verdict);
    if (out.stream) io.stdout.write(out.stream(out.withChange(r), out.ctx));
  };
  results.forEach(done);

  const concurrency = args.concurrency === undefined ? { value: defaultConcurrency() } : capConcurrency(args.concurrency);
  if (concurrency.note && !args.quiet) say(`note: ${concurrency.note}`);
  const interrupt = new AbortController();
  const unsubscribe = io.onInterrupt?.((signal) => {
    say(`${signal}: stopping; units in flight get ${SCAN_DEFAULTS.graceMs} ms, then the report is written with the rest marked "scan interrupted" (interrupt again a second or more later to stop at once)`);
    interrupt.abort();
  });
  if (args.verbose) {
    say(
      `scanning ${built.count} target(s): concurrency ${concurrency.value}, timeout ${args.timeout} ms, retries ${args.retries}` +
        `${args.rate === undefined ? '' : `, rate ${args.rate}/s`}; default credentials: ${plan.defaultSource}; ` +
        `bulletins: ${run.advisories.map((a) => a.id).join(', ')}; format ${run.format}${args.output ? ` to ${args.output}` : ''}`,
    );
  }
  const log = args.verbose
    ? (r: AuditResult) => say(`${targetKey(r.target)}: ${r.finding.verdict} after ${r.requests} SNMP request(s): ${r.finding.reason}`)
    : undefined;
  // cli-progress is loaded only when there is a person at a terminal to draw for.
  const progress: Progress =
    args.quiet || args.verbose || out.stream !== undefined || io.stderr.isTTY !== true
      ? NO_PROGRESS
      : (await import('../progress.js')).startProgress(built.count, io.stderr, {
          quiet: false,
          timeoutMs: args.timeout,
          tries: args.retries + 1,
          concurrency: concurrency.value,
        });
  try {
    const polled = await scan(
      audits,
      {
        concurrency: concurrency.value,
        // Without --concurrency, units beyond it wait out their timeouts on one shared socket.
        maxInFlight: args.concurrency === undefined ? Math.max(concurrency.value, SCAN_DEFAULTS.maxInFlight) : concurrency.value,
        timeoutMs: args.timeout,
        retries: args.retries,
        advisories: run.advisories,
        signal: interrupt.signal,
        // Raw readings only for a format that shows them (JSON, ndjson).
        keepRaw: out.renderer.showsRaw,
        ...(args.rate === undefined ? {} : { rate: args.rate }),
        // A streaming format keeps nothing but what the exit code needs (a baseline
        // comparison needs every unit, to find the ones gone).
        collect: out.stream === undefined || run.baseline !== undefined,
        onResult: (r) => {
          progress.onResult(r);
          log?.(r);
          done(r);
        },
      },
      deps,
    );
    results.push(...polled);
  } finally {
    progress.stop();
    unsubscribe?.();
  }
  refused.forEach(done);
  results.push(...refused);
  return { results, verdicts, interrupted: interrupt.signal.aborted };
}

/** Every file the run reads: the report must never be written over one of them. */
function inputFiles(args: ScanArgs, io: Io): InputFile[] {
  const config = configLocation({ path: args.config, env: io.env });
  return [
    ...args.inventory.filter((f) => f !== '-').map((path) => ({ option: '--inventory', path })),
    ...args.advisory.map((path) => ({ option: '--advisory', path })),
    ...(args.baseline === undefined ? [] : [{ option: '--baseline', path: args.baseline }]),
    ...(args.communityFile === undefined ? [] : [{ option: '--community-file', path: args.communityFile }]),
    ...(config ? [{ option: config.from === 'home' || config.from === '$XDG_CONFIG_HOME' ? 'the config file' : config.from, path: config.path }] : []),
  ];
}

/**
 * The report at the end (streaming formats were written as they went), and the changes line.
 * False when the report could not be written where asked (it was saved elsewhere, and said so).
 */
async function writeReport(
  run: PreparedRun,
  out: ReportOutput,
  results: readonly AuditResult[],
  comparison: Comparison | undefined,
  args: ScanArgs,
  io: Io,
): Promise<boolean> {
  let delivered = true;
  if (!out.stream) {
    // Every format lists units in the same order: worst verdict first, then site and host.
    const sorted = inReportOrder(results.map(out.withChange));
    const ctx = { ...out.ctx, baseline: comparison };
    // Text is rendered chunk by chunk as it is written: the whole report is never one string.
    const report: ReportData = out.renderer.bytes ? await out.renderer.bytes(sorted, ctx) : endingInNewline(out.renderer.chunks(sorted, ctx));
    if (run.destination) {
      const outcome = writeReportFile(run.destination, report);
      if (outcome.ok) {
        // The progress line is gone by now: the counts stay on screen in this line.
        if (!args.quiet) run.say(`wrote ${run.destination.given} (${run.format}): ${formatSummary(summarize(results))}`);
      } else {
        delivered = false;
        // The last place left, when even the fallback file failed: the results are not lost.
        run.say(outcome.savedTo === undefined ? `${outcome.message}: the report follows on standard output` : outcome.message);
        if (outcome.savedTo === undefined) await writeToSink(io.stdout, report);
      }
    } else {
      await writeToSink(io.stdout, report);
    }
  }
  // Formats without a place for it (CSV, ndjson, Prometheus, HTML) get the changes line on stderr.
  if (comparison && run.format !== 'table' && run.format !== 'json' && !args.quiet) run.say(`changes ${formatChangeSummary(comparison)}`);
  return delivered;
}

function exitCode(run: PreparedRun, audited: Audited, comparison: Comparison | undefined, args: ScanArgs): number {
  if (audited.interrupted) return EXIT.interrupted;
  const invalid = run.invalidCount > 0;
  if (comparison && args.failOn) {
    const outcome = failOn(comparison, args.failOn);
    for (const m of outcome.matched) run.say(`--fail-on ${m.rule}: ${m.units.slice(0, 10).join(', ')}${m.units.length > 10 ? ', ...' : ''}`);
    return outcome.fail ? outcome.exitCode : invalid ? EXIT.usage : EXIT.clear;
  }
  const code = exitCodeFor(audited.verdicts);
  return code === EXIT.atRisk || !invalid ? code : EXIT.usage;
}

const NO_PROGRESS: Progress = { onResult: () => undefined, stop: () => undefined };

/**
 * --list-targets: what would be scanned and with which credentials, without sending anything
 * or reading any secret (a profile whose key is not set yet is listed as such). Exit 2 when a
 * target line is invalid, as a scan would.
 */
async function listTargetsRun(args: ScanArgs, io: Io): Promise<number> {
  const format = listFormat(args.format);
  const config = loadRunConfig(args, io);
  const built = await readTargets(args, io);
  for (const e of built.errors) io.stderr.write(`ats-audit: ${forTerminal(e.message, 400)}\n`);
  const defaults = { version: args.snmpVersion, profile: args.profile, community: communityOption(args, io.env) };
  let problems = 0;
  const list = listedTargets(built.targets, { config, defaults, env: io.env }, (p) => {
    problems++;
    io.stderr.write(`ats-audit: ${forTerminal(p, 400)}\n`);
  });
  const n = writeTargetList(list, format, (text) => io.stdout.write(text));
  if (!args.quiet) io.stderr.write(`ats-audit: ${n} target(s); nothing sent (--list-targets)\n`);
  return built.errors.length === 0 && problems === 0 ? EXIT.clear : EXIT.usage;
}

function readBaseline(file: string): Baseline {
  try {
    return readBaselineFile(file);
  } catch (e) {
    if (e instanceof BaselineError) throw new UsageError(e.message);
    throw e;
  }
}

/** The inventory files as given (- is stdin), read and decoded before anything is sent; shared with check. */
export async function readInventories(
  files: readonly string[],
  o: { readonly port: number; readonly allowLarge: boolean; readonly sheet?: string | undefined },
  io: Io,
): Promise<InventorySource[]> {
  const read: InventorySource[] = [];
  for (const file of files) {
    try {
      read.push(await readInventoryFile(file, { port: o.port, allowLarge: o.allowLarge, sheet: o.sheet, readStdin: io.readStdin }));
    } catch (e) {
      if (e instanceof InventoryReadError) throw new UsageError(e.message);
      throw e;
    }
  }
  return read;
}

let version: string | undefined;
export function toolVersion(): string {
  version ??= (JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string }).version;
  return version;
}
