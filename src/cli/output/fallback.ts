import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/**
 * When the report cannot be written where it was asked for (the disk filled up, the directory
 * went away or its permissions changed during the run), the results are still not lost: they go
 * to a new private directory under the temporary directory ($TMPDIR, else /tmp), keeping the
 * file's name. Returns the path written; throws when even that fails.
 */
export function saveFallback(wanted: string, data: string | Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'ats-audit-report-'));
  const file = join(dir, basename(wanted) || 'report');
  writeFileSync(file, data, { mode: 0o600, flag: 'wx' });
  return file;
}
