// `npm run bundle`: links tsc's output into the shipped tool, in dist/bin:
// - ats-audit.cjs: the program (dist/src/cli/bin.js and all it loads) as one CommonJS file;
// - ats-audit.js: the executable entry point (src/cli/launch.ts), which runs ats-audit.cjs
//   through V8's code cache (src/cli/code-cache.ts says why CommonJS, and the cache's contract);
// - ats-audit.cjs.cache: that cache, written by tools/code-cache.mjs after a warm-up run.
// Silent when all is well: only rolldown's warnings and errors are printed (on stderr), never
// its list of chunks. `--out DIR` bundles into DIR instead (the test does, so as not to replace
// dist/bin under the tests that run it).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const at = process.argv.indexOf('--out');
const DIR = at > 0 && process.argv[at + 1] ? process.argv[at + 1] : 'dist/bin';
const BIN = join(DIR, 'ats-audit.js');

const common = {
  platform: 'node',
  logLevel: 'warn',
  onLog: (level, log) => {
    // yargs reads `import.meta.resolve` only for a config's "extends", which this tool does
    // not use; in CommonJS rolldown makes it `{}` and says so.
    if (log.code === 'EMPTY_IMPORT_META' && /node_modules[\\/]yargs[\\/]/.test(log.id ?? log.message)) return;
    process.stderr.write(`rolldown ${level}: ${log.message}\n`);
  },
};

await build({
  ...common,
  input: 'dist/src/cli/bin.js',
  // Required from node_modules when an .xlsx is read or written (src/xlsx-library.ts): bundled,
  // its dependencies' old Buffer() calls would sit outside node_modules and Node would print a
  // DeprecationWarning.
  external: ['exceljs'],
  output: { dir: DIR, entryFileNames: 'ats-audit.cjs', format: 'cjs', codeSplitting: false, cleanDir: true, charset: 'ascii', comments: { legal: true, annotation: false, jsdoc: false } },
});

await build({
  ...common,
  input: 'dist/src/cli/launch.js',
  output: { dir: DIR, entryFileNames: 'ats-audit.js', format: 'esm' },
});
// rolldown writes files with the default mode; `npx ats-audit` and the bin link need +x.
chmodSync(BIN, 0o755);

const warmUp = spawnSync(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'code-cache.mjs'), DIR], { stdio: ['ignore', 'inherit', 'inherit'] });
if (warmUp.status !== 0 || !existsSync(join(DIR, 'ats-audit.cjs.cache'))) {
  process.stderr.write(`bundle: no code cache was written (status ${warmUp.status}); the tool works, and starts ~30 ms slower\n`);
}
