// Runs one command under /usr/bin/time and measures it: wall time (our own clock, from spawn to
// exit), the largest single process's peak RSS and the CPU time of the whole tree (from GNU time,
// which reads them from wait4's rusage), and, by sampling /proc, the peak memory of the whole
// process tree (GNU time's %M is the largest process, not the sum: with 64 snmpget processes at
// once the sum is what the machine pays). The run is killed once it exceeds its deadline.

import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { busyShare, cpuSeconds, machineCpu, treeMemory, udpCounters } from './proc.js';

export const GNU_TIME = '/usr/bin/time';

export interface Command {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Where the command's stdout goes; discarded when absent. */
  readonly stdoutFile?: string;
}

export interface MeasureOptions {
  /** Kill the command (whole process group) after this many ms. */
  readonly deadlineMs: number;
  /** Sample the tree's memory this often; 0 disables sampling. */
  readonly sampleMs: number;
  /** A process outside the tree whose CPU use is attributed to this run (the simulator). */
  readonly watchPid?: number;
  /** Where GNU time writes its figures. */
  readonly timeFile: string;
  /** Told the process-group id once the command is started (to kill it on Ctrl-C). */
  readonly onStart?: (pid: number) => void;
}

export interface Measurement {
  readonly wallS: number;
  /** Exit status of the command; undefined when it was killed by a signal. */
  readonly exitCode: number | undefined;
  readonly signal: NodeJS.Signals | undefined;
  readonly timedOut: boolean;
  /** Largest resident set of any one process of the tree, MB (GNU time %M). */
  readonly maxRssMb: number | undefined;
  /** User + system CPU of the command and all its descendants, s (GNU time %U + %S). */
  readonly cpuS: number | undefined;
  /** Highest sampled sum of PSS / RSS over the tree (GNU time itself excluded), MB. */
  readonly treePssMb: number | undefined;
  readonly treeRssMb: number | undefined;
  /** Most processes seen at once in the tree (GNU time excluded). */
  readonly treeProcesses: number;
  /** CPU seconds the watched process used during the run. */
  readonly watchedCpuS: number | undefined;
  /** Share of the whole machine's CPU that was busy during the run, 0..1. */
  readonly machineBusy: number | undefined;
  /** UDP datagrams dropped on a full receive buffer during the run (whole machine; loopback included). */
  readonly udpRcvbufDrops: number | undefined;
  /** Last few kB of the command's stderr, for failure messages. */
  readonly stderrTail: string;
}

const STDERR_KEEP = 4096;

/** Parses GNU time's `-f '%e %M %U %S'` line (the last line; earlier ones may say "Command exited..."). */
function readTimeFile(path: string): { maxRssKb: number; cpuS: number } | undefined {
  if (!existsSync(path)) return undefined;
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const last = lines[lines.length - 1]?.trim().split(/\s+/).map(Number);
  if (!last || last.length < 4 || last.some((n) => !Number.isFinite(n))) return undefined;
  const [, maxRssKb, user, sys] = last as [number, number, number, number];
  return { maxRssKb, cpuS: user + sys };
}

export async function measure(command: Command, options: MeasureOptions): Promise<Measurement> {
  const out = command.stdoutFile ? openSync(command.stdoutFile, 'w') : 'ignore';
  const watchedBefore = options.watchPid === undefined ? undefined : cpuSeconds(options.watchPid);
  const machineBefore = machineCpu();
  const udpBefore = udpCounters();
  const started = performance.now();
  const child = spawn(GNU_TIME, ['-o', options.timeFile, '-f', '%e %M %U %S', command.file, ...command.args], {
    cwd: command.cwd,
    env: command.env ?? process.env,
    stdio: ['ignore', out, 'pipe'],
    // Own process group, so a run past its deadline can be killed whole (xargs and its children too).
    detached: true,
  });
  if (typeof out === 'number') closeSync(out);
  const timePid = child.pid;
  if (timePid !== undefined) options.onStart?.(timePid);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });

  let peakPss = 0;
  let peakRss = 0;
  let peakProcesses = 0;
  let sampled = false;
  const sample = () => {
    if (timePid === undefined) return;
    const m = treeMemory(timePid, new Set([timePid]));
    if (m.processes === 0) return;
    sampled = true;
    peakPss = Math.max(peakPss, m.pssKb);
    peakRss = Math.max(peakRss, m.rssKb);
    peakProcesses = Math.max(peakProcesses, m.processes);
  };
  const sampler = options.sampleMs > 0 ? setInterval(sample, options.sampleMs) : undefined;
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    if (timePid !== undefined) {
      try {
        process.kill(-timePid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, options.deadlineMs);

  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, sig) => resolve([code, sig]));
  });
  const wallS = (performance.now() - started) / 1000;
  clearTimeout(deadline);
  if (sampler) clearInterval(sampler);
  const machineAfter = machineCpu();
  const udpAfter = udpCounters();
  const watchedAfter = options.watchPid === undefined ? undefined : cpuSeconds(options.watchPid);

  const time = readTimeFile(options.timeFile);
  return {
    wallS,
    exitCode: exitCode ?? undefined,
    signal: signal ?? undefined,
    timedOut,
    maxRssMb: time ? time.maxRssKb / 1024 : undefined,
    cpuS: time?.cpuS,
    treePssMb: sampled ? peakPss / 1024 : undefined,
    treeRssMb: sampled ? peakRss / 1024 : undefined,
    treeProcesses: peakProcesses,
    watchedCpuS: watchedBefore !== undefined && watchedAfter !== undefined ? watchedAfter - watchedBefore : undefined,
    machineBusy: busyShare(machineBefore, machineAfter),
    udpRcvbufDrops: udpBefore && udpAfter ? udpAfter.rcvbufErrors + udpAfter.inErrors - udpBefore.rcvbufErrors - udpBefore.inErrors : undefined,
    stderrTail: stderr,
  };
}
