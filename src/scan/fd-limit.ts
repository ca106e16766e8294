import { readFileSync, readdirSync } from 'node:fs';

// Each unit in flight holds one UDP socket, i.e. one file descriptor, so the concurrency must
// stay under the process's open-files limit or sockets fail with EMFILE. Node has no
// getrlimit: Linux's /proc tells; elsewhere assume the common default of 1024.

/** Units polled at once by default: enough that 1,000 dead hosts in a fleet wait out their timeouts together. */
export const DEFAULT_CONCURRENCY = 1000;
/**
 * Descriptors kept free for everything else the process opens (report file, inventories, DNS,
 * stdio): a quarter of what is left after those already open, at least FD_MIN_HEADROOM and at
 * most FD_HEADROOM. Proportional, so a low `ulimit -n` (64) still leaves room for real
 * concurrency instead of a fixed reserve eating all of it.
 */
export const FD_HEADROOM = 64;
export const FD_MIN_HEADROOM = 8;
/** Assumed soft limit where /proc/self/limits cannot be read. */
export const FALLBACK_FILE_LIMIT = 1024;

export interface FileLimit {
  /** Soft RLIMIT_NOFILE (`ulimit -n`); Infinity for "unlimited". */
  readonly soft: number;
  /** Descriptors open now. */
  readonly open: number;
  /** False when the numbers are assumed (no /proc). */
  readonly known: boolean;
}

export function fileLimit(): FileLimit {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    if (soft !== undefined && (soft === 'unlimited' || /^\d+$/.test(soft))) {
      return { soft: soft === 'unlimited' ? Infinity : Number(soft), open: readdirSync('/proc/self/fd').length, known: true };
    }
  } catch {
    // not Linux, or /proc not mounted
  }
  return { soft: FALLBACK_FILE_LIMIT, open: 16, known: false };
}

/** Descriptors kept spare under this limit (see FD_HEADROOM). */
export function fdReserve(limit: FileLimit): number {
  const free = limit.soft - limit.open;
  if (!Number.isFinite(free)) return FD_HEADROOM;
  return Math.min(FD_HEADROOM, Math.max(FD_MIN_HEADROOM, Math.ceil(free / 4)));
}

/** The most units this process can poll at once: one socket each, beside what is open, with headroom. */
export function concurrencyCeiling(limit: FileLimit = fileLimit()): number {
  return Math.max(1, Math.floor(limit.soft - limit.open - fdReserve(limit)));
}

export function defaultConcurrency(limit: FileLimit = fileLimit()): number {
  return Math.min(DEFAULT_CONCURRENCY, concurrencyCeiling(limit));
}

/** The requested concurrency, lowered to what the file limit allows; `note` says why when it was lowered. */
export function capConcurrency(requested: number, limit: FileLimit = fileLimit()): { value: number; note?: string } {
  const ceiling = concurrencyCeiling(limit);
  if (requested <= ceiling) return { value: requested };
  const soft = limit.known ? `${limit.soft}` : `${limit.soft} (assumed)`;
  return {
    value: ceiling,
    note:
      `concurrency ${requested} lowered to ${ceiling}: each unit in flight needs a UDP socket, this process may open ` +
      `${soft} files ('ulimit -n'), ${limit.open} are open and ${fdReserve(limit)} are kept spare; raise 'ulimit -n' to go higher`,
  };
}
