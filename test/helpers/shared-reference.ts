import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

// ../shared sits beside the project for developers and CI; a user's clone has none. Tests
// that read it skip with this message rather than fail.
export const SHARED_REFERENCE = resolve(process.cwd(), '..', 'shared', 'reference');
export const HAS_SHARED = existsSync(join(SHARED_REFERENCE, 'PowerNet-MIB.txt'));
export const SKIP_NOTE = `(skipped: ${SHARED_REFERENCE} not found — only CI and developers have ../shared)`;
