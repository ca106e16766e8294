import { writeFileAtomic } from './atomic-write.js';
import type { FileDestination } from './destination.js';
import { saveFallback } from './fallback.js';
import { ReportRenderError, type ReportData } from './report-data.js';

export type WriteOutcome =
  | { readonly ok: true }
  /** Not written where asked; `savedTo` is where it went instead (undefined: nowhere). */
  | { readonly ok: false; readonly message: string; readonly savedTo?: string };

/**
 * Writes a report to a destination checked with `checkOutputFile`: atomically, through links,
 * keeping the old file's mode. On failure, saves it to a fallback file (chunks are rendered
 * again) and says where. A renderer that throws is not the destination's fault: that error
 * is thrown as it was, with no fallback (the temporary file is gone).
 */
export function writeReportFile(dest: FileDestination, data: ReportData): WriteOutcome {
  try {
    writeFileAtomic(dest.path, data, dest.existing);
    return { ok: true };
  } catch (e) {
    if (e instanceof ReportRenderError) throw e.cause;
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    try {
      const savedTo = saveFallback(dest.given, data);
      return { ok: false, message: `cannot write ${dest.given} (${why}); the report was saved to ${savedTo} instead`, savedTo };
    } catch (e2) {
      const why2 = (e2 as NodeJS.ErrnoException).code ?? (e2 as Error).message;
      return { ok: false, message: `cannot write ${dest.given} (${why}), nor a copy in the temporary directory (${why2})` };
    }
  }
}
