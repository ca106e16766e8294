// The tools compared, each asked for the same objects (FETCHED_OIDS, from oid-map.ts) of the same
// units: how to prepare its input, the command line that is timed, and how to read back what it
// fetched. Every command writes its results to files in its run directory.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compare, ok as objectsOk, type Comparison, type HostValues } from './compare.js';
import { FETCHED_OIDS, type TruthUnit } from './ground-truth.js';
import type { Command } from './measure.js';
import type { BenchOptions } from './options.js';
import { braaId, parseBraa, undecodable } from './parse-braa.js';
import { parseOursCsv, parseOursJson } from './parse-ours.js';
import { parseSnmpget } from './parse-snmpget.js';

export type ToolName = 'ats-audit' | 'ats-audit-before' | 'snmpget+xargs' | 'braa' | 'braa-packed' | 'udp-floor';
/** The tools of the live scenario, by default; `ats-audit-before` only runs when --before names an earlier build. */
export const TOOL_NAMES: readonly ToolName[] = ['ats-audit', 'snmpget+xargs', 'braa', 'braa-packed', 'udp-floor'];
export const ALL_TOOL_NAMES: readonly ToolName[] = [...TOOL_NAMES, 'ats-audit-before'];

/** What the tools are run with: the benchmark's own options for each (documented in bench/options.ts). */
export interface ToolSettings
  extends Pick<
    BenchOptions,
    'community' | 'oursArgs' | 'before' | 'snmpgetTimeoutS' | 'snmpgetRetries' | 'xargsProcs' | 'xargsBatch' | 'braaWaitS' | 'braaAttempts' | 'braaPassDelayMs' | 'braaProcs'
  > {
  readonly root: string;
}

/** What reading a run's output found. */
export interface RunCheck {
  /** Object-by-object comparison with what the simulator serves; absent when not checked. */
  readonly objects?: Comparison;
  /** Units whose verdict in the report differs from the simulator's expectation (ats-audit). */
  readonly verdictsWrong?: number;
  readonly verdictExamples?: readonly string[];
  /** Units missing from the report (or, for the others, units that gave nothing at all). */
  readonly unitsMissing: number;
  /** Counts of why units were unreachable (ats-audit's reasons, cut short), when any were. */
  readonly unreachableReasons?: ReadonlyMap<string, number>;
  readonly notes: readonly string[];
  readonly ok: boolean;
}

export interface Tool {
  readonly name: ToolName;
  /** One line: the exact configuration. */
  readonly config: string;
  /** False for a configuration shown for information that cannot fetch all the data. */
  readonly mustMatch: boolean;
  /** Writes the inputs (targets, query files) into `dir`, once per scenario. */
  prepare(dir: string, units: readonly TruthUnit[]): void;
  /** The timed command. `verify`: ats-audit writes JSON (raw values) instead of CSV. */
  command(inputDir: string, runDir: string, verify: boolean): Command;
  /** Reads the run's output and checks it against the units. */
  check(runDir: string, units: readonly TruthUnit[], verify: boolean): RunCheck;
  acceptsExit(code: number | undefined): boolean;
}

/** targets.txt, `host:port` per line: what ats-audit (-i) and udp-floor read. */
function writeTargets(dir: string, units: readonly TruthUnit[]): void {
  writeFileSync(join(dir, 'targets.txt'), units.map((u) => `${u.host}:${u.port}\n`).join(''));
}

/**
 * The command line of ats-audit writing `format` to `output`: only -i, --format, --output and
 * --quiet (plus --ours-arg), everything else the tool's default. The community goes through the
 * environment (ats-audit's default is "public" anyway), and no config file is read
 * (XDG_CONFIG_HOME points where there is none): a config of the person running the benchmark
 * must not change what is measured.
 */
function oursCommand(s: ToolSettings, cli: string, input: string, format: string, output: string): Command {
  const env: NodeJS.ProcessEnv = { ...process.env, ATS_AUDIT_COMMUNITY: s.community, XDG_CONFIG_HOME: join(s.root, 'bench', 'no-config-here') };
  delete env.ATS_AUDIT_CONFIG;
  const args = [cli, 'scan', '-i', join(input, 'targets.txt'), '--quiet', ...s.oursArgs, '--format', format, '--output', output];
  return { file: process.execPath, args, cwd: s.root, env };
}

const thisBuild = (s: ToolSettings) => join(s.root, 'dist', 'bin', 'ats-audit.js');

/** This tree's ats-audit writing one report in `format` to `output`: the sweep scenarios' --formats (peak memory by format). */
export function oursInFormat(s: ToolSettings, input: string, format: string, output: string): Command {
  return oursCommand(s, thisBuild(s), input, format, output);
}

/**
 * ats-audit as built in this tree, or (`before`) an earlier build's bin, given by --before: the
 * same command against the same responder in the same rounds, so CPU per unit compares like
 * for like whatever else the machine is doing.
 */
function ours(s: ToolSettings, before = false): Tool {
  const cli = before ? resolve(s.before ?? '') : thisBuild(s);
  return {
    name: before ? 'ats-audit-before' : 'ats-audit',
    config: `ATS_AUDIT_COMMUNITY=${s.community} node ${before ? cli : 'dist/bin/ats-audit.js'} scan -i targets.txt --format csv --output report.csv --quiet${
      s.oursArgs.length ? ` ${s.oursArgs.join(' ')}` : ''
    } (defaults otherwise; no config file)`,
    // An earlier build may judge some units otherwise (the verdict rules changed since): shown, not required.
    mustMatch: !before,
    prepare: writeTargets,
    command(input, run, verify) {
      return verify ? oursCommand(s, cli, input, 'json', join(run, 'report.json')) : oursCommand(s, cli, input, 'csv', join(run, 'report.csv'));
    },
    check(run, units, verify) {
      const notes: string[] = [];
      const file = join(run, verify ? 'report.json' : 'report.csv');
      if (!existsSync(file)) return { unitsMissing: units.length, notes: ['no report written'], ok: false };
      const text = readFileSync(file, 'utf8');
      let verdicts: Map<string, string>;
      let objects: Comparison | undefined;
      let reasons: Map<string, string> | undefined;
      if (verify) {
        const parsed = parseOursJson(text);
        verdicts = parsed.verdicts;
        if (parsed.unknownKeys.length) notes.push(`raw keys not in oid-map: ${parsed.unknownKeys.join(', ')}`);
        objects = compare(units, parsed.values);
      } else {
        const parsed = parseOursCsv(text);
        verdicts = parsed.verdicts;
        reasons = parsed.reasons;
        if (parsed.duplicates) notes.push(`${parsed.duplicates} duplicate rows`);
      }
      let unitsMissing = 0;
      let verdictsWrong = 0;
      const verdictExamples: string[] = [];
      // Why units were unreachable, by how the simulated unit behaves (numbers blanked so alike reasons count together).
      const unreachableReasons = new Map<string, number>();
      for (const u of units) {
        const v = verdicts.get(u.host);
        if (v === 'unreachable' && reasons) {
          const key = `${u.behaviour}: ${(reasons.get(u.host) ?? '').replace(/\d+(\.\d+)*/g, 'N')}`;
          unreachableReasons.set(key, (unreachableReasons.get(key) ?? 0) + 1);
        }
        if (v === undefined) unitsMissing++;
        else if (v !== u.verdict) {
          verdictsWrong++;
          if (verdictExamples.length < 5) verdictExamples.push(`${u.host} (${u.behaviour}): ${v}, expected ${u.verdict}`);
        }
      }
      const ok = unitsMissing === 0 && verdictsWrong === 0 && (objects === undefined || objectsOk(objects)) && notes.length === 0;
      return {
        ...(objects ? { objects } : {}),
        verdictsWrong,
        verdictExamples,
        unitsMissing,
        ...(unreachableReasons.size ? { unreachableReasons } : {}),
        notes,
        ok,
      };
    },
    // 3: at-risk units found; 4: some unknown or unreachable. Both are normal outcomes here.
    acceptsExit: (code) => code === 0 || code === 3 || code === 4,
  };
}

function snmpget(s: ToolSettings): Tool {
  let port = 0;
  const opts = `-v2c -c ${s.community} -t ${s.snmpgetTimeoutS} -r ${s.snmpgetRetries} -On -m ''`;
  return {
    name: 'snmpget+xargs',
    config:
      `xargs -P ${s.xargsProcs} -n ${s.xargsBatch} sh -c 'for h do snmpget ${opts} $h:PORT <20 OIDs> > out/$h; done' ` +
      `(MIBS= ; one snmpget process per unit, ${s.xargsProcs} at once; one sh per ${s.xargsBatch} units only to name each unit's output file)`,
    mustMatch: true,
    prepare(dir, units) {
      const ports = new Set(units.map((u) => u.port));
      if (ports.size !== 1) throw new Error('bench: snmpget+xargs expects every unit on one port');
      port = [...ports][0]!;
      writeFileSync(join(dir, 'hosts.txt'), units.map((u) => `${u.host}\n`).join(''));
    },
    command(input, run) {
      const out = join(run, 'out');
      mkdirSync(out, { recursive: true });
      const script =
        'for h do snmpget -v2c -c "$BENCH_COMMUNITY" -t "$BENCH_TIMEOUT" -r "$BENCH_RETRIES" -On -m "" "$h:$BENCH_PORT" $BENCH_OIDS > "$BENCH_OUT/$h" 2>&1; done';
      return {
        file: 'xargs',
        args: ['-a', join(input, 'hosts.txt'), '-P', String(s.xargsProcs), '-n', String(s.xargsBatch), 'sh', '-c', script, 'sh'],
        env: {
          ...process.env,
          MIBS: '',
          BENCH_COMMUNITY: s.community,
          BENCH_TIMEOUT: String(s.snmpgetTimeoutS),
          BENCH_RETRIES: String(s.snmpgetRetries),
          BENCH_OIDS: FETCHED_OIDS.join(' '),
          BENCH_OUT: out,
          BENCH_PORT: String(port),
        },
      };
    },
    check(run, units) {
      const out = join(run, 'out');
      const values: HostValues = new Map();
      const errors = new Map<string, number>();
      const files = new Set(existsSync(out) ? readdirSync(out) : []);
      for (const u of units) {
        if (!files.has(u.host)) continue;
        const r = parseSnmpget(readFileSync(join(out, u.host), 'utf8'));
        if (r.values.size) values.set(u.host, r.values);
        for (const e of r.errors) {
          // The same message for many units counts once, addresses blanked.
          const key = e.replace(/\d+\.\d+\.\d+\.\d+(:\d+)?/g, 'HOST');
          errors.set(key, (errors.get(key) ?? 0) + 1);
        }
      }
      const objects = compare(units, values);
      const unitsMissing = units.filter((u) => u.values.size > 0 && !values.has(u.host)).length;
      const notes = [...errors].map(([e, n]) => `${n} × ${e}`);
      return { objects, unitsMissing, notes, ok: objectsOk(objects) && unitsMissing === 0 };
    },
    // xargs exits 123 when any snmpget failed (e.g. a timeout); the data check says which.
    acceptsExit: (code) => code === 0 || code === 123,
  };
}

function braaOptions(s: ToolSettings): string[] {
  const pass = s.braaPassDelayMs === undefined ? [] : ['-p', String(s.braaPassDelayMs)];
  return ['-2', '-t', String(s.braaWaitS), '-r', String(s.braaAttempts), ...pass];
}

function ipv4ToInt(host: string): number {
  return host.split('.').reduce((n, b) => n * 256 + Number(b), 0);
}

function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** braa reads at most ~510 characters per line: this many queries fit with room to spare. */
const BRAA_QUERIES_PER_LINE = 5;

/**
 * braa query lines for the units: consecutive addresses (same port) as one range, as braa is
 * meant to be driven; the queries split over several lines for the same range, which braa
 * merges back into one GET per host.
 */
export function braaQueryLines(community: string, units: readonly TruthUnit[], queries: readonly string[]): string {
  const ranges: Array<{ from: number; to: number; port: number }> = [];
  const sorted = [...units].map((u) => ({ n: ipv4ToInt(u.host), port: u.port })).sort((a, b) => a.n - b.n || a.port - b.port);
  for (const u of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && last.port === u.port && u.n === last.to + 1) last.to = u.n;
    else ranges.push({ from: u.n, to: u.n, port: u.port });
  }
  const lines: string[] = [];
  for (const r of ranges) {
    const hosts = r.from === r.to ? intToIpv4(r.from) : `${intToIpv4(r.from)}-${intToIpv4(r.to)}`;
    for (let i = 0; i < queries.length; i += BRAA_QUERIES_PER_LINE) {
      lines.push(`${community}@${hosts}:${r.port}:${queries.slice(i, i + BRAA_QUERIES_PER_LINE).join(',')}\n`);
    }
  }
  return lines.join('');
}

/** braa, one query file per object so that one missing object costs only that object. */
function braaPerObject(s: ToolSettings): Tool {
  return {
    name: 'braa',
    config:
      `braa ${braaOptions(s).join(' ')} -f q<i>.txt, one process per OID (${FETCHED_OIDS.length} processes, ${s.braaProcs} at once via xargs -P), ` +
      `each sending one 1-varbind GET per unit: braa cannot decode an answer holding an SNMPv2 exception (noSuchObject), ` +
      `so packing the ${FETCHED_OIDS.length} OIDs into one GET loses every unit that lacks any of them`,
    mustMatch: true,
    prepare(dir, units) {
      FETCHED_OIDS.forEach((oid, i) => {
        writeFileSync(join(dir, `q${i}.txt`), braaQueryLines(s.community, units, [`.${oid}/${braaId(i)}`]));
      });
      writeFileSync(join(dir, 'query-indexes.txt'), FETCHED_OIDS.map((_, i) => `${i}\n`).join(''));
    },
    command(input, run) {
      const script = `exec braa ${braaOptions(s).join(' ')} -f "$BENCH_IN/q$1.txt" > "$BENCH_OUT/q$1.out" 2> "$BENCH_OUT/q$1.err"`;
      return {
        file: 'xargs',
        args: ['-a', join(input, 'query-indexes.txt'), '-P', String(s.braaProcs), '-n', '1', 'sh', '-c', script, 'sh'],
        env: { ...process.env, BENCH_IN: input, BENCH_OUT: run },
      };
    },
    check(run, units) {
      const values: HostValues = new Map();
      const unread: string[] = [];
      let undecoded = 0;
      FETCHED_OIDS.forEach((_, i) => {
        const out = join(run, `q${i}.out`);
        const err = join(run, `q${i}.err`);
        if (existsSync(out)) unread.push(...parseBraa(readFileSync(out, 'utf8'), values));
        if (existsSync(err)) for (const n of undecodable(readFileSync(err, 'utf8')).values()) undecoded += n;
      });
      return braaCheck(units, values, unread, undecoded, true);
    },
    acceptsExit: (code) => code === 0,
  };
}

/** braa as it is meant to be used: every OID for a unit in one GET. Shown for information only. */
function braaPacked(s: ToolSettings): Tool {
  return {
    name: 'braa-packed',
    config:
      `braa ${braaOptions(s).join(' ')} -f packed.txt, all ${FETCHED_OIDS.length} OIDs of a unit in one GET ` +
      `(information only: units lacking any object answer with noSuchObject, which braa cannot decode, so their data is lost)`,
    mustMatch: false,
    prepare(dir, units) {
      const queries = FETCHED_OIDS.map((oid, i) => `.${oid}/${braaId(i)}`);
      writeFileSync(join(dir, 'packed.txt'), braaQueryLines(s.community, units, queries));
    },
    command(input, run) {
      return {
        file: 'sh',
        args: ['-c', `exec braa ${braaOptions(s).join(' ')} -f "$BENCH_IN/packed.txt" > "$BENCH_OUT/packed.out" 2> "$BENCH_OUT/packed.err"`],
        env: { ...process.env, BENCH_IN: input, BENCH_OUT: run },
      };
    },
    check(run, units) {
      const values: HostValues = new Map();
      const out = join(run, 'packed.out');
      const err = join(run, 'packed.err');
      const unread = existsSync(out) ? parseBraa(readFileSync(out, 'utf8'), values) : [];
      let undecoded = 0;
      if (existsSync(err)) for (const n of undecodable(readFileSync(err, 'utf8')).values()) undecoded += n;
      return braaCheck(units, values, unread, undecoded, false);
    },
    acceptsExit: (code) => code === 0,
  };
}

function braaCheck(units: readonly TruthUnit[], values: HostValues, unread: string[], undecoded: number, perObject: boolean): RunCheck {
  const objects = compare(units, values);
  const unitsMissing = units.filter((u) => u.values.size > 0 && !values.has(u.host)).length;
  const notes: string[] = [];
  if (undecoded) {
    notes.push(
      `${undecoded} answers braa could not decode (${perObject ? 'one per unit and absent object' : 'one per attempt to each unit lacking any object'})`,
    );
  }
  if (unread.length) notes.push(`${unread.length} output lines not understood, e.g. ${JSON.stringify(unread[0])}`);
  return { objects, unitsMissing, notes, ok: objectsOk(objects) && unitsMissing === 0 && unread.length === 0 };
}

/**
 * Not a tool: the floor of the test bed (bench/udp-floor.ts). It sends the same GET to every
 * unit and waits for any answer, decoding nothing: its wall time is what start-up and the
 * simulator alone cost, so the gap between it and a tool is the tool's own work.
 */
function udpFloor(s: ToolSettings): Tool {
  const script = join(s.root, 'dist', 'bench', 'udp-floor.js');
  return {
    name: 'udp-floor',
    config:
      'node dist/bench/udp-floor.js targets.txt: one pre-encoded GET of the 20 OIDs per unit on a connected UDP socket, ' +
      '1,000 units at once, done at the first datagram back; nothing decoded (information only: the floor of this test bed)',
    mustMatch: false,
    prepare: writeTargets,
    command(input, run) {
      return {
        file: process.execPath,
        args: [script, join(input, 'targets.txt'), join(run, 'answered.txt')],
        env: { ...process.env, BENCH_COMMUNITY: s.community },
      };
    },
    check(run, units) {
      const file = join(run, 'answered.txt');
      const answered = new Set(existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[0]) : []);
      const unitsMissing = units.filter((u) => u.values.size > 0 && !answered.has(`${u.host}:${u.port}`)).length;
      return { unitsMissing, notes: [`${answered.size} units answered (not decoded)`], ok: unitsMissing === 0 };
    },
    acceptsExit: (code) => code === 0,
  };
}

export function makeTool(name: ToolName, s: ToolSettings): Tool {
  switch (name) {
    case 'ats-audit':
      return ours(s);
    case 'ats-audit-before':
      return ours(s, true);
    case 'snmpget+xargs':
      return snmpget(s);
    case 'braa':
      return braaPerObject(s);
    case 'braa-packed':
      return braaPacked(s);
    case 'udp-floor':
      return udpFloor(s);
  }
}
