import { accessSync, constants, lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../io.js';
import type { KeepAttributes } from './atomic-write.js';

// Where a report goes, checked before the first packet: a run that cannot deliver its report
// must not start, and a destination that is not a plain file (a device, a FIFO, a directory)
// or that is one of the run's own inputs must never be replaced.

/** The names that mean standard output rather than a file. */
const STDOUT_NAMES: ReadonlySet<string> = new Set(['-', '/dev/stdout', '/dev/fd/1', '/proc/self/fd/1']);

/** Whether `--output NAME` means standard output (`-`, `/dev/stdout`). */
export function isStdoutName(name: string): boolean {
  return STDOUT_NAMES.has(name);
}

/** A file the run reads, named as the user named it (for the refusal message). */
export interface InputFile {
  /** The option that named it: `--inventory`, `--baseline`, `$ATS_AUDIT_CONFIG`, ... */
  readonly option: string;
  readonly path: string;
}

export interface FileDestination {
  /** As the user gave it: every message names this. */
  readonly given: string;
  /** The file to replace: symbolic links resolved, so a link stays a link. */
  readonly path: string;
  /** The file there now (a regular file): what the new one keeps. */
  readonly existing?: KeepAttributes;
}

const MAX_LINKS = 40; // as Linux's own limit (ELOOP)
const MAGIC_LINK = /^(?:[a-z_]+:\[\d+\]|anon_inode:)/;

/**
 * Checks `--output NAME` before anything is sent; throws UsageError naming NAME when the report
 * could not be written there, or would destroy something. Not checked here (cannot be): a
 * disk that fills up or permissions that change during the run — see `saveFallback`.
 */
export function checkOutputFile(given: string, inputs: readonly InputFile[], option = '--output'): FileDestination {
  const refuse = (why: string): never => {
    throw new UsageError(`${option} ${given}: ${why}; nothing was sent`);
  };
  if (given.trim() === '') refuse('empty file name');
  const target = followLinks(given, refuse);
  const via = target === resolve(given) ? '' : ` (a link to ${target})`;
  const dir = dirname(target);
  let dirStat: Stats;
  try {
    dirStat = statSync(dir);
  } catch (e) {
    return refuse(`directory ${dir}${via} ${errnoText(e, 'cannot be used')}`);
  }
  if (!dirStat.isDirectory()) refuse(`${dir}${via} is not a directory`);
  if (!canAccess(dir, constants.W_OK | constants.X_OK)) refuse(`directory ${dir}${via} is not writable`);
  const path = join(realpathSync(dir), basename(target));

  let existing: Stats | undefined;
  try {
    existing = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') refuse(`${errnoText(e, 'cannot be used')}${via}`);
  }
  if (existing) {
    const kind = notAFile(existing);
    if (kind === 'a directory') refuse(`is a directory${via}: give the name of a file to write`);
    if (kind) refuse(`is ${kind}${via}, not a regular file: the report would replace it`);
    if (!canAccess(path, constants.W_OK)) refuse(`is not writable${via}`);
    for (const input of inputs) {
      const st = statOrUndefined(input.path);
      if (st && st.dev === existing.dev && st.ino === existing.ino) {
        refuse(`is also an input (${input.option} ${input.path})${via}: writing the report there would destroy it`);
      }
    }
  }
  return {
    given,
    path,
    ...(existing ? { existing: { mode: existing.mode, uid: existing.uid, gid: existing.gid } } : {}),
  };
}

/** The end of a chain of symbolic links (the name itself when it is none), absolute. */
function followLinks(name: string, refuse: (why: string) => never): string {
  let path = resolve(name);
  for (let i = 0; i < MAX_LINKS; i++) {
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch (e) {
      // A missing name (or a dangling link's missing target) is a new file: its directory decides.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return path;
      return refuse(errnoText(e, 'cannot be used'));
    }
    if (!st.isSymbolicLink()) return path;
    const to = readlinkSync(path);
    // /proc/PID/fd links to a pipe or socket ("pipe:[123]", /dev/stderr as a pipe) name no
    // file: the link itself is the destination, and stat (through it) tells what it is.
    if (MAGIC_LINK.test(to)) return path;
    path = resolve(dirname(path), to);
  }
  return refuse('too many levels of symbolic links');
}

function notAFile(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function canAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function errnoText(e: unknown, fallback: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'ENOTDIR') return 'is not a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'is not accessible (permission denied)';
  return `${fallback} (${code ?? (e as Error).message})`;
}
