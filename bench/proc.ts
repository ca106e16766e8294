// Linux /proc readers for the benchmark: a process tree's memory, a process's CPU time, the
// machine's CPU use, a process's file limit. Node has no getrusage for children or wait4, so the
// figures /usr/bin/time does not give (memory of a whole process tree, the simulator's CPU) are
// read here. Every reader tolerates a process that exits while it is being read.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Fields of /proc/PID/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  const s = tryRead(`/proc/${pid}/stat`);
  if (s === undefined) return undefined;
  const end = s.lastIndexOf(')');
  return end < 0 ? undefined : s.slice(end + 2).split(' ');
}

let clockTicks: number | undefined;

/** USER_HZ, the unit of utime/stime in /proc (100 on every common Linux). */
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU seconds a process has used so far (not its children), or undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  const f = statFields(pid);
  // After the name: state(0) ppid(1) ... utime(11) stime(12).
  if (!f || f.length < 13) return undefined;
  return (Number(f[11]) + Number(f[12])) / ticksPerSecond();
}

/** Jiffies of the whole machine, busy and total, from the first line of /proc/stat. */
export interface MachineCpu {
  readonly busy: number;
  readonly total: number;
}

export function machineCpu(): MachineCpu | undefined {
  const line = tryRead('/proc/stat')?.split('\n')[0];
  if (!line?.startsWith('cpu ')) return undefined;
  const n = line.trim().split(/\s+/).slice(1).map(Number);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0); // user..steal; guest is inside user
  const idle = (n[3] ?? 0) + (n[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/** Share of the machine's CPU time that was busy between two readings, 0..1. */
export function busyShare(a: MachineCpu | undefined, b: MachineCpu | undefined): number | undefined {
  if (!a || !b || b.total <= a.total) return undefined;
  return (b.busy - a.busy) / (b.total - a.total);
}

/** Soft limit on open files of a process, or undefined (unlimited or unreadable). */
export function openFileLimit(pid: number | 'self'): number | undefined {
  const line = tryRead(`/proc/${pid}/limits`)
    ?.split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : undefined;
}

/** pid -> ppid of every process visible now. */
function parentTable(): Map<number, number> {
  const table = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (f?.[1] !== undefined) table.set(Number(name), Number(f[1]));
  }
  return table;
}

/** The process and all its descendants alive now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentTable()) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  // Bounded by the number of processes on the machine: every pid is visited once.
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

export interface TreeMemory {
  /** Sum of resident set sizes, kB (shared library pages counted once per process). */
  readonly rssKb: number;
  /** Sum of proportional set sizes, kB (shared pages split between the processes sharing them). */
  readonly pssKb: number;
  readonly processes: number;
}

/** Memory of a process tree now, from smaps_rollup. `exclude` leaves out pids (e.g. /usr/bin/time itself). */
export function treeMemory(root: number, exclude: ReadonlySet<number> = new Set()): TreeMemory {
  let rssKb = 0;
  let pssKb = 0;
  let processes = 0;
  for (const pid of processTree(root)) {
    if (exclude.has(pid)) continue;
    const rollup = tryRead(`/proc/${pid}/smaps_rollup`);
    if (rollup === undefined) continue;
    const rss = /^Rss:\s+(\d+) kB/m.exec(rollup);
    const pss = /^Pss:\s+(\d+) kB/m.exec(rollup);
    if (!rss || !pss) continue; // a zombie has an empty rollup
    rssKb += Number(rss[1]);
    pssKb += Number(pss[1]);
    processes++;
  }
  return { rssKb, pssKb, processes };
}

/** UDP counters of this network namespace (/proc/net/snmp): datagrams dropped for a full receive buffer, and to closed ports. */
export interface UdpCounters {
  readonly inDatagrams: number;
  readonly noPorts: number;
  readonly rcvbufErrors: number;
  readonly inErrors: number;
}

export function udpCounters(): UdpCounters | undefined {
  const lines = tryRead('/proc/net/snmp')?.split('\n').filter((l) => l.startsWith('Udp: '));
  if (!lines || lines.length < 2) return undefined;
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1).map(Number);
  const get = (name: string) => values[names.indexOf(name)] ?? 0;
  return { inDatagrams: get('InDatagrams'), noPorts: get('NoPorts'), rcvbufErrors: get('RcvbufErrors'), inErrors: get('InErrors') };
}
