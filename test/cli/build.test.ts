import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { EXIT } from '../../src/exit-codes.js';
import { BIN, BIN_NOTE, HAVE_BIN } from '../helpers/built-bin.js';

// The build as a user meets it: quiet when all is well, and a bin that runs (`npx ats-audit`
// failed with "Permission denied" when every build dropped the mode).

const TSC_OUTPUT = join(process.cwd(), 'dist', 'src', 'cli', 'bin.js');
const CODE_CACHE = join(process.cwd(), 'dist', 'src', 'cli', 'code-cache.js');

describe('the build', () => {
  it.skipIf(!HAVE_BIN)(`leaves dist/bin/ats-audit.js executable, with its #! line${BIN_NOTE}`, () => {
    expect(statSync(BIN).mode & 0o111).toBe(0o111);
    const r = execFile(BIN, ['--version']);
    return new Promise<void>((resolve, reject) => {
      let out = '';
      let err = '';
      r.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      r.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      r.on('exit', (code) => {
        try {
          expect(code).toBe(0);
          expect(out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
          // Not even a word from V8 about the flags the launcher sets (v8-tuning.ts).
          expect(err).toBe('');
          resolve();
        } catch (e) {
          reject(e);
        }
      });
    });
  });

  it.skipIf(!existsSync(TSC_OUTPUT))(
    `bundles without printing a line, into an executable file${existsSync(TSC_OUTPUT) ? '' : ' (skipped: dist/src not built; run npm run build)'}`,
    async () => {
      // Inside the project, where the bundle finds net-snmp in node_modules as the shipped one does.
      const out = mkdtempSync(join(process.cwd(), 'dist', 'bundle-test-'));
      onTestFinished(() => rmSync(out, { recursive: true, force: true }));
      const r = await promisify(execFile)(process.execPath, ['tools/bundle.mjs', '--out', out]);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('');
      expect(statSync(join(out, 'ats-audit.js')).mode & 0o111).toBe(0o111);
      expect(readdirSync(out).sort()).toEqual(['ats-audit.cjs', 'ats-audit.cjs.cache', 'ats-audit.js']);
      // V8 takes the cache the build wrote (asked in a plain node process, as the tool runs).
      const check = await promisify(execFile)(process.execPath, [
        '--input-type=module',
        '-e',
        `import { compileBundle } from ${JSON.stringify(pathToFileURL(CODE_CACHE).href)};
         process.stdout.write(String(compileBundle(${JSON.stringify(join(out, 'ats-audit.cjs'))}).cacheAccepted));`,
      ]);
      expect(check.stdout).toBe('true');
    },
  );

  it.skipIf(!HAVE_BIN)(`ships one CommonJS file with no import() and no web server loaded at start${BIN_NOTE}`, () => {
    // node:vm runs the bundle without a callback for import(); node:http is for `serve` alone.
    const bundle = readFileSync(join(dirname(BIN), 'ats-audit.cjs'), 'utf8');
    expect(bundle).not.toMatch(/\bimport\(/);
    expect(bundle).not.toMatch(/^\S.*require\("(node:)?https?"\)/m);
  });

  it.skipIf(!HAVE_BIN)(`a scan loads neither exceljs nor node:http${BIN_NOTE}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ats-loaded-'));
    const preload = join(dir, 'loaded.cjs');
    writeFileSync(
      preload,
      `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(join(dir, 'loaded.txt'))}, [...process.moduleLoadList, ...Object.keys(require.cache)].join('\\n')));`,
    );
    const inventory = join(dir, 'targets.txt');
    writeFileSync(inventory, '127.0.0.1:9\n');
    const r = spawnSync(process.execPath, ['-r', preload, BIN, 'scan', '-i', inventory, '--timeout', '300ms', '--retries', '0', '-f', 'csv', '-o', join(dir, 'r.csv'), '-q'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(EXIT.incomplete); // the one unit is unreachable
    const loaded = readFileSync(join(dir, 'loaded.txt'), 'utf8').split('\n');
    expect(loaded).toContain('NativeModule dgram');
    expect(loaded).not.toContain('NativeModule http');
    expect(loaded.filter((m) => m.includes('exceljs'))).toEqual([]);
  });
});
