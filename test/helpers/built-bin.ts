import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The shipped bundle, for tests that run the tool as a process. `npm test` builds it first;
// a bare `npx vitest` before any build skips those tests and says so in their names.
export const BIN = join(process.cwd(), 'dist', 'bin', 'ats-audit.js');
export const HAVE_BIN = existsSync(BIN);
/** Appended to the name of a test that needs BIN: empty when it is there. */
export const BIN_NOTE = HAVE_BIN ? '' : ' (skipped: dist/bin/ats-audit.js is not built; run npm run build)';
