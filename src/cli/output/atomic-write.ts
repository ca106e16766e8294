import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fchownSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeDataSync, type ReportData } from './report-data.js';

/** What a replaced file keeps: its permission bits and (when we may set them) its owner. */
export interface KeepAttributes {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/**
 * A report file is either the old one or the complete new one, never half-written: write a
 * temporary file beside it (in the same directory, so the rename stays on one file system),
 * flush it to disk, then rename over the target (atomic on POSIX). `file` must be the real
 * path of the destination: a symbolic link is resolved by the caller, so the link stays and its
 * target is replaced. A replaced file keeps its mode (and owner, when running as root); a new
 * file gets 0666 less the umask, as any program would create it. Chunks are written one after
 * the other as they are rendered; if rendering throws (ReportRenderError), the temporary file is
 * removed as for any other failure.
 */
export function writeFileAtomic(file: string, data: ReportData, keep?: KeepAttributes): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', keep ? 0o600 : 0o666);
    if (keep) {
      if (process.getuid?.() === 0) fchownSync(fd, keep.uid, keep.gid);
      fchmodSync(fd, keep.mode & 0o7777);
    }
    writeDataSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
}
