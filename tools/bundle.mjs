// `npm run bundle`: links dist/src/cli/bin.js (tsc's output) into the shipped bin,
// dist/bin/ats-audit.js, and makes it executable. Silent when all is well: only rolldown's
// warnings and errors are printed (on stderr), never its list of chunks.
// `--out DIR` bundles into DIR instead (the test does, so as not to replace dist/bin under
// the tests that run it).
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'rolldown';

const at = process.argv.indexOf('--out');
const DIR = at > 0 && process.argv[at + 1] ? process.argv[at + 1] : 'dist/bin';
const BIN = join(DIR, 'ats-audit.js');

await build({
  input: 'dist/src/cli/bin.js',
  platform: 'node',
  // Loaded from node_modules when an .xlsx is read or written: bundled, its dependencies' old
  // Buffer() calls would sit outside node_modules and Node would print a DeprecationWarning.
  external: ['exceljs'],
  logLevel: 'warn',
  onLog: (level, log) => process.stderr.write(`rolldown ${level}: ${log.message}\n`),
  output: {
    dir: DIR,
    format: 'esm',
    entryFileNames: 'ats-audit.js',
    chunkFileNames: '[name]-[hash].js',
    cleanDir: true,
  },
});
// rolldown writes files with the default mode; `npx ats-audit` and the bin link need +x.
chmodSync(BIN, 0o755);
