// `npm run bundle`: links dist/src/cli/bin.js (tsc's output) into the shipped bin,
// dist/bin/ats-audit.js, and makes it executable. Silent when all is well: only rolldown's
// warnings and errors are printed (on stderr), never its list of chunks.
import { chmodSync } from 'node:fs';
import { build } from 'rolldown';

const BIN = 'dist/bin/ats-audit.js';

await build({
  input: 'dist/src/cli/bin.js',
  platform: 'node',
  logLevel: 'warn',
  onLog: (level, log) => process.stderr.write(`rolldown ${level}: ${log.message}\n`),
  output: {
    dir: 'dist/bin',
    format: 'esm',
    entryFileNames: 'ats-audit.js',
    chunkFileNames: '[name]-[hash].js',
    cleanDir: true,
  },
});
// rolldown writes files with the default mode; `npx ats-audit` and the bin link need +x.
chmodSync(BIN, 0o755);
