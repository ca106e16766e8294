import { closeSync, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { writeDataSync, type ReportData } from './report-data.js';

/**
 * When the report cannot be written where it was asked for (the disk filled up, the directory
 * went away or its permissions changed during the run), the results are still not lost: they go
 * to a new private directory under the temporary directory ($TMPDIR, else /tmp), keeping the
 * file's name, readable by the user alone (0600). Chunks are rendered again from the start.
 * Returns the path written; throws when even that fails.
 */
export function saveFallback(wanted: string, data: ReportData): string {
  const dir = mkdtempSync(join(tmpdir(), 'ats-audit-report-'));
  const file = join(dir, basename(wanted) || 'report');
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeDataSync(fd, data);
  } finally {
    closeSync(fd);
  }
  return file;
}
