// Command line of the benchmark (node dist/bench/run.js --help).

import { parseArgs } from 'node:util';
import { FORMAT_NAMES } from '../src/report/formats.js';
import { ALL_TOOL_NAMES, TOOL_NAMES, type ToolName } from './tools.js';

/** The report formats of `ats-audit scan --format`, as --formats takes them. */
const REPORT_FORMAT_NAMES: readonly string[] = FORMAT_NAMES;

export type Scenario = 'live' | 'dead' | 'sparse';

/** Who answers: the pre-encoded responder (bench/responder.ts) or the net-snmp simulator (tools/simulator). */
export type Responder = 'fast' | 'simulator';

export interface BenchOptions {
  readonly scenario: Scenario;
  readonly units: number;
  readonly runs: number;
  readonly tools: readonly ToolName[];
  readonly port: number;
  readonly latencyMs: number;
  readonly responder: Responder;
  /** GETs per answering unit the simulator sends itself before each run (0: a cold simulator). */
  readonly simWarmUp: number;
  readonly silent: number;
  readonly closed: number;
  readonly community: string;
  /** ats-audit: extra arguments (empty: the tool's defaults). */
  readonly oursArgs: readonly string[];
  /** An earlier build's dist/bin/ats-audit.js, run as the tool `ats-audit-before` (live scenario). */
  readonly before?: string;
  /** Dead and sparse: report formats ats-audit also runs in, once each, for their peak memory. */
  readonly formats: readonly string[];
  /** snmpget: timeout s and retries, as snmpget takes them. */
  readonly snmpgetTimeoutS: number;
  readonly snmpgetRetries: number;
  /** snmpget processes at once (xargs -P) and units per shell (xargs -n). */
  readonly xargsProcs: number;
  readonly xargsBatch: number;
  /** braa: -t (s to wait after the last pass), -r (attempts, 1 = no retry), -p (ms between passes; braa's default when absent). */
  readonly braaWaitS: number;
  readonly braaAttempts: number;
  readonly braaPassDelayMs?: number;
  /** braa processes at once (one per OID). */
  readonly braaProcs: number;
  readonly sampleMs: number;
  readonly maxRunS: number;
  readonly wantFiles: number;
  readonly keep: boolean;
  readonly save?: string;
}

export const USAGE = `Usage: npm run bench -- [options]        (or: node dist/bench/run.js [options] after npm run build)

Scenarios
  --scenario live      (default) ats-audit, snmpget+xargs, braa, braa-packed and udp-floor against --units live units
  --scenario dead      ats-audit alone, its default settings, against --units units of which --silent never
                       answer and --closed have no socket; and against the live ones alone, for the bound
  --scenario sparse    like dead, for a sweep: 16,384 units (--units 65536 too) of which 99 % never answer

Options
  --units N            units in the fleet (live: 2000, dead: 10000)
  --runs N             timed runs per tool, the median is reported (live: 5, dead: 3); live adds one
                       untimed-in-the-median verification run first
  --tools a,b          live: which of ${TOOL_NAMES.join(', ')} (default: all)
  --port P             UDP port of every simulated unit (default 16300, away from the tests' ports)
  --responder R        fast (default): pre-encoded answers (bench/responder.ts), cheap enough not to set the
                       pace; simulator: the net-snmp simulator (tools/simulator), with --latency and --sim-warm-up
  --latency MS         simulator answer delay (default 0)
  --sim-warm-up N      GETs the simulator sends each of its answering units itself before a run, so that
                       no tool pays for compiling the simulator's code; 0 = cold (default 2)
  --silent F --closed F  dead: shares of silent and closed units (default 0.1 and 0.05)
  --community C        (default public)
  --ours-arg ARG       extra argument for ats-audit, repeatable (e.g. --ours-arg=--concurrency=1000)
  --formats a,b|all    dead, sparse: after the timed runs, ats-audit once more on all the targets per report
                       format (table, csv, json, ndjson, prometheus, html, xlsx): wall time and peak RSS each
  --before FILE        live: also run an earlier build (its dist/bin/ats-audit.js) as ats-audit-before, in the
                       same rounds, so that CPU per unit compares like for like
  --snmpget-timeout S  snmpget -t (default 2)     --snmpget-retries N  snmpget -r (default 1)
  --xargs-procs N      snmpget processes at once, xargs -P (default 64)
  --xargs-batch N      units per sh, xargs -n (default 8)
  --braa-wait S        braa -t, seconds waited after the last pass (default 2)
  --braa-attempts N    braa -r, sends per unit; 1 = no retry (default 1: braa re-sends as soon as a pass
                       ends, not after a timeout, so against one busy agent a retry only doubles its load)
  --braa-procs N       braa processes at once, one per OID (default 20, all)
  --braa-pass-delay MS braa -p, ms between passes (default: braa's own)
  --sample-ms MS       process-tree memory sampling period, 0 = off (default 100)
  --max-run-s S        kill a run after S seconds (default 600)
  --keep               keep the temporary directory with every tool's output
  --save FILE          also write every measurement as JSON to FILE
`;

function num(name: string, v: string | undefined, fallback: number, ok: (n: number) => boolean): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || !ok(n)) throw new Error(`bench: --${name} ${v} is out of range`);
  return n;
}

const whole = (lo: number, hi: number) => (n: number) => Number.isInteger(n) && n >= lo && n <= hi;

export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      scenario: { type: 'string' },
      units: { type: 'string' },
      runs: { type: 'string' },
      tools: { type: 'string' },
      port: { type: 'string' },
      latency: { type: 'string' },
      responder: { type: 'string' },
      'sim-warm-up': { type: 'string' },
      silent: { type: 'string' },
      closed: { type: 'string' },
      community: { type: 'string' },
      'ours-arg': { type: 'string', multiple: true },
      before: { type: 'string' },
      formats: { type: 'string' },
      'snmpget-timeout': { type: 'string' },
      'snmpget-retries': { type: 'string' },
      'xargs-procs': { type: 'string' },
      'xargs-batch': { type: 'string' },
      'braa-wait': { type: 'string' },
      'braa-attempts': { type: 'string' },
      'braa-pass-delay': { type: 'string' },
      'braa-procs': { type: 'string' },
      'sample-ms': { type: 'string' },
      'max-run-s': { type: 'string' },
      'want-files': { type: 'string' },
      keep: { type: 'boolean' },
      save: { type: 'string' },
    },
  });
  if (values.help) return 'help';
  const scenario = values.scenario ?? 'live';
  if (scenario !== 'live' && scenario !== 'dead' && scenario !== 'sparse') throw new Error(`bench: --scenario ${scenario}: expected live, dead or sparse`);
  const live = scenario === 'live';
  const sparse = scenario === 'sparse';
  const responder = values.responder ?? 'fast';
  if (responder !== 'fast' && responder !== 'simulator') throw new Error(`bench: --responder ${responder}: expected fast or simulator`);
  const defaults: ToolName[] = live ? [...TOOL_NAMES, ...(values.before ? (['ats-audit-before'] as const) : [])] : sparse ? ['ats-audit', 'braa'] : ['ats-audit'];
  const tools = (values.tools?.split(',').map((t) => t.trim()) ?? defaults) as ToolName[];
  for (const t of tools) if (!ALL_TOOL_NAMES.includes(t)) throw new Error(`bench: --tools: unknown tool ${t} (known: ${ALL_TOOL_NAMES.join(', ')})`);
  if (tools.includes('ats-audit-before') && !values.before) throw new Error('bench: --tools ats-audit-before needs --before FILE (an earlier build of dist/bin/ats-audit.js)');
  if (!live && tools.some((t) => t !== 'ats-audit' && t !== 'braa')) throw new Error(`bench: --scenario ${scenario} runs ats-audit and braa only`);
  for (const f of values.formats && values.formats !== 'all' ? values.formats.split(',').map((x) => x.trim()) : []) {
    if (!REPORT_FORMAT_NAMES.includes(f)) throw new Error(`bench: --formats: unknown format ${f} (known: ${REPORT_FORMAT_NAMES.join(', ')})`);
  }
  if (values.formats && live) throw new Error('bench: --formats is for --scenario dead or sparse');
  const share = (n: number) => n >= 0 && n <= 1;
  return {
    scenario,
    units: num('units', values.units, live ? 2000 : sparse ? 16384 : 10000, whole(1, 70000)),
    runs: num('runs', values.runs, live ? 5 : 3, whole(live ? 0 : 1, 50)),
    tools,
    port: num('port', values.port, 16300, whole(1024, 65535)),
    latencyMs: num('latency', values.latency, 0, whole(0, 10000)),
    responder,
    simWarmUp: num('sim-warm-up', values['sim-warm-up'], 2, whole(0, 20)),
    silent: num('silent', values.silent, live ? 0 : sparse ? 0.99 : 0.1, share),
    closed: num('closed', values.closed, live ? 0 : sparse ? 0 : 0.05, share),
    community: values.community ?? 'public',
    oursArgs: values['ours-arg'] ?? [],
    ...(values.before ? { before: values.before } : {}),
    formats: values.formats === undefined ? [] : values.formats === 'all' ? [...REPORT_FORMAT_NAMES] : values.formats.split(',').map((f) => f.trim()),
    snmpgetTimeoutS: num('snmpget-timeout', values['snmpget-timeout'], 2, (n) => n > 0 && n <= 60),
    snmpgetRetries: num('snmpget-retries', values['snmpget-retries'], 1, whole(0, 10)),
    xargsProcs: num('xargs-procs', values['xargs-procs'], 64, whole(1, 4096)),
    xargsBatch: num('xargs-batch', values['xargs-batch'], 8, whole(1, 1000)),
    braaWaitS: num('braa-wait', values['braa-wait'], 2, whole(0, 60)),
    braaAttempts: num('braa-attempts', values['braa-attempts'], 1, whole(1, 10)),
    braaProcs: num('braa-procs', values['braa-procs'], 20, whole(1, 20)),
    ...(values['braa-pass-delay'] === undefined ? {} : { braaPassDelayMs: num('braa-pass-delay', values['braa-pass-delay'], 0, whole(0, 60000)) }),
    sampleMs: num('sample-ms', values['sample-ms'], 100, whole(0, 10000)),
    maxRunS: num('max-run-s', values['max-run-s'], 600, whole(1, 7200)),
    wantFiles: num('want-files', values['want-files'], 65536, whole(1024, 1 << 20)),
    keep: values.keep ?? false,
    ...(values.save ? { save: values.save } : {}),
  };
}
