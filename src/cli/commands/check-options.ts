import type { Argv } from 'yargs';
import { parseDuration as parseCliDuration } from '../duration.js';
import { examplesText } from '../help-text.js';
import { UsageError } from '../io.js';
import { connectionOptions, DEFAULTS, validate, type ScanArgs } from '../options.js';

// The options of `ats-audit check`, declared and validated before any packet is sent. Targets
// are given as scan takes them (hosts, -i/--inventory FILE, - for stdin); the connection
// options are scan's own.

/** Report formats of check: its own text (default), or scan's machine formats. */
export const CHECK_FORMATS = ['text', 'json', 'ndjson', 'csv'] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

/** The connection options are scan's own; the rest is the gate's. */
export interface CheckArgs
  extends Pick<ScanArgs, 'community' | 'communityFile' | 'config' | 'profile' | 'snmpVersion' | 'port' | 'timeout' | 'retries' | 'advisory' | 'inventory' | 'quiet'> {
  readonly hosts: readonly string[];
  readonly format: CheckFormat;
  /** The planned package file (name or path: only the name is judged). */
  readonly packageFile?: string;
  /** --wait, in milliseconds; absent: poll once (or --confirm times). */
  readonly waitMs?: number;
  /** --interval, in milliseconds. */
  readonly intervalMs: number;
  /** --confirm: consecutive polls, --interval apart, that must agree before a unit is READY. */
  readonly confirm: number;
}

export const CHECK_DEFAULTS = {
  intervalMs: 5_000,
  minIntervalMs: 1_000,
  maxIntervalMs: 3_600_000,
  minWaitMs: 1_000,
  maxWaitMs: 24 * 3_600_000,
  /** With --wait: READY needs this many consecutive agreeing polls (one lucky read of a flapping unit is not enough). */
  confirmWithWait: 2,
  maxConfirm: 10,
  /** check polls every unit again and again; a fleet is a job for scan. */
  maxUnits: 256,
  concurrency: 32,
} as const;

/**
 * A duration as `90s`, `10m`, `2h`, `1500ms`, or combined largest unit first: `1h30m`, `2m30s`.
 * No bare numbers (is 10 seconds or minutes?). Throws UsageError naming the option and quoting
 * the value as typed.
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
      describe: 'Units about to be upgraded: host, IP address or host:port (- reads targets from stdin)',
      type: 'string',
      array: true,
      // Optional (an inventory may name the units), yet no "[default: []]" in the help.
      default: undefined,
    })
    .option('inventory', {
      alias: 'i',
      describe: 'Inventory file, as scan takes it: CSV with a "host" column or one target per line; - reads stdin',
      type: 'string',
      array: true,
      default: [] as string[],
      requiresArg: true,
    })
    .option('format', {
      alias: 'f',
      describe: "Output: check's own text, or the scan report formats (json, ndjson, csv) with the gate in each reason",
      choices: CHECK_FORMATS,
    })
    .option('quiet', { alias: 'q', describe: 'No waiting header or change lines: only the final state', type: 'boolean', default: false })
    .option('confirm', {
      describe: `READY only after this many consecutive polls, --interval apart, agree (default ${CHECK_DEFAULTS.confirmWithWait} with --wait, else 1)`,
      type: 'number',
      requiresArg: true,
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
      describe: 'With --wait or --confirm: time between polls (default 5s)',
      type: 'string',
      requiresArg: true,
    })
    .epilog(CHECK_EPILOG);
}

/** Examples and exit codes, for `check --help` (examples laid out by us: yargs splits them mid-value at 80 columns). */
export const CHECK_EPILOG = `${examplesText([
  { command: 'ats-audit check 10.20.1.15 --package apc_hw02_aos390_g2ats392.exe', says: 'may this package go on this unit now?' },
  { command: 'ats-audit check 10.20.1.15 --wait 10m --interval 10s', says: 'wait while the secondary feed is pulled; exit 0 once it is safe' },
  { command: 'ats-audit check -i window.csv -f json', says: 'the units of a maintenance window, as a JSON report' },
])}

Exit codes:
    0  every unit ready: safe-to-upgrade or not-affected, confirmed by --confirm
       polls (and --package listed and fitting)
    1  internal error
    2  bad invocation (also a --package name that is not an APC package)
    3  a unit is at risk
    4  a unit could not be cleared (unknown, unreachable, not a Rack ATS,
       --package not in any bulletin, or ready but not yet confirmed)
    5  --package is the wrong firmware for a unit (other hardware or line)
  130  interrupted (SIGINT/SIGTERM)
  (6 is scan --fail-on's.) With --wait the code is that of the last poll.

Read-only: only SNMP GET/GETNEXT/GETBULK are sent.`;

/** Typed, validated arguments; UsageError naming the option otherwise. */
export function validateCheck(a: Record<string, unknown>): CheckArgs {
  // yargs gives [undefined] for an absent optional array positional without a default.
  const given = Array.isArray(a.hosts) ? a.hosts : a.hosts === undefined ? [] : [a.hosts];
  const hosts = given.filter((h) => h !== undefined && h !== null).map(String);
  // The connection options and inventories are checked exactly as scan checks them.
  const base = validate({
    port: DEFAULTS.port,
    timeout: DEFAULTS.timeoutMs,
    retries: DEFAULTS.retries,
    ...a,
    targets: hosts,
    concurrency: DEFAULTS.concurrency,
    format: undefined,
    output: undefined,
  });
  if (hosts.length === 0 && base.inventory.length === 0) {
    throw new UsageError('check: name the unit(s) about to be upgraded: ats-audit check HOST [HOST..], or -i FILE, or - for stdin');
  }
  const str = (name: string, v: unknown): string | undefined => {
    if (v === undefined) return undefined;
    if (Array.isArray(v)) throw new UsageError(`--${name}: give it once`);
    if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`--${name}: expected a value`);
    return v.trim();
  };
  const packageFile = str('package', a.package);
  const waitText = str('wait', a.wait);
  const intervalText = str('interval', a.interval);
  const format = a.format === undefined ? 'text' : (a.format as CheckFormat);
  if (!CHECK_FORMATS.includes(format)) throw new UsageError(`--format ${String(a.format)}: expected one of ${CHECK_FORMATS.join(', ')}`);
  if (Array.isArray(a.confirm)) throw new UsageError('--confirm: give it once');
  const confirmGiven = a.confirm !== undefined;
  const confirm = confirmGiven ? Number(a.confirm) : waitText === undefined ? 1 : CHECK_DEFAULTS.confirmWithWait;
  if (!Number.isInteger(confirm) || confirm < 1 || confirm > CHECK_DEFAULTS.maxConfirm) {
    throw new UsageError(`--confirm ${String(a.confirm)}: expected a whole number 1-${CHECK_DEFAULTS.maxConfirm}`);
  }
  if (intervalText !== undefined && waitText === undefined && !confirmGiven) throw new UsageError('--interval only applies with --wait or --confirm');
  const waitMs = waitText === undefined ? undefined : parseDuration(waitText, 'wait');
  const intervalMs = intervalText === undefined ? CHECK_DEFAULTS.intervalMs : parseDuration(intervalText, 'interval');
  if (waitMs !== undefined && (waitMs < CHECK_DEFAULTS.minWaitMs || waitMs > CHECK_DEFAULTS.maxWaitMs)) {
    throw new UsageError(`--wait ${waitText}: expected between 1s and 24h`);
  }
  if (intervalMs < CHECK_DEFAULTS.minIntervalMs || intervalMs > CHECK_DEFAULTS.maxIntervalMs) {
    throw new UsageError(`--interval ${intervalText}: expected between 1s and 1h`);
  }
  if (waitMs !== undefined && waitMs < (confirm - 1) * intervalMs) {
    throw new UsageError(
      `--wait ${waitText}: too short to confirm: ${confirm} polls ${formatDuration(intervalMs)} apart take ${formatDuration((confirm - 1) * intervalMs)} (lower --confirm or --interval)`,
    );
  }
  return {
    hosts,
    inventory: base.inventory,
    format,
    quiet: base.quiet,
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
    confirm,
  };
}
