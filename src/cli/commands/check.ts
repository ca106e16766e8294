import type { Advisory } from '../../audit/advisory.js';
import type { AuditResult } from '../../audit/audit-result.js';
import { checkExitCode, checkUnit, stateSignature, CHECK_EXIT, type UnitCheck } from '../../audit/gate.js';
import { parsePackageName } from '../../audit/package-plan.js';
import type { PollDeps } from '../../poll/poll-unit.js';
import { gatedFinding, renderChange, renderSummary, renderUnit, timestamp } from '../../report/check-text.js';
import { reportFormat } from '../../report/formats.js';
import { forTerminal } from '../../report/sanitize.js';
import { scan } from '../../scan/scan.js';
import { redact } from '../../snmp/session.js';
import { buildTargets } from '../../targets/list.js';
import { targetKey, type AuditTarget } from '../../targets/target.js';
import { loadAdvisorySet } from './advisories.js';
import { CHECK_DEFAULTS, formatDuration, validateCheck, type CheckArgs } from './check-options.js';
import { readInventories, toolVersion } from './scan.js';
import { UsageError, type Io } from '../io.js';
import { loadRunConfig, planRunCredentials } from '../run-credentials.js';

// `ats-audit check HOST..`: the pre-upgrade gate. For each unit: may a listed package be
// flashed right now, why, and what to do first; with --package, whether that file is one the
// bulletins judge and whether it fits the unit at all. With --wait, polls again until every
// unit is ready (confirmed by --confirm consecutive polls) or the time is up, printing each
// change with a timestamp (a technician pulls the secondary feed; the unit turns ready).
// Judging is audit/gate.ts; the words are report/check-text.ts; the options check-options.ts.

export { CHECK_EXIT } from '../../audit/gate.js';
export { checkOptions, CHECK_DEFAULTS, formatDuration, parseDuration, validateCheck, type CheckArgs } from './check-options.js';

/** Injected for tests: the SNMP side, the clock and the pause between polls. */
export interface CheckDeps {
  readonly poll?: PollDeps;
  /** Milliseconds since the epoch. Default Date.now. */
  readonly now?: () => number;
  /** Default: a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Runs `check`; returns the exit code (usage errors are printed, pointing to check --help, and return 2). */
export async function runCheck(raw: Record<string, unknown>, io: Io, deps: CheckDeps = {}): Promise<number> {
  try {
    return await check(validateCheck(raw), io, deps);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`ats-audit: ${forTerminal(e.message, 400)}\nRun "ats-audit check --help" for usage.\n`);
    return CHECK_EXIT.usage;
  }
}

/** The units, as scan builds them from hosts and inventories; any bad target stops the gate before a packet is sent. */
async function buildCheckTargets(args: CheckArgs, io: Io): Promise<AuditTarget[]> {
  const config = loadRunConfig(args, io);
  const inventories = await readInventories(args.inventory, { port: args.port, allowLarge: false }, io);
  const built = buildTargets({ args: args.hosts, inventories }, { port: args.port, allowLarge: false });
  if (built.refused.length > 0) throw new UsageError(built.refused.map((r) => r.message).join('; '));
  const plan = planRunCredentials(args, io, config, built.sources);
  const secrets = plan.secrets.filter((x) => x !== 'public');
  // A gate is about exact units: any bad host, row or credential stops it.
  const problems = [...built.errors.map((e) => e.message), ...plan.problems.map((p) => p.message)];
  if (problems.length > 0) throw new UsageError(redact(problems.join('; '), secrets));
  if (built.count === 0) throw new UsageError('check: no units named (the inventory holds no targets)');
  if (built.count > CHECK_DEFAULTS.maxUnits) {
    throw new UsageError(
      `check: ${built.count} units named; at most ${CHECK_DEFAULTS.maxUnits} (check polls them all again every interval: use scan for a fleet)`,
    );
  }
  const targets: AuditTarget[] = [];
  for (const t of built.targets) {
    const r = plan.credentialsFor({ origin: t.target.origin, profile: t.profile, community: t.community });
    if (!r.ok) throw new UsageError(redact(r.error, secrets));
    targets.push({ target: t.target, credentials: r.credentials });
  }
  return targets;
}

async function check(args: CheckArgs, io: Io, deps: CheckDeps): Promise<number> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const advisories = loadAdvisorySet(args.advisory).map((a) => a.advisory);
  if (args.packageFile !== undefined) {
    // A name that is not an APC package is a usage error: nothing to poll for.
    const parsed = parsePackageName(args.packageFile);
    if (!parsed.ok) throw new UsageError(`--package: ${parsed.problem}`);
  }
  const targets = await buildCheckTargets(args, io);
  const order = new Map(targets.map((t, i) => [targetKey(t.target), i]));
  const text = args.format === 'text';
  // The final state goes to stdout; the header and changes while waiting are progress: on
  // stdout in text, on stderr beside a machine format, nowhere with -q.
  const progress = (s: string) => {
    if (!args.quiet) (text ? io.stdout : io.stderr).write(s);
  };

  let previous: { units: UnitCheck[]; at: number } | undefined;
  const pollOnce = async (): Promise<UnitCheck[]> => {
    const at = now();
    const results = await scan(
      targets,
      { concurrency: Math.min(CHECK_DEFAULTS.concurrency, targets.length), timeoutMs: args.timeout, retries: args.retries, advisories },
      deps.poll,
    );
    results.sort((a, b) => (order.get(targetKey(a.target)) ?? 0) - (order.get(targetKey(b.target)) ?? 0));
    const spaced = previous !== undefined && at - previous.at >= args.intervalMs;
    const units = results.map((r, i) => checkUnit(r, advisories, args.packageFile, { needed: args.confirm, previous: previous?.units[i], spaced }));
    previous = { units, at };
    return units;
  };
  const allReady = (units: readonly UnitCheck[]) => units.every((u) => u.gate === 'ready');
  const block = (units: readonly UnitCheck[]) => units.map((u) => renderUnit(u, args.packageFile)).join('\n');
  // Waiting cannot fix a package meant for other hardware: say so at once.
  const hopeless = (units: readonly UnitCheck[]) => units.some((u) => u.gate === 'wrong-package');
  // Polls stop once any unit stops being ready: without --wait only a confirmation is pending.
  const worthPolling = (units: readonly UnitCheck[]) => (args.waitMs !== undefined ? !hopeless(units) : units.every((u) => u.readyNow));

  const started = now();
  const many = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (args.waitMs !== undefined) {
    progress(
      `${timestamp(started)}  waiting up to ${formatDuration(args.waitMs)} for ${many(targets.length, 'unit')} to be ready (polling every ${formatDuration(
        args.intervalMs,
      )}${args.confirm > 1 ? `; ready when ${args.confirm} polls in a row agree` : ''}; Ctrl-C stops)\n`,
    );
  }
  let units = await pollOnce();
  const oneShot = args.waitMs === undefined && args.confirm === 1;
  if (text && (oneShot || !args.quiet)) io.stdout.write(block(units));

  if (!oneShot) {
    const deadline = args.waitMs === undefined ? undefined : started + args.waitMs;
    // Bounded by the clock and, should the clock stand still, by the number of polls allowed.
    const maxPolls = deadline === undefined ? args.confirm : Math.ceil(args.waitMs! / args.intervalMs) + 1;
    let polls = 1;
    let changed = false;
    while (!allReady(units) && worthPolling(units) && polls < maxPolls) {
      const left = deadline === undefined ? args.intervalMs : deadline - now();
      if (left <= 0) break;
      await sleep(Math.min(args.intervalMs, left));
      const next = await pollOnce();
      polls += 1;
      const at = now();
      next.forEach((u, i) => {
        const before = units[i];
        if (before && stateSignature(before) !== stateSignature(u)) {
          if (!changed && text) progress('\n');
          progress(renderChange(at, before, u));
          changed = true;
        }
      });
      units = next;
    }
    const at = now();
    const confirmed = args.confirm > 1 ? `, confirmed by ${args.confirm} polls ${formatDuration(args.intervalMs)} apart` : '';
    progress(
      `${text ? '\n' : ''}${timestamp(at)}  ${
        allReady(units)
          ? `every unit is ready (after ${formatDuration(at - started)}${confirmed})`
          : hopeless(units)
            ? 'not waiting: --package is the wrong firmware for a unit, which no wait can change'
            : args.waitMs === undefined
              ? 'not every unit is ready on every poll; last state:'
              : `time is up (--wait ${formatDuration(args.waitMs)}): not every unit is ready; last state:`
      }\n`,
    );
    if (text && (args.quiet || changed || !allReady(units) || args.confirm > 1)) io.stdout.write(`${args.quiet ? '' : '\n'}${block(units)}`);
  }
  const code = checkExitCode(units);
  if (text) io.stdout.write(`\n${renderSummary(units, code)}`);
  else writeReport(units, args, io, advisories);
  if (!text && !args.quiet) io.stderr.write(`ats-audit: ${renderSummary(units, code)}`);
  return code;
}

/** -f json|ndjson|csv: scan's report of the last poll, each unit's gate folded into its reason and action. */
function writeReport(units: readonly UnitCheck[], args: CheckArgs, io: Io, advisories: readonly Advisory[]): void {
  const format = reportFormat(args.format === 'text' ? 'json' : args.format);
  const results: AuditResult[] = units.map((u) => ({ ...u.result, finding: gatedFinding(u, args.packageFile) }));
  const rendered = format.render(results, { advisories, version: toolVersion(), generatedAt: new Date(), color: false });
  io.stdout.write(rendered === '' || rendered.endsWith('\n') ? rendered : `${rendered}\n`);
}
