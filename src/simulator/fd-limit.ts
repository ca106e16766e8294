// How many more files (sockets) this process may open. Node has no getrlimit, so this
// reads Linux's /proc; elsewhere it reports nothing and binding errors speak instead.

import { readFileSync, readdirSync } from 'node:fs';

export interface FdBudget {
  /** Soft RLIMIT_NOFILE (`ulimit -n`). */
  readonly limit: number;
  /** Descriptors already open. */
  readonly open: number;
}

export function fdBudget(): FdBudget | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    if (soft === undefined || !/^\d+$/.test(soft)) return undefined; // "unlimited" or unknown
    return { limit: Number(soft), open: readdirSync('/proc/self/fd').length };
  } catch {
    return undefined;
  }
}

/** Words for an error: the limit, what is open, what was asked. */
export function describeFdBudget(budget: FdBudget | undefined, wanted: number): string {
  if (!budget) return `the process file-descriptor limit (see 'ulimit -n') is too low for ${wanted} sockets`;
  return (
    `this process may open at most ${budget.limit} files (soft limit, 'ulimit -n'), ` +
    `${budget.open} are already open, and the fleet needs ${wanted} UDP sockets (one per unit)`
  );
}
