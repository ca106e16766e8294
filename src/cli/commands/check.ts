import type { Argv } from 'yargs';
import type { Advisory } from '../../audit/advisory.js';
import type { AuditResult } from '../../audit/audit-result.js';
import { EXIT } from '../../exit-codes.js';
import type { Verdict } from '../../audit/finding.js';
import { isWrongPackage, parsePackageName, planPackage, type PackagePlan } from '../../audit/package-plan.js';
import type { PollDeps } from '../../poll/poll-unit.js';
import { forTerminal } from '../../report/sanitize.js';
import { scan } from '../../scan/scan.js';
import { buildTargets } from '../../targets/list.js';
import { targetKey, type AuditTarget } from '../../targets/target.js';
import { loadAdvisorySet } from './advisories.js';
import { UsageError, type Io } from '../io.js';
import { parseDuration as parseCliDuration } from '../duration.js';
import { examplesText } from '../help-text.js';
import { connectionOptions, DEFAULTS, validate, type ScanArgs } from '../options.js';
import { loadRunConfig, planRunCredentials } from '../run-credentials.js';

// `ats-audit check HOST..`: the pre-upgrade gate. For each unit: may a listed package be
// flashed right now, why, and what to do first; with --package, whether that file is one the
// bulletins judge and whether it fits the unit at all. With --wait, polls again until every
// unit is ready or the time is up, printing each change with a timestamp (a technician pulls
// the secondary feed; the unit turns ready).

/** Exit codes of `check`: the scan's, plus one for a package that must not be loaded. */
export const CHECK_EXIT = {
  /** Every unit ready: safe-to-upgrade or not-affected, and --package (if given) is a listed package that fits it. */
  ready: EXIT.clear,
  usage: EXIT.usage,
  /** At least one unit is at risk: a listed upgrade now could destroy it. Takes precedence. */
  atRisk: EXIT.atRisk,
  /**
   * Nothing at risk, but some unit could not be cleared: unknown, unreachable, not a Rack ATS,
   * or --package is not listed in any bulletin (the tool cannot judge it).
   */
  incomplete: EXIT.incomplete,
  /** Nothing at risk, but --package is the wrong firmware for at least one unit (hardware or product line). */
  wrongPackage: EXIT.wrongPackage,
} as const;

/** How one unit stands at the gate. */
export type Gate = 'ready' | 'not-now' | 'wrong-package' | 'cannot-tell';

export interface UnitCheck {
  readonly result: AuditResult;
  /** With --package only. */
  readonly plan?: PackagePlan;
  readonly gate: Gate;
}

/** The connection options are scan's own; the rest is the gate's. */
export interface CheckArgs
  extends Pick<ScanArgs, 'community' | 'communityFile' | 'config' | 'profile' | 'snmpVersion' | 'port' | 'timeout' | 'retries' | 'advisory'> {
  readonly hosts: readonly string[];
  /** The planned package file (name or path: only the name is judged). */
  readonly packageFile?: string;
  /** --wait, in milliseconds; absent: poll once. */
  readonly waitMs?: number;
  /** --interval, in milliseconds. */
  readonly intervalMs: number;
}

/** Injected for tests: the SNMP side, the clock and the pause between polls. */
export interface CheckDeps {
  readonly poll?: PollDeps;
  /** Milliseconds since the epoch. Default Date.now. */
  readonly now?: () => number;
  /** Default: a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const CHECK_DEFAULTS = {
  intervalMs: 5_000,
  minIntervalMs: 1_000,
  maxIntervalMs: 3_600_000,
  minWaitMs: 1_000,
  maxWaitMs: 24 * 3_600_000,
  /** check polls every unit again and again; a fleet is a job for scan. */
  maxUnits: 256,
  concurrency: 32,
} as const;

const TEXT_MAX = 400;
const LABEL_MAX = 40;

/**
 * A duration as `90s`, `10m`, `2h`, `1500ms`, or combined largest unit first: `1h30m`,
 * `2m30s`. No bare numbers (is 10 seconds or minutes?). Throws UsageError naming the option
 * and quoting the value as typed.
 */
export function parseDuration(text: string, option: string): number {
  return parseCliDuration(text, option, { examples: '90s, 10m, 1h or 1m30s' });
}

/** `1h2m5s`, `10m`, `45s`; `0s` for less than a second. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''];
  return parts.join('');
}

export function checkOptions<T>(y: Argv<T>) {
  return connectionOptions(y)
    .positional('hosts', {
      describe: 'Units about to be upgraded: host, IP address or host:port',
      type: 'string',
      array: true,
      // yargs would show `[default: []]` for a required list.
      default: undefined,
    })
    .option('package', {
      describe: 'The package you plan to flash, e.g. apc_hw02_aos390_g2ats392.exe (only its name is judged)',
      type: 'string',
      requiresArg: true,
    })
    .option('wait', {
      describe: 'Poll again until every unit is ready or this time is up (e.g. 10m, 90s), printing each change',
      type: 'string',
      requiresArg: true,
    })
    .option('interval', {
      describe: 'With --wait: time between polls (default 5s)',
      type: 'string',
      requiresArg: true,
    })
    .epilog(CHECK_EPILOG);
}

/** Examples and exit codes, for `check --help` (examples laid out by us: yargs splits them mid-value at 80 columns). */
export const CHECK_EPILOG = `${examplesText([
  { command: 'ats-audit check 10.20.1.15 --package apc_hw02_aos390_g2ats392.exe', says: 'may this package go on this unit now?' },
  { command: 'ats-audit check 10.20.1.15 --wait 10m --interval 10s', says: 'wait while the secondary feed is pulled; exit 0 once it is safe' },
])}

Exit codes:
    0  every unit ready: safe-to-upgrade or not-affected (and --package fits)
    1  internal error
    2  bad invocation (also a --package name that is not an APC package)
    3  a unit is at risk
    4  a unit could not be cleared (unknown, unreachable, not a Rack ATS, or
       --package not in any bulletin)
    5  --package is the wrong firmware for a unit (other hardware or line)
  130  interrupted (SIGINT/SIGTERM)
  (6 is scan --fail-on's.) With --wait the code is that of the last poll.

Read-only: only SNMP GET/GETNEXT/GETBULK are sent.`;

/** Typed, validated arguments; UsageError naming the option otherwise. */
export function validateCheck(a: Record<string, unknown>): CheckArgs {
  const hosts = Array.isArray(a.hosts) ? a.hosts.map(String) : a.hosts === undefined ? [] : [String(a.hosts)];
  // The connection options are checked exactly as scan checks them.
  const base = validate({
    port: DEFAULTS.port,
    timeout: DEFAULTS.timeoutMs,
    retries: DEFAULTS.retries,
    ...a,
    targets: hosts,
    inventory: [],
    concurrency: DEFAULTS.concurrency,
    format: undefined,
    output: undefined,
  });
  if (hosts.length === 0) throw new UsageError('check: name the unit(s) about to be upgraded: ats-audit check HOST [HOST..]');
  const str = (name: string, v: unknown): string | undefined => {
    if (v === undefined) return undefined;
    if (Array.isArray(v)) throw new UsageError(`--${name}: give it once`);
    if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`--${name}: expected a value`);
    return v.trim();
  };
  const packageFile = str('package', a.package);
  const waitText = str('wait', a.wait);
  const intervalText = str('interval', a.interval);
  if (intervalText !== undefined && waitText === undefined) throw new UsageError('--interval only applies with --wait');
  const waitMs = waitText === undefined ? undefined : parseDuration(waitText, 'wait');
  const intervalMs = intervalText === undefined ? CHECK_DEFAULTS.intervalMs : parseDuration(intervalText, 'interval');
  if (waitMs !== undefined && (waitMs < CHECK_DEFAULTS.minWaitMs || waitMs > CHECK_DEFAULTS.maxWaitMs)) {
    throw new UsageError(`--wait ${waitText}: expected between 1s and 24h`);
  }
  if (intervalMs < CHECK_DEFAULTS.minIntervalMs || intervalMs > CHECK_DEFAULTS.maxIntervalMs) {
    throw new UsageError(`--interval ${intervalText}: expected between 1s and 1h`);
  }
  return {
    hosts,
    community: base.community,
    communityFile: base.communityFile,
    config: base.config,
    profile: base.profile,
    snmpVersion: base.snmpVersion,
    port: base.port,
    timeout: base.timeout,
    retries: base.retries,
    advisory: base.advisory,
    ...(packageFile !== undefined && { packageFile }),
    ...(waitMs !== undefined && { waitMs }),
    intervalMs,
  };
}

// ------------------------------------------------------------------------------ judging

/** Where one unit stands: at risk stops everything; a wrong file comes next; then anything unproven. */
export function gateOf(result: AuditResult, plan: PackagePlan | undefined): Gate {
  const verdict = result.finding.verdict;
  if (verdict === 'at-risk') return 'not-now';
  if (plan && isWrongPackage(plan)) return 'wrong-package';
  if ((verdict === 'safe-to-upgrade' || verdict === 'not-affected') && (!plan || plan.kind === 'listed')) return 'ready';
  return 'cannot-tell';
}

export function checkUnit(result: AuditResult, advisories: readonly Advisory[], packageFile: string | undefined): UnitCheck {
  const plan =
    packageFile === undefined
      ? undefined
      : planPackage({ packageFile, finding: result.finding, advisories, ...(result.identity && { identity: result.identity }) });
  return { result, ...(plan && { plan }), gate: gateOf(result, plan) };
}

/** 3 if any unit is at risk, else 5 for a wrong package, else 4 if any unit is not cleared, else 0. */
export function checkExitCode(units: readonly UnitCheck[]): number {
  if (units.some((u) => u.gate === 'not-now')) return CHECK_EXIT.atRisk;
  if (units.some((u) => u.gate === 'wrong-package')) return CHECK_EXIT.wrongPackage;
  if (units.some((u) => u.gate === 'cannot-tell')) return CHECK_EXIT.incomplete;
  return CHECK_EXIT.ready;
}

const GATE_WORDS: Readonly<Record<Gate, string>> = {
  ready: 'READY',
  'not-now': 'NOT NOW',
  'wrong-package': 'WRONG PACKAGE',
  'cannot-tell': 'CANNOT TELL',
};

function headline(u: UnitCheck, packageFile: string | undefined): string {
  const verdict = u.result.finding.verdict;
  const file = packageFile ? forTerminal(u.plan?.packageFile ?? packageFile, 120) : 'a listed package';
  switch (u.gate) {
    case 'ready':
      return verdict === 'not-affected'
        ? 'the bulletin does not apply to this unit'
        : `${file} may be flashed now, keeping the precaution below`;
    case 'not-now':
      return `do not flash ${file} now: it could destroy the unit and drop its load`;
    case 'wrong-package':
      return `do not load ${file} on this unit`;
    case 'cannot-tell':
      if (u.plan?.kind === 'not-listed') return `${file} is outside the bulletins; this tool cannot clear it`;
      return verdictWhy(verdict);
  }
}

function verdictWhy(verdict: Verdict): string {
  switch (verdict) {
    case 'unreachable':
      return 'the unit did not answer, so it cannot be cleared';
    case 'not-ats':
      return 'not a Rack ATS: this gate cannot clear it';
    default:
      return 'the data do not prove it safe';
  }
}

/** `127.0.80.1:16161 dc1-r01-ats AP7722A`, terminal-safe. */
function unitLabel(r: AuditResult): string {
  const parts = [targetKey(r.target), r.target.name ?? r.identity?.sysName, r.identity?.model].filter(
    (p): p is string => typeof p === 'string' && p.trim() !== '',
  );
  return parts.map((p) => forTerminal(p, LABEL_MAX)).join('  ');
}

function packageLine(plan: PackagePlan): string {
  if (plan.kind === 'listed') {
    return `${plan.packageFile} is listed in ${plan.advisoryIds.join(', ')}: the bulletin's rules apply (the verdict above decides)`;
  }
  return plan.reason;
}

/** The short human block for one unit: headline, why, package, what to do first. */
export function renderUnit(u: UnitCheck, packageFile: string | undefined): string {
  const f = u.result.finding;
  const t = (s: string) => forTerminal(s, TEXT_MAX);
  const lines = [`${GATE_WORDS[u.gate]}  ${unitLabel(u.result)}  [${f.verdict}]: ${headline(u, packageFile)}`, `  why:     ${t(f.reason)}`];
  if (u.plan) lines.push(`  package: ${t(packageLine(u.plan))}`);
  const first: string[] = [];
  if (u.plan && isWrongPackage(u.plan)) first.push(u.plan.action);
  else {
    if (f.action) first.push(f.action);
    if (u.plan?.kind === 'not-listed') first.push(u.plan.action);
  }
  if (first.length > 0) lines.push(`  first:   ${t(first.join(' '))}`);
  return `${lines.join('\n')}\n`;
}

/** One line: how many units stand where, and what the exit code means. */
export function renderSummary(units: readonly UnitCheck[]): string {
  const count = (g: Gate) => units.filter((u) => u.gate === g).length;
  const parts = (['ready', 'not-now', 'wrong-package', 'cannot-tell'] as const).filter((g) => count(g) > 0).map((g) => `${count(g)} ${GATE_WORDS[g].toLowerCase()}`);
  const code = checkExitCode(units);
  const meaning: Record<number, string> = {
    [CHECK_EXIT.ready]: 'every unit is ready',
    [CHECK_EXIT.atRisk]: 'at least one unit is at risk',
    [CHECK_EXIT.wrongPackage]: 'the package is the wrong firmware for at least one unit',
    [CHECK_EXIT.incomplete]: 'at least one unit could not be cleared',
  };
  return `${units.length} ${units.length === 1 ? 'unit' : 'units'}: ${parts.join(', ')} (exit ${code}: ${meaning[code]})\n`;
}

/**
 * What counts as a change of state while waiting: gate, verdict, package outcome and the reason
 * with readings (amps, volts) blanked, so a load moving from 4.2 A to 4.3 A is not news.
 */
export function stateSignature(u: UnitCheck): string {
  const reason = u.result.finding.reason.replace(/\d+(?:\.\d+)?\s?[AV]\b/g, '#');
  return [u.gate, u.result.finding.verdict, u.plan?.kind ?? '', reason].join('|');
}

function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function renderChange(at: number, before: UnitCheck, after: UnitCheck): string {
  const was = before.result.finding.verdict;
  const now = after.result.finding.verdict;
  const what = was === now ? `still ${now}` : `${was} -> ${now}`;
  return `${timestamp(at)}  ${unitLabel(after.result)}: ${what} (${GATE_WORDS[after.gate]}): ${forTerminal(after.result.finding.reason, TEXT_MAX)}\n`;
}

// ------------------------------------------------------------------------------ running

function buildCheckTargets(args: CheckArgs, io: Io): AuditTarget[] {
  const built = buildTargets({ args: args.hosts, inventories: [] }, { port: args.port, allowLarge: false });
  // A gate is about exact units: any bad host stops it before a packet is sent.
  if (built.errors.length > 0) throw new UsageError(built.errors.map((e) => e.message).join('; '));
  if (built.count > CHECK_DEFAULTS.maxUnits) {
    throw new UsageError(
      `check: ${built.count} units named; at most ${CHECK_DEFAULTS.maxUnits} (check polls them all again every interval: use scan for a fleet)`,
    );
  }
  const plan = planRunCredentials(args, io, loadRunConfig(args, io));
  return [...built.targets].map((t) => ({ target: t.target, credentials: plan.defaultCredentials }));
}

/** Runs `check`; returns the exit code (usage errors are printed and return 2). */
export async function runCheck(raw: Record<string, unknown>, io: Io, deps: CheckDeps = {}): Promise<number> {
  try {
    return await check(validateCheck(raw), io, deps);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`ats-audit: ${forTerminal(e.message, TEXT_MAX)}\nRun "ats-audit check --help" for usage.\n`);
    return CHECK_EXIT.usage;
  }
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
  const targets = buildCheckTargets(args, io);
  const order = new Map(targets.map((t, i) => [targetKey(t.target), i]));
  const pollOnce = async (): Promise<UnitCheck[]> => {
    const results = await scan(
      targets,
      {
        concurrency: Math.min(CHECK_DEFAULTS.concurrency, targets.length),
        timeoutMs: args.timeout,
        retries: args.retries,
        advisories,
      },
      deps.poll,
    );
    results.sort((a, b) => (order.get(targetKey(a.target)) ?? 0) - (order.get(targetKey(b.target)) ?? 0));
    return results.map((r) => checkUnit(r, advisories, args.packageFile));
  };
  const write = (s: string) => io.stdout.write(s);
  const allReady = (units: readonly UnitCheck[]) => units.every((u) => u.gate === 'ready');

  const started = now();
  if (args.waitMs !== undefined) {
    write(
      `${timestamp(started)}  waiting up to ${formatDuration(args.waitMs)} for ${targets.length} ${
        targets.length === 1 ? 'unit' : 'units'
      } to be ready (polling every ${formatDuration(args.intervalMs)}; Ctrl-C stops)\n`,
    );
  }
  let units = await pollOnce();
  write(units.map((u) => renderUnit(u, args.packageFile)).join('\n'));

  if (args.waitMs !== undefined) {
    const deadline = started + args.waitMs;
    // Bounded by the clock and, should the clock stand still, by the number of polls the wait allows.
    const maxPolls = Math.ceil(args.waitMs / args.intervalMs) + 1;
    let polls = 1;
    let changed = false;
    // Waiting cannot fix a package meant for other hardware: say so at once.
    const hopeless = (us: readonly UnitCheck[]) => us.some((u) => u.gate === 'wrong-package');
    while (!allReady(units) && !hopeless(units) && polls < maxPolls) {
      const left = deadline - now();
      if (left <= 0) break;
      await sleep(Math.min(args.intervalMs, left));
      const next = await pollOnce();
      polls += 1;
      const at = now();
      next.forEach((u, i) => {
        const before = units[i];
        if (before && stateSignature(before) !== stateSignature(u)) {
          if (!changed) write('\n');
          write(renderChange(at, before, u));
          changed = true;
        }
      });
      units = next;
    }
    const at = now();
    write(
      allReady(units)
        ? `\n${timestamp(at)}  every unit is ready (after ${formatDuration(at - started)})\n`
        : hopeless(units)
          ? `\n${timestamp(at)}  not waiting: --package is the wrong firmware for a unit, which no wait can change\n`
          : `\n${timestamp(at)}  time is up (--wait ${formatDuration(args.waitMs)}): not every unit is ready; last state:\n`,
    );
    if (changed || !allReady(units)) write(`\n${units.map((u) => renderUnit(u, args.packageFile)).join('\n')}`);
  }
  write(`\n${renderSummary(units)}`);
  return checkExitCode(units);
}
