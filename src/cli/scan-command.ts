import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../atomic-write.js';
import type { AuditResult } from '../audit-result.js';
import type { Verdict } from '../finding.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import { packageRoot } from '../package-root.js';
import type { PollDeps } from '../poll.js';
import { reportFormat } from '../report/formats.js';
import { forTerminal } from '../report/sanitize.js';
import { compareForTable, shouldUseColor } from '../report/table.js';
import type { Progress } from '../progress.js';
import { capConcurrency, defaultConcurrency } from '../fd-limit.js';
import { invalidTargetResult, scan, SCAN_DEFAULTS } from '../scan.js';
import { redact } from '../snmp/session.js';
import { buildTargets } from '../target-list.js';
import { targetKey, type AuditTarget, type Target } from '../target.js';
import { BaselineError, changeOf, compareWithBaseline, failOn, formatChangeSummary, readBaselineFile, type Baseline } from '../baseline.js';
import { loadAdvisorySet } from './advisories-command.js';
import { UsageError, type Io } from './io.js';
import { resolveFormat, type ScanArgs } from './options.js';
import { loadRunConfig, planRunCredentials } from './run-credentials.js';

// The scan command from parsed options to exit code: read inputs, audit, report.

export async function runScan(args: ScanArgs, io: Io, deps?: PollDeps): Promise<number> {
  const config = loadRunConfig(args, io);
  const advisories = loadAdvisorySet(args.advisory).map((a) => a.advisory);
  const format = resolveFormat(args, io.stdout.isTTY === true);
  const baseline = args.baseline === undefined ? undefined : readBaseline(args.baseline);

  const inventories: Array<{ file: string; text: string }> = [];
  for (const file of args.inventory) {
    inventories.push({ file: file === '-' ? '<stdin>' : file, text: file === '-' ? await io.readStdin() : readInput(file) });
  }
  const built = buildTargets({ args: args.targets, inventories }, { port: args.port, allowLarge: args.allowLarge });
  // Every profile the inventory names is resolved (and its secrets known) before any packet.
  const plan = planRunCredentials(args, io, config, built.sources);
  // "public" is the well-known default, not a secret: redacting it would only garble text.
  const secrets = () => plan.secrets.filter((x) => x !== 'public');
  const say = (line: string) => io.stderr.write(`ats-audit: ${forTerminal(redact(line, ...secrets()), 400)}\n`);
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

  if (args.listTargets) {
    listTargets(built.targets, io);
    return invalidCount === 0 ? EXIT.clear : EXIT.usage;
  }

  const refused: AuditResult[] = [];
  const audits = (function* (): Iterable<AuditTarget> {
    for (const t of built.targets) {
      const r = plan.credentialsFor({ origin: t.target.origin, profile: t.profile, community: t.community });
      if (r.ok) yield { target: t.target, credentials: r.credentials };
      else refused.push(invalidTargetResult(t.target, redact(r.error, ...secrets())));
    }
  })();
  // A bad target line is still a target the user gave: it gets a row. File-level problems
  // (a CSV header without "host") name no target and are reported on stderr only.
  const results: AuditResult[] = built.errors
    .filter((e) => e.target.host !== '')
    .map((e) => invalidTargetResult(e.target, `invalid target: ${redact(e.message, ...secrets())}`));
  const renderer = reportFormat(format);
  const ctx = {
    advisories,
    version: toolVersion(),
    generatedAt: new Date(),
    color: !args.output && shouldUseColor(io.stdout, io.env),
    width: io.stdout.columns,
    excel: args.excel,
  };
  const withChange = (r: AuditResult): AuditResult => (baseline ? { ...r, change: changeOf(baseline.units.get(targetKey(r.target)), r) } : r);
  // A streaming format on stdout writes each unit the moment it is known.
  const stream = renderer.line !== undefined && args.output === undefined ? renderer.line : undefined;
  const emit = (r: AuditResult) => stream && io.stdout.write(stream(withChange(r), ctx));
  // Verdicts seen, for the exit code: a streaming scan keeps no results.
  const verdicts = new Set<Verdict>();
  const done = (r: AuditResult) => {
    verdicts.add(r.finding.verdict);
    emit(r);
  };
  results.forEach(done);

  const concurrency = args.concurrency === undefined ? { value: defaultConcurrency() } : capConcurrency(args.concurrency);
  if (concurrency.note && !args.quiet) say(`note: ${concurrency.note}`);
  const interrupt = new AbortController();
  const unsubscribe = io.onInterrupt?.((signal) => {
    say(`${signal}: stopping; units in flight get ${SCAN_DEFAULTS.graceMs} ms, then the report is written with the rest marked "scan interrupted" (again to stop at once)`);
    interrupt.abort();
  });
  if (args.verbose) {
    say(
      `scanning ${built.count} target(s): concurrency ${concurrency.value}, timeout ${args.timeout} ms, retries ${args.retries}` +
        `${args.rate === undefined ? '' : `, rate ${args.rate}/s`}; default credentials: ${plan.defaultSource}; ` +
        `bulletins: ${advisories.map((a) => a.id).join(', ')}; format ${format}${args.output ? ` to ${args.output}` : ''}`,
    );
  }
  const log = args.verbose
    ? (r: AuditResult) => say(`${targetKey(r.target)}: ${r.finding.verdict} after ${r.requests} SNMP request(s): ${r.finding.reason}`)
    : undefined;
  // cli-progress is loaded only when there is a person at a terminal to draw for.
  const progress: Progress =
    args.quiet || args.verbose || stream !== undefined || io.stderr.isTTY !== true
      ? NO_PROGRESS
      : (await import('../progress.js')).startProgress(built.count, io.stderr, { quiet: false });
  try {
    const polled = await scan(
      audits,
      {
        concurrency: concurrency.value,
        timeoutMs: args.timeout,
        retries: args.retries,
        advisories,
        signal: interrupt.signal,
        // Raw readings only for a format that shows them (JSON, ndjson).
        keepRaw: renderer.showsRaw,
        ...(args.rate === undefined ? {} : { rate: args.rate }),
        // A streaming format keeps nothing but what the exit code needs (a baseline
        // comparison needs every unit, to find the ones gone).
        collect: stream === undefined || baseline !== undefined,
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

  const comparison = baseline ? compareWithBaseline(baseline, results) : undefined;
  if (!stream) {
    // Every format lists units in the same order: worst verdict first, then site and host.
    const sorted = results.map(withChange).sort(compareForTable);
    const rendered = renderer.render(sorted, { ...ctx, baseline: comparison });
    const report = rendered === '' || rendered.endsWith('\n') ? rendered : `${rendered}\n`;
    if (args.output) {
      writeFileAtomic(args.output, report);
      if (!args.quiet) io.stderr.write(`ats-audit: wrote ${results.length} unit(s) to ${args.output} (${format})\n`);
    } else {
      io.stdout.write(report);
    }
  }
  // Formats without a place for it (CSV, ndjson, Prometheus, HTML) get the changes line on stderr.
  if (comparison && format !== 'table' && format !== 'json' && !args.quiet) say(`changes ${formatChangeSummary(comparison)}`);

  if (interrupt.signal.aborted) return EXIT.interrupted;
  if (comparison && args.failOn) {
    const outcome = failOn(comparison, args.failOn);
    for (const m of outcome.matched) say(`--fail-on ${m.rule}: ${m.units.slice(0, 10).join(', ')}${m.units.length > 10 ? ', ...' : ''}`);
    return outcome.fail ? outcome.exitCode : invalidCount === 0 ? EXIT.clear : EXIT.usage;
  }
  const code = exitCodeFor(verdicts);
  return code === EXIT.atRisk || invalidCount === 0 ? code : EXIT.usage;
}

const NO_PROGRESS: Progress = { onResult: () => undefined, stop: () => undefined };

/** --list-targets: what would be scanned, one per line, without sending anything. */
function listTargets(targets: Iterable<{ target: Target; profile?: string }>, io: Io): void {
  let n = 0;
  for (const { target: t, profile } of targets) {
    const label = [t.name, t.site, profile && `profile ${profile}`].filter(Boolean).join(', ');
    io.stdout.write(`${forTerminal(targetKey(t), 200)}${label ? `  (${forTerminal(label, 200)})` : ''}  from ${forTerminal(t.origin, 200)}\n`);
    n++;
  }
  io.stderr.write(`ats-audit: ${n} target(s); nothing sent (--list-targets)\n`);
}

function readBaseline(file: string): Baseline {
  try {
    return readBaselineFile(file);
  } catch (e) {
    if (e instanceof BaselineError) throw new UsageError(e.message);
    throw e;
  }
}

function readInput(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

let version: string | undefined;
export function toolVersion(): string {
  version ??= (JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string }).version;
  return version;
}
