// `node tools/code-cache.mjs DIR` (run by tools/bundle.mjs): writes DIR/ats-audit.cjs.cache, the
// V8 code cache the shipped entry point runs the bundle with (src/cli/code-cache.ts).
//
// The cache holds what V8 compiled, so it is taken after a warm-up run of the real program in
// this process: a CSV scan of one loopback port that nothing listens on (bound, then closed),
// which answers "port unreachable" at once. That compiles the command line, the target lists,
// the scan, the session and the report path, the work of every run. Nothing leaves the
// machine; the report goes to a temporary directory, removed afterwards.
//
// Compiled with the same function as the launcher, so the text V8 checks the cache against is
// the same. Exits 0 when the cache was written; the bundle step then says nothing.
import { createSocket } from 'node:dgram';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cacheFileOf, compileBundle } from '../dist/src/cli/code-cache.js';

const dir = resolve(process.argv[2] ?? 'dist/bin');
const bundle = join(dir, 'ats-audit.cjs');
const cache = cacheFileOf(bundle);

const closedPort = await new Promise((done, fail) => {
  const socket = createSocket('udp4');
  socket.once('error', fail);
  socket.bind(0, '127.0.0.1', () => {
    const { port } = socket.address();
    socket.close(() => done(port));
  });
});

const scratch = mkdtempSync(join(tmpdir(), 'ats-code-cache-'));
process.argv = [
  process.execPath,
  join(dir, 'ats-audit.js'),
  'scan',
  `127.0.0.1:${closedPort}`,
  '--timeout',
  '500ms',
  '--retries',
  '0',
  '--format',
  'csv',
  '--output',
  join(scratch, 'warm-up.csv'),
  '--quiet',
];

const compiled = compileBundle(bundle);
// The program ends with process.exit (bin.ts): the cache is taken then, with all it compiled.
process.on('exit', () => {
  rmSync(scratch, { recursive: true, force: true });
  try {
    const part = `${cache}.${process.pid}.tmp`;
    writeFileSync(part, compiled.script.createCachedData());
    renameSync(part, cache);
    process.exitCode = 0;
  } catch (e) {
    process.stderr.write(`code-cache: cannot write ${cache}: ${e.message}\n`);
    process.exitCode = 1;
  }
});
compiled.run();
