// The benchmark: `npm run bench` (live scenario) or `npm run bench -- --scenario dead`.
// See bench/README.md for what is measured and how to read it.
//
// Every run gets a freshly started simulator (a separate process), so each run's simulator CPU
// and request count are its own. Live: a first round checks every tool's data object by object
// against what the simulator serves (ats-audit writes JSON for it), then --runs timed rounds
// rotate the tool order; each timed run is checked too (ats-audit: verdicts from its CSV).

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULTS } from '../src/cli/options.js';
import { FETCHED_OIDS, groundTruth, type TruthUnit } from './ground-truth.js';
import { GNU_TIME, measure, type Measurement } from './measure.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { openFileLimit } from './proc.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from './simulator-process.js';
import { fixed, markdownTable, max, median, percent } from './table.js';
import { makeTool, oursInFormat, type RunCheck, type Tool, type ToolSettings } from './tools.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface RunRecord {
  readonly tool: string;
  /** Which units were targeted (dead scenario: all, or the live ones alone). */
  readonly targets: string;
  readonly round: number;
  readonly timed: boolean;
  readonly measurement: Measurement;
  readonly simulator: { upMs: number; requests: number | undefined; fileLimit: number | undefined };
  readonly check: RunCheck;
  readonly exitOk: boolean;
}

// What to stop on Ctrl-C: the simulator and the tool's process group, both started here.
let activeSimulator: RunningSimulator | undefined;
let activeToolGroup: number | undefined;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function prerequisites(tools: readonly Tool[]): void {
  const missing: string[] = [];
  if (!existsSync(GNU_TIME)) missing.push(`${GNU_TIME} (apt-get install -y time)`);
  if (tools.some((t) => t.name === 'snmpget+xargs') && !which('snmpget')) missing.push('snmpget (apt-get install -y snmp)');
  if (tools.some((t) => t.name.startsWith('braa')) && !which('braa')) missing.push('braa (apt-get install -y braa)');
  if (!existsSync(join(ROOT, 'dist', 'bin', 'ats-audit.js'))) missing.push('dist/bin/ats-audit.js (npm run build)');
  if (missing.length) throw new Error(`bench: missing ${missing.join(', ')}`);
}

function quiet(cmd: string, args: string[]): string {
  try {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  } catch {
    return '';
  }
}

function environment(): Record<string, string> {
  let git = '';
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
    git = `${head}${dirty ? ` + ${dirty} uncommitted changes in the tree` : ''}`;
  } catch {
    git = 'unknown';
  }
  return {
    date: new Date().toISOString(),
    nproc: String(os.availableParallelism()),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    snmpget: quiet('snmpget', ['--version']).replace(/^NET-SNMP version:\s*/, 'net-snmp '),
    braa: quiet('dpkg-query', ['-W', '-f', '${Version}', 'braa']) || 'unknown',
    'load average at start': os.loadavg().map((n) => n.toFixed(2)).join(' '),
    'open-file limit of the bench': String(openFileLimit('self') ?? 'unlimited'),
    git,
  };
}

function settings(o: BenchOptions): ToolSettings {
  return {
    root: ROOT,
    community: o.community,
    oursArgs: o.oursArgs,
    ...(o.before ? { before: o.before } : {}),
    snmpgetTimeoutS: o.snmpgetTimeoutS,
    snmpgetRetries: o.snmpgetRetries,
    xargsProcs: o.xargsProcs,
    xargsBatch: o.xargsBatch,
    braaWaitS: o.braaWaitS,
    braaAttempts: o.braaAttempts,
    braaProcs: o.braaProcs,
    ...(o.braaPassDelayMs === undefined ? {} : { braaPassDelayMs: o.braaPassDelayMs }),
  };
}

/** Checks that the simulator serves the units the ground truth describes, in the same order. */
function sameFleet(sim: RunningSimulator, truth: readonly TruthUnit[]): void {
  const bad = truth.findIndex((u, i) => sim.endpoints[i] !== `${u.host}:${u.port}`);
  if (sim.endpoints.length !== truth.length || bad >= 0) {
    throw new Error(
      `bench: the simulator's units differ from its fleet definition (unit ${bad + 1}: ${sim.endpoints[bad]} vs ` +
        `${truth[bad]?.host}:${truth[bad]?.port}); was dist/ built from the current src/?`,
    );
  }
}

async function oneRun(args: {
  tool: Tool;
  targets: string;
  units: readonly TruthUnit[];
  fleet: readonly TruthUnit[];
  sim: SimulatorOptions;
  inputDir: string;
  runDir: string;
  round: number;
  timed: boolean;
  verify: boolean;
  o: BenchOptions;
}): Promise<RunRecord> {
  const { tool, o } = args;
  mkdirSync(args.runDir, { recursive: true });
  const sim = await startSimulator(args.sim);
  activeSimulator = sim;
  let measurement: Measurement;
  let stopped: { requests: number | undefined };
  try {
    sameFleet(sim, args.fleet);
    measurement = await measure(tool.command(args.inputDir, args.runDir, args.verify), {
      deadlineMs: o.maxRunS * 1000,
      sampleMs: o.sampleMs,
      watchPid: sim.pid,
      timeFile: join(args.runDir, 'time.txt'),
      onStart: (pid) => (activeToolGroup = pid),
    });
  } finally {
    activeToolGroup = undefined;
    stopped = await sim.stop();
    activeSimulator = undefined;
  }
  const check = args.tool.check(args.runDir, args.units, args.verify);
  const exitOk = !measurement.timedOut && tool.acceptsExit(measurement.exitCode);
  const record: RunRecord = {
    tool: tool.name,
    targets: args.targets,
    round: args.round,
    timed: args.timed,
    measurement,
    simulator: { upMs: sim.upMs, requests: stopped.requests, fileLimit: sim.fileLimit },
    check,
    exitOk,
  };
  log(progressLine(record));
  if (!exitOk) log(`    exit ${measurement.exitCode ?? measurement.signal}${measurement.timedOut ? ' (killed at --max-run-s)' : ''}: ${measurement.stderrTail.trim().slice(-600)}`);
  for (const n of check.notes) log(`    note: ${n}`);
  // A tool shown for information fails the same way every run: its examples once are enough.
  if (tool.mustMatch || !args.timed) for (const e of check.objects?.examples ?? []) log(`    data: ${e}`);
  for (const e of check.verdictExamples ?? []) log(`    verdict: ${e}`);
  return record;
}

function progressLine(r: RunRecord): string {
  const m = r.measurement;
  const simShare = m.watchedCpuS !== undefined ? m.watchedCpuS / m.wallS : undefined;
  const data = r.check.objects
    ? `objects ${r.check.objects.exact + r.check.objects.lastArcOnly}/${r.check.objects.expected}` +
      (r.check.objects.missing ? `, ${r.check.objects.missing} missing` : '') +
      (r.check.objects.different ? `, ${r.check.objects.different} different` : '') +
      (r.check.objects.extra ? `, ${r.check.objects.extra} extra` : '')
    : `verdicts ${r.check.verdictsWrong ? `${r.check.verdictsWrong} wrong` : 'ok'}`;
  return (
    `  ${r.timed ? `run ${r.round}` : 'check'} ${r.tool}${r.targets === 'all' ? '' : ` (${r.targets})`}: ${fixed(m.wallS)} s wall, ` +
    `${fixed(m.cpuS)} s CPU, RSS ${fixed(m.maxRssMb, 0)} MB, tree PSS ${fixed(m.treePssMb, 0)} MB (${m.treeProcesses} procs), ` +
    `simulator CPU ${percent(simShare)}, machine ${percent(m.machineBusy)}, ${r.simulator.requests ?? '?'} requests, ` +
    `${m.udpRcvbufDrops ?? '?'} UDP drops; ` +
    `${data}${r.check.unitsMissing ? `, ${r.check.unitsMissing} units missing` : ''} -> ${r.check.ok && r.exitOk ? 'ok' : 'NOT OK'}`
  );
}

interface Summary {
  readonly tool: string;
  readonly targets: string;
  readonly runs: number;
  readonly wall: number | undefined;
  readonly wallMin: number | undefined;
  readonly wallMax: number | undefined;
  readonly cpu: number | undefined;
  readonly maxRss: number | undefined;
  readonly treePss: number | undefined;
  readonly treeRss: number | undefined;
  readonly processes: number;
  readonly simShare: number | undefined;
  readonly simCpu: number | undefined;
  readonly machine: number | undefined;
  readonly requests: number | undefined;
  readonly ok: boolean;
}

function summarize(records: readonly RunRecord[], tool: string, targets: string): Summary {
  const runs = records.filter((r) => r.tool === tool && r.targets === targets && r.timed);
  const all = records.filter((r) => r.tool === tool && r.targets === targets);
  const walls = runs.map((r) => r.measurement.wallS);
  const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);
  return {
    tool,
    targets,
    runs: runs.length,
    wall: median(walls),
    wallMin: walls.length ? Math.min(...walls) : undefined,
    wallMax: walls.length ? Math.max(...walls) : undefined,
    cpu: median(defined(runs.map((r) => r.measurement.cpuS))),
    maxRss: max(runs.map((r) => r.measurement.maxRssMb)),
    treePss: max(runs.map((r) => r.measurement.treePssMb)),
    treeRss: max(runs.map((r) => r.measurement.treeRssMb)),
    processes: Math.max(0, ...runs.map((r) => r.measurement.treeProcesses)),
    simShare: median(defined(runs.map((r) => (r.measurement.watchedCpuS === undefined ? undefined : r.measurement.watchedCpuS / r.measurement.wallS)))),
    simCpu: median(defined(runs.map((r) => r.measurement.watchedCpuS))),
    machine: median(defined(runs.map((r) => r.measurement.machineBusy))),
    requests: median(defined(runs.map((r) => r.simulator.requests))),
    ok: all.every((r) => r.check.ok && r.exitOk),
  };
}

function dataCell(records: readonly RunRecord[], tool: Tool): string {
  const verify = records.find((r) => r.tool === tool.name && !r.timed)?.check.objects;
  const runs = records.filter((r) => r.tool === tool.name);
  const failed = runs.filter((r) => !(r.check.ok && r.exitOk)).length;
  if (!verify) return failed ? `${failed}/${runs.length} runs NOT OK` : 'ok';
  const got = verify.exact + verify.lastArcOnly;
  const problems = [
    verify.missing ? `${verify.missing} missing` : '',
    verify.different ? `${verify.different} different` : '',
    verify.extra ? `${verify.extra} extra` : '',
  ].filter(Boolean);
  const arc = verify.lastArcOnly ? ` (${verify.lastArcOnly} OID values on last arc only)` : '';
  const base = `${got}/${verify.expected} objects${arc}${problems.length ? `; ${problems.join(', ')}` : ''}`;
  return failed ? `${base}; ${failed}/${runs.length} runs NOT OK` : `${base}; every run ok`;
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || b === 0 ? '-' : `${(a / b).toFixed(1)}×`;
}

function simulatorOptions(o: BenchOptions): SimulatorOptions {
  const { units, port, silent, closed, latencyMs, simWarmUp: warmUp, wantFiles, responder } = o;
  return { root: ROOT, units, port, silent, closed, latencyMs, warmUp, wantFiles, responder };
}

async function runLive(o: BenchOptions, work: string, records: RunRecord[]): Promise<boolean> {
  const fleet = groundTruth({ units: o.units, port: o.port, silent: o.silent, closed: o.closed });
  const s = settings(o);
  const tools = o.tools.map((t) => makeTool(t, s));
  prerequisites(tools);
  const inputDir = join(work, 'input');
  mkdirSync(inputDir, { recursive: true });
  for (const t of tools) t.prepare(inputDir, fleet);
  const sim = simulatorOptions(o);

  log(`live: ${o.units} units on 127.1.0.1.. port ${o.port}, ${FETCHED_OIDS.length} OIDs each; 1 check round + ${o.runs} timed rounds`);
  for (const t of tools) log(`  ${t.name}: ${t.config}`);
  for (let round = 0; round <= o.runs; round++) {
    // Rotate the order so no tool always runs first (or right after the same other tool).
    const order = tools.map((_, i) => tools[(i + round) % tools.length]!);
    for (const tool of order) {
      records.push(
        await oneRun({
          tool,
          targets: 'all',
          units: fleet,
          fleet,
          sim,
          inputDir,
          runDir: join(work, `${tool.name}-${round}`),
          round,
          timed: round > 0,
          verify: round === 0,
          o,
        }),
      );
    }
  }

  const sums = tools.map((t) => summarize(records, t.name, 'all'));
  const base = sums.find((x) => x.tool === 'ats-audit');
  const rows = sums.map((x, i) => [
    x.tool,
    fixed(x.wall),
    `${fixed(x.wallMin)}–${fixed(x.wallMax)}`,
    fixed(x.cpu),
    x.cpu === undefined ? '-' : `${((x.cpu / o.units) * 1000).toFixed(3)} ms`,
    fixed(x.maxRss, 0),
    fixed(x.treePss, x.treePss !== undefined && x.treePss < 10 ? 1 : 0),
    String(x.processes),
    `${fixed(x.simCpu)} s (${percent(x.simShare)})`,
    percent(x.machine),
    x.requests === undefined ? '-' : String(Math.round(x.requests)),
    x.tool === 'ats-audit' ? '1.0×' : ratio(x.wall, base?.wall),
    x.tool === 'ats-audit' ? '1.0×' : ratio(x.treePss, base?.treePss),
    dataCell(records, tools[i]!),
  ]);
  process.stdout.write(
    `\n## Live scenario: ${o.units} units, ${FETCHED_OIDS.length} OIDs each, median of ${o.runs} runs\n\n` +
      markdownTable(
        [
          'tool',
          'median wall s',
          'min–max s',
          'CPU s (tool)',
          'CPU / unit',
          'peak RSS MB (largest process)',
          'peak Σ PSS MB (tree)',
          'procs at once',
          'simulator CPU (share of wall)',
          'machine busy',
          'requests / run',
          'wall / ours',
          'Σ PSS / ours',
          'data check',
        ],
        rows,
      ) +
      '\n\nConfigurations:\n' +
      tools.map((t) => `- ${t.name}: ${t.config}`).join('\n') +
      '\n',
  );
  const failed = tools.filter((t) => t.mustMatch && !summarize(records, t.name, 'all').ok);
  if (failed.length) {
    process.stdout.write(`\nFAILED: ${failed.map((t) => t.name).join(', ')} did not fetch the same data as the simulator serves (see the notes above).\n`);
    return false;
  }
  return true;
}

/** ats-audit's timeout and retries for the bound: its defaults unless --ours-arg overrides them. */
function oursTiming(o: BenchOptions): { timeoutMs: number; retries: number } {
  const arg = (name: string) => {
    for (const a of o.oursArgs) {
      const m = new RegExp(`^--${name}=(\\d+)$`).exec(a);
      if (m) return Number(m[1]);
    }
    return undefined;
  };
  return { timeoutMs: arg('timeout') ?? DEFAULTS.timeoutMs, retries: arg('retries') ?? DEFAULTS.retries };
}

const RSS_LIMIT_MB = 200;

/**
 * --formats: ats-audit once more against every unit per report format (a fresh responder each
 * time), for the wall time and peak RSS of each; the report's units are counted where the
 * format is easily read (csv, ndjson, json), else only its size is shown.
 */
async function formatRuns(
  o: BenchOptions,
  s: ToolSettings,
  fleet: readonly TruthUnit[],
  simOptions: SimulatorOptions,
  inputDir: string,
  work: string,
): Promise<{ text: string; ok: boolean }> {
  if (o.formats.length === 0) return { text: '', ok: true };
  const rows: string[][] = [];
  let ok = true;
  for (const format of o.formats) {
    const runDir = join(work, `format-${format}`);
    mkdirSync(runDir, { recursive: true });
    const output = join(runDir, `report.${format}`);
    const sim = await startSimulator(simOptions);
    activeSimulator = sim;
    let m: Measurement;
    try {
      sameFleet(sim, fleet);
      m = await measure(oursInFormat(s, inputDir, format, output), {
        deadlineMs: o.maxRunS * 1000,
        sampleMs: o.sampleMs,
        watchPid: sim.pid,
        timeFile: join(runDir, 'time.txt'),
        onStart: (pid) => (activeToolGroup = pid),
      });
    } finally {
      activeToolGroup = undefined;
      await sim.stop();
      activeSimulator = undefined;
    }
    const written = existsSync(output) ? readFileSync(output) : undefined;
    const units =
      written === undefined
        ? undefined
        : format === 'csv'
          ? written.toString('utf8').split('\r\n').filter(Boolean).length - 1
          : format === 'ndjson'
            ? written.toString('utf8').split('\n').filter(Boolean).length
            : format === 'json'
              ? (JSON.parse(written.toString('utf8')) as { units: unknown[] }).units.length
              : undefined;
    const runOk = written !== undefined && written.length > 0 && (units === undefined || units === fleet.length) && (m.maxRssMb ?? Infinity) < RSS_LIMIT_MB;
    ok &&= runOk;
    log(`  format ${format}: ${fixed(m.wallS)} s wall, RSS ${fixed(m.maxRssMb, 0)} MB, report ${written ? fixed(written.length / 2 ** 20, 1) : '-'} MB${units === undefined ? '' : `, ${units} units`}`);
    rows.push([format, fixed(m.wallS), fixed(m.cpuS), fixed(m.maxRssMb, 0), written ? fixed(written.length / 2 ** 20, 1) : 'none', units === undefined ? '-' : String(units), runOk ? 'ok' : 'NOT OK']);
  }
  const text =
    `\n### ats-audit by report format (${fleet.length} targets, one run each, --format F --output report.F)\n\n` +
    markdownTable(['format', 'wall s', 'CPU s', 'peak RSS MB', 'report MB', 'units in report', `check (RSS < ${RSS_LIMIT_MB} MB, every unit)`], rows) +
    '\n';
  return { text, ok };
}

/**
 * The dead and sparse scenarios: ats-audit against every unit and against the live ones alone
 * (for the bound); in the sparse scenario braa too, against every unit (the same targets).
 */
async function runDead(o: BenchOptions, work: string, records: RunRecord[]): Promise<boolean> {
  const sparse = o.scenario === 'sparse';
  const fleet = groundTruth({ units: o.units, port: o.port, silent: o.silent, closed: o.closed });
  const live = fleet.filter((u) => u.behaviour === 'agent');
  const s = settings(o);
  const tools = o.tools.map((t) => makeTool(t, s));
  const ours = tools.find((t) => t.name === 'ats-audit') ?? makeTool('ats-audit', s);
  const others = tools.filter((t) => t.name !== 'ats-audit');
  prerequisites([ours, ...others]);
  const sets = [
    { name: 'all', units: fleet, tools: [ours, ...others] },
    { name: 'live only', units: live, tools: [ours] },
  ];
  for (const set of sets) {
    for (const tool of set.tools) {
      const dir = join(work, set.name, tool.name);
      mkdirSync(dir, { recursive: true });
      tool.prepare(dir, set.units);
    }
  }
  const sim = simulatorOptions(o);
  const silent = fleet.filter((u) => u.behaviour === 'silent').length;
  const closed = fleet.filter((u) => u.behaviour === 'closed').length;
  log(`${o.scenario}: ${o.units} units (${live.length} live, ${silent} silent, ${closed} closed) on 127.1.0.1.. port ${o.port}; ${o.runs} runs each`);
  for (const t of [ours, ...others]) log(`  ${t.name}: ${t.config}`);
  for (let round = 1; round <= o.runs; round++) {
    const order = round % 2 ? sets : [...sets].reverse();
    for (const set of order) {
      const toolOrder = round % 2 ? set.tools : [...set.tools].reverse();
      for (const tool of toolOrder) {
        records.push(
          await oneRun({
            tool,
            targets: set.name,
            units: set.units,
            fleet,
            sim,
            inputDir: join(work, set.name, tool.name),
            runDir: join(work, `${set.name.replace(' ', '-')}-${tool.name}-${round}`),
            round,
            timed: true,
            verify: false,
            o,
          }),
        );
      }
    }
  }
  const formats = await formatRuns(o, s, fleet, sim, join(work, 'all', ours.name), work);
  const all = summarize(records, 'ats-audit', 'all');
  const liveOnly = summarize(records, 'ats-audit', 'live only');
  const otherAll = others.map((t) => summarize(records, t.name, 'all'));
  const { timeoutMs, retries } = oursTiming(o);
  const deadCost = (timeoutMs / 1000) * (retries + 1);
  // Dead: 1.5 × one silent unit's cost + live-only time; sparse (issue 12): 2 × that cost + live-only time + 2 s.
  const bound = liveOnly.wall === undefined ? undefined : sparse ? 2 * deadCost + liveOnly.wall + 2 : 1.5 * deadCost + liveOnly.wall;
  const boundText = sparse
    ? `2 × (timeout × (retries + 1)) + live-only time + 2 s = 2 × ${fixed(deadCost, 1)} s + ${fixed(liveOnly.wall)} s + 2 s`
    : `1.5 × (timeout × (retries + 1)) + live-only time = 1.5 × ${fixed(deadCost, 1)} s + ${fixed(liveOnly.wall)} s`;
  const wallOk = all.wall !== undefined && bound !== undefined && all.wall <= bound;
  const rssOk = all.maxRss !== undefined && all.maxRss < RSS_LIMIT_MB;
  const unitsOf = (x: { targets: string }) => (x.targets === 'all' ? fleet.length : live.length);
  const rows = [all, liveOnly, ...otherAll].map((x) => [
    x.tool,
    `${x.targets} (${unitsOf(x)} units)`,
    fixed(x.wall),
    `${fixed(x.wallMin)}–${fixed(x.wallMax)}`,
    fixed(x.cpu),
    x.cpu === undefined ? '-' : `${fixed((x.cpu / unitsOf(x)) * 1000, 3)} ms`,
    fixed(x.maxRss, 0),
    `${fixed(x.simCpu)} s (${percent(x.simShare)})`,
    percent(x.machine),
    x.requests === undefined ? '-' : String(Math.round(x.requests)),
    x.ok ? 'ok' : 'NOT OK',
  ]);
  const ratios = otherAll
    .filter((x) => x.wall !== undefined && all.wall !== undefined)
    .map((x) => `ats-audit / ${x.tool} wall time on the same ${fleet.length} targets: ${fixed(all.wall! / x.wall!, 2)} (${all.wall! <= x.wall! ? 'no slower: PASS' : 'slower: FAIL'})`);
  const braaOk = otherAll.every((x) => x.wall === undefined || all.wall === undefined || !sparse || all.wall <= x.wall);
  const reasons = new Map<string, number>();
  for (const r of records.filter((x) => x.tool === 'ats-audit' && x.targets === 'all' && x.check.unreachableReasons).slice(0, 1)) {
    for (const [k, v] of r.check.unreachableReasons!) reasons.set(k, v);
  }
  process.stdout.write(
    `\n## ${sparse ? 'Sparse' : 'Dead-host'} scenario: ${fleet.length} units (${silent} silent, ${closed} closed), ats-audit with ${
      o.oursArgs.length ? `its defaults but ${o.oursArgs.join(' ')}` : 'its defaults'
    }, responder ${o.responder}, median of ${o.runs} runs\n\n` +
      markdownTable(
        ['tool', 'targets', 'median wall s', 'min–max s', 'CPU s', 'CPU / unit', 'peak RSS MB', 'responder CPU (share)', 'machine busy', 'requests / run', 'check'],
        rows,
      ) +
      `\n\nats-audit settings used for the bound: timeout ${timeoutMs} ms, retries ${retries}, concurrency ${
        o.oursArgs.find((a) => a.startsWith('--concurrency='))?.split('=')[1] ?? `${DEFAULTS.concurrency} (default)`
      }\n` +
      `Bound: ${boundText} = ${fixed(bound)} s\n` +
      `Wall time ${fixed(all.wall)} s ${wallOk ? '<=' : '>'} bound ${fixed(bound)} s: ${wallOk ? 'PASS' : 'FAIL'}\n` +
      `Peak RSS ${fixed(all.maxRss, 0)} MB ${rssOk ? '<' : '>='} ${RSS_LIMIT_MB} MB: ${rssOk ? 'PASS' : 'FAIL'}\n` +
      ratios.map((r) => `${r}\n`).join('') +
      (reasons.size
        ? `Why units were unreachable, by simulated behaviour (first run, numbers blanked):\n${[...reasons].map(([k, v]) => `- ${v} × ${k}`).join('\n')}\n`
        : '') +
      formats.text,
  );
  return wallOk && rssOk && braaOk && all.ok && liveOnly.ok && formats.ok;
}

async function main(): Promise<number> {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const o = parsed;
  const env = environment();
  process.stdout.write(`# ats-audit benchmark (${o.scenario})\n\ncommand: node dist/bench/run.js ${process.argv.slice(2).join(' ')}\n`);
  process.stdout.write(`${Object.entries(env).map(([k, v]) => `- ${k}: ${v}`).join('\n')}\n`);
  const work = mkdtempSync(join(os.tmpdir(), 'ats-bench-'));
  const records: RunRecord[] = [];
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\nbench: ${signal}, stopping`);
    if (activeToolGroup !== undefined) {
      try {
        process.kill(-activeToolGroup, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    const sim = activeSimulator;
    void (sim ? sim.stop() : Promise.resolve()).finally(() => {
      if (!o.keep) rmSync(work, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let passed = false;
  try {
    passed = o.scenario === 'live' ? await runLive(o, work, records) : await runDead(o, work, records);
    const simLimit = records[0]?.simulator.fileLimit;
    process.stdout.write(
      `\nSimulator: open-file limit ${simLimit ?? 'unknown'} (asked ${o.wantFiles}; ${
        simLimit !== undefined && simLimit < o.wantFiles ? 'not permitted to raise the hard limit, so the hard limit was used' : 'granted'
      }), started afresh for every run, up in ${fixed(median(records.map((r) => r.simulator.upMs)), 0)} ms (median), ${
        o.simWarmUp > 0
          ? `then warmed up with ${o.simWarmUp} GET(s) of its own per answering unit and its counters zeroed before the tool started`
          : 'not warmed up (--sim-warm-up 0): the first requests of each run also pay for compiling the simulator'
      }.\n`,
    );
    if (o.save) {
      writeFileSync(o.save, `${JSON.stringify({ options: o, environment: env, records }, (_, v) => (v instanceof Map ? Object.fromEntries(v) : v), 2)}\n`);
      log(`bench: measurements written to ${o.save}`);
    }
  } finally {
    if (o.keep) log(`bench: outputs kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  return passed ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  },
);
