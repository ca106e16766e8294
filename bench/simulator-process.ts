// The simulated fleet in a process of its own (so its CPU and memory are not the tools'),
// started through `sh -c 'ulimit -n ...; exec node ...'` because it needs one socket per unit.
// Waits (bounded) until it reports its units up; stopping it returns how many requests it got.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { openFileLimit } from './proc.js';

export interface SimulatorOptions {
  readonly root: string;
  readonly units: number;
  readonly port: number;
  readonly silent: number;
  readonly closed: number;
  readonly latencyMs: number;
  /** --warm-up of the simulator: GETs per answering unit before it reports ready (0: none). */
  readonly warmUp: number;
  /** Soft limit on open files asked for the simulator (raised up to the hard limit if refused). */
  readonly wantFiles: number;
  /** fast: bench/responder.ts (pre-encoded answers); simulator: tools/simulator (net-snmp's agent). */
  readonly responder: 'fast' | 'simulator';
}

export interface RunningSimulator {
  readonly pid: number;
  /** host:port of every unit, in the order printed. */
  readonly endpoints: readonly string[];
  /** How long the simulator took to bind every unit, as it reports it. */
  readonly upMs: number;
  /** The simulator's soft limit on open files, as applied. */
  readonly fileLimit: number | undefined;
  /** Stops it (SIGTERM, then SIGKILL after a grace period); resolves to the requests it received. */
  stop(): Promise<{ requests: number | undefined; sets: number | undefined }>;
}

/** Bounded wait for the units to be up: generous for slow machines, still finite. */
function startupBudgetMs(units: number): number {
  return 30_000 + units * 10;
}

const STOP_GRACE_MS = 20_000;

/**
 * The simulator holds 2,000+ agents (a ~250 MB heap) and makes a few KB of short-lived garbage
 * per request: with V8's default young generation (grown from 1 MB) it scavenged often enough
 * to spend 0.17 s of a 2,100-request run in the GC. A young generation big enough that a run
 * hardly scavenges roughly halved its CPU per run (0.5–0.8 s to 0.3–0.45 s, bench/README.md).
 * The tools are separate processes and keep Node's defaults.
 */
const SIMULATOR_NODE_FLAGS = ['--min-semi-space-size=64', '--max-semi-space-size=256'];

export async function startSimulator(o: SimulatorOptions): Promise<RunningSimulator> {
  const fast = o.responder === 'fast';
  const main = fast ? join(o.root, 'dist', 'bench', 'responder.js') : join(o.root, 'dist', 'tools', 'simulator', 'main.js');
  const args = ['--scale', String(o.units), '--port', String(o.port)];
  if (!fast) args.push('--latency', String(o.latencyMs));
  if (o.silent > 0) args.push('--silent', String(o.silent));
  if (o.closed > 0) args.push('--closed', String(o.closed));
  if (o.warmUp > 0 && !fast) args.push('--warm-up', String(o.warmUp));
  // Ask for the limit; without the privilege to raise the hard limit, take the hard limit.
  const script = `ulimit -n ${o.wantFiles} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"`;
  const child = spawn('sh', ['-c', script, process.execPath, ...SIMULATOR_NODE_FLAGS, main, ...args], {
    cwd: o.root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('bench: could not start the simulator');
  // 'close' comes after the process exited and its stdout/stderr are read to the end.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

  const endpoints: string[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const endpoint = line.split(/\s+/)[0];
      if (endpoint) endpoints.push(endpoint);
    }
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8192);
  });

  const upMs = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`bench: simulator not up after ${startupBudgetMs(o.units)} ms; it said: ${stderr.trim() || '(nothing)'}`));
    }, startupBudgetMs(o.units));
    const onData = () => {
      const m = /(\d+) units up in (\d+) ms/.exec(stderr);
      if (m) {
        cleanup();
        resolve(Number(m[2]));
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`bench: simulator exited (${code}) before serving: ${stderr.trim() || '(no message)'}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
    };
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
  // The unit lines are written before the "up" line; let stdout drain to its end.
  await settleStdout(child, o.units, endpoints);

  return {
    pid,
    endpoints,
    upMs,
    fileLimit: openFileLimit(pid),
    stop: () => stop(child, closed, () => stderr),
  };
}

/** Waits (bounded) until every unit line has been read from the simulator's stdout. */
async function settleStdout(child: ChildProcess, units: number, endpoints: string[]): Promise<void> {
  for (let i = 0; i < 200 && endpoints.length < units && child.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  if (endpoints.length < units) throw new Error(`bench: simulator listed ${endpoints.length} of ${units} units`);
}

async function stop(
  child: ChildProcess,
  closed: Promise<void>,
  stderr: () => string,
): Promise<{ requests: number | undefined; sets: number | undefined }> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await closed;
  clearTimeout(timer);
  const m = /stopped; (\d+) requests received \((\d+) SET\)/.exec(stderr());
  return { requests: m ? Number(m[1]) : undefined, sets: m ? Number(m[2]) : undefined };
}
