import type { Argv } from 'yargs';
import { parseFailOn, type FailOnRule } from '../changes/baseline.js';
import { DEFAULT_CONCURRENCY } from '../scan/fd-limit.js';
import { SCAN_DEFAULTS } from '../scan/scan.js';
import { MIN_RATE } from '../scan/rate-limit.js';
import { FORMAT_NAMES, formatForExtension, type FormatName } from '../report/formats.js';
import { formatDurationMs, parseDuration } from './duration.js';
import { UsageError } from './io.js';
import { isStdoutName } from './output/destination.js';

// The scan command's options, declared once, validated before any packet is sent.

export const FORMATS = FORMAT_NAMES;
export type Format = FormatName;

/**
 * Defaults chosen so a large fleet with dead hosts finishes in bounded time without tuning: a
 * silent unit costs timeout × (retries + 1) = 4 s, and about a thousand of them wait that out
 * together (concurrency is capped below the file-descriptor limit: one UDP socket per unit).
 */
export const DEFAULTS = {
  port: 161,
  timeoutMs: SCAN_DEFAULTS.timeoutMs,
  retries: SCAN_DEFAULTS.retries,
  concurrency: DEFAULT_CONCURRENCY,
} as const;

export interface ScanArgs {
  readonly targets: readonly string[];
  readonly inventory: readonly string[];
  /** Sheet of an .xlsx inventory (default: the first). */
  readonly sheet?: string;
  readonly community?: string;
  readonly communityFile?: string;
  readonly config?: string;
  readonly profile?: string;
  readonly snmpVersion: '1' | '2c';
  readonly port: number;
  readonly timeout: number;
  readonly retries: number;
  /** Absent: the default, fitted to the file-descriptor limit. */
  readonly concurrency?: number;
  readonly rate?: number;
  readonly format?: Format;
  readonly output?: string;
  readonly advisory: readonly string[];
  readonly excel: boolean;
  readonly baseline?: string;
  readonly failOn?: readonly FailOnRule[];
  readonly allowLarge: boolean;
  readonly listTargets: boolean;
  readonly strict: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
}

/** How to reach and judge units: shared by scan and check. */
export function connectionOptions<T>(y: Argv<T>) {
  return y
    .option('community', {
      alias: 'c',
      describe: 'SNMP community (default: $ATS_AUDIT_COMMUNITY, else "public"). Visible in process lists: prefer the env or --community-file',
      type: 'string',
      requiresArg: true,
    })
    .option('community-file', {
      describe: 'Read the community from the first line of this file',
      type: 'string',
      requiresArg: true,
    })
    .option('config', {
      describe: 'Config file with credential profiles (default: $ATS_AUDIT_CONFIG, else $XDG_CONFIG_HOME/ats-audit/config.json, else ~/.config/ats-audit/config.json; see docs/config.md)',
      type: 'string',
      requiresArg: true,
    })
    .option('profile', {
      describe: "Credential profile for targets whose inventory row names none (default: the config file's defaultProfile)",
      type: 'string',
      requiresArg: true,
    })
    // type string: yargs would read `1` as a number, which then matches no choice.
    .option('snmp-version', { alias: 'v', describe: 'SNMP version', type: 'string', choices: ['1', '2c'] as const, default: '2c' as const })
    .option('port', { alias: 'p', describe: 'UDP port for targets that do not name one', type: 'number', default: DEFAULTS.port })
    // A string, so `2s` reaches validate(): yargs would turn it into NaN.
    .option('timeout', {
      alias: 't',
      describe: 'Wait for each answer: a duration such as 2s or 1500ms; a bare number is milliseconds',
      type: 'string',
      default: formatDurationMs(DEFAULTS.timeoutMs),
      requiresArg: true,
    })
    .option('retries', { alias: 'r', describe: 'Retries after a timeout', type: 'number', default: DEFAULTS.retries })
    // Not `array: true`: that would swallow the targets after it. Repeat the option for more files.
    .option('advisory', {
      describe: 'Also audit against this bulletin file (JSON, same shape as advisories/*.json); repeat for more',
      type: 'string',
      requiresArg: true,
    });
}

export function scanOptions<T>(y: Argv<T>) {
  return connectionOptions(y)
    .positional('targets', {
      describe: 'Hosts, IPv4/IPv6 addresses, host:port, CIDR blocks (10.20.0.0/22), ranges (10.20.0.10-40)',
      type: 'string',
      array: true,
      default: [] as string[],
    })
    // Not `array: true`: `-i FILE TARGET` must read TARGET as a target. Repeat -i for more files.
    .option('inventory', {
      alias: 'i',
      describe:
        'Inventory: CSV (comma, semicolon or tab; UTF-8 or UTF-16 with BOM) with a host column (or IP, Hostname...), ' +
        '.xlsx workbook, or one target per line; - reads stdin; repeat for more files',
      type: 'string',
      requiresArg: true,
    })
    .option('sheet', { describe: 'Sheet of an .xlsx inventory to read (default: the first)', type: 'string', requiresArg: true })
    .option('concurrency', {
      alias: 'j',
      describe:
        `Units polled at once with a UDP socket each (default ${DEFAULTS.concurrency}, lowered to fit 'ulimit -n'). ` +
        'Left unset, a sweep probes further addresses on one shared socket (a silent one costs no socket); set, it is the limit',
      type: 'number',
    })
    .option('rate', { describe: 'At most this many SNMP requests per second across the scan (gentle on fragile cards)', type: 'number', requiresArg: true })
    .option('format', {
      alias: 'f',
      describe: 'Report format (default: table on a terminal, else json; or from the --output extension)',
      choices: FORMATS,
    })
    .option('output', { alias: 'o', describe: 'Write the report to this file (atomically: temp file + rename; checked before anything is sent; - is stdout)', type: 'string', requiresArg: true })
    .option('excel', { describe: 'CSV for Excel: start with a UTF-8 byte order mark so non-ASCII names open correctly', type: 'boolean', default: false })
    .option('baseline', {
      describe: 'An earlier CSV or JSON report of this tool: adds a "change" column and a changes summary',
      type: 'string',
      requiresArg: true,
    })
    .option('fail-on', {
      describe: 'With --baseline: exit 6 when any of these changes happened (comma-separated: new-at-risk, newly-unreachable, no-longer-at-risk, back-online, verdict-changed, firmware-changed, new-unit, gone, any)',
      type: 'string',
      array: true,
      requiresArg: true,
    })
    .option('list-targets', {
      describe: 'Print the targets (after expansion and de-duplication) with the credential source, and exit: nothing is sent',
      type: 'boolean',
      default: false,
    })
    .option('allow-large', { describe: 'Allow CIDR blocks larger than a /16', type: 'boolean', default: false })
    .option('strict', { describe: 'Refuse to scan at all when any target or inventory line is invalid', type: 'boolean', default: false })
    .option('quiet', { alias: 'q', describe: 'No progress or notes on stderr (errors still shown)', type: 'boolean', default: false })
    .option('verbose', { describe: 'Log the run settings and one line per unit (verdict, SNMP requests) on stderr; never secrets', type: 'boolean', default: false });
}

const isInt = (n: number) => Number.isInteger(n);

/** Width of a stream, or undefined when unknown: a terminal's own, else $COLUMNS (a pipe, a CI log). */
export function outputWidth(stream: { readonly isTTY?: boolean; readonly columns?: number }, env: NodeJS.ProcessEnv): number | undefined {
  if (stream.isTTY === true && stream.columns !== undefined && stream.columns > 0) return stream.columns;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : undefined;
}

/** --help's width: the terminal's (or $COLUMNS), at most 110 so lines stay readable; 80 when unknown. */
export function helpWidth(io: { readonly stdout: { readonly isTTY?: boolean; readonly columns?: number }; readonly env: NodeJS.ProcessEnv }): number {
  return Math.min(110, outputWidth(io.stdout, io.env) ?? 80);
}

/** --timeout: a duration (`2s`, `1500ms`); a bare number is milliseconds, as it always was. */
function timeoutMs(v: unknown): number {
  const typed = Array.isArray(v) ? v.at(-1) : v;
  const ms = parseDuration(typed ?? DEFAULTS.timeoutMs, 'timeout', { bare: 'ms', examples: '2s or 1500ms' });
  if (ms < 10 || ms > 600_000) throw new UsageError(`--timeout ${JSON.stringify(String(typed))}: expected between 10ms and 10m`);
  return ms;
}

/** Rejects impossible values with a message naming the option; returns the typed args. */
/**
 * The command line as typed, carried on the parsed arguments (a symbol key survives `{...a}`)
 * so that validate() can quote a bad number as typed in every command, not yargs' NaN.
 */
export const RAW_ARGV = Symbol('ats-audit raw argv');

export function validate(
  a: Record<string | symbol, unknown>,
  rawArgv: readonly string[] = (a[RAW_ARGV] as readonly string[] | undefined) ?? [],
): ScanArgs {
  const num = (name: string, v: unknown, ok: (n: number) => boolean, want: string): number => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isFinite(n) || !ok(n)) throw new UsageError(`--${name} ${JSON.stringify(typed(name, v))}: expected ${want}`);
    return n;
  };
  // yargs turns a word given to a number option into NaN: quote what was typed instead.
  const typed = (name: string, v: unknown): string => {
    if (typeof v !== 'number' || !Number.isNaN(v)) return String(v);
    return rawOptionValue(rawArgv, name) ?? String(v);
  };
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
  const nonEmpty = (name: string, v: unknown): string | undefined => {
    if (v === undefined) return undefined;
    if (String(v).trim() === '') throw new UsageError(`--${name}: must not be empty`);
    return String(v);
  };
  const oneOf = <T extends string>(name: string, v: unknown, allowed: readonly T[]): T | undefined => {
    if (v === undefined) return undefined;
    if (!allowed.includes(v as T)) throw new UsageError(`--${name} ${String(v)}: expected one of ${allowed.join(', ')}`);
    return v as T;
  };
  return {
    targets: strings(a.targets),
    inventory: [...new Set(strings(a.inventory))],
    sheet: nonEmpty('sheet', a.sheet),
    community: a.community === undefined ? undefined : String(a.community),
    communityFile: a.communityFile === undefined ? undefined : String(a.communityFile),
    config: nonEmpty('config', a.config),
    profile: nonEmpty('profile', a.profile),
    snmpVersion: oneOf('snmp-version', a.snmpVersion ?? '2c', ['1', '2c'] as const) ?? '2c',
    port: num('port', a.port, (n) => isInt(n) && n >= 1 && n <= 65535, 'a port number 1-65535'),
    timeout: timeoutMs(a.timeout),
    retries: num('retries', a.retries, (n) => isInt(n) && n >= 0 && n <= 10, 'a whole number 0-10'),
    concurrency: a.concurrency === undefined ? undefined : num('concurrency', a.concurrency, (n) => isInt(n) && n >= 1 && n <= 65536, 'a whole number 1-65536'),
    rate: a.rate === undefined ? undefined : num('rate', a.rate, (n) => n >= MIN_RATE && n <= 1_000_000, `requests per second, from ${MIN_RATE.toPrecision(3)} (one per 24.8 days: the longest timer Node.js holds) to 1000000`),
    format: oneOf('format', a.format, FORMATS),
    // `-o -` and `-o /dev/stdout` are standard output, exactly as no --output.
    output: a.output === undefined || isStdoutName(String(a.output)) ? undefined : String(a.output),
    advisory: strings(a.advisory),
    excel: a.excel === true,
    baseline: nonEmpty('baseline', a.baseline),
    failOn: failOnRules(a.failOn, a.baseline),
    allowLarge: a.allowLarge === true,
    listTargets: a.listTargets === true,
    strict: a.strict === true,
    quiet: a.quiet === true,
    verbose: a.verbose === true,
  };
}

/** Explicit --format, else the --output file's extension, else table on a terminal and JSON otherwise. */
export function resolveFormat(args: Pick<ScanArgs, 'format' | 'output'>, stdoutIsTty: boolean): Format {
  if (args.format) return args.format;
  if (args.output) return formatForExtension(args.output) ?? 'json';
  return stdoutIsTty ? 'table' : 'json';
}

function failOnRules(v: unknown, baseline: unknown): readonly FailOnRule[] | undefined {
  if (v === undefined) return undefined;
  if (baseline === undefined) throw new UsageError('--fail-on needs --baseline PREVIOUS_REPORT to compare with');
  const parsed = parseFailOn(Array.isArray(v) ? v.map(String) : String(v));
  if (!parsed.ok) throw new UsageError(parsed.error);
  return parsed.rules;
}

/**
 * The value given to `--name` (or its alias) as typed on the command line, for an error
 * message: `--port x`, `--port=x`, `-p x`. The last occurrence, as yargs keeps the last.
 */
export function rawOptionValue(argv: readonly string[], name: string): string | undefined {
  const alias = ALIASES[name];
  let found: string | undefined;
  argv.forEach((a, i) => {
    for (const flag of [`--${name}`, ...(alias ? [`-${alias}`] : [])]) {
      if (a === flag && i + 1 < argv.length) found = argv[i + 1];
      else if (a.startsWith(`${flag}=`)) found = a.slice(flag.length + 1);
    }
  });
  return found;
}

const ALIASES: Readonly<Record<string, string>> = { port: 'p', timeout: 't', retries: 'r', concurrency: 'j' };
